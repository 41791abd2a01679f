"""A home's gas status by tenure: a leasehold or shared ownership home is in the
landlord's gas programme only for a gas appliance the landlord owns there (not for a
supply alone); homes let to tenants (general needs, sheltered) as before."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.checks.rules import (
    GAS_APPLIANCES,
    LEASED,
    ApplianceFact,
    GasStatus,
    checks_for_home,
    gas_status,
)
from hearth_contracts.events.compliance import CheckType, GasSupply, HeatingFuel, Tenure

LET = (Tenure.GENERAL_NEEDS, Tenure.SHELTERED)

appliances = st.lists(
    st.builds(
        ApplianceFact,
        st.sampled_from(
            sorted(GAS_APPLIANCES | {"solid_fuel_stove", "oil_boiler", "electric_storage_heater"})
        ),
        st.booleans(),
    ),
    max_size=4,
)


def landlord_gas(facts: list[ApplianceFact]) -> bool:
    return any(a.landlord_owned and a.appliance_type in GAS_APPLIANCES for a in facts)


def test_the_leased_tenures_are_leasehold_and_shared_ownership() -> None:
    assert frozenset({Tenure.LEASEHOLD, Tenure.SHARED_OWNERSHIP}) == LEASED


@pytest.mark.parametrize("tenure", sorted(LEASED))
@pytest.mark.parametrize("supply", list(GasSupply))
def test_a_leased_home_with_a_supply_and_no_landlord_appliance_is_the_leaseholders(
    tenure: Tenure, supply: GasSupply
) -> None:
    """The repro: a leasehold flat with a live supply and no landlord appliances was
    'annual'. A tenant's own cooker (not landlord owned) does not bring it in either."""
    theirs = [ApplianceFact("gas_cooker", False, "kitchen")]
    for fuel in (HeatingFuel.GAS, HeatingFuel.ELECTRIC):
        expected = (
            GasStatus.NONE
            if supply is GasSupply.NONE and fuel is not HeatingFuel.GAS
            else GasStatus.LEASEHOLDER
        )
        assert gas_status(fuel, supply, [], tenure=tenure) is expected
        assert gas_status(fuel, supply, theirs, tenure=tenure) is expected
        assert checks_for_home(expected) == {CheckType.ELECTRICAL}


@pytest.mark.parametrize("tenure", list(Tenure))
@pytest.mark.parametrize("supply", list(GasSupply))
def test_a_landlord_gas_appliance_needs_an_annual_check_whatever_the_tenure(
    tenure: Tenure, supply: GasSupply
) -> None:
    boiler = ApplianceFact("communal_boiler", True, "cupboard")
    assert gas_status(HeatingFuel.GAS, supply, [boiler], tenure=tenure) is GasStatus.ANNUAL


@pytest.mark.parametrize("tenure", LET)
def test_homes_let_to_tenants_keep_the_supply_rule(tenure: Tenure) -> None:
    assert gas_status(HeatingFuel.ELECTRIC, GasSupply.LIVE, [], tenure=tenure) is GasStatus.ANNUAL
    assert gas_status(HeatingFuel.GAS, GasSupply.CAPPED, [], tenure=tenure) is GasStatus.CAPPED
    assert gas_status(HeatingFuel.GAS, GasSupply.NONE, [], tenure=tenure) is GasStatus.ANNUAL
    assert gas_status(HeatingFuel.ELECTRIC, GasSupply.NONE, [], tenure=tenure) is GasStatus.NONE


@given(st.sampled_from(list(HeatingFuel)), st.sampled_from(list(GasSupply)), appliances)
def test_general_needs_is_the_default_and_sheltered_is_the_same(
    fuel: HeatingFuel, supply: GasSupply, facts: list[ApplianceFact]
) -> None:
    default = gas_status(fuel, supply, facts)
    assert gas_status(fuel, supply, facts, tenure=Tenure.GENERAL_NEEDS) is default
    assert gas_status(fuel, supply, facts, tenure=Tenure.SHELTERED) is default


@given(
    st.sampled_from(list(HeatingFuel)),
    st.sampled_from(list(GasSupply)),
    appliances,
    st.sampled_from(sorted(LEASED)),
)
def test_a_leased_home_is_annual_exactly_when_the_landlord_owns_a_gas_appliance(
    fuel: HeatingFuel, supply: GasSupply, facts: list[ApplianceFact], tenure: Tenure
) -> None:
    status = gas_status(fuel, supply, facts, tenure=tenure)
    assert (status is GasStatus.ANNUAL) is landlord_gas(facts)
    assert status is not GasStatus.CAPPED
    assert (CheckType.GAS_SAFETY in checks_for_home(status)) is landlord_gas(facts)


@given(
    st.sampled_from(list(HeatingFuel)),
    st.sampled_from(list(GasSupply)),
    appliances,
    st.sampled_from(list(Tenure)),
)
def test_a_lease_never_adds_a_gas_check(
    fuel: HeatingFuel, supply: GasSupply, facts: list[ApplianceFact], tenure: Tenure
) -> None:
    """Whatever the home, its tenure can only take it out of the gas programme."""
    if gas_status(fuel, supply, facts, tenure=tenure) is GasStatus.ANNUAL:
        assert gas_status(fuel, supply, facts) is GasStatus.ANNUAL


@given(status=st.sampled_from(list(GasStatus)), tenure=st.sampled_from(list(Tenure)))
def test_only_a_home_let_to_a_tenant_needs_an_eicr(status: GasStatus, tenure: Tenure) -> None:
    """The installation inside a leasehold or shared ownership home is the
    leaseholder's: no EICR there; a home let to a tenant always gets one. The gas check
    follows the gas status alone."""
    needed = checks_for_home(status, tenure=tenure)
    assert (CheckType.ELECTRICAL in needed) is (tenure not in LEASED)
    assert (CheckType.GAS_SAFETY in needed) is (status is GasStatus.ANNUAL)
