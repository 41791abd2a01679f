"""A migration that fails says why without the values it met: its error reaches the
migration Job's log whole (Python prints the traceback), and a constraint the data
breaks is reported by PostgreSQL with the row's values (DETAIL: Key (email)=(...)),
which may be a resident's. The statement's parameters are left out as well."""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest

from hearth_kit.migrations import upgrade
from tests.harness.infra import DatabaseFactory

ENV = """
from sqlalchemy import MetaData

from hearth_kit.migrations import run_migrations

run_migrations(MetaData())
"""

CONTACTS = """
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    contact = op.create_table(
        "contact",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.Text, unique=True),
    )
    op.bulk_insert(contact, [{"email": "sam.okafor@example.com"}])
"""

A_CONTACT_AGAIN = """
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.execute(
        sa.text("INSERT INTO contact (email) VALUES (:email)").bindparams(
            email="sam.okafor@example.com"
        )
    )
"""


def migrations_folder(root: Path, revisions: dict[str, str]) -> Path:
    """An Alembic folder of these revisions (file name: script) under the kit's own
    env.py, as a service's migrations are run (hearth_kit.migrations.run_migrations)."""
    (root / "versions").mkdir()
    (root / "env.py").write_text(ENV)
    for name, script in revisions.items():
        (root / "versions" / name).write_text(script)
    return root


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    return migrations_folder(
        tmp_path, {"0001_contacts.py": CONTACTS, "0002_a_contact_again.py": A_CONTACT_AGAIN}
    )


async def test_a_migration_the_data_refuses_names_no_value(
    databases: DatabaseFactory, migrations: Path
) -> None:
    if not databases.is_postgresql:
        pytest.skip("PostgreSQL's DETAIL quotes the row (HEARTH_TEST_DATABASE_URL unset)")
    url = await databases.create("kit_migration_error")
    await upgrade(migrations, url, "0001")
    # whatever the driver raises, it names the constraint that refused the row
    with pytest.raises(Exception, match="contact_email_key") as refused:
        await upgrade(migrations, url)
    printed = "".join(traceback.format_exception(refused.value))
    assert "contact_email_key" in printed  # what was refused is still named
    assert "sam.okafor" not in printed
