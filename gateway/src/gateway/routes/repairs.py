"""The repairs service's routes the gateway passes through (gateway.passthrough)."""

from __future__ import annotations

from gateway.passthrough import PassThrough

ROUTES: list[PassThrough] = [
    PassThrough(
        "GET", "/v1/repairs", "repairs", ("repairs:read",), "Repair requests, by home or status"
    ),
]
