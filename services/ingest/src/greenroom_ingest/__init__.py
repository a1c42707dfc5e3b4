"""Ingest: probes and validates uploads, extracts 16 kHz mono audio."""
