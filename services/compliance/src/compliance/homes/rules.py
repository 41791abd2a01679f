"""Pure asset-register rules."""

from __future__ import annotations

from hearth_contracts.events.compliance import GasSupply, HeatingFuel


def needs_gas_safety_check(heating_fuel: HeatingFuel, gas_supply: GasSupply) -> bool:
    """A home with a live gas supply or gas heating needs an annual gas safety record."""
    return gas_supply is GasSupply.LIVE or heating_fuel is HeatingFuel.GAS
