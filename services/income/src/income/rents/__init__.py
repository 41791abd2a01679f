"""Rent changes: a tenancy's weekly rent and service charge from a rent week on."""
