"""Who is who and may do what: chat accounts, the role matrix, invites, web logins, erasure."""
