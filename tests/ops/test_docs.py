"""The docs say what the code does, checked where that is cheap and deterministic: every
page's links are files in the repository (and their anchors headings), the quick start
still opens with `make run` and `make test`, the ADR index lists every ADR; every
`hearth` command shown is one the installed command line takes, with options it has;
every HEARTH_... setting named is one the code reads; every secret and address an
operator sets is in the deploy runbook; every alert's runbook names it; the event
catalogue names the consumer group in use; every `make` target named exists; the
contractors' guide's signature check accepts what repairs signs and refuses the rest, and
each request body it shows is one the route's schema takes."""

from __future__ import annotations

import functools
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


# The pages a newcomer or an on-call engineer reads (the ADRs are history: they may name
# what has since changed, and say so).
PAGES = sorted(
    [
        ROOT / "README.md",
        ROOT / "docs" / "adr" / "README.md",
        *(ROOT / "docs").glob("*.md"),
        *(ROOT / "docs" / "runbooks").glob("*.md"),
        *(ROOT / "docs" / "api").glob("*.md"),
    ]
)
SERVICE_NAMES = ("visits", "repairs", "compliance", "income", "engagement")


def _page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def _heading_anchors(page: Path) -> set[str]:
    """GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces
    as hyphens (a repeated heading's -1, -2 are left out: the pages repeat none)."""
    anchors = set()
    fenced = False
    for line in page.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        heading = re.match(r"#{1,6}\s+(.*)", line)
        if heading and not fenced:
            text = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower())
            anchors.add(text.replace(" ", "-"))
    return anchors


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_every_link_in_the_docs_resolves_with_its_anchor(page: Path) -> None:
    """Every relative link of every page is a file in the repository and, when it names
    a heading (`file.md#heading`, `#heading`), a heading of that page."""
    for target in LINK.findall(page.read_text()):
        if re.match(r"^[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        resolved = (page.parent / file).resolve() if file else page
        assert resolved.is_relative_to(ROOT), f"{_page_id(page)} links outside: {target}"
        assert resolved.exists(), f"{_page_id(page)} links to a missing {target}"
        if anchor and resolved.suffix == ".md":
            assert anchor in _heading_anchors(resolved), (
                f"{_page_id(page)} links to {target}: no such heading"
            )


# ---- the `hearth` command line -------------------------------------------------------

HEARTH_CALL = re.compile(
    # `hearth` as a command: at the start of a line or code span, after `uv run `, after
    # `kubectl exec ... -- ` or `$(`; never kubectl's namespace (`-n hearth get pods`).
    r"(?:(?<=uv run )|(?<=-- )|(?<=`)|(?<=\$\()|(?<=^)|(?<=^  )|(?<=\| ))(?<!-n )hearth"
    r"((?: +(?:[a-z][a-z-]*|--[a-z][a-z-]*(?:[ =](?!--)[^\s`|)\]]+)?|\[[^\]]*\]|<[^>]*>"
    r"|[A-Z]+|[0-9][\w.-]*|[\w./-]+\.\w+|\.\.\.))*)",
    re.M,
)


def _hearth_calls(text: str) -> list[tuple[int, list[str]]]:
    """(line, words after `hearth`) of each `hearth` command the text shows; a command
    continued over lines with a backslash is read as one."""
    joined = text.replace("\\\n", " ")
    calls = []
    for number, line in enumerate(joined.splitlines(), 1):
        if re.search(r"-n\s+hearth\b", line) and "-- hearth" not in line:
            continue
        for match in HEARTH_CALL.finditer(line):
            if line[: match.start()].rstrip().endswith("-n"):
                continue
            words = match.group(1).split()
            if words:
                calls.append((number, words))
    return calls


def _command_problem(app: Any, words: list[str]) -> str | None:
    """Why `hearth <words>` is not a command the installed `hearth` takes, or None."""
    command, path = app, ["hearth"]
    rest = list(words)
    while hasattr(command, "commands") and rest and re.fullmatch(r"[a-z][a-z-]*", rest[0]):
        sub = command.commands.get(rest[0])
        if sub is None:
            return f"no command `{' '.join([*path, rest[0]])}`"
        command, path = sub, [*path, rest.pop(0)]
    if hasattr(command, "commands"):
        return None  # a group named on its own (`hearth dead-letters`), or `...`
    options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
    for word in rest:
        for option in re.findall(r"--[a-z][a-z-]*", word):
            if option not in options:
                return f"`{' '.join(path)}` has no option {option}"
    return None


@pytest.fixture(scope="module")
def hearth_app() -> Any:
    import typer

    from hearth_kit.cli import build_app

    return typer.main.get_command(build_app())


@pytest.mark.parametrize(
    "page", [*PAGES, ROOT / "deploy" / "prometheus" / "alerts.yaml"], ids=_page_id
)
def test_every_hearth_command_shown_is_a_real_command_with_real_options(
    page: Path, hearth_app: Any
) -> None:
    problems = [
        f"{_page_id(page)}:{line}: hearth {' '.join(words)}: {problem}"
        for line, words in _hearth_calls(page.read_text())
        if (problem := _command_problem(hearth_app, words))
    ]
    assert not problems, "\n".join(problems)


def test_the_command_check_finds_a_wrong_command_and_a_wrong_option(hearth_app: Any) -> None:
    text = (
        "`uv run hearth dead-letters list --service repairs --status new`\n"
        "kubectl -n hearth exec deploy/visits -- hearth projection rebiuld --service visits\n"
        "kubectl -n hearth get pods\n"
    )
    problems = [_command_problem(hearth_app, words) for _, words in _hearth_calls(text)]
    assert problems == [
        "`hearth dead-letters list` has no option --status",
        "no command `hearth projection rebiuld`",
    ]


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


def _renamed(prefix: str, model: type[BaseModel]) -> Iterator[str]:
    """The names a model refuses as renamed (its RENAMED: income's ladder in days)."""
    for old in getattr(model, "RENAMED", {}):
        yield prefix + old.upper()
    for name, field in model.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            yield from _renamed(prefix + name.upper() + "__", field.annotation)


@pytest.fixture(scope="module")
def setting_names() -> set[str]:
    names: set[str] = set()
    for settings in _settings_classes():
        prefix = settings.model_config["env_prefix"]
        names.add(prefix.rstrip("_"))
        names.update(env for env, _ in _fields(prefix, settings))
        names.update(_renamed(prefix, settings))
    return names


@functools.cache
def _code_text() -> str:
    """The repository's code and scripts: where a variable read outside the settings
    classes (HEARTH_ENVIRONMENT, KAFKA_BOOTSTRAP_SERVERS, the local scripts' and the
    tests' own) is named."""
    files = [
        *ROOT.glob("kit/src/**/*.py"),
        *ROOT.glob("gateway/src/**/*.py"),
        *ROOT.glob("contracts/src/**/*.py"),
        *ROOT.glob("services/*/src/**/*.py"),
        *ROOT.glob("tests/**/*.py"),
        *ROOT.glob("bench/*.py"),
        *ROOT.glob("deploy/**/*.sh"),
        ROOT / "deploy" / "Dockerfile",
        ROOT / ".ci" / "run",
    ]
    return "\n".join(f.read_text() for f in files if f.name != "test_docs.py")


SETTING = re.compile(r"\b(?:HEARTH|KAFKA)_[A-Z0-9_<>]*[A-Z0-9>]")


def _unknown_settings(text: str, known: set[str], code: str) -> list[str]:
    unknown = []
    for name in sorted(set(SETTING.findall(text))):
        spelled = [name]
        if "<" in name:  # HEARTH_<SERVICE>_DATABASE_URL, HEARTH_GATEWAY_<SERVICE>_URL
            spelled = [re.sub(r"<[A-Za-z]+>", s.upper(), name) for s in SERVICE_NAMES]
        for each in spelled:
            if each.startswith("KAFKA_") and f"HEARTH_REPAIRS_{each}" in known:
                continue  # a service setting's own part (deploy.md's table), not a name
            if each not in known and not re.search(rf"\b{re.escape(each)}\b", code):
                unknown.append(name)
                break
    return unknown


@pytest.mark.parametrize("page", [ROOT / "Makefile", *PAGES], ids=_page_id)
def test_every_setting_named_is_one_the_code_reads(page: Path, setting_names: set[str]) -> None:
    """A HEARTH_... or KAFKA_... name in the docs is a setting of the gateway's or a
    service's settings class (nested by `__`, `<SERVICE>` for each service), a name the
    settings refuse as renamed, or one the code or scripts read themselves."""
    unknown = _unknown_settings(page.read_text(), setting_names, _code_text())
    assert not unknown, f"{_page_id(page)} names settings nothing reads: {unknown}"


def test_the_settings_check_finds_a_misspelt_setting(setting_names: set[str]) -> None:
    text = (
        "`HEARTH_GATEWAY_CORS_ORIGIN`, `HEARTH_<SERVICE>_OUTBOX_RELAY_LANE`, `HEARTH_ENVIRONMENT`"
    )
    assert _unknown_settings(text, setting_names, _code_text()) == [
        "HEARTH_<SERVICE>_OUTBOX_RELAY_LANE",
        "HEARTH_GATEWAY_CORS_ORIGIN",
    ]


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


def test_every_make_target_named_in_the_docs_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    named = {
        (page, target)
        for page in PAGES
        for target in re.findall(r"`make ([a-z][a-z-]*)", page.read_text())
    }
    unknown = sorted(f"{_page_id(p)}: make {t}" for p, t in named if t not in targets)
    assert not unknown, unknown


QUOTED_CODE = re.compile(r"From `([\w/]+\.py)`:\n\n```python\n(.*?)```", re.S)


def _squeezed(text: str) -> str:
    """Code without its white space, and a trailing comma before `)` dropped, so line
    breaks and the formatter's trailing commas do not tell two copies apart."""
    return re.sub(r"\s+", "", text).replace(",)", ")")


def _source_of(quoted: str) -> Path:
    found = [
        path
        for base in (
            "kit/src",
            "gateway/src",
            "contracts/src",
            *(f"services/{s}/src" for s in SERVICE_NAMES),
        )
        if (path := ROOT / base / quoted).is_file()
    ]
    assert len(found) == 1, f"`{quoted}` names {len(found)} files"
    return found[0]


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_code_quoted_from_a_file_is_that_file_s_code(page: Path) -> None:
    """A block the docs introduce with "From `<path>`:" is quoted, not sketched: each of
    its functions, decorator and all, is in that file as it is written there (line
    breaks and a trailing comma aside), so the example a newcomer copies is the code
    the service runs."""
    for quoted, block in QUOTED_CODE.findall(page.read_text()):
        source = _squeezed(_source_of(quoted).read_text())
        for function in re.split(r"\n\n+(?=@|async def |def )", block.strip()):
            assert _squeezed(function) in source, (
                f"{_page_id(page)} quotes from {quoted} what it does not hold:\n{function}"
            )


def test_every_hearth_command_is_shown_somewhere_in_the_docs(hearth_app: Any) -> None:
    """A command an operator can run is one the docs show (the runbooks, docs/api/*.md),
    so `hearth --help` holds nothing the docs never explain."""

    def commands(command: Any, path: list[str]) -> Iterator[str]:
        if not hasattr(command, "commands"):
            yield " ".join(path)
            return
        for name, sub in command.commands.items():
            yield from commands(sub, [*path, name])

    shown = " ".join(" ".join(page.read_text().split()) for page in PAGES)
    unshown = [
        command
        for command in commands(hearth_app, ["hearth"])
        if not re.search(rf"{re.escape(command)}(?![\w-])", shown)
    ]
    assert not unshown, f"commands no page shows: {unshown}"


KUBECTL = re.compile(
    r"kubectl((?: +[^\s`]+)*)",
)
NAMESPACED_VERBS = {
    "exec", "logs", "get", "rollout", "port-forward", "delete", "create", "wait",
    "describe", "edit", "scale", "run", "top", "cp",
}  # fmt: skip


def _kubectl_without_namespace(text: str) -> list[str]:
    """kubectl commands on Hearth's resources that do not name the namespace: every
    resource is in `hearth` (deploy/k8s), so without `-n hearth` the command looks in
    the context's default namespace and finds nothing."""
    missing = []
    for line in text.replace("\\\n", " ").splitlines():
        for match in KUBECTL.finditer(line):
            words = match.group(1).split()
            verbs = [w for w in words if not w.startswith("-")]
            if not verbs or verbs[0] not in NAMESPACED_VERBS or len(words) < 2:
                continue
            if "-n" not in words and not any(w.startswith("--namespace") for w in words):
                missing.append(match.group(0))
    return missing


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_every_kubectl_command_names_hearth_s_namespace(page: Path) -> None:
    missing = _kubectl_without_namespace(page.read_text())
    assert not missing, f"{_page_id(page)}: kubectl without -n hearth: {missing}"


def test_the_gateway_s_configuration_table_has_every_setting() -> None:
    """docs/api.md's Configuration table lists every setting of GatewaySettings (the
    shared HEARTH_ENVIRONMENT by its own name), so an operator tuning the gateway finds
    each there."""
    from gateway.settings import GatewaySettings

    page = (ROOT / "docs" / "api.md").read_text()
    table = page.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([A-Z_]+)`", table))
    missing = [
        name.upper()
        for name in GatewaySettings.model_fields
        if name.upper() not in listed and f"HEARTH_{name.upper()}" not in listed
    ]
    assert not missing, f"docs/api.md's Configuration table does not list {missing}"


def test_the_deploy_runbook_lists_every_service_setting_with_its_default() -> None:
    """deploy.md's table of what every service takes names each field of ServiceSettings
    (HEARTH_<SERVICE>_<NAME>) and, where the field has a plain default, that default as
    the code has it (`5`, `60.0`, `true`), so a runbook's "default 4" is the code's 4."""
    from hearth_kit.settings import ServiceSettings

    page = (ROOT / "docs" / "runbooks" / "deploy.md").read_text()
    assert "### What every service takes" in page, "deploy.md has no table of them"
    table = page.split("### What every service takes", 1)[1].split("\n#", 1)[0]
    rows = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 3:
            for name in re.findall(r"`([A-Z_]+)`", cells[0]):
                rows[name] = cells[1]
    problems = []
    for name, field in ServiceSettings.model_fields.items():
        row = rows.get(name.upper())
        if row is None:
            problems.append(f"{name.upper()}: not listed")
            continue
        default = field.default
        if field.default_factory is not None or default in ("", None):
            continue
        shown = str(default).lower() if isinstance(default, bool) else str(default)
        if f"`{shown}`" not in row:
            problems.append(f"{name.upper()}: default `{shown}`, the table says {row}")
    assert not problems, "\n".join(problems)


CONTRACTORS = ROOT / "docs" / "contractors.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)


def _fenced(page: Path, language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(page.read_text()) if lang == language]


def _doc_verify() -> Any:
    """The `verify` function contractors copy from the guide, as they would run it."""
    (snippet,) = [code for code in _fenced(CONTRACTORS, "python") if "def verify(" in code]
    namespace: dict[str, Any] = {}
    exec(compile(snippet, str(CONTRACTORS), "exec"), namespace)
    return namespace["verify"]


def test_the_contractors_signature_check_accepts_what_hearth_signs_and_refuses_the_rest() -> None:
    """Contractors paste this function into their receiver verbatim: it must accept the
    signature repairs sends, and refuse (False, not an exception their server answers
    500 to, which Hearth would retry for ever) a wrong, old or malformed one."""
    import time

    from repairs.webhooks.rules import signature

    verify = _doc_verify()
    body = b'{"id":"e1","sent_for":{"id":"w1"},"type":"raise-repair"}'
    now = int(time.time())
    assert verify("s3cret", signature("s3cret", now, body), body)
    assert not verify("other", signature("s3cret", now, body), body)
    assert not verify("s3cret", signature("s3cret", now, body), body.replace(b"w1", b"w2"))
    assert not verify("s3cret", signature("s3cret", now - 301, body), body)
    for malformed in ("", "v1=abc", f"t={now}", "t=soon,v1=abc", "sha256=abc"):
        assert not verify("s3cret", malformed, body), malformed


def _shell_bodies(page: Path) -> list[tuple[str, str, str]]:
    """(method, path, body) of each `curl -X POST|PUT|PATCH ... -d` in the page's sh
    blocks, the shell's substitutions replaced by values of their shape; `-d @file` is
    the page's json block that first names the file's fields (`cp12.json`)."""
    values = {
        "$(date -u +%FT%TZ)": "2026-12-01T10:00:00Z",
        "${DAY}": "2026-12-04",
    }
    found = []
    for block in _fenced(page, "sh"):
        for command in re.split(r"\n(?=\S)", block.replace("\\\n", " ")):
            command = re.sub(r"<[^>]+>", "id", command)  # <id>, <check id>
            call = re.search(r"curl .*-X (POST|PUT|PATCH) \"?\$HEARTH(/[^\"\s]*)", command)
            data = re.search(r"-d (?:'([^']*)'|\"((?:[^\"\\]|\\.)*)\"|@(\S+))", command)
            if call is None or data is None:
                continue
            if data.group(3):
                (body,) = [
                    code
                    for code in _fenced(page, "json")
                    if '"gas_safe_number"' in code and '"id"' not in code
                ]
            elif data.group(1) is not None:
                body = data.group(1)
            else:
                body = data.group(2).replace('\\"', '"')
            for shell, value in values.items():
                body = body.replace(shell, value)
            found.append((call.group(1).lower(), call.group(2).split("?")[0], body))
    return found


def _body_problems(method: str, path: str, body: str) -> list[str]:
    import json

    from gateway.openapi_examples import validator

    document = json.loads((ROOT / "gateway" / "openapi.json").read_text())
    routes = [
        template
        for template in document["paths"]
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path)
    ]
    if not routes:
        return [f"{method.upper()} {path}: no such route"]
    operation = document["paths"][routes[0]].get(method)
    if operation is None:
        return [f"{method.upper()} {path}: no such method"]
    try:
        value = json.loads(body)
    except ValueError as error:
        return [f"{method.upper()} {path}: not JSON ({error})"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    check = validator(schema, document["components"]["schemas"])
    return [f"{method.upper()} {path}: {error.message}" for error in check.iter_errors(value)]


def test_every_request_body_in_the_contractors_guide_is_one_the_api_takes() -> None:
    """Contractors' developers copy these calls verbatim: each body must be one the
    route's own schema (gateway/openapi.json) accepts."""
    bodies = _shell_bodies(CONTRACTORS)
    assert len(bodies) >= 5, bodies
    problems = [problem for call in bodies for problem in _body_problems(*call)]
    assert problems == []


def test_the_body_check_finds_a_field_the_api_does_not_take() -> None:
    problems = _body_problems(
        "post", "/v1/contractor/work-orders/123/status", '{"state": "in_progress"}'
    )
    assert problems
    assert all("status" in problem or "state" in problem for problem in problems)
