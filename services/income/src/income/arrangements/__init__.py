"""Arrangements to pay arrears by instalments, on income and expenditure."""
