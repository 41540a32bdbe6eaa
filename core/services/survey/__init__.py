"""The SKM survey: services rated, answers recorded and imported, the IKM, follow-up plans."""
