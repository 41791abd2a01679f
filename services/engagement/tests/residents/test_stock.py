"""Which stock a home's tenure puts it in for the Tenant Satisfaction Measures
(docs/adr/0091): shared ownership is low cost home ownership, leasehold is in neither,
every other tenure (or none known) is low cost rental."""

from __future__ import annotations

from engagement.residents.rules import Stock, stock_of
from hearth_contracts.events.compliance import Tenure


def test_each_tenure_is_in_one_stock_or_none() -> None:
    assert {tenure: stock_of(tenure) for tenure in Tenure} == {
        Tenure.GENERAL_NEEDS: Stock.LOW_COST_RENTAL,
        Tenure.SHELTERED: Stock.LOW_COST_RENTAL,
        Tenure.SHARED_OWNERSHIP: Stock.LOW_COST_HOME_OWNERSHIP,
        Tenure.LEASEHOLD: None,
    }


def test_a_tenure_not_known_counts_as_let() -> None:
    assert stock_of(None) is Stock.LOW_COST_RENTAL
