"""residents' tenancy history (tenancy_tenant), and the tenancy dates 0010 left empty

0010 added resident.tenancy_started_on and tenancy_ended_on without filling them.

- tenancy_started_on is filled here from engagement's own projection of the tenancy
  (tenancy.start_date, joined on the resident's tenancy_id). Left null, a late or
  replayed tenancy-started of an older tenancy would still move a pre-existing resident
  back to a home they left (residents.rules.moves_to takes an unknown start as older).
  A resident whose tenancy income never announced to engagement stays null until it does.
- tenancy_ended_on is filled from tenancy_end where engagement kept an end. Ends before
  0010 were consumed and ignored, so they are in neither table: engagement cannot know
  them from its own data. They come back by replaying income's topic through the
  current handlers, after this migration has run (the start dates above must be there
  first, so old tenancy-started events do not move anyone back):

      hearth projection rebuild --service engagement --topic <ns.>hearth.income.events

  (docs/runbooks/operations-cli.md, "Engagement: tenancy ends from before migration 0010").
  Only income's topic: every other topic engagement consumes sends letters (check due,
  appointments, safety records, survey invitations) that a replay could queue again for
  someone who was not there when they were first sent. On income's topic, tenancy-started
  and tenancy-ended only write the projection and residents' tenancies (idempotent); an
  arrears-stage-changed is queued once per resident, template and step, so a replay
  queues nothing already queued, except to a person registered on the tenancy (through
  the API) after that step, for an event that names no person_ids.
- tenancy_tenant starts with each resident's current tenancy; the same rebuild adds the
  earlier tenancies income named them on.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenancy_tenant",
        sa.Column("tenancy_id", sa.Uuid(), nullable=False),
        sa.Column("resident_id", sa.Uuid(), nullable=False),
        sa.Column("uprn", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("tenancy_id", "resident_id"),
    )
    op.create_index("ix_tenancy_tenant_resident_id_uprn", "tenancy_tenant", ["resident_id", "uprn"])
    op.execute(
        "INSERT INTO tenancy_tenant (tenancy_id, resident_id, uprn) "
        "SELECT tenancy_id, id, uprn FROM resident "
        "WHERE tenancy_id IS NOT NULL AND uprn IS NOT NULL"
    )
    op.execute(
        "UPDATE resident SET tenancy_started_on = "
        "(SELECT tenancy.start_date FROM tenancy WHERE tenancy.tenancy_id = resident.tenancy_id) "
        "WHERE tenancy_started_on IS NULL AND tenancy_id IS NOT NULL"
    )
    op.execute(
        "UPDATE resident SET tenancy_ended_on = "
        "(SELECT tenancy_end.end_date FROM tenancy_end "
        "WHERE tenancy_end.tenancy_id = resident.tenancy_id) "
        "WHERE tenancy_ended_on IS NULL AND tenancy_id IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_tenancy_tenant_resident_id_uprn", table_name="tenancy_tenant")
    op.drop_table("tenancy_tenant")
