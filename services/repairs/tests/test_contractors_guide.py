"""docs/contractors.md is what a contractor's developers build their receiver from: the
raise-repair message it shows must carry every field a work order's line has, and it
must say what each HACT work class Hearth sends means, or a field repairs added (a
line's depends_on, the planned work class) reaches contractors unexplained."""

from __future__ import annotations

import json
import re
from pathlib import Path

from repairs.models import RepairPriority
from repairs.orders.schemas import LinePublic
from repairs.work_orders.rules import work_class

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "contractors.md"


def test_the_guides_raise_repair_line_shows_every_field_of_a_line() -> None:
    page = GUIDE.read_text()
    lines = re.search(r'"lines":(\[\{.*?\}\])', page, re.S)
    assert lines is not None, "the guide shows no raise-repair lines"
    (line,) = json.loads(lines.group(1).replace("\n", ""))
    assert set(line) == set(LinePublic.model_fields)
    assert "`depends_on`" in page


def test_the_guide_says_what_each_work_class_sent_means() -> None:
    page = GUIDE.read_text()
    for priority in RepairPriority:
        assert f"`{work_class(priority)}`" in page, priority
