"""Alembic environment for the visits database."""

from hearth_kit.migrations import run_migrations
from visits.models import VisitsModel

run_migrations(VisitsModel.metadata)
