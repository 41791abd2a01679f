"""Internal tokens: a verified token is remembered until it expires, but never past a
change of the trusted keys, and only tokens that passed every check are remembered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hearth_kit import auth
from hearth_kit.auth import Caller, InternalTokenVerifier, issue_internal_token, key_id
from hearth_kit.problems import Unauthorized

SERVICE = "compliance"


def a_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def verifier_trusting(*keys: Ed25519PrivateKey, kept: int = 16) -> InternalTokenVerifier:
    public = {key_id(k.public_key()): k.public_key() for k in keys}
    return InternalTokenVerifier(SERVICE, public, kept=kept)


def a_token(key: Ed25519PrivateKey, subject: str = "sam", **extra: Any) -> str:
    return issue_internal_token(
        key, service=SERVICE, subject=subject, scopes=["homes:read"], **extra
    )


@pytest.fixture
def signature_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token whose signature and claims the verifier checks in full."""
    checked: list[str] = []
    decode = jwt.decode

    def counted(token: str, *args: Any, **kwargs: Any) -> Any:
        checked.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(auth.jwt, "decode", counted)
    return checked


def test_a_token_is_checked_once_and_then_remembered(signature_checks: list[str]) -> None:
    key = a_key()
    verifier = verifier_trusting(key)
    token = a_token(key, contractor_id="gasco")
    callers = [verifier.verify(token) for _ in range(3)]
    assert callers == [Caller("sam", frozenset({"homes:read"}), contractor_id="gasco")] * 3
    assert signature_checks == [token]


def test_a_remembered_token_is_checked_again_once_it_has_expired(
    signature_checks: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = a_key()
    verifier = verifier_trusting(key)
    issued = datetime.now(UTC)
    token = a_token(key, now=issued)
    verifier.verify(token)
    expires = (issued + auth.INTERNAL_TOKEN_TTL).timestamp()
    monkeypatch.setattr(auth.time, "time", lambda: expires + 1.0)
    verifier.verify(token)  # still within PyJWT's leeway on the real clock: checked again
    assert signature_checks == [token, token]


def test_a_withdrawn_key_stops_verifying_its_remembered_tokens_at_once() -> None:
    old, new = a_key(), a_key()
    verifier = verifier_trusting(old, new)
    token = a_token(old)
    verifier.verify(token)
    verifier.replace_keys({key_id(new.public_key()): new.public_key()})
    with pytest.raises(Unauthorized, match="not trusted"):
        verifier.verify(token)
    assert verifier.verify(a_token(new)).subject == "sam"


def test_a_token_that_fails_a_check_is_never_remembered(signature_checks: list[str]) -> None:
    key = a_key()
    verifier = verifier_trusting(key)
    expired = a_token(key, now=datetime.now(UTC) - timedelta(minutes=5))
    for _ in range(2):
        with pytest.raises(Unauthorized, match="expired"):
            verifier.verify(expired)
    forged = a_token(a_key())
    with pytest.raises(Unauthorized, match="not trusted"):
        verifier.verify(forged)
    assert signature_checks == [expired, expired]
    assert verifier.tokens_remembered == 0


def test_a_token_for_another_service_is_refused_every_time() -> None:
    key = a_key()
    verifier = verifier_trusting(key)
    other = issue_internal_token(key, service="income", subject="sam", scopes=["homes:read"])
    for _ in range(2):
        with pytest.raises(Unauthorized, match="not for this service"):
            verifier.verify(other)


def test_only_the_most_recently_used_tokens_are_remembered(signature_checks: list[str]) -> None:
    key = a_key()
    verifier = verifier_trusting(key, kept=2)
    first, second, third = (a_token(key, subject=name) for name in ("a", "b", "c"))
    for token in (first, second, first, third):  # `second` is the least recently used
        verifier.verify(token)
    assert verifier.tokens_remembered == 2
    verifier.verify(first)
    verifier.verify(second)
    assert signature_checks == [first, second, third, second]


@pytest.mark.parametrize(
    ("claim", "extra"),
    [
        ("subject", {"subject": "s" * 65}),
        ("contractor_id", {"contractor_id": "c" * 65}),
    ],
)
def test_a_caller_id_longer_than_the_services_keep_is_refused_as_a_token(
    claim: str, extra: dict[str, Any]
) -> None:
    """A longer id would pass here and then fail the write that records who did it (a
    64-character column: a 500 on PostgreSQL); refused as the token instead."""
    key = a_key()
    with pytest.raises(Unauthorized, match=f"{claim.replace('subject', 'sub')}.*64"):
        verifier_trusting(key).verify(a_token(key, **extra))
    assert verifier_trusting(key).verify(a_token(key, subject="s" * 64)).subject == "s" * 64
