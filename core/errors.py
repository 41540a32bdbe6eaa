"""Errors the service layer raises for bad input; the message is fit to show a person."""

from __future__ import annotations


class SigapError(Exception):
    """Base of every refusal that should reach the user as a clear sentence."""


class NotFound(SigapError):
    pass


class InvalidInput(SigapError):
    pass


class NotAllowed(SigapError):
    pass
