"""The repairs at one home in one read: its open repairs and its appointment requests,
the first page of each (the gateway's home overview asks for this instead of two lists)."""
