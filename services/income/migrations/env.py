"""Alembic environment for the income database."""

from hearth_kit.migrations import run_migrations
from income.models import IncomeModel

run_migrations(IncomeModel.metadata)
