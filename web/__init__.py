"""The web back office (server-rendered Starlette + Jinja2 pages).

It builds on core's services like the chat does, and offers the composition root its
HTTP routes; it never imports ``bot`` (and ``bot`` never imports it)."""
