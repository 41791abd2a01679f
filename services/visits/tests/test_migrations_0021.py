"""Migration 0021: each resident profile kept before it makes its resident a member of the
tenancy it names (ADR 0151), so their calls stay their household's after their profile
moves on; a profile on no tenancy makes none. The contacts kept before it name nobody."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import bindparam, text
from sqlalchemy.types import Uuid

from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from tests.harness.infra import DatabaseFactory
from visits.settings import MIGRATIONS_DIR


async def test_the_profiles_kept_before_make_their_residents_members(
    databases: DatabaseFactory,
) -> None:
    url = await databases.create("visits_0021")
    await upgrade(MIGRATIONS_DIR, url, "0020")
    db = Database(url)
    tenant, tenancy, nobodys = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    uuids = (bindparam("resident", type_=Uuid()), bindparam("tenancy", type_=Uuid()))
    try:
        async with db.engine.begin() as connection:
            for resident, on in ((tenant, tenancy), (nobodys, None)):
                await connection.execute(
                    text(
                        "INSERT INTO resident_profile (resident_id, uprn, tenancy_id) "
                        "VALUES (:resident, '100000000001', :tenancy)"
                    ).bindparams(*uuids),
                    {"resident": resident, "tenancy": on},
                )
            await connection.execute(
                text(
                    "INSERT INTO household_contact (contact_id, uprn, contacted_at) "
                    "VALUES (:contact, '100000000001', :at)"
                ).bindparams(bindparam("contact", type_=Uuid())),
                {"contact": uuid.uuid4(), "at": datetime(2026, 11, 2, 10, tzinfo=UTC)},
            )
        await upgrade(MIGRATIONS_DIR, url)
        async with db.engine.connect() as connection:
            members = (
                await connection.execute(
                    text("SELECT tenancy_id, resident_id FROM tenancy_member").columns(
                        tenancy_id=Uuid(), resident_id=Uuid()
                    )
                )
            ).all()
            named = (
                (await connection.execute(text("SELECT resident_id FROM household_contact")))
                .scalars()
                .all()
            )
        assert [tuple(row) for row in members] == [(tenancy, tenant)]
        assert named == [None]
    finally:
        await db.dispose()
