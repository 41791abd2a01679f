"""Every error a service returns is an RFC 9457 problem, naming the offending fields."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field, field_validator

from hearth_kit.problems import (
    GENERIC_MESSAGE,
    PROBLEM_JSON,
    TYPE_BASE,
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ProblemError,
    ServiceUnavailable,
    Unauthorized,
    Unprocessable,
    install_problem_handlers,
)


class Tenant(BaseModel):
    full_name: str = Field(min_length=1)
    age: int


class HomeCreate(BaseModel):
    uprn: str = Field(pattern=r"^[0-9]{1,12}$")
    bedrooms: int = Field(ge=0)
    tenants: list[Tenant] = []


class Contact(BaseModel):
    """A validator that quotes what it refused, as careless ones do."""

    full_name: str = Field(min_length=2)
    phone: str

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not value.replace(" ", "").isdigit():
            raise ValueError(f"{value} is not a phone number")
        return value


class ContactPublic(BaseModel):
    phone: int


def problem_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/homes")
    async def register_home(home: HomeCreate) -> dict[str, str]:
        return {"uprn": home.uprn}

    @app.get("/homes")
    async def list_homes(limit: int = 50) -> dict[str, int]:
        return {"limit": limit}

    @app.get("/homes/{uprn}")
    async def get_home(uprn: str) -> dict[str, str]:
        raise NotFound(f"No home {uprn}")

    @app.post("/homes/{uprn}/tenancies")
    async def start_tenancy(uprn: str) -> dict[str, str]:
        raise Conflict(f"Home {uprn} already has a live tenancy")

    @app.post("/homes/{uprn}/gas-checks")
    async def book_gas_check(uprn: str) -> dict[str, str]:
        raise Unprocessable("The home has no gas supply", field="gas_supply")

    @app.get("/homes/{uprn}/tenancy")
    async def get_tenancy(uprn: str) -> dict[str, str]:
        raise Unauthorized(
            "The token has expired",
            headers={"WWW-Authenticate": 'Bearer realm="hearth", error="invalid_token"'},
        )

    @app.post("/contacts")
    async def add_contact(contact: Contact) -> dict[str, str]:
        return {"full_name": contact.full_name}

    @app.get("/contacts/{contact_id}")
    async def show_contact(contact_id: int) -> ContactPublic:
        # Shaping a stored row that no longer fits the response model: a bug.
        return ContactPublic.model_validate({"phone": "07700 900123 (Sam Okafor)"})

    @app.get("/contacts/{contact_id}/raw", response_model=ContactPublic)
    async def show_raw_contact(contact_id: int) -> dict[str, str]:
        return {"phone": "07700 900123 (Sam Okafor)"}

    @app.post("/homes/{uprn}/notes")
    async def add_note(uprn: str) -> dict[str, str]:
        raise RuntimeError("password=hunter2 leaked from the database driver")

    return app


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # raise_app_exceptions=False: Starlette re-raises an unhandled error after sending
    # the 500; a real server logs it, the client only sees the response.
    transport = httpx.ASGITransport(problem_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        yield client


def a_home(**overrides: object) -> dict[str, object]:
    return {"uprn": "100023336956", "bedrooms": 2, "tenants": [], **overrides}


async def test_a_missing_field_is_a_422_problem_naming_it(client: httpx.AsyncClient) -> None:
    home = a_home()
    del home["bedrooms"]
    response = await client.post("/homes", json=home)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["type"] == TYPE_BASE + "validation"
    assert problem["status"] == 422
    assert problem["instance"] == "/homes"
    assert problem["errors"] == [
        {"field": "bedrooms", "location": "body", "message": "Field required", "type": "missing"}
    ]
    assert "bedrooms" in problem["detail"]


async def test_a_malformed_field_is_a_422_problem_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.post("/homes", json=a_home(uprn="12AB45"))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    [error] = response.json()["errors"]
    assert error["field"] == "uprn"
    assert error["location"] == "body"
    assert error["type"] == "string_pattern_mismatch"


async def test_every_invalid_field_is_named_with_its_dotted_path(
    client: httpx.AsyncClient,
) -> None:
    home = a_home(uprn="not a uprn", tenants=[{"full_name": "Ada Lovelace", "age": 36}, {}])
    response = await client.post("/homes", json=home)
    assert response.status_code == 422
    problem = response.json()
    fields = {(e["field"], e["location"]) for e in problem["errors"]}
    assert fields == {("uprn", "body"), ("tenants.1.full_name", "body"), ("tenants.1.age", "body")}
    assert (
        problem["detail"] == "Invalid or missing fields: tenants.1.age, tenants.1.full_name, uprn"
    )


async def test_a_malformed_query_parameter_is_named_with_location_query(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/homes", params={"limit": "lots"})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == ("limit", "query")


async def test_a_missing_body_is_named_as_the_body(client: httpx.AsyncClient) -> None:
    response = await client.post("/homes")
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["location"], error["type"]) == ("body", "body", "missing")


async def test_not_found_becomes_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/homes/42")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json() == {
        "type": TYPE_BASE + "not-found",
        "title": "Not found",
        "status": 404,
        "detail": "No home 42",
        "instance": "/homes/42",
    }


async def test_conflict_becomes_a_409_problem(client: httpx.AsyncClient) -> None:
    response = await client.post("/homes/42/tenancies")
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["type"] == TYPE_BASE + "conflict"
    assert problem["title"] == "Conflict"
    assert problem["detail"] == "Home 42 already has a live tenancy"
    assert problem["instance"] == "/homes/42/tenancies"
    assert "errors" not in problem


async def test_a_domain_error_with_a_field_names_it_like_a_validation_error(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/homes/42/gas-checks")
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["type"] == TYPE_BASE + "unprocessable"
    assert problem["title"] == "Unprocessable content"
    assert problem["detail"] == "The home has no gas supply"
    assert problem["instance"] == "/homes/42/gas-checks"
    assert problem["errors"] == [
        {
            "field": "gas_supply",
            "location": "body",
            "message": "The home has no gas supply",
            "type": "unprocessable",
        }
    ]


@pytest.mark.parametrize(
    ("error", "status", "slug"),
    [
        (NotFound, 404, "not-found"),
        (Conflict, 409, "conflict"),
        (PreconditionFailed, 412, "precondition-failed"),
        (PreconditionRequired, 428, "precondition-required"),
        (Unprocessable, 422, "unprocessable"),
        (Unauthorized, 401, "unauthorized"),
        (Forbidden, 403, "insufficient-scope"),
        (ServiceUnavailable, 503, "service-unavailable"),
    ],
)
def test_each_domain_error_carries_its_own_status_and_type(
    error: type[ProblemError], status: int, slug: str
) -> None:
    problem = error("Explained", field="etag", location="header").problem(instance="/x")
    assert problem["status"] == status
    assert problem["type"] == TYPE_BASE + slug
    assert problem["errors"][0] == {
        "field": "etag",
        "location": "header",
        "message": "Explained",
        "type": slug,
    }


async def test_a_domain_error_sends_the_headers_it_carries(client: httpx.AsyncClient) -> None:
    response = await client.get("/homes/42/tenancy")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["www-authenticate"] == 'Bearer realm="hearth", error="invalid_token"'
    problem = response.json()
    assert (problem["type"], problem["detail"]) == (
        TYPE_BASE + "unauthorized",
        "The token has expired",
    )
    assert "headers" not in problem


async def test_an_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "instance": "/nowhere",
    }


async def test_a_wrong_method_is_a_405_problem_keeping_the_allow_header(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/homes/42/tenancies")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["allow"] == "POST"
    assert response.json() == {
        "type": "about:blank",
        "title": "Method Not Allowed",
        "status": 405,
        "instance": "/homes/42/tenancies",
    }


async def test_an_unhandled_error_is_a_500_problem_that_does_not_leak_its_message(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/homes/42/notes")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    # With a span active (FastAPI's own telemetry, once a tracer provider is set), the
    # trace id that finds the log line; nothing else about the cause.
    trace_id = problem.pop("trace_id", "0" * 32)
    assert len(trace_id) == 32
    assert int(trace_id, 16) >= 0
    assert problem == {
        "type": "about:blank",
        "title": "Internal server error",
        "status": 500,
        "instance": "/homes/42/notes",
    }
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text


# --- No personal data in validation problems ------------------------------------------


async def test_a_validation_message_that_quotes_the_value_sent_is_replaced(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/contacts", json={"full_name": "Sam Okafor", "phone": "call Sam on 07700"}
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error == {
        "field": "phone",
        "location": "body",
        "message": GENERIC_MESSAGE,
        "type": "value_error",
    }
    assert "07700" not in response.text
    assert "Sam" not in response.text


async def test_a_validation_message_that_does_not_quote_the_value_is_kept(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/contacts", json={"full_name": "S", "phone": "07700 900123"})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["message"]) == (
        "full_name",
        "String should have at least 2 characters",
    )
    assert '"S"' not in response.text


@pytest.mark.parametrize(
    "body",
    [
        b'{"full_name": "Sam Okafor", "phone": "07700 900123"',  # cut short
        b'{"full_name": "Sam Okafor", "phone": 07700 900123}',  # not JSON
        b"{'full_name': 'Sam Okafor'}",
    ],
)
async def test_a_body_that_is_not_json_is_a_422_that_quotes_none_of_it(
    client: httpx.AsyncClient, body: bytes
) -> None:
    response = await client.post(
        "/contacts", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    [error] = response.json()["errors"]
    assert (error["field"], error["location"], error["type"]) == ("body", "body", "json_invalid")
    for value in ("Sam", "Okafor", "07700", "900123"):
        assert value not in response.text


@pytest.mark.parametrize("path", ["/contacts/1", "/contacts/1/raw"])
async def test_invalid_data_shaped_by_the_service_is_a_500_that_quotes_none_of_it(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["title"] == "Internal server error"
    assert "07700" not in response.text
    assert "Okafor" not in response.text
