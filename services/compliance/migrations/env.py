"""Alembic environment for the compliance database."""

from compliance.models import ComplianceModel
from hearth_kit.migrations import run_migrations

run_migrations(ComplianceModel.metadata)
