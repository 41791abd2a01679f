"""gas safety records: superseded records kept as history; gas cycles a record opened at
a home outside the annual gas programme withdrawn

A gas safety record dated on or before the latest one a home holds is now kept as
history (`gas_safety_record.superseded`, false for every record kept before) and moves
neither the open check nor the expiry.

A record for a home whose gas status is not annual (a leasehold or shared ownership
home with no landlord gas appliance; a capped supply with none) used to open a gas
check and, on completing it, the next cycle, putting the home into the annual programme
(BS01, check-due, certificate-expired, escalation a year on). A record no longer does.
This closes, as withdrawn (completed_at now, no record), the open gas check of every
such home, as a PATCH that takes a home out of the programme does (see 0011); figures
for days before today still count them (the check was held then). Nothing is published.

The rule is checks.rules.gas_status at this revision: a landlord gas appliance is
annual; otherwise a leased home is not; otherwise a live supply, or gas heating on a
supply not capped, is annual. The downgrade drops the column and reopens nothing.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 16:20:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
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
home = sa.table(
    "home",
    sa.column("uprn", sa.String()),
    sa.column("tenure", sa.String()),
    sa.column("heating_fuel", sa.String()),
    sa.column("gas_supply", sa.String()),
)
appliance = sa.table(
    "appliance",
    sa.column("uprn", sa.String()),
    sa.column("appliance_type", sa.String()),
    sa.column("landlord_owned", sa.Boolean()),
)


def upgrade() -> None:
    op.add_column(
        "gas_safety_record",
        sa.Column("superseded", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    annual_without_appliance = sa.and_(
        home.c.tenure.not_in(LEASED),
        sa.or_(
            home.c.gas_supply == "live",
            sa.and_(home.c.heating_fuel == "gas", home.c.gas_supply != "capped"),
        ),
    )
    outside = sa.select(home.c.uprn).where(sa.not_(annual_without_appliance))
    landlord_gas = sa.select(appliance.c.uprn).where(
        appliance.c.landlord_owned.is_(True), appliance.c.appliance_type.in_(GAS_APPLIANCES)
    )
    op.execute(
        check.update()
        .where(
            check.c.check_type == "gas_safety",
            check.c.subject == "home",
            check.c.completed_at.is_(None),
            check.c.uprn.in_(outside),
            check.c.uprn.not_in(landlord_gas),
        )
        .values(completed_at=datetime.now(UTC))
    )


def downgrade() -> None:
    op.drop_column("gas_safety_record", "superseded")
