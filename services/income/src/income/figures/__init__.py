"""Income figures for a period."""
