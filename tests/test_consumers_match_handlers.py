"""The catalogue's consumers are the handlers the services really register.

contracts/src/hearth_contracts/catalogue.py CONSUMERS says which services consume each
event type; docs/events.md and contracts/asyncapi.yaml are generated from it, and a
producer relies on it to know who reads what it publishes. Nothing tied it to the
handlers, so a declared consumer without a handler (the event silently ignored) or a
handler the catalogue does not declare (a dependency no producer knows about) could
drift in unnoticed. Each service's handlers are built here exactly as its app wires
them (`hearth_kit.operations.service_handlers`: the app is built, not started), with
no database or broker.
"""

from __future__ import annotations

import pytest

from hearth_contracts.catalogue import CONSUMERS
from hearth_contracts.events.base import event_types
from hearth_contracts.topics import SERVICES
from hearth_kit.operations import service_handlers


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_handles_exactly_the_events_the_catalogue_says_it_consumes(
    service: str,
) -> None:
    _, handlers = service_handlers(service)
    handled = {ce_type for ce_type in event_types() if ce_type in handlers}
    declared = {ce_type for ce_type, consumers in CONSUMERS.items() if service in consumers}

    without_handler = declared - handled
    undeclared = handled - declared
    differences = [
        *(f"CONSUMERS names {service}, but it has no handler: {t}" for t in without_handler),
        *(f"{service} has a handler, but CONSUMERS does not name it: {t}" for t in undeclared),
    ]
    assert not differences, (
        f"{service}: its handlers do not match catalogue.py CONSUMERS\n  "
        + "\n  ".join(sorted(differences))
    )
