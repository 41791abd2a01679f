"""Log lines carry no personal data: personal keys are redacted, exceptions are rendered
by type and frames, and a 500's log line has the exception type and the trace id.

Lines are read from the process's real log handler (setup_logging), so the whole
processor chain is under test, for structlog and standard-library loggers alike.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from hearth_kit.logs import get_logger, setup_logging
from hearth_kit.personal_data import (
    describe_exception,
    format_exception_without_values,
    is_personal_key,
    without_personal_data,
)
from hearth_kit.problems import install_problem_handlers

NAME = "Sam Okafor"
EMAIL = "sam.okafor@example.org"
PHONE = "07700 900123"
PERSONAL = (NAME, "Okafor", EMAIL, PHONE, "900123")


class Resident(BaseModel):
    full_name: str
    email: str
    uprn: str


class LogLines:
    """The lines the process's log handler has written to stdout during the test."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys
        self.written = ""

    @property
    def text(self) -> str:
        self.written += self.capsys.readouterr().out
        return self.written

    def events(self, event: str) -> list[dict[str, Any]]:
        """The lines logged as `event` (other tasks in the process may log meanwhile)."""
        lines = [json.loads(line) for line in self.text.splitlines() if line.startswith("{")]
        return [line for line in lines if line.get("event") == event]

    def assert_no_personal_data(self) -> None:
        for value in PERSONAL:
            assert value not in self.text


@pytest.fixture
def log_lines(capsys: pytest.CaptureFixture[str]) -> LogLines:
    setup_logging("INFO", "json")
    capsys.readouterr()  # what came before the test
    return LogLines(capsys)


def test_values_under_personal_keys_are_redacted(log_lines: LogLines) -> None:
    get_logger("kit-tests").info(
        "resident registered",
        resident_id="r-1",
        full_name=NAME,
        email=EMAIL,
        contact_phone=PHONE,
        address_line_1="1 Acacia Avenue",
    )
    [line] = log_lines.events("resident registered")
    assert line["resident_id"] == "r-1"
    assert line["full_name"] == line["email"] == line["contact_phone"] == "[redacted]"
    assert line["address_line_1"] == "[redacted]"
    log_lines.assert_no_personal_data()


def test_personal_keys_nested_in_mappings_lists_and_models_are_redacted(
    log_lines: LogLines,
) -> None:
    get_logger("kit-tests").info(
        "residents imported",
        batch={"residents": [{"name": NAME, "phone": PHONE, "uprn": "100023336956"}]},
        first=Resident(full_name=NAME, email=EMAIL, uprn="100023336956"),
    )
    [line] = log_lines.events("residents imported")
    assert line["batch"] == {
        "residents": [{"name": "[redacted]", "phone": "[redacted]", "uprn": "100023336956"}]
    }
    assert line["first"] == {
        "full_name": "[redacted]",
        "email": "[redacted]",
        "uprn": "100023336956",
    }
    log_lines.assert_no_personal_data()


def refuse(phone: str) -> None:
    raise ValueError(f"not a phone number: {phone}")


def test_an_exception_is_rendered_by_its_frames_and_type_without_message_or_locals(
    log_lines: LogLines,
) -> None:
    resident = {"full_name": NAME, "phone": PHONE}
    try:
        refuse(resident["phone"])
    except ValueError:
        get_logger("kit-tests").exception("could not register the resident")
    [line] = log_lines.events("could not register the resident")
    exception = line["exception"]
    assert "in refuse" in exception  # frames stay: where it happened is not personal
    assert exception.rstrip().endswith("ValueError")
    log_lines.assert_no_personal_data()


def test_an_infrastructure_exception_keeps_its_message(log_lines: LogLines) -> None:
    try:
        raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")
    except ConnectionRefusedError as exc:
        get_logger("kit-tests").warning("database unreachable", exc_info=exc)
    [line] = log_lines.events("database unreachable")
    assert "ConnectionRefusedError: [Errno 111] Connect call failed" in line["exception"]


def test_an_exception_passed_as_a_value_is_described_by_type(log_lines: LogLines) -> None:
    get_logger("kit-tests").warning("handler failed", error=ValueError(f"bad {EMAIL}"))
    [line] = log_lines.events("handler failed")
    assert line["error"] == "ValueError"
    log_lines.assert_no_personal_data()


def test_standard_library_loggers_go_through_the_same_redaction(log_lines: LogLines) -> None:
    try:
        refuse(PHONE)
    except ValueError as exc:
        logging.getLogger("uvicorn.error").error("Exception in ASGI application", exc_info=exc)
    [line] = log_lines.events("Exception in ASGI application")
    assert line["logger"] == "uvicorn.error"
    assert line["exception"].rstrip().endswith("ValueError")
    log_lines.assert_no_personal_data()


def test_uvicorn_prints_through_the_process_handler_and_never_access_lines() -> None:
    setup_logging("INFO", "json")
    for name in ("uvicorn", "uvicorn.error"):
        assert logging.getLogger(name).handlers == []
        assert logging.getLogger(name).propagate
    assert logging.getLogger("uvicorn.access").propagate is False


class ContactPublic(BaseModel):
    phone: int


def failing_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/residents/{resident_id}/calls")
    async def call_resident(resident_id: int) -> dict[str, str]:
        refuse(PHONE)
        return {}

    @app.get("/residents/{resident_id}/contact")
    async def show_contact(resident_id: int) -> ContactPublic:
        return ContactPublic.model_validate({"phone": f"{PHONE} ({NAME})"})

    return app


async def test_a_500_logs_the_exception_type_and_route_but_no_value(log_lines: LogLines) -> None:
    transport = httpx.ASGITransport(failing_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        response = await client.post("/residents/7/calls")
    assert response.status_code == 500
    [line] = log_lines.events("unhandled error")
    assert line["error_type"] == "ValueError"
    assert line["route"] == "/residents/{resident_id}/calls"
    assert line["level"] == "error"
    log_lines.assert_no_personal_data()


async def test_invalid_data_in_a_response_logs_its_fields_but_no_value(
    log_lines: LogLines,
) -> None:
    transport = httpx.ASGITransport(failing_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        response = await client.get("/residents/7/contact")
    assert response.status_code == 500
    [line] = log_lines.events("invalid data in the service")
    assert line["errors"] == [{"field": "phone", "type": "int_parsing"}]
    log_lines.assert_no_personal_data()


@pytest.mark.parametrize(
    ("key", "personal"),
    [
        ("full_name", True),
        ("Email", True),
        ("tenant_full_name", True),
        ("address_line_2", True),
        ("postcode", True),
        ("description", True),
        # The services' own names for free text, diversity details and contacts
        ("summary", True),
        ("detail", True),
        ("remedy", True),
        ("root_cause", True),
        ("learning", True),
        ("you_said", True),
        ("we_did", True),
        ("operative_feedback", True),
        ("reasons", True),
        ("extension_reason", True),
        ("access_information", True),
        ("accessibility_notes", True),
        ("body", True),
        ("subject", True),
        ("recipient", True),
        ("town", True),
        ("ethnicity", True),
        ("religion", True),
        ("sex", True),
        ("sexual_orientation", True),
        ("disability", True),
        ("sort_code", True),
        ("bank_account_number", True),
        ("service_name", False),
        ("event_type", False),
        ("uprn", False),
        ("resident_id", False),
    ],
)
def test_which_keys_are_personal(key: str, personal: bool) -> None:
    assert is_personal_key(key) is personal


def test_a_chained_exception_keeps_its_chain_without_messages() -> None:
    try:
        try:
            refuse(PHONE)
        except ValueError as exc:
            raise KeyError(EMAIL) from exc
    except KeyError as exc:
        rendered = format_exception_without_values(exc)
    assert "The above exception was the direct cause of the following exception:" in rendered
    assert rendered.index("ValueError") < rendered.index("KeyError")
    assert EMAIL not in rendered
    assert PHONE not in rendered
    assert describe_exception(KeyError(EMAIL)) == "KeyError"
    assert without_personal_data((EMAIL, {"email": EMAIL})) == [EMAIL, {"email": "[redacted]"}]
