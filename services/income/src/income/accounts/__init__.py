"""Rent and sundry accounts: append-only ledgers whose balance is derived."""
