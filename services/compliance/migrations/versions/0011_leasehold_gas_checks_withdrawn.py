"""leasehold and shared ownership homes leave the landlord's gas programme unless the
landlord owns a gas appliance there

checks.rules.gas_status used to put every home with a live supply (or gas heating on a
supply not capped) in the annual gas programme, whatever its tenure. A home held on a
long lease (leasehold, shared ownership) is not the landlord's "relevant premises"
under the Gas Safety (Installation and Use) Regulations 1998: the landlord checks only
the gas appliances it owns there. A home's gas status is worked out each time from the
register (never stored), but the programme holds the open gas check raised under the
old rule. This closes those checks as withdrawn (completed_at now, no record), as a
PATCH that changes a home's gas status out of the programme does, so BS01 and the
overdue figures from today on leave them out; figures for days before today still
count them (the check was held then). Nothing is published: a withdrawal never is.
Run `hearth compliance republish-homes` afterwards so consumers get each home's
needs_gas_safety_check again.

The gas appliance types are those of checks.rules.GAS_APPLIANCES at this revision.
The downgrade does not reopen the checks (which were withdrawn here is not kept).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 16:00:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEASED = ("leasehold", "shared_ownership")
GAS_APPLIANCES = (
    "boiler",
    "combi_boiler",
    "back_boiler",
    "gas_fire",
    "gas_cooker",
    "gas_hob",
    "water_heater",
    "warm_air_unit",
    "communal_boiler",
)

check = sa.table(
    "compliance_check",
    sa.column("uprn", sa.String()),
    sa.column("check_type", sa.String()),
    sa.column("subject", sa.String()),
    sa.column("completed_at", sa.DateTime(timezone=True)),
)
home = sa.table("home", sa.column("uprn", sa.String()), sa.column("tenure", sa.String()))
appliance = sa.table(
    "appliance",
    sa.column("uprn", sa.String()),
    sa.column("appliance_type", sa.String()),
    sa.column("landlord_owned", sa.Boolean()),
)


def upgrade() -> None:
    leased = sa.select(home.c.uprn).where(home.c.tenure.in_(LEASED))
    landlord_gas = sa.select(appliance.c.uprn).where(
        appliance.c.landlord_owned.is_(True), appliance.c.appliance_type.in_(GAS_APPLIANCES)
    )
    op.execute(
        check.update()
        .where(
            check.c.check_type == "gas_safety",
            check.c.subject == "home",
            check.c.completed_at.is_(None),
            check.c.uprn.in_(leased),
            check.c.uprn.not_in(landlord_gas),
        )
        .values(completed_at=datetime.now(UTC))
    )


def downgrade() -> None:
    pass
