"""Who may call the admin API (SPEC section 8): this machine's own tools, never a web page it browses.

A frontend developer runs the server on the laptop they browse the web with. Three rules keep any page
they open from driving the admin API (arming a `hang`, reading the journal, wiping the faults):

- **CORS never applies to `/__admin/`**: no `Access-Control-Allow-*` header on its answers, so no page on
  another origin can read them, and a CORS preflight is refused, so no page can send it a request that
  needs one (a JSON body, a custom header, `DELETE`).
- **Only requests addressed to this server**: the `Host` header must name a loopback address or name
  (`localhost`, `*.localhost`, `127.0.0.0/8`, `::1`), the address the server listens on or the request
  arrived at, or a name of `--admin-hosts` (a Docker service name). A page on `attacker.example` whose
  DNS answer turns to 127.0.0.1 (DNS rebinding) is same-origin with this server in the browser's eyes,
  but its requests say `Host: attacker.example`.
- **No state changes from requests a page can send without a preflight**: a `POST`, `PUT`, `PATCH` or
  `DELETE` route needs a JSON content type or an admin header (`X-Mock-Admin`, `X-Admin-Token`,
  `Authorization`). A form's or `fetch`'s "simple" `text/plain` POST to `/__admin/reset` is refused.

The first two are `AdminGuard`'s, for every path under `/__admin`; the third is `unproven_state_change`,
which the admin router runs for each of its routes (a method no route has still gets its 405). Refusals
answer `403 {"detail": ...}`. `MockControl` and the pytest plugin send `X-Mock-Admin`; the web console
(same origin) sends JSON.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import echo
from ..http.paths import route_path

ADMIN_PREFIX = "/__admin"
ADMIN_HEADER = "X-Mock-Admin"
FORBIDDEN = 403
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Headers no page can send to another origin without a preflight (which the admin API refuses).
PROOF_HEADERS = frozenset({ADMIN_HEADER.lower().encode(), b"x-admin-token", b"authorization"})
LOOPBACK_NAMES = ("localhost",)
ANY_HOST = "*"


def host_name(value: str) -> str:
    """The name or address of a `Host` header, without port, brackets or a final dot, lower case."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value[1:]
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def is_loopback(name: str) -> bool:
    """Whether a host name or address (as `host_name` gives it) can only mean this machine."""
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_json(content_type: str) -> bool:
    """`application/json` or `application/<something>+json`, whatever its parameters."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class AdminAccess:
    """The rules above as a decision: `refusal(...)` is None for a request the admin API may answer."""

    def __init__(self, bound_host: str = "127.0.0.1", extra_hosts: Iterable[str] = ()) -> None:
        names = {host_name(name) for name in extra_hosts if name.strip()}
        self.any_host = ANY_HOST in names
        bound = host_name(bound_host)
        # A wildcard address is not a name a client can address; the arrival address stands in for it.
        if bound not in ("0.0.0.0", "::", ""):
            names.add(bound)
        self.hosts = frozenset(names - {ANY_HOST})

    def host_allowed(self, host: str | None, arrived_at: str | None = None) -> bool:
        """Whether a request with this `Host` header is addressed to this server."""
        if host is None or self.any_host:
            # No Host at all is not a browser (HTTP/1.1 browsers always send one).
            return True
        name = host_name(host)
        return is_loopback(name) or name in self.hosts or (arrived_at is not None and name == host_name(arrived_at))

    def refusal(
        self, method: str, headers: Iterable[tuple[bytes, bytes]], arrived_at: str | None = None
    ) -> str | None:
        """Why the admin API refuses this request whatever its route, or None."""
        host = None
        preflight = False
        for name, value in headers:
            if name == b"host":
                host = value.decode("latin-1")
            elif name == b"access-control-request-method":
                preflight = True
        if not self.host_allowed(host, arrived_at):
            shown = echo(host_name(host or ""))
            return (
                f"the admin API answers only requests addressed to this server, not to host {shown!r}; "
                "use localhost or 127.0.0.1, or add the name with --admin-hosts"
            )
        if method == "OPTIONS" and preflight:
            return "the admin API does not answer pages on other origins (no CORS)"
        return None


def unproven_state_change(method: str, headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """Why a call to a route that changes state is refused: it could come from a page on another origin.

    With `--admin-token` the token check (401) comes first, and the token's header is proof enough.
    """
    if method not in STATE_CHANGING:
        return None
    for name, value in headers:
        if name in PROOF_HEADERS or (name == b"content-type" and is_json(value.decode("latin-1"))):
            return None
    return (
        f"an admin call that changes state needs Content-Type: application/json or an {ADMIN_HEADER} header "
        "(what no web page can send to another origin)"
    )


class AdminGuard:
    """ASGI middleware: requests under `/__admin` pass only if `AdminAccess` has no refusal for them."""

    def __init__(self, app: ASGIApp, *, access: AdminAccess) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The path inside this app: mounted under a prefix or behind a root_path, ASGI's `path` is longer.
        path = route_path(scope) if scope["type"] == "http" else ""
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            server = scope.get("server")
            reason = self.access.refusal(scope["method"], scope["headers"], server[0] if server else None)
            if reason is not None:
                await _refuse(send, reason)
                return
        await self.app(scope, receive, send)


async def _refuse(send: Send, reason: str) -> None:
    body = json.dumps({"detail": reason}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": FORBIDDEN, "headers": headers})
    await send({"type": "http.response.body", "body": body})
