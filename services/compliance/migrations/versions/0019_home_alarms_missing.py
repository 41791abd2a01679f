"""home.alarms_missing: how many required alarms the register shows missing

A home's read listed the storeys with living space without a smoke alarm and the rooms
with a fixed combustion appliance without a CO alarm, but nothing counted them: no
figure, no gauge. The count is now kept on the home whenever its storeys, alarms or
appliances change (POST /v1/homes, PATCH), and the figures and the idle sweep's gauge
count homes let to tenants with one missing through ix_home_alarms_missing (partial:
only those homes), not by reading every home's lists.

Backfilled here with the rules as they stand (compliance.checks.rules:
storeys_without_smoke_alarm, co_alarm_rooms_missing), copied so the revision does not
change with the code: only homes with storeys given or a combustion appliance are
read, in UPRN order, a thousand at a time. The downgrade drops the index and column.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 08:00:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MISSING = "alarms_missing > 0"
COMBUSTION_APPLIANCES_NEEDING_CO_ALARM = (
    "boiler",
    "combi_boiler",
    "back_boiler",
    "gas_fire",
    "water_heater",
    "warm_air_unit",
    "communal_boiler",
    "solid_fuel_stove",
    "oil_boiler",
)
BATCH = 1000

home = sa.table(
    "home",
    sa.column("uprn", sa.String),
    sa.column("storeys_with_living_space", sa.Integer),
    sa.column("smoke_alarm_storeys", sa.JSON),
    sa.column("co_alarm_rooms", sa.JSON),
    sa.column("alarms_missing", sa.Integer),
)
appliance = sa.table(
    "appliance",
    sa.column("uprn", sa.String),
    sa.column("appliance_type", sa.String),
    sa.column("location", sa.String),
)


def missing(row: Any, locations: list[str]) -> int:
    storeys = row.storeys_with_living_space or 0
    smoke = set(row.smoke_alarm_storeys or [])
    alarmed = {room.strip().lower() for room in row.co_alarm_rooms or []}
    needing = {location.strip().lower() for location in locations if location.strip()}
    return sum(1 for storey in range(storeys) if storey not in smoke) + len(needing - alarmed)


def upgrade() -> None:
    op.add_column(
        "home", sa.Column("alarms_missing", sa.Integer(), nullable=False, server_default="0")
    )
    with op.batch_alter_table("home", schema=None) as batch_op:
        batch_op.create_index(
            "ix_home_alarms_missing",
            ["tenure"],
            unique=False,
            postgresql_where=sa.text(MISSING),
            sqlite_where=sa.text(MISSING),
        )
    bind = op.get_bind()
    combustion = sa.select(appliance.c.uprn).where(
        appliance.c.appliance_type.in_(COMBUSTION_APPLIANCES_NEEDING_CO_ALARM)
    )
    after = ""
    while True:
        rows = bind.execute(
            sa.select(home)
            .where(
                home.c.uprn > after,
                sa.or_(
                    home.c.storeys_with_living_space.is_not(None),
                    home.c.uprn.in_(combustion),
                ),
            )
            .order_by(home.c.uprn)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        locations: dict[str, list[str]] = {row.uprn: [] for row in rows}
        for uprn, location in bind.execute(
            sa.select(appliance.c.uprn, appliance.c.location).where(
                appliance.c.uprn.in_(list(locations)),
                appliance.c.appliance_type.in_(COMBUSTION_APPLIANCES_NEEDING_CO_ALARM),
            )
        ):
            locations[uprn].append(location)
        counts = [
            {"key": row.uprn, "count": n}
            for row in rows
            if (n := missing(row, locations[row.uprn]))
        ]
        if counts:
            bind.execute(
                home.update()
                .where(home.c.uprn == sa.bindparam("key"))
                .values(alarms_missing=sa.bindparam("count")),
                counts,
            )
        after = rows[-1].uprn


def downgrade() -> None:
    with op.batch_alter_table("home", schema=None) as batch_op:
        batch_op.drop_index("ix_home_alarms_missing")
    op.drop_column("home", "alarms_missing")
