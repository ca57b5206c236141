"""Every error mockserver raises, server and client side, in one hierarchy.

Errors are raised where the problem is found (the query check, the multipart parser, the meta check)
and turned into an HTTP answer in exactly one place, the app's error handlers (`http/handlers.py`).
Each request error knows its envelope status and its exact text (SPEC section 2); an admin API refusal
knows its HTTP status and `detail` text; the handlers only wrap them. Errors that never become an
answer (a broken start-up file, a client-side failure) carry the text a person needs.

    MockServerError
    ├── DetectError                    a whole-request answer: envelope {"status": status, "body": text}
    │   ├── BadRequest                 status 400
    │   │   ├── EmptyProvider            row 1   empty oauth_provider
    │   │   ├── EmptyToken               row 2   empty oauth_token
    │   │   ├── NotMultipart             row 5   request is not multipart/form-data
    │   │   ├── BodyTooLarge             row 6   request body too large: limit <n> bytes
    │   │   ├── MalformedMultipart       row 7   malformed multipart body: <reason>
    │   │   ├── EmptyMeta                row 8   empty meta
    │   │   ├── InvalidMeta              row 9   invalid meta: <reason>
    │   │   ├── EmptyMode                row 10  empty mode
    │   │   ├── UnknownMode              row 11  unknown mode: <value>
    │   │   ├── EmptyImages              row 12  empty images
    │   │   ├── TooManyImages            row 13  too many images: <n>, max <max>
    │   │   ├── EmptyImageName           row 14  empty image name
    │   │   ├── DuplicateImageName       row 15  duplicate image name: <name>
    │   │   ├── MissingImage             row 16  could not get image by name <name>: http: no such file
    │   │   ├── EmptyImage               row 17  empty image
    │   │   └── ImageTooLarge            row 18  image <name> is too large: <n> bytes, max <max>
    │   ├── Forbidden                  status 403
    │   │   ├── UnsupportedProvider      row 3   unsupported oauth_provider: <value>
    │   │   └── TokenRefused             row 4   authorization failed, provider: ..., reason: Access Token invalid
    │   │   └── BadFaultHeader           invalid X-Mock-Fault header: <reason>  (checked first of all)
    │   ├── BodyTimeout                status 408, a body that stalls or takes too long (a mock's own limit)
    │   ├── MethodNotAllowed           status 405, for any method but POST on the detect path
    │   └── ScriptedError              any status and text, chosen by a fixture or a fault
    ├── AdminRefusal                   an admin API answer {"detail": text} with status (and headers)
    │   ├── AdminTokenRequired           status 401  admin token required: send Authorization: Bearer <token>
    │   ├── UnprovenStateChange          status 403  a state change a page could send cross-origin: <reason>
    │   ├── NoSuchFault                  status 404  no fault '<id>'
    │   ├── NoSuchAsset                  status 404  Not Found  (a console file that is not shipped)
    │   ├── TooManyFaults                status 409  at most <n> faults can be armed at once
    │   ├── ReloadFailed                 status 422  fixtures not reloaded, the old set stays: <FixtureError>
    │   └── ScenarioRefused              status 422  a posted scenario text is broken: <ScenarioError>
    ├── ConfigError                    bad settings or files at start-up: the server does not start
    │   └── FileError                    a broken file: file, place and reason
    │       ├── FixtureError               a fixture
    │       └── ScenarioError              a scenario file
    ├── JSONError                      a text that is not JSON as the vendor's decoder reads it (also a
    │                                  ValueError); meta's check turns it into InvalidMeta
    ├── ServerNotStarted               the in-thread server (`MockServer`) did not come up
    ├── HeadRefused                    raised in the HTTP parser to stop reading a request line and headers
    │                                  the protocol refuses (431, 414); never leaves the protocol
    ├── TransportUnavailable           in-process, a transport fault has no socket to break (also a
    │                                  ConnectionError: it reaches the test's client as one)
    └── AdminError                     client side (`MockControl`): the admin API refused a call, with its
        │                              HTTP status and detail (also a RuntimeError, as it always was)
        └── WaitTimedOut                 the requests waited for did not come in time
"""

from __future__ import annotations

from pathlib import Path

# Values a client sent are echoed in error texts; a 1 MB provider name must not become a 1 MB answer.
ECHO_LIMIT = 128


def echo(value: str, limit: int = ECHO_LIMIT) -> str:
    """A client-sent value as it appears in an error text: whole, or cut with an ellipsis."""
    return value if len(value) <= limit else value[:limit] + "…"


class MockServerError(Exception):
    """Base of every error raised by mockserver."""


class DetectError(MockServerError):
    """An error that answers the whole detect request with the vendor's envelope."""

    status: int = 500

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class BadRequest(DetectError):
    status = 400


class Forbidden(DetectError):
    status = 403


class EmptyProvider(BadRequest):
    def __init__(self) -> None:
        super().__init__("empty oauth_provider")


class EmptyToken(BadRequest):
    def __init__(self) -> None:
        super().__init__("empty oauth_token")


class UnsupportedProvider(Forbidden):
    def __init__(self, provider: str) -> None:
        super().__init__(f"unsupported oauth_provider: {echo(provider)}")


class TokenRefused(Forbidden):
    # The vendor shows only the token's first characters; so do we, in answers and logs alike.
    TOKEN_PREFIX = 6

    def __init__(self, provider: str, token: str) -> None:
        super().__init__(
            f"authorization failed, provider: {echo(provider)}, "
            f"token: {token[: self.TOKEN_PREFIX]}…, reason: Access Token invalid"
        )


class NotMultipart(BadRequest):
    def __init__(self) -> None:
        super().__init__("request is not multipart/form-data")


class BodyTooLarge(BadRequest):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body too large: limit {limit} bytes")


class MalformedMultipart(BadRequest):
    def __init__(self, reason: str) -> None:
        super().__init__(f"malformed multipart body: {reason}")


class EmptyMeta(BadRequest):
    def __init__(self) -> None:
        super().__init__("empty meta")


class InvalidMeta(BadRequest):
    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid meta: {reason}")


class EmptyMode(BadRequest):
    def __init__(self) -> None:
        super().__init__("empty mode")


class UnknownMode(BadRequest):
    def __init__(self, mode: str) -> None:
        super().__init__(f"unknown mode: {echo(mode)}")


class EmptyImages(BadRequest):
    def __init__(self) -> None:
        super().__init__("empty images")


class TooManyImages(BadRequest):
    def __init__(self, count: int, limit: int) -> None:
        super().__init__(f"too many images: {count}, max {limit}")


class EmptyImageName(BadRequest):
    def __init__(self) -> None:
        super().__init__("empty image name")


class DuplicateImageName(BadRequest):
    def __init__(self, name: str) -> None:
        super().__init__(f"duplicate image name: {echo(name)}")


class MissingImage(BadRequest):
    def __init__(self, name: str) -> None:
        # "http: no such file" is Go's net/http ErrMissingFile: the vendor's own text.
        super().__init__(f"could not get image by name {echo(name)}: http: no such file")


class EmptyImage(BadRequest):
    def __init__(self) -> None:
        super().__init__("empty image")


class ImageTooLarge(BadRequest):
    def __init__(self, name: str, size: int, limit: int) -> None:
        super().__init__(f"image {echo(name)} is too large: {size} bytes, max {limit}")


class BadFaultHeader(BadRequest):
    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid X-Mock-Fault header: {echo(reason, ECHO_LIMIT * 2)}")


class BodyTimeout(DetectError):
    status = 408

    def __init__(self, reason: str) -> None:
        super().__init__(f"request body timed out: {reason}")


class MethodNotAllowed(DetectError):
    status = 405

    def __init__(self, method: str) -> None:
        super().__init__(f"method not allowed: {echo(method)}; use POST")


class ScriptedError(DetectError):
    """A whole-request error chosen by a fixture or a fault: any status, any text."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status


class AdminRefusal(MockServerError):
    """The admin API refuses a call: answered `{"detail": text}` with `status` and `headers`."""

    status: int = 400
    headers: dict[str, str] | None = None

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class AdminTokenRequired(AdminRefusal):
    """An admin token is configured (`--admin-token`) and the call did not send it."""

    status = 401
    headers = {"www-authenticate": "Bearer"}

    def __init__(self) -> None:
        super().__init__("admin token required: send Authorization: Bearer <token>")


class UnprovenStateChange(AdminRefusal):
    """A state change a web page could send cross-origin without a preflight (SPEC section 8)."""

    status = 403


class NoSuchFault(AdminRefusal):
    """No armed fault has this id."""

    status = 404

    def __init__(self, fault_id: str) -> None:
        super().__init__(f"no fault {fault_id!r}")
        self.fault_id = fault_id


class NoSuchAsset(AdminRefusal):
    """The console has no file of this name; answered as any unknown path is."""

    status = 404

    def __init__(self) -> None:
        super().__init__("Not Found")


class TooManyFaults(AdminRefusal):
    """Arming these faults would pass `--max-faults`; none of them is armed."""

    status = 409

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} faults can be armed at once")
        self.limit = limit


class ReloadFailed(AdminRefusal):
    """A fixture file is broken: the reload keeps the old set."""

    status = 422

    def __init__(self, error: FixtureError) -> None:
        super().__init__(f"fixtures not reloaded, the old set stays: {error}")


class ScenarioRefused(AdminRefusal):
    """A scenario text posted to the admin API is broken: nothing is armed."""

    status = 422

    def __init__(self, error: ScenarioError) -> None:
        super().__init__(str(error))


class ConfigError(MockServerError):
    """Settings or files that keep the server from starting."""


class FileError(ConfigError):
    """A broken file: which file, where in it, and what is wrong."""

    def __init__(self, file: Path | str, place: str, reason: str) -> None:
        self.file = str(file)
        self.place = place
        self.reason = reason
        where = f"{self.file}: {place}" if place else self.file
        super().__init__(f"{where}: {reason}")


class FixtureError(FileError):
    """A broken fixture file."""


class ScenarioError(FileError):
    """A broken scenario file."""


class JSONError(MockServerError, ValueError):
    """Why a text is not JSON we accept; the message is a short reason."""


class ServerNotStarted(MockServerError):
    """The in-thread server did not answer in time, or its thread ended first."""


class HeadRefused(MockServerError):
    """The protocol refused a request's line or headers (431, 414) inside a parser callback: raised there to
    stop the parser, and answered by the protocol itself."""


class TransportUnavailable(MockServerError, ConnectionError):
    """A transport fault was asked for, but the app runs in-process: there is no socket to break."""


class AdminError(MockServerError, RuntimeError):
    """The admin API refused a call (client side); `status` and `detail` are its answer.

    The message reads `<METHOD> <path>: <status> <detail>`.
    """

    def __init__(self, message: str, *, status: int | None = None, detail: object = None) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


class WaitTimedOut(AdminError):
    """`wait_for_requests` saw fewer matching requests than it waited for."""

    def __init__(self, message: str, *, seen: int) -> None:
        super().__init__(message)
        self.seen = seen
