"""The composition root: the one place that wires core, the chat channels, the reports
and the web back office into a running Sigap. Nothing else imports across those parts;
`cli` calls in here for `sigap run`, `sigap chat` and `sigap digest send-now`."""
