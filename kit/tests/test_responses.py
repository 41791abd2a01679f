"""model_response: a model sent as the JSON FastAPI would send for it, serialised once."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from fastapi import FastAPI, Response
from pydantic import BaseModel, Field

from hearth_kit.responses import model_response


class Entry(BaseModel):
    uprn: str
    registered_at: datetime
    period_from: str = Field(alias="from")


ENTRY = Entry(
    uprn="100023336956", registered_at=datetime(2026, 11, 30, tzinfo=UTC), **{"from": "x"}
)


async def test_a_model_response_is_what_fastapi_sends_for_the_model() -> None:
    app = FastAPI()

    @app.get("/validated", response_model=Entry)
    async def validated() -> Entry:
        return ENTRY

    @app.get("/direct", response_model=Entry)
    async def direct() -> Response:
        return model_response(ENTRY, headers={"ETag": '"1"'})

    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        through_fastapi = await client.get("/validated")
        sent_directly = await client.get("/direct")
    assert sent_directly.content == through_fastapi.content
    assert sent_directly.headers["content-type"] == through_fastapi.headers["content-type"]
    assert sent_directly.headers["etag"] == '"1"'
    assert sent_directly.json()["from"] == "x"
