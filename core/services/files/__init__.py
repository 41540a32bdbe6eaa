"""Files in and out: CSV and XLSX reading with limits, file kinds, imported-file guards, upserts."""
