"""The id of a re-test's household copy is part of the contract: engagement sends the
copy under it (tenant-copy-sent) and compliance tracks the copy's 28 days under it, and
both keep it in rows already written, so the formula must never change."""

from __future__ import annotations

import uuid

from hearth_contracts.events.compliance import retest_copy_id

CHECK = uuid.UUID("6f1c1b54-3f0e-4b8a-9d3e-2a7c5e0b1d42")


def test_a_retest_copy_id_is_the_check_ids_uuid5_of_its_reference() -> None:
    assert retest_copy_id(CHECK, "CP12-101") == uuid.UUID("f4a3ee25-857c-5563-9359-bdb4a069543e")
    assert retest_copy_id(CHECK, "CP12-101") == uuid.uuid5(CHECK, "record-copy:CP12-101")


def test_each_record_of_a_check_has_its_own_copy_id_never_the_check_id() -> None:
    ids = {retest_copy_id(CHECK, reference) for reference in ("CP12-100", "CP12-101")}
    assert len(ids) == 2
    assert CHECK not in ids
