"""Chat dialogs written once, independent of any chat platform.

A channel adapter turns platform updates into ``Inbound`` and renders ``Reply``; the
``Desk`` decides what to say and what to store.
"""
