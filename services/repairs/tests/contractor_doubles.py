"""Stand-ins for a contractor's side: its webhook endpoint (a real local HTTP server)
and the internal token the gateway makes for its users; and the token of a repairs
manager (variation approval, Awaab's Law cases)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.harness.tokens import STAFF_SCOPES, InternalTokenAuth

WEBHOOK_SECRET = "test-webhook-secret"


class WebhookReceiver:
    """A real local HTTP server standing in for a contractor's webhook endpoint: it
    answers 503 to the first `failures` requests for each event id, then 200, and
    keeps what it got."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, str], bytes, int]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                event_id = self.headers.get("Hearth-Event-Id")
                tries = sum(
                    1 for h, _, _ in receiver.received if h.get("Hearth-Event-Id") == event_id
                )
                status = 503 if tries < receiver.failures else 200
                receiver.received.append((dict(self.headers.items()), body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hearth/work-orders"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def contractor(contractor_id: str) -> InternalTokenAuth:
    """The internal token the gateway makes for a contractor's user token."""
    return InternalTokenAuth("repairs", scopes={"contractor"}, contractor_id=contractor_id)


def manager() -> InternalTokenAuth:
    """The internal token the gateway makes for a repairs manager (role repairs_manager:
    staff scopes and repairs:manage)."""
    return InternalTokenAuth("repairs", scopes=STAFF_SCOPES | {"repairs:manage"})
