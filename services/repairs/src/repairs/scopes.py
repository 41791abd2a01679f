"""The scopes repairs checks itself beyond the staff-only rule (hearth_kit.staff)."""

from __future__ import annotations

MANAGE_SCOPE = "repairs:manage"
"""Approve variations and recharges; run Awaab's Law cases (gateway.scopes)."""
