"""Request bodies the compliance tests share."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hearth_kit.working_days import london_day


def london_today() -> date:
    """Today as the service sees it: the London day now, asked at the moment a test needs
    it. Not `date.today()` (the machine's day: a UTC machine is a day behind London from
    23:00 to midnight in summer time) and not a module constant taken at import (the
    suite can cross midnight between collecting a module and running its tests)."""
    return london_day(datetime.now(UTC))


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
