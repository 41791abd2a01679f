"""Alembic environment for the engagement database."""

from engagement.models import EngagementModel
from hearth_kit.migrations import run_migrations

run_migrations(EngagementModel.metadata)
