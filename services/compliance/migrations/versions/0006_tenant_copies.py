"""tenant copies of safety records, with their deadlines and when they were sent

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 22:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tenant_copy',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('check_id', sa.Uuid(), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('uprn', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('check_type', sa.Enum('gas_safety', 'electrical', 'smoke_co_alarms', 'fire_risk_assessment', 'asbestos', 'water', 'lift', name='checktype', native_enum=False, length=32), nullable=False),
    sa.Column('tenancy_id', sa.Uuid(), nullable=True),
    sa.Column('copy_by', sa.Date(), nullable=False),
    sa.Column('owed_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_on_time', sa.Boolean(), nullable=True),
    sa.Column('message_id', sa.Uuid(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_tenant_copy_uprn'), 'tenant_copy', ['uprn'], unique=False)
    op.create_index('ix_tenant_copy_copy_by', 'tenant_copy', ['copy_by', 'sent_at'], unique=False)
    # No copies are made for the records kept before this migration: engagement sent
    # their copies on check-completed before it said so (tenant-copy-sent), so they
    # would all show as never sent.


def downgrade() -> None:
    op.drop_index('ix_tenant_copy_copy_by', table_name='tenant_copy')
    op.drop_index(op.f('ix_tenant_copy_uprn'), table_name='tenant_copy')
    op.drop_table('tenant_copy')
