"""A contractor's endpoint that refuses every message: its messages are retried for
ever and each holds back its work order's later ones, so operations must be able to see
it and act. The backlog gauges show how many wait and for how long; `hearth webhooks
undelivered` lists them; `hearth webhooks retry` sends them at the next round once the
contractor has fixed their end. A real local HTTP server is the endpoint; the database
is real."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import typer
from prometheus_client import REGISTRY
from typer.testing import CliRunner, Result

from hearth_kit.db import Database
from repairs.cli import register
from repairs.jobs import measure_webhook_backlog
from repairs.settings import RepairsSettings
from repairs.webhooks.service import WebhookSender
from services.repairs.tests.contractor_doubles import WebhookReceiver
from services.repairs.tests.orders.test_webhook_faults import a_round, delivery_of, work_orders

REFUSES_EVERYTHING = 10**9


@pytest.fixture(scope="module")
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """The contractor's endpoint, answering 503 to every message until a test lowers
    `failures`."""
    with WebhookReceiver(failures=REFUSES_EVERYTHING) as receiver:
        yield receiver


def gauge(name: str, contractor: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"contractor": contractor})


async def measure(db: Database, now: datetime) -> None:
    async with db.sessionmaker() as session:
        await measure_webhook_backlog(session, now)


def command_line() -> typer.Typer:
    root, imports = typer.Typer(), typer.Typer()
    register(root, imports)
    return root


async def invoke(runner: CliRunner, *arguments: str) -> Result:
    """The command as an operator runs it: in a thread, since it runs its own loop."""
    return await asyncio.to_thread(
        lambda: runner.invoke(command_line(), list(arguments), terminal_width=300)
    )


async def test_refused_messages_show_in_the_backlog_gauges_until_the_contractor_takes_them(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    contracted_settings: RepairsSettings,
    webhook_receiver: WebhookReceiver,
) -> None:
    """Two work orders' messages refused for two hours: the gauges say two wait, the
    oldest for two hours. Once the contractor takes them, plumbfast leaves the series
    (its alert resolves). Before, only a counter of failed attempts showed anything."""
    first, second = await work_orders(staff, repairs_database, 2)
    queued_at = (await delivery_of(repairs_database, first)).created_at
    for minutes in (0, 1, 3, 7, 15, 31, 63, 120):
        await a_round(
            repairs_database,
            WebhookSender(contracted_settings),
            queued_at + timedelta(minutes=minutes, seconds=1),
        )
    refused = await delivery_of(repairs_database, second)
    assert (refused.delivered_at, refused.last_status) == (None, 503)

    two_hours_on = queued_at + timedelta(hours=2)
    await measure(repairs_database, two_hours_on)
    assert gauge("hearth_repairs_webhooks_undelivered", "plumbfast") == 2
    assert gauge("hearth_repairs_webhook_oldest_undelivered_age_seconds", "plumbfast") == (
        pytest.approx(7200, abs=1)
    )
    assert gauge("hearth_repairs_webhooks_undelivered", "sparks") is None  # no webhook

    webhook_receiver.failures = 0
    try:
        # an hour past the last attempt (the longest back-off): every message is due
        later = two_hours_on + timedelta(hours=1, minutes=1)
        await a_round(repairs_database, WebhookSender(contracted_settings), later)
    finally:
        webhook_receiver.failures = REFUSES_EVERYTHING
    assert (await delivery_of(repairs_database, second)).delivered_at is not None
    await measure(repairs_database, later)
    assert gauge("hearth_repairs_webhooks_undelivered", "plumbfast") is None
    assert gauge("hearth_repairs_webhook_oldest_undelivered_age_seconds", "plumbfast") is None


async def test_operations_list_undelivered_messages_and_send_them_at_the_next_round(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    repairs_db_url: str,
    contracted_settings: RepairsSettings,
    webhook_receiver: WebhookReceiver,
    monkeypatch: Any,
) -> None:
    """A message refused once waits out its back-off; `hearth webhooks undelivered`
    shows it with the contractor's last answer, and `hearth webhooks retry --id` makes it
    due now, so the next round sends it. Neither shows the message itself."""
    (order,) = await work_orders(staff, repairs_database, 1)
    now = datetime.now(UTC) + timedelta(seconds=1)
    await a_round(repairs_database, WebhookSender(contracted_settings), now)
    refused = await delivery_of(repairs_database, order)
    assert refused.next_attempt_at > datetime.now(UTC)

    monkeypatch.setenv("HEARTH_REPAIRS_DATABASE_URL", repairs_db_url)
    monkeypatch.setenv("COLUMNS", "250")  # a terminal wide enough for whole ids
    runner = CliRunner()
    listed = await invoke(runner, "webhooks", "undelivered", "--contractor", "plumbfast")
    assert listed.exit_code == 0, listed.output
    assert str(refused.id) in listed.output
    assert str(refused.work_order_id) in listed.output
    assert "503" in listed.output
    assert "Kitchen tap" not in listed.output  # what the message says is not shown

    assert (await invoke(runner, "webhooks", "retry")).exit_code == 2
    retried = await invoke(runner, "webhooks", "retry", "--id", str(refused.id))
    assert retried.exit_code == 0, retried.output
    assert "1 undelivered message(s)" in retried.output
    assert (await delivery_of(repairs_database, order)).next_attempt_at <= datetime.now(UTC)

    webhook_receiver.failures = 0
    try:
        await a_round(repairs_database, WebhookSender(contracted_settings), datetime.now(UTC))
    finally:
        webhook_receiver.failures = REFUSES_EVERYTHING
    assert (await delivery_of(repairs_database, order)).delivered_at is not None
