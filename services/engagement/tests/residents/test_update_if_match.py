"""Changing a resident takes If-Match with their ETag, as PATCH of a home does: without
it a 428, with a stale one a 412 that changes nothing, with the current one the change
and the next ETag."""

from __future__ import annotations

import httpx


async def test_a_change_needs_the_residents_current_etag(engagement: httpx.AsyncClient) -> None:
    created = await engagement.post(
        "/v1/residents",
        json={"full_name": "Ada Lovelace", "preferred_channel": "letter", "language": "en"},
    )
    assert created.status_code == 201, created.text
    path = f"/v1/residents/{created.json()['id']}"
    got = await engagement.get(path)
    etag = got.headers["etag"]
    assert etag == f'"{got.json()["version"]}"'

    without = await engagement.patch(path, json={"language": "cy"})
    assert without.status_code == 428
    assert without.json()["errors"][0]["field"] == "If-Match"

    changed = await engagement.patch(path, json={"language": "cy"}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.text
    following = changed.headers["etag"]
    assert following == f'"{got.json()["version"] + 1}"' == f'"{changed.json()["version"]}"'

    stale = await engagement.patch(path, json={"language": "pl"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["errors"][0]["field"] == "If-Match"
    now = await engagement.get(path)
    assert now.json()["language"] == "cy"
    assert now.headers["etag"] == following


async def test_a_body_the_document_refuses_is_a_422_before_the_version_is_looked_at(
    engagement: httpx.AsyncClient,
) -> None:
    """A null language is refused by the document (never null), so it is a 422 naming
    it whatever If-Match says, never a 412 for a request that could not succeed."""
    created = await engagement.post(
        "/v1/residents",
        json={"full_name": "Ada Lovelace", "preferred_channel": "letter", "language": "en"},
    )
    path = f"/v1/residents/{created.json()['id']}"
    for headers in ({}, {"If-Match": '"0"'}):
        refused = await engagement.patch(path, json={"language": None}, headers=headers)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "language"
    assert (await engagement.get(path)).json()["language"] == "en"
