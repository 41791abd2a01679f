"""Every `Location` a service answers a create with leads to a GET, in the service and
through the gateway (docs/adr/0177, docs/adr/0181). A 201 naming a URL no route serves
tells its client of a resource that does not exist: following it is a 404 or 405.

The Locations are read from the source, as `hearth_kit.idempotency` is given them: the
f-string of each `location=lambda ...` (or of the one return of a function of the module
named there, `location=_location`). Each placeholder there is an id (a path
segment), except a route factory's parameter naming the URL it was mounted at
(`record_certificate_at(checks_url)`): that is resolved to each literal URL the module
passes it. Each Location must match a GET path of its service's OpenAPI document
(`gateway.openapi_build.service_documents`) and a GET route of the gateway, a
placeholder only where the path has one. No broker or database: the apps are built,
never started."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from gateway.app import create_app
from gateway.authorisation import gateway_routes
from gateway.openapi_build import service_documents
from gateway.settings import GatewaySettings
from tests.harness.platform import SERVICE_NAMES

REPO = Path(__file__).resolve().parents[2]

ID = "{}"
"""A placeholder segment of a Location: whatever id the created thing has."""

NOT_RESOURCES: dict[tuple[str, str], str] = {}
"""(service, Location) pairs knowingly sent without a GET by that path, with why. A
Location in no GET is a bug (ADR 0181): add the read or stop sending the header; list
one here only when neither is right, and say why."""


UNREADABLE = "not an f-string that a lambda or a function of the module returns"


@dataclass(frozen=True)
class Location:
    service: str
    where: str  # file:line, for the failure message
    segments: tuple[str, ...]  # literal segments, and ID for a placeholder

    @property
    def template(self) -> str:
        return "/".join(self.segments)


def _mounted_at(tree: ast.Module, factory: str, parameter: str) -> list[str]:
    """The literal URLs `factory(...)` is called with in this module for `parameter`
    (its first positional argument, or by name)."""
    urls = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == factory
        ):
            continue
        given = [k.value for k in node.keywords if k.arg == parameter] or node.args[:1]
        if given and isinstance(given[0], ast.Constant) and isinstance(given[0].value, str):
            urls.append(given[0].value)
    return urls


def _segments(text: str) -> list[str]:
    return [segment for segment in text.split("/") if segment]


def _expansions(
    tree: ast.Module, enclosing: list[ast.FunctionDef | ast.AsyncFunctionDef], body: ast.expr
) -> Iterator[list[str]] | None:
    """Each Location `body` (an f-string) can be, as path segments; None when it is
    not an f-string of literal text and placeholders this test understands."""
    if not isinstance(body, ast.JoinedStr):
        return None
    parameters = {
        arg.arg: function.name
        for function in enclosing
        for arg in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)
    }
    starts: list[list[str]] = [[]]
    text = ""
    for part in body.values:
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            text += part.value
            continue
        if not isinstance(part, ast.FormattedValue):
            return None
        value = part.value
        if not text and isinstance(value, ast.Name) and value.id in parameters:
            # a leading {checks_url}: the URL the route factory was mounted at
            if not (urls := _mounted_at(tree, parameters[value.id], value.id)):
                return None
            starts = [[*start, *_segments(url)] for start in starts for url in urls]
            continue
        text += ID
    tail = _segments(text)
    if any(ID in segment and segment != ID for segment in tail):
        return None  # an id glued to literal text: not a path this test can match
    return iter([[*start, *tail] for start in starts])


def _locations(service: str) -> Iterator[Location | str]:
    """Each Location the service's source sends, or a message naming one it cannot
    read (so a new form fails here rather than going unchecked)."""
    package = REPO / "services" / service / "src" / service
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        yield from _visit(service, path, tree, tree, [])


def _returned(tree: ast.Module, given: ast.expr) -> ast.expr | None:
    """What the `location=` callable returns: a lambda's body, or the one return of a
    function of the module named (`location=_location`)."""
    if isinstance(given, ast.Lambda):
        return given.body
    if isinstance(given, ast.Name):
        for node in tree.body:
            if (
                isinstance(node, ast.FunctionDef)
                and node.name == given.id
                and isinstance(node.body[-1], ast.Return)
                and len([n for n in ast.walk(node) if isinstance(n, ast.Return)]) == 1
            ):
                return node.body[-1].value
    return None


def _visit(
    service: str,
    path: Path,
    tree: ast.Module,
    node: ast.AST,
    enclosing: list[ast.FunctionDef | ast.AsyncFunctionDef],
) -> Iterator[Location | str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        enclosing = [*enclosing, node]
    if isinstance(node, ast.Call) and (
        isinstance(node.func, ast.Attribute) and node.func.attr == "create"
    ):
        for keyword in node.keywords:
            if keyword.arg != "location":
                continue
            where = f"{path.relative_to(REPO)}:{keyword.value.lineno}"
            body = _returned(tree, keyword.value)
            expanded = _expansions(tree, enclosing, body) if body is not None else None
            if expanded is None:
                yield f"{where}: a Location this test cannot read ({UNREADABLE})"
                continue
            for segments in expanded:
                yield Location(service, where, ("", *segments))
    for child in ast.iter_child_nodes(node):
        yield from _visit(service, path, tree, child, enclosing)


def _matches(location: Location, path: str) -> bool:
    """The Location is a URL of `path`: the same literal segments, and an id where
    (and only where) the path takes a parameter."""
    wanted = ("", *_segments(path))
    return len(wanted) == len(location.segments) and all(
        (have == ID) == (want.startswith("{") and want.endswith("}")) and have in (ID, want)
        for have, want in zip(location.segments, wanted, strict=True)
    )


@cache
def _service_gets() -> dict[str, tuple[str, ...]]:
    return {
        service: tuple(
            path for path, operations in document["paths"].items() if "get" in operations
        )
        for service, document in service_documents().items()
    }


@cache
def _gateway_gets() -> tuple[str, ...]:
    app = create_app(GatewaySettings(environment="development"))
    return tuple(route.path for route in gateway_routes(app) if route.method == "GET")


def _every_location() -> list[Location | str]:
    return [found for service in SERVICE_NAMES for found in _locations(service)]


def test_every_location_is_read() -> None:
    unreadable = [found for found in _every_location() if isinstance(found, str)]
    assert not unreadable, unreadable


def test_the_scan_finds_the_locations_it_should() -> None:
    """The scan itself: it finds the creates (engagement's and repairs' among them) and
    resolves the compliance checks' {checks_url} to both URLs the routes are at."""
    found = {(f.service, f.template) for f in _every_location() if isinstance(f, Location)}
    assert ("repairs", "/v1/appointments/{}") in found
    assert ("engagement", "/v1/residents/{}/vulnerabilities/{}") in found
    assert ("income", "/v1/rent-accounts/{}/entries/{}") in found
    assert ("compliance", "/v1/compliance/checks/{}") in found
    assert ("compliance", "/v1/contractor/compliance/checks/{}") in found
    assert ("compliance", "/v1/contractor/gas-safety-records/{}") in found
    assert not any("checks_url" in template or "records_url" in template for _, template in found)


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_location_leads_to_a_get_in_the_service_and_the_gateway(service: str) -> None:
    nowhere = []
    for location in _locations(service):
        if not isinstance(location, Location) or (service, location.template) in NOT_RESOURCES:
            continue
        for side, gets in (("service", _service_gets()[service]), ("gateway", _gateway_gets())):
            if not any(_matches(location, path) for path in gets):
                nowhere.append(f"{location.where}: no GET {location.template} in the {side}")
    assert not nowhere, "\n".join(nowhere)


def test_what_is_excused_is_still_sent() -> None:
    """An excuse outlives its Location only by mistake: each one names a Location sent."""
    found = {(f.service, f.template) for f in _every_location() if isinstance(f, Location)}
    assert set(NOT_RESOURCES) <= found
