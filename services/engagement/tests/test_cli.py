"""`hearth engagement-jobs` runs the scheduled jobs to the end against engagement's
database."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from engagement.cli import register


def test_engagement_jobs_run_to_the_end(
    engagement_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEARTH_ENGAGEMENT_DATABASE_URL", engagement_db_url)
    root = typer.Typer()
    root.command("noop")(lambda: None)  # a group, so commands are named
    register(root, typer.Typer())
    result = CliRunner().invoke(root, ["engagement-jobs"])
    assert result.exit_code == 0, result.output
    assert "complaint-deadlines:" in result.output
    assert "messages:" in result.output
