"""Request bodies the compliance tests share."""

from __future__ import annotations

from datetime import date


def a_record(uprn: str, check_date: date, **overrides: object) -> dict[str, object]:
    """A passing gas safety record (CP12) for `uprn`, one combi boiler in the kitchen."""
    return {
        "uprn": uprn,
        "check_date": check_date.isoformat(),
        "engineer_name": "A. Engineer",
        "gas_safe_number": "1234567",
        "certificate_reference": f"CP12-{uprn}-{check_date:%Y%m%d}",
        "appliances": [
            {
                "appliance_type": "combi_boiler",
                "location": "kitchen",
                "outcome": "pass",
                "safe_to_use": True,
            }
        ],
        **overrides,
    }
