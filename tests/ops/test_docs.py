"""The README and the architecture page point only at files in the repository (the
design lives in docs/architecture.md, not outside it), the quick start still opens
with `make run` and `make test`, the ADR index lists every ADR, and the event
catalogue names the consumer group and dead-letter topic the kit uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", ["README.md", "docs/architecture.md", "docs/adr/README.md"])
def test_every_link_is_a_file_in_the_repository_or_a_web_address(page: str) -> None:
    path = ROOT / page
    for target in LINK.findall(path.read_text()):
        if re.match(r"^[a-z]+://", target) or target.startswith("#"):
            continue
        resolved = (path.parent / target.split("#", 1)[0]).resolve()
        assert resolved.is_relative_to(ROOT), f"{page} links outside the repository: {target}"
        assert resolved.exists(), f"{page} links to a missing {target}"


def test_the_quick_start_opens_with_make_run_and_make_test() -> None:
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert first_block[0].startswith("make run")
    assert first_block[1].startswith("make test")


def test_the_architecture_page_has_its_diagram() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text()
    assert "```mermaid\nflowchart" in page


def test_the_adr_index_lists_every_decision() -> None:
    index = (ROOT / "docs" / "adr" / "README.md").read_text()
    linked = set(LINK.findall(index))
    decisions = sorted(p.name for p in (ROOT / "docs" / "adr").glob("[0-9][0-9][0-9][0-9]-*.md"))
    missing = [name for name in decisions if name not in linked]
    assert not missing, f"docs/adr/README.md does not list {missing}"


# ---- alerts, events, make ------------------------------------------------------------


def test_the_event_catalogue_names_the_consumer_group_and_dead_letter_topic_in_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """docs/events.md (from hearth_contracts.catalogue) gives the consumer group and the
    dead-letter topic the kit's consumer uses, which an operator types into
    kafka-consumer-groups.sh and looks for among the topics."""
    from hearth_contracts.topics import dead_letter_topic
    from repairs.settings import RepairsSettings

    monkeypatch.setenv("HEARTH_ENVIRONMENT", "development")
    monkeypatch.delenv("HEARTH_KAFKA_NAMESPACE", raising=False)
    monkeypatch.delenv("HEARTH_REPAIRS_KAFKA_NAMESPACE", raising=False)
    group = RepairsSettings().consumer_group
    catalogue = (ROOT / "docs" / "events.md").read_text()
    assert f"(e.g. `{group}`)" in catalogue
    assert f"`{dead_letter_topic('repairs', group)}`" in catalogue
