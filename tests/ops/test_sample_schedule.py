"""`make run` imports the sample Schedule of Rates (deploy/local/sample-sor.csv) into
repairs' database when its schedule is empty, so the docs' work-order examples work on a
fresh clone; a schedule already there is left exactly as it is. Development only: no
production deploy file mentions the sample."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import select

from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from repairs.models import ScheduleOfRatesItem
from repairs.settings import MIGRATIONS_DIR

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "deploy" / "local" / "sample-sor.csv"


def run_platform() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "run_platform", REPO / "deploy" / "local" / "run_platform.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def codes(url: str) -> dict[str, int]:
    db = Database(url)
    try:
        async with db.sessionmaker() as session:
            items = (await session.execute(select(ScheduleOfRatesItem))).scalars().all()
            return {item.code: item.unit_price_pence for item in items}
    finally:
        await db.dispose()


async def test_the_sample_is_imported_once_into_an_empty_schedule(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'repairs.db'}"
    await upgrade(MIGRATIONS_DIR, url)
    module = run_platform()
    added = await module.import_sample_schedule(url)
    assert added == len(SAMPLE.read_text().splitlines()) - 1
    first = await codes(url)
    assert await module.import_sample_schedule(url) is None
    assert await codes(url) == first


async def test_a_schedule_already_there_is_left_alone(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'repairs.db'}"
    await upgrade(MIGRATIONS_DIR, url)
    own = tmp_path / "own.csv"
    own.write_text(
        "schedule,code,description,trade,unit,unit_price\nPLB,20110,Tap washer,plumbing,each,9.99\n"
    )
    module = run_platform()
    assert await module.import_sample_schedule(url, own) == 1
    assert await module.import_sample_schedule(url) is None
    assert await codes(url) == {"PLB:20110": 999}


def test_every_sor_code_the_docs_use_is_in_the_sample() -> None:
    sample = set(re.findall(r"^([A-Z]+),(\d+),", SAMPLE.read_text(), re.MULTILINE))
    in_sample = {f"{schedule}:{code}" for schedule, code in sample}
    docs = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
    used = {c for path in docs for c in re.findall(r"\b[A-Z]{3}:\d{5}\b", path.read_text())}
    assert used, "the docs name no SOR code any more: is this test still needed?"
    assert used <= in_sample


@pytest.mark.parametrize("path", ["deploy/Dockerfile", "deploy/compose.yaml", "deploy/k8s"])
def test_production_deploy_files_never_name_the_sample(path: str) -> None:
    target = REPO / path
    files = [target] if target.is_file() else sorted(p for p in target.rglob("*") if p.is_file())
    for file in files:
        assert "sample-sor" not in file.read_text(errors="replace"), file
