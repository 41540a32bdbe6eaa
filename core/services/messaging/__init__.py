"""Messages out: the outbox, what residents are told, who receives what, the senders'
leases and WhatsApp's chat window."""
