"""Alembic environment for the repairs database."""

from hearth_kit.migrations import run_migrations
from repairs.models import RepairsModel

run_migrations(RepairsModel.metadata)
