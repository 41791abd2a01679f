"""A setting refused at start is named, never echoed: the error goes to the logs (and a
pod's events), and the value may be a password, a key or a contractor's webhook secret.
pydantic echoes every input in its errors (`input_value=...`) unless the settings say
`hide_input_in_errors`; before, a mistyped HEARTH_REPAIRS_CONTRACTORS printed every
contractor's webhook secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from compliance.settings import ComplianceSettings
from engagement.settings import EngagementSettings
from gateway.settings import GatewaySettings
from income.settings import IncomeSettings
from repairs.settings import RepairsSettings
from visits.settings import VisitsSettings

SECRET = "s3cr3t-do-not-log"


def refusal(settings: type[BaseSettings], monkeypatch: pytest.MonkeyPatch, name: str) -> str:
    monkeypatch.setenv(name, SECRET)
    with pytest.raises(ValidationError) as refused:
        settings()
    return str(refused.value)


@pytest.mark.parametrize(
    ("settings", "name"),
    [
        (ComplianceSettings, "HEARTH_COMPLIANCE_LOG_FORMAT"),
        (EngagementSettings, "HEARTH_ENGAGEMENT_EMAIL__PORT"),
        (IncomeSettings, "HEARTH_INCOME_LOG_FORMAT"),
        (RepairsSettings, "HEARTH_REPAIRS_CAPACITY_PER_SLOT"),
        (VisitsSettings, "HEARTH_VISITS_LOG_FORMAT"),
        (GatewaySettings, "HEARTH_GATEWAY_DOWNSTREAM_CONNECTIONS_PER_SERVICE"),
    ],
)
def test_a_refused_setting_is_named_not_echoed(
    settings: type[BaseSettings], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = refusal(settings, monkeypatch, name)
    field = name.split("_", 2)[2].lower().replace("__", ".")  # the field, as pydantic names it
    assert field.split(".")[-1] in message
    assert SECRET not in message


def test_a_contractor_refused_does_not_print_the_webhook_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A trade misspelt beside a webhook secret: the error names the trade's place."""
    monkeypatch.setenv(
        "HEARTH_REPAIRS_CONTRACTORS",
        '{"plumbfast": {"trades": ["plumbin"], "webhook_url": "https://plumbfast.example/h",'
        f' "webhook_secret": "{SECRET}"}}}}',
    )
    with pytest.raises(ValidationError) as refused:
        RepairsSettings()
    assert "trades" in str(refused.value)
    assert SECRET not in str(refused.value)
