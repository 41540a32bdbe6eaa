"""Hostile inputs against the running service (chat and web), on SQLite and PostgreSQL."""
