"""RFC 9457 problem details: every error a service returns, in one shape.

Domain errors are exception classes carrying their HTTP status; they are turned into
problem details here, in one place.

No personal data: a validation problem names the field and what is wrong with it,
never the value sent (an error message that would quote it is replaced by a generic
one), and a 500 says nothing about its cause; the log line has the exception's type
and frames and the trace id, not its message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, routing
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException as StarletteHTTPException

from hearth_kit.database_faults import BROKEN_CONNECTION, UnstorableText, is_infrastructure_fault
from hearth_kit.logs import get_logger
from hearth_kit.personal_data import exception_type_name
from hearth_kit.tracing import current_ids

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://hearth.example/problems/"

log = get_logger(__name__)


class FieldError(BaseModel):
    field: str = Field(
        description="Dotted path of the offending field, e.g. uprn or tenants.0.full_name"
    )
    location: str = Field(description="Where the field was: body, query, path or header")
    message: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """A domain error that becomes a problem details response."""

    status: int = 400
    title: str = "Bad request"
    slug: str = "bad-request"

    def __init__(
        self, detail: str, *, headers: dict[str, str] | None = None, **extensions: Any
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body = Problem(
            type=TYPE_BASE + self.slug,
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
        ).model_dump(exclude_none=True)
        body.update(self.extensions)
        if isinstance(field := self.extensions.get("field"), str):
            # The same shape as a validation error: clients read errors[].field always.
            location = self.extensions.get("location", "body")
            body["errors"] = [
                FieldError(
                    field=field, location=location, message=self.detail, type=self.slug
                ).model_dump()
            ]
        return body


class NotFound(ProblemError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(ProblemError):
    status, title, slug = 409, "Conflict", "conflict"


class PreconditionFailed(ProblemError):
    status, title, slug = 412, "Precondition failed", "precondition-failed"


class PreconditionRequired(ProblemError):
    status, title, slug = 428, "Precondition required", "precondition-required"


class Unprocessable(ProblemError):
    status, title, slug = 422, "Unprocessable content", "unprocessable"


class Unauthorized(ProblemError):
    status, title, slug = 401, "Unauthorized", "unauthorized"


class Forbidden(ProblemError):
    status, title, slug = 403, "Forbidden", "insufficient-scope"


class ServiceUnavailable(ProblemError):
    status, title, slug = 503, "Service unavailable", "service-unavailable"


class ContentTooLarge(ProblemError):
    status, title, slug = 413, "Content too large", "content-too-large"


class TooManyRequests(ProblemError):
    status, title, slug = 429, "Too many requests", "too-many-requests"


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_JSON, headers=headers)


GENERIC_MESSAGE = "Invalid value"
"""Said instead of a validation message that would quote the value sent."""


def _texts_in(value: Any, depth: int = 0) -> Iterator[str]:
    """Every string and number inside a submitted value (at most a few levels deep)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)
    elif depth < 4 and isinstance(value, dict):
        for item in value.values():
            yield from _texts_in(item, depth + 1)
    elif depth < 4 and isinstance(value, list | tuple):
        for item in value:
            yield from _texts_in(item, depth + 1)


def _quotes(message: str, text: str) -> bool:
    """Whether `message` contains `text` as a whole token (not inside a longer word)."""
    text = text.strip()
    if not text:
        return False
    return re.search(rf"(?<!\w){re.escape(text)}(?!\w)", message) is not None


def message_without_input(error: dict[str, Any]) -> str:
    """Pydantic's message for one error, unless it quotes the value sent (a custom
    validator's `ValueError(f"... {value}")`, a tag or a parse error describing the
    input): then a generic one. The value itself (`input`) is never used."""
    message = str(error.get("msg") or GENERIC_MESSAGE)
    if any(_quotes(message, text) for text in _texts_in(error.get("input"))):
        return GENERIC_MESSAGE
    return message


def _field_errors(exc: RequestValidationError) -> list[FieldError]:
    errors = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        location = loc[0] if loc else "body"
        path = loc[1:] if location in {"body", "query", "path", "header", "cookie"} else loc
        if err.get("type") == "json_invalid":
            path = []  # loc is ("body", <character offset>): the body itself is malformed
        errors.append(
            FieldError(
                field=".".join(path) or location,
                location=location,
                message=message_without_input(err),
                type=str(err.get("type", "value_error")),
            )
        )
    return errors


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    fields = ", ".join(sorted({e.field for e in errors}))
    body = Problem(
        type=TYPE_BASE + "validation",
        title="Your request is not valid",
        status=422,
        detail=f"Invalid or missing fields: {fields}",
        instance=request.url.path,
        errors=errors,
    )
    return problem_response(body.model_dump(exclude_none=True))


async def _problem_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(exc.problem(instance=request.url.path), headers=exc.headers)


def _allowed_methods(request: Request) -> str | None:
    """Every method some route of the app serves at this path. Starlette's 405 names
    only the first route that matched the path, so a path served by two routes (GET in
    one router, PATCH in another) would be answered with half its methods. As OpenAPI
    matches paths, a concrete path wins over a template: at .../vulnerabilities/reads
    only the routes of `/reads` count, not those of `/{vulnerability_id}`."""
    by_templates: dict[int, set[str]] = {}
    path = request.scope.get("path", "")
    for route in routing.iter_route_contexts(request.app.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(path):
            templates = str(route.path_format).count("{")
            by_templates.setdefault(templates, set()).update(route.methods or ())
    methods = by_templates[min(by_templates)] if by_templates else set()
    return ", ".join(sorted(methods)) if methods else None


class UprnConvertor(Convertor[str]):
    """`{uprn:uprn}` in a route's path: only a UPRN (1 to 12 digits) is taken for one,
    so `/v1/homes/import` is never read as the home with UPRN "import" (a PATCH there is
    a 405, as the document says, not a 422 about a UPRN)."""

    regex = "[0-9]{1,12}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("uprn", UprnConvertor())


async def _http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405 and (allowed := _allowed_methods(request)):
        headers["Allow"] = allowed
    status = HTTPStatus(exc.status_code)
    body = Problem(
        title=status.phrase,
        status=exc.status_code,
        detail=str(exc.detail) if exc.detail != status.phrase else None,
        instance=request.url.path,
    )
    return problem_response(body.model_dump(exclude_none=True), headers=headers)


def _route_of(request: Request) -> str:
    """The matched route's template (/v1/residents/{resident_id}), never the path as
    sent, which may carry anything."""
    return str(getattr(request.scope.get("route"), "path", "unmatched"))


def _internal_error(request: Request) -> JSONResponse:
    """A 500 that says nothing about its cause; the trace id lets support find it."""
    body = Problem(title="Internal server error", status=500, instance=request.url.path).model_dump(
        exclude_none=True
    )
    trace_id, _ = current_ids()
    if trace_id is not None:
        body["trace_id"] = trace_id
    return problem_response(body)


async def _invalid_data_handler(request: Request, exc: Exception) -> JSONResponse:
    """A pydantic ValidationError raised by a service's own code (shaping a response
    from stored rows, say), or FastAPI's response validation: a bug, not the client's
    fault. Logged with the fields and error types only: the exception's text would
    quote every input value."""
    assert isinstance(exc, ValidationError | ResponseValidationError)
    errors = exc.errors(include_input=False) if isinstance(exc, ValidationError) else exc.errors()
    log.error(
        "invalid data in the service",
        error_type=exception_type_name(exc),
        route=_route_of(request),
        errors=[
            {"field": ".".join(str(p) for p in e.get("loc", ())), "type": e.get("type")}
            for e in errors
        ],
    )
    return _internal_error(request)


UNSTORABLE_TEXT_SQLSTATES = frozenset({"22021", "22P05"})
"""PostgreSQL's character_not_in_repertoire and untranslatable_character: a text value
holding NUL (\\u0000), which no PostgreSQL text or jsonb column can store."""


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and the errors behind it: SQLAlchemy's, the DBAPI's, the driver's."""
    seen: BaseException | None = exc
    for _ in range(5):  # the driver's error sits a few causes down
        if seen is None:
            return
        yield seen
        seen = getattr(seen, "orig", None) or seen.__cause__


def _unstorable_text(exc: BaseException) -> bool:
    return any(
        getattr(seen, "sqlstate", None) in UNSTORABLE_TEXT_SQLSTATES for seen in _causes(exc)
    )


def _paths_holding_nul(value: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    """The dotted path of every text in a JSON value that holds NUL (a key holding it
    names the object)."""
    if isinstance(value, str):
        if "\x00" in value:
            yield ".".join(path)
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in str(key):
                yield ".".join(path)
            else:
                yield from _paths_holding_nul(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths_holding_nul(item, (*path, str(index)))


async def _unstorable_text_problem(request: Request) -> dict[str, Any]:
    """The 422 of a text holding NUL, naming each field that holds it: the path's, the
    query's and the JSON body's (read again: the route read it already, and Starlette
    keeps it). A field it cannot find (text from somewhere else) leaves the problem
    naming none."""
    fields = [("path", name) for name, value in request.path_params.items() if "\x00" in str(value)]
    fields += [
        ("query", name)
        for name, value in request.query_params.multi_items()
        if "\x00" in name or "\x00" in value
    ]
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, RecursionError, RuntimeError):
        body = None
    fields += [("body", path or "body") for path in _paths_holding_nul(body)]
    detail = (
        "A text value holds a character that cannot be stored (NUL, \\u0000); nothing was changed"
    )
    problem = Unprocessable(detail).problem(instance=request.url.path)
    if fields:
        problem["errors"] = [
            FieldError(
                field=field, location=location, message=detail, type="unstorable_text"
            ).model_dump()
            for location, field in dict.fromkeys(fields)
        ]
    return problem


UNIQUE_VIOLATION_SQLSTATE = "23505"
SQLITE_UNIQUE_ERRORS = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})


def unique_violation(exc: BaseException) -> bool:
    """Whether the database refused a row because a unique key of it is taken:
    PostgreSQL's unique_violation (asyncpg's UniqueViolationError), SQLite's
    "UNIQUE constraint failed" (or its primary key's)."""
    for seen in _causes(exc):
        if getattr(seen, "sqlstate", None) == UNIQUE_VIOLATION_SQLSTATE:
            return True
        if getattr(seen, "sqlite_errorname", None) in SQLITE_UNIQUE_ERRORS:
            return True
        if type(seen).__module__ == "sqlite3" and str(seen).startswith("UNIQUE constraint"):
            return True
    return False


async def _integrity_handler(request: Request, exc: Exception) -> JSONResponse:
    """A row the database refused. A unique key already taken is a 409: two requests
    raced to create the same thing (the same UPRN, say) and this one lost, or a check
    the service makes first did not see the other's row; its transaction rolled back,
    so nothing was changed. The detail names no value (personal data); the log line
    has the route and error type. Any other integrity error is a fault: a 500."""
    if not unique_violation(exc):
        return await _unhandled_handler(request, exc)
    log.warning(
        "unique key taken: answered with a conflict",
        error_type=exception_type_name(exc),
        route=_route_of(request),
    )
    return problem_response(
        Conflict(
            "This conflicts with something that already exists (one of its unique values "
            "is taken, perhaps by a request made at the same moment); nothing was changed"
        ).problem(instance=request.url.path)
    )


DATABASE_RETRY_AFTER_SECONDS = 2
"""Retry-After of the 503 a request gets while its database does not answer: about
as long as PostgreSQL takes to come back from a restart or a failover."""


def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database did not answer (unreachable, restarting, failing over, or a
    connection a restart left broken, which the engine has discarded): nothing about the
    request, so a 503 the client may retry, not a 500. Logged once, at warning, with the
    error's type and the route only (its message may quote values)."""
    log.warning(
        "the database does not answer: answered 503",
        error_type=exception_type_name(exc),
        route=_route_of(request),
    )
    return problem_response(
        ServiceUnavailable("The database does not answer; retry").problem(
            instance=request.url.path
        ),
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


CONTENTION_SQLSTATES = frozenset({"40P01", "40001"})
"""PostgreSQL's deadlock_detected and serialization_failure: another transaction's
change to the same rows got in the way; this one was rolled back whole."""


def _contended(exc: BaseException) -> bool:
    """True when the database rolled the request's transaction back because another
    transaction's change got in the way (a deadlock, a serialization failure): nothing
    was changed and the same request may simply be sent again. Walks the causes, since
    SQLAlchemy wraps the driver's error."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if getattr(current, "sqlstate", None) in CONTENTION_SQLSTATES:
            return True
        orig = getattr(current, "orig", None)
        pending.extend([orig, current.__cause__, current.__context__])
    return False


def _contention(request: Request, exc: Exception) -> JSONResponse:
    """A 503 the client may retry at once: the transaction was rolled back, nothing
    changed. Logged at warning with the error's type and route (a deadlock is worth
    finding: two paths locking the same rows in different orders)."""
    log.warning(
        "a change got in another's way: answered 503",
        error_type=exception_type_name(exc),
        route=_route_of(request),
    )
    return problem_response(
        ServiceUnavailable(
            "Another change to the same records got in the way; nothing was changed: retry"
        ).problem(instance=request.url.path),
        headers={"Retry-After": "1"},
    )


async def _database_fault_handler(request: Request, exc: Exception) -> JSONResponse:
    """Errors that may be the database not answering (registered by type, so Starlette
    handles them in its exception middleware and does not log them a second time as
    "Exception in ASGI application"): a 503 when they are, else the 500 of any bug."""
    if is_infrastructure_fault(exc):
        return _database_unavailable(request, exc)
    if _contended(exc):
        return _contention(request, exc)
    return await _unhandled_handler(request, exc)


async def _unhandled_handler(request: Request, exc: Exception) -> JSONResponse:
    if is_infrastructure_fault(exc):  # one wrapped in an error of some other type
        return _database_unavailable(request, exc)
    if _contended(exc):
        return _contention(request, exc)
    if _unstorable_text(exc):
        # The client's text, not a fault: nothing was committed (the transaction failed).
        return problem_response(await _unstorable_text_problem(request))
    # exc_info is rendered as frames and exception types only (hearth_kit.logs).
    log.error(
        "unhandled error",
        error_type=exception_type_name(exc),
        route=_route_of(request),
        exc_info=exc,
    )
    return _internal_error(request)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(ProblemError, _problem_handler)
    # Handled inside the tracing middleware, so no span records their text either.
    app.add_exception_handler(ValidationError, _invalid_data_handler)
    app.add_exception_handler(ResponseValidationError, _invalid_data_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    # Inside too: a lost race for a unique key is an answer (409), not a server error.
    app.add_exception_handler(IntegrityError, _integrity_handler)
    # The database not answering is a 503 with Retry-After, not a fault of the service.
    for fault in (DBAPIError, OSError, PoolTimeout, *BROKEN_CONNECTION):
        app.add_exception_handler(fault, _database_fault_handler)
    # A text the database cannot store (NUL) is the client's: a 422, on SQLite as on
    # PostgreSQL, handled inside (not logged again as an error of the application).
    app.add_exception_handler(UnstorableText, _unhandled_handler)
    app.add_exception_handler(Exception, _unhandled_handler)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "Validation error (problem details)"},
}


# The OpenAPI document says what the API does: every error is a problem.

UNAUTHORISED_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No valid internal token from the gateway"},
}
"""What every route behind the internal-token check can answer besides its own."""

ADMIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"model": Problem, "description": "The internal token lacks the admin scope"},
}

_ERROR_DESCRIPTIONS: dict[str, str] = {
    "400": "The body could not be read: not text in the declared encoding (problem details)",
    "403": "The token lacks a scope this route needs, or is not a contractor's on the "
    "contractor API (problem details: `missing_scopes` names the scope)",
    "409": "Conflict: another request with the same Idempotency-Key is in progress, or "
    "the change conflicts with the resource's state or an existing one (problem details)",
    "404": "Nothing has the id (or UPRN) in the path (problem details)",
    "413": "The request body is larger than the limit (problem details)",
    "412": "If-Match does not match the resource's current ETag: read it again (problem details)",
    "428": "This change needs an If-Match header with the resource's ETag (problem details)",
    "422": "Validation error: `errors[].field` names each field (problem details)",
}


def _problem_ref(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "Problem" not in components:
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(problem.pop("$defs", {}))
        components["Problem"] = problem
    return {"$ref": "#/components/schemas/Problem"}


def _is_error(status: str) -> bool:
    return status == "default" or status[:1] in ("4", "5")


def _has_header(operation: dict[str, Any], name: str) -> bool:
    return any(
        parameter.get("in") == "header" and parameter.get("name", "").lower() == name
        for parameter in operation.get("parameters", [])
    )


def _uses_idempotency(operation: dict[str, Any]) -> bool:
    return _has_header(operation, "idempotency-key")


def _has_path_parameter(operation: dict[str, Any]) -> bool:
    """An operation on one resource (by id or UPRN): it can be missing (404) and a
    change to it can conflict with its state (409)."""
    return any(parameter.get("in") == "path" for parameter in operation.get("parameters", []))


def document_problems(
    schema: dict[str, Any], forbidden: Collection[tuple[str, str]] = ()
) -> dict[str, Any]:
    """Rewrite an OpenAPI document in place so it tells the truth about errors: every
    4xx/5xx response is `application/problem+json` with the Problem schema (FastAPI
    documents them as `application/json`, and a 422 as its own HTTPValidationError,
    which is never sent), every operation that takes input documents the 422 it can
    answer, every operation with a body the 413 over the size limit, every operation
    on one resource its 404, every write with an Idempotency-Key or on one resource
    the 409 (two requests racing on one key; a change the resource's state refuses),
    every operation taking If-Match its 412 and 428, every operation with a body the
    400 for a body that cannot be decoded, and the operations in `forbidden`
    ((path, method) pairs: routes that check a scope, `forbidden_operations`) their
    403. Idempotent."""
    ref = _problem_ref(schema)
    for path, path_item in schema.get("paths", {}).items():
        for method, operation in path_item.items():
            if method not in ("get", "put", "post", "delete", "patch", "head"):
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            if operation.get("parameters") or operation.get("requestBody"):
                responses.setdefault("422", {"description": _ERROR_DESCRIPTIONS["422"]})
            if operation.get("requestBody"):
                responses.setdefault("400", {"description": _ERROR_DESCRIPTIONS["400"]})
                responses.setdefault("413", {"description": _ERROR_DESCRIPTIONS["413"]})
            if (path, method) in forbidden:
                responses.setdefault("403", {"description": _ERROR_DESCRIPTIONS["403"]})
            if method in ("post", "put", "patch", "delete") and (
                _uses_idempotency(operation) or _has_path_parameter(operation)
            ):
                responses.setdefault("409", {"description": _ERROR_DESCRIPTIONS["409"]})
            if _has_header(operation, "if-match"):
                responses.setdefault("412", {"description": _ERROR_DESCRIPTIONS["412"]})
                responses.setdefault("428", {"description": _ERROR_DESCRIPTIONS["428"]})
            if _has_path_parameter(operation):
                responses.setdefault("404", {"description": _ERROR_DESCRIPTIONS["404"]})
            for status, response in responses.items():
                if not _is_error(str(status)) or "$ref" in response:
                    continue
                content: dict[str, Any] = response.setdefault("content", {})
                content.pop("application/json", None)
                content[PROBLEM_JSON] = {"schema": ref}
    components = schema.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        others = {name: c for name, c in components.items() if name != unused}
        if unused in components and f"/{unused}'" not in str([schema.get("paths"), others]):
            del components[unused]
    return schema


SCOPED_PREFIXES = ("/admin", "/v1/contractor/")
"""Paths whose every route checks the caller: /admin needs the admin scope
(hearth_kit.auth.authorised_caller), the contractor API a contractor's token."""


def _checks_a_scope(call: Any) -> bool:
    """Whether a dependency is one `hearth_kit.auth.require_scope(...)` made (its inner
    function): the route answers 403 without that scope."""
    return str(getattr(call, "__qualname__", "")).startswith("require_scope.")


def _calls(dependant: Dependant) -> Iterator[Any]:
    """Every dependency's callable under `dependant`, however deep."""
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def forbidden_operations(app: FastAPI) -> set[tuple[str, str]]:
    """Every (path, method) of `app` that can answer 403, read from the routes' own
    declarations: a `require_scope` dependency anywhere in the route's dependencies, or
    a path under SCOPED_PREFIXES. A new route gets its 403 documented by declaring
    the dependency, nothing else."""
    operations: set[tuple[str, str]] = set()
    for route in routing.iter_route_contexts(app.routes):
        if not isinstance(route.original_route, routing.APIRoute):
            continue
        path, dependant = str(route.path_format), getattr(route, "dependant", None)
        scoped = path.startswith(SCOPED_PREFIXES)
        if scoped or (dependant is not None and any(map(_checks_a_scope, _calls(dependant)))):
            operations.update((path, method.lower()) for method in route.methods or ())
    return operations


def install_problem_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` return the document `document_problems` rewrote."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        return document_problems(generate(), forbidden_operations(app))

    # FastAPI's documented way to change the document is to replace app.openapi, which
    # mypy reports as assigning to a method.
    app.openapi = openapi  # type: ignore[method-assign]
