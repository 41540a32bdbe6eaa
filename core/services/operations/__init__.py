"""Running Sigap for years: backup and restore, database copy, housekeeping, the figures
an operator watches, and the practice database of `sigap chat`."""
