"""Communal issues noticed on visits, awaiting a repairs manager's triage (docs/adr/0044)."""
