"""deploy/prometheus/alerts.yaml is a valid Prometheus rule file whose every alert can
fire: promtool is not on PyPI, npm or Maven, so the file is checked here instead, in
three parts: its structure against the rule-file format (a strict model of what
Prometheus' rule loader accepts), every expression parsed as PromQL (promql-parser, the
Rust parser behind GreptimeDB, from PyPI), and every metric an expression names is one
the code defines, so a renamed metric cannot leave an alert that never fires."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path
from typing import Annotated, Literal

import promql_parser
import pytest
import yaml
from prometheus_client import REGISTRY
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hearth_contracts.topics import SERVICES

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yaml"

DURATION = r"^(0|(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?)$"
"""Prometheus' duration syntax (model.ParseDuration): units in order, each at most once."""
Duration = Annotated[str, StringConstraints(pattern=DURATION, min_length=1)]
LabelName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")]


class Rule(BaseModel):
    """One rule of a group (prometheus/model/rulefmt RuleNode)."""

    model_config = ConfigDict(extra="forbid")

    alert: str | None = None
    record: str | None = None
    expr: str = Field(min_length=1)
    for_: Duration | None = Field(default=None, alias="for")
    keep_firing_for: Duration | None = None
    labels: dict[LabelName, str] = Field(default_factory=dict)
    annotations: dict[LabelName, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _alert_or_record(self) -> Rule:
        if (self.alert is None) == (self.record is None):
            raise ValueError("a rule is exactly one of alert or record")
        if self.record is not None and (self.for_ or self.annotations):
            raise ValueError("a recording rule has no for or annotations")
        return self


class Group(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    interval: Duration | None = None
    limit: int | None = Field(default=None, ge=0)
    query_offset: Duration | None = None
    labels: dict[LabelName, str] = Field(default_factory=dict)
    rules: list[Rule] = Field(min_length=1)


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    groups: list[Group] = Field(min_length=1)


Severity = Literal["critical", "warning"]


def rule_file() -> RuleFile:
    return RuleFile.model_validate(yaml.safe_load(RULES.read_text()))


def alerts() -> list[Rule]:
    return [rule for group in rule_file().groups for rule in group.rules if rule.alert]


def metric_names(expr: str) -> set[str]:
    names: set[str] = set()

    def visit(node: object) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            names.add(node.name)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return names


def defined_metrics() -> set[str]:
    """Every series name the kit, the gateway and the services' metrics modules expose."""
    importlib.import_module("hearth_kit.metrics")
    importlib.import_module("gateway.metrics")
    for service in SERVICES:
        if importlib.util.find_spec(f"{service}.metrics") is not None:
            importlib.import_module(f"{service}.metrics")
    exposed = {"up"}  # Prometheus' own, per scrape target
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_count", "_sum", "_created"),
        "summary": ("_count", "_sum", "_created"),
        "gauge": ("",),
    }
    for family in REGISTRY.collect():
        for suffix in suffixes.get(family.type, ("",)):
            exposed.add(family.name + suffix)
    return exposed


def test_the_rule_file_has_the_structure_prometheus_loads() -> None:
    groups = rule_file().groups
    names = [group.name for group in groups]
    assert len(names) == len(set(names)), "group names are unique"


@pytest.mark.parametrize("rule", alerts(), ids=lambda rule: rule.alert)
def test_every_alert_parses_as_promql_and_names_metrics_the_code_defines(rule: Rule) -> None:
    names = metric_names(rule.expr)
    assert names, "an alert watches at least one metric"
    unknown = names - defined_metrics()
    assert not unknown, f"{rule.alert} names metrics nothing defines: {sorted(unknown)}"


@pytest.mark.parametrize("rule", alerts(), ids=lambda rule: rule.alert)
def test_every_alert_has_a_severity_a_summary_and_a_runbook_in_the_repository(
    rule: Rule,
) -> None:
    assert rule.labels.get("severity") in ("critical", "warning")
    assert rule.annotations.get("summary")
    runbook = rule.annotations.get("runbook_url", "")
    assert (ROOT / runbook).is_file(), f"{rule.alert}: no runbook {runbook!r}"


def test_the_issue_s_metrics_each_have_an_alert() -> None:
    """Requests by route and status, outbox backlog and oldest age, parked rows, consumer
    lag, handler failures, dead letters, and the domain's own."""
    watched = set().union(*(metric_names(rule.expr) for rule in alerts()))
    assert watched >= {
        "hearth_http_request_duration_seconds_count",
        "hearth_outbox_backlog",
        "hearth_outbox_oldest_age_seconds",
        "hearth_outbox_parked",
        "hearth_consumer_lag",
        "hearth_handler_failures_total",
        "hearth_dead_letters_total",
        "hearth_repairs_overdue",
        "hearth_repairs_awaab_clocks_breached_total",
        "hearth_compliance_certificates_expired",
        "hearth_engagement_complaint_deadlines_breached_total",
    }


def test_a_broken_expression_is_refused_by_the_parser() -> None:
    """The check has teeth: the parser refuses what promtool would."""
    with pytest.raises(ValueError, match="parenthesis"):
        promql_parser.parse("rate(hearth_dead_letters_total[5m]")


@pytest.mark.parametrize("duration", ["5m", "1h30m", "0", "90s", "1d"])
def test_durations_prometheus_accepts_are_accepted(duration: str) -> None:
    assert re.match(DURATION, duration)


@pytest.mark.parametrize("duration", ["", "5 m", "m5", "30m1h", "1.5h"])
def test_durations_prometheus_refuses_are_refused(duration: str) -> None:
    assert not re.match(DURATION, duration) or duration == ""
