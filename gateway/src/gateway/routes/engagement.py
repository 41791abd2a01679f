"""The engagement service's routes the gateway passes through (gateway.passthrough)."""

from __future__ import annotations

from gateway.passthrough import PassThrough

ROUTES: list[PassThrough] = []
