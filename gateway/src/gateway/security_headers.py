"""Headers every answer of the gateway carries, whoever made it (a route, a service passed
through, the rate limiter, the kit's 500): kept out of caches, read only as its type.

- `Cache-Control: no-store`: the API answers residents' details, vulnerabilities and rent
  accounts, to browsers on shared desks (a contact centre's) among others. Without it a
  browser may keep an answer on disk after the session, and a proxy set up to cache may
  keep it for others (RFC 9111 lets a cache store a GET's 200 with no Cache-Control). An
  answer that says how it may be cached (none today) keeps its own.
- `X-Content-Type-Options: nosniff`: a browser reads an answer only as the type it
  declares, never sniffs JSON or CSV (whose values a caller may have written) as HTML or
  a script.

Pure ASGI middleware, as gateway.request_ids: no per-request task or body copy.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_CACHE_CONTROL = b"cache-control"
_NO_STORE = (_CACHE_CONTROL, b"no-store")
_NOSNIFF = (b"x-content-type-options", b"nosniff")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != _NOSNIFF[0]]
                if not any(name.lower() == _CACHE_CONTROL for name, _ in headers):
                    headers.append(_NO_STORE)
                headers.append(_NOSNIFF)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
