"""Signing and back-off for contractor webhooks: pure, no I/O.

A message is signed with HMAC-SHA256 over "<timestamp>.<body>" with the contractor's
secret, sent as `Hearth-Signature: t=<unix seconds>,v1=<hex digest>`. The timestamp is
inside what is signed, so a captured message cannot be replayed later with a new one;
a receiver refuses a timestamp more than five minutes old.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

SIGNATURE_HEADER = "Hearth-Signature"
EVENT_ID_HEADER = "Hearth-Event-Id"
EVENT_TYPE_HEADER = "Hearth-Event-Type"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The Hearth-Signature header value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, now: int) -> bool:
    """What a contractor does on receipt: the signature matches and is recent."""
    try:
        parts = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


def back_off(attempts: int, *, first_seconds: float, max_seconds: float) -> timedelta:
    """How long to wait after `attempts` failed tries: first_seconds, doubling, capped.

    The doubling stops at 2**30 (over 30 years from a second): a message is tried until
    the contractor takes it, and first_seconds read from the environment is a float, so
    a message refused some 1,025 times (about six weeks of hourly tries) overflowed a
    float, raising in the round every round, and held up every message behind it."""
    doublings = min(max(0, attempts - 1), 30)
    return timedelta(seconds=min(max_seconds, first_seconds * 2**doublings))
