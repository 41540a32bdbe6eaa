"""Complaints: registered, moved through their lifecycle, queued, counted and kept confidential."""
