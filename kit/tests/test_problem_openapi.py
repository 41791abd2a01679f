"""The OpenAPI document tells the truth about errors, and a 405 names every method the
path is served with."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, FastAPI, Header
from pydantic import BaseModel

from hearth_kit.auth import require_scope
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

    @reads.get("/v1/things/{thing_id}/secrets", dependencies=[Depends(require_scope("secrets"))])
    async def thing_secrets(thing_id: int) -> Thing:
        return Thing(name="hidden")

    @reads.get("/admin/things")
    async def admin_things() -> list[Thing]:
        return []

    app.include_router(reads)
    app.include_router(writes)
    return app


def test_every_error_response_is_a_problem_and_the_likely_ones_are_documented() -> None:
    document = an_app().openapi()
    get = document["paths"]["/v1/things/{thing_id}"]["get"]["responses"]
    post = document["paths"]["/v1/things"]["post"]["responses"]
    assert {"404", "422"} <= get.keys()
    assert {"400", "409", "413", "422"} <= post.keys()
    assert "400" not in get
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


def test_a_403_is_documented_where_the_route_checks_a_scope_and_nowhere_else() -> None:
    """Derived from the route's own dependencies (require_scope) or its path (/admin,
    the contractor API): a new route declares the dependency and gets its 403."""
    paths = an_app().openapi()["paths"]
    assert "403" in paths["/v1/things/{thing_id}/secrets"]["get"]["responses"]
    assert "403" in paths["/admin/things"]["get"]["responses"]
    assert "403" not in paths["/v1/things/{thing_id}"]["get"]["responses"]
    assert "403" not in paths["/v1/things"]["post"]["responses"]


def a_shadowed_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/v1/homes/import")
    async def import_homes() -> None:
        return None

    @app.get("/v1/homes/{uprn:uprn}")
    async def get_home(uprn: str) -> str:
        return uprn

    @app.get("/v1/things/reads")
    async def reads() -> None:
        return None

    @app.delete("/v1/things/{thing_id}")
    async def remove(thing_id: int) -> None:
        return None

    return app


async def test_a_concrete_path_is_not_taken_for_a_template() -> None:
    """A UPRN path parameter takes only a UPRN (so /v1/homes/import answers 405, naming
    POST), and a 405's Allow names the concrete path's methods, not a template's."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(a_shadowed_app()), base_url="http://test"
    ) as client:
        home = await client.get("/v1/homes/000123")
        shadowed = await client.get("/v1/homes/import")
        reads = await client.options("/v1/things/reads")
    assert home.json() == "000123"
    assert (shadowed.status_code, shadowed.headers["allow"]) == (405, "POST")
    assert (reads.status_code, reads.headers["allow"]) == (405, "GET")
