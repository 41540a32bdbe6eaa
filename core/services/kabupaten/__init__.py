"""The kabupaten over its offices: every office's figures side by side."""
