"""The README and the architecture page point only at files in the repository (the
design lives in docs/architecture.md, not outside it), the quick start still opens
with `make run` and `make test`, the ADR index lists every ADR, the event catalogue
names the consumer group and dead-letter topic the kit uses, the deploy runbook names
every secret and address an operator sets, and every alert's runbook names it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml
from pydantic import BaseModel, SecretStr

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


SERVICE_NAMES = ("visits", "repairs", "compliance", "income", "engagement")


# ---- settings ------------------------------------------------------------------------


def _settings_classes() -> list[type[Any]]:
    import importlib

    from gateway.settings import GatewaySettings

    classes: list[type[Any]] = [GatewaySettings]
    for service in SERVICE_NAMES:
        module = importlib.import_module(f"{service}.settings")
        classes.append(
            next(
                c
                for n, c in vars(module).items()
                if n.endswith("Settings") and getattr(c, "service_name", None) == service
            )
        )
    return classes


def _fields(prefix: str, model: type[BaseModel]) -> Iterator[tuple[str, Any]]:
    """(environment name, field) of every setting, nested ones by `__`."""
    for name, field in model.model_fields.items():
        env = prefix + name.upper()
        yield env, field
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            yield from _fields(env + "__", field.annotation)


def _holds_secret(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return any(_holds_secret(f.annotation) for f in annotation.model_fields.values())
    return any(_holds_secret(a) for a in get_args(annotation))


SHARED = {
    "INTERNAL_TOKEN_PUBLIC_KEYS": "HEARTH_INTERNAL_TOKEN_PUBLIC_KEY",
}
"""Service settings an operator sets once for every service, under the shared name."""


def test_the_deploy_runbook_names_every_secret_and_address_an_operator_sets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every setting holding a secret (a SecretStr, or a JSON value with one inside:
    the contractors' webhook secrets), a key, a URL or the CORS origins is named in
    docs/runbooks/deploy.md, where an operator deploying Hearth looks."""
    runbook = (ROOT / "docs" / "runbooks" / "deploy.md").read_text()
    missing = []
    for settings in _settings_classes():
        prefix = settings.model_config["env_prefix"]
        for env, field in _fields(prefix, settings):
            nested = isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
            secret = _holds_secret(field.annotation) and not nested
            address = re.search(r"_(URL|KEY|KEYS|SECRET|PASSWORD|ORIGINS)$", env)
            if nested or not (secret or address):
                continue
            service_part = env.removeprefix(prefix)
            generic = {
                env,
                f"HEARTH_<SERVICE>_{service_part}",
                re.sub(r"^HEARTH_GATEWAY_[A-Z]+_URL$", "HEARTH_GATEWAY_<SERVICE>_URL", env),
                SHARED.get(service_part, env),
            }
            if not any(name in runbook for name in generic):
                missing.append(env)
    # the shared name is the one each service reads
    monkeypatch.setenv("HEARTH_ENVIRONMENT", "development")
    monkeypatch.setenv("HEARTH_INTERNAL_TOKEN_PUBLIC_KEY", "shared")
    for settings in _settings_classes()[1:]:
        for field, shared in SHARED.items():
            assert getattr(settings(), field.lower()) == "shared", shared
    assert not missing, f"docs/runbooks/deploy.md does not name {missing}"


# ---- alerts, events, make ------------------------------------------------------------


def test_every_alert_s_runbook_says_what_to_do_about_it() -> None:
    """The runbook an alert names (runbook_url) names the alert: the engineer it pages
    opens that page and must find the alert there, not a page about something else."""
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yaml").read_text())
    unnamed = [
        f"{rule['alert']} -> {rule['annotations']['runbook_url']}"
        for group in rules["groups"]
        for rule in group["rules"]
        if "alert" in rule
        and rule["alert"] not in (ROOT / rule["annotations"]["runbook_url"]).read_text()
    ]
    assert not unnamed, f"runbooks that do not name the alert pointing at them: {unnamed}"


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
