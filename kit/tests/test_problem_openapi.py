"""The OpenAPI document tells the truth about errors, and a 405 names every method the
path is served with."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter, FastAPI, Header
from pydantic import BaseModel

from hearth_kit.problems import (
    PROBLEM_JSON,
    install_problem_handlers,
    install_problem_openapi,
)


class Thing(BaseModel):
    name: str


def an_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    install_problem_openapi(app)
    reads, writes = APIRouter(), APIRouter()

    @reads.get("/v1/things/{thing_id}")
    async def get_thing(thing_id: int) -> Thing:
        return Thing(name=str(thing_id))

    @writes.patch("/v1/things/{thing_id}")
    async def change_thing(thing_id: int, body: Thing) -> Thing:
        return body

    @writes.post("/v1/things", status_code=201)
    async def add_thing(
        body: Thing, idempotency_key: Annotated[str | None, Header()] = None
    ) -> Thing:
        return body

    app.include_router(reads)
    app.include_router(writes)
    return app


def test_every_error_response_is_a_problem_and_the_likely_ones_are_documented() -> None:
    document = an_app().openapi()
    get = document["paths"]["/v1/things/{thing_id}"]["get"]["responses"]
    post = document["paths"]["/v1/things"]["post"]["responses"]
    assert {"404", "422"} <= get.keys()
    assert {"409", "413", "422"} <= post.keys()
    for responses in (get, post):
        for status, response in responses.items():
            if status[0] in "45":
                assert list(response["content"]) == [PROBLEM_JSON]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "Problem" in document["components"]["schemas"]


async def test_a_405_names_every_method_of_the_path_across_routers() -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(an_app()), base_url="http://test"
    ) as client:
        response = await client.delete("/v1/things/1")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PATCH"
    assert response.headers["content-type"] == PROBLEM_JSON
