"""A typed client of the admin API: arm faults, read the journal, reset; for any running mockserver.

    control = MockControl("http://127.0.0.1:8080")
    control.add_fault(ImageFault(image="file_1", status=2))
    entries = control.wait_for_requests(count=1, image="file_1")

Works against the in-thread server of the pytest plugin, a `mockserver` process or a Docker container.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

import httpx
from pydantic import BaseModel

from ..errors import AdminError, WaitTimedOut
from ..faults.model import FAULT_ADAPTER, Fault
from ..journal.entries import JournalEntry
from .access import ADMIN_HEADER

__all__ = ["AdminError", "ArmedFault", "MockControl", "WaitTimedOut"]

ADMIN = "/__admin"
COUNTERS = ("seen", "fired", "exhausted")
# One wait the server holds a call for: below its cap (`MAX_WAIT_SECONDS` of the admin API, 30 s), so a
# longer wait is a few calls in a row, and a client that gives up early never leaves a long call behind.
WAIT_STEP = 10.0


class ArmedFault(BaseModel):
    """A fault the server has armed, with its counters."""

    id: str
    seen: int
    fired: int
    exhausted: bool
    fault: Fault

    @classmethod
    def from_listing(cls, item: Mapping[str, Any]) -> ArmedFault:
        spec = {key: value for key, value in item.items() if key not in COUNTERS}
        return cls(**{key: item[key] for key in ("id", *COUNTERS)}, fault=FAULT_ADAPTER.validate_python(spec))


class MockControl:
    """The admin API of the server at `base_url`, as Python methods."""

    def __init__(
        self,
        base_url: str,
        *,
        admin_token: str | None = None,
        session: str | None = None,
        timeout: float = 40.0,
    ) -> None:
        # The admin API changes state only for calls a web page cannot send (SPEC section 8): this header.
        # Bytes, the token as UTF-8: httpx would refuse a non-ASCII text value.
        headers: list[tuple[bytes, bytes]] = [(ADMIN_HEADER.encode(), b"1")]
        if admin_token is not None:
            headers.append((b"authorization", f"Bearer {admin_token}".encode()))
        if session is not None:
            headers.append((b"x-mock-session", session.encode()))
        self.session = session
        self._timeout = timeout
        self._http = httpx.Client(base_url=base_url.rstrip("/") + ADMIN, headers=headers, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MockControl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        if response.is_error:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise AdminError(
                f"{method} {ADMIN}{path}: {response.status_code} {detail}", status=response.status_code, detail=detail
            )
        return response.json() if response.content else None

    def add_fault(self, fault: Fault | Mapping[str, Any]) -> ArmedFault:
        """Arm one fault (a model such as `EnvelopeFault(status=500)`, or its JSON as a dict)."""
        return self.add_faults([fault])[0]

    def add_faults(self, faults: Iterable[Fault | Mapping[str, Any]]) -> list[ArmedFault]:
        """Arm several faults, all or none."""
        payload = [
            fault if isinstance(fault, Mapping) else fault.model_dump(mode="json", exclude_none=True)
            for fault in faults
        ]
        listing = self._call("POST", "/faults", json=payload)["faults"]
        return [ArmedFault.from_listing(item) for item in listing]

    def faults(self) -> list[ArmedFault]:
        params = {"session": self.session} if self.session else None
        return [ArmedFault.from_listing(item) for item in self._call("GET", "/faults", params=params)["faults"]]

    def remove_fault(self, fault_id: str) -> None:
        self._call("DELETE", f"/faults/{fault_id}")

    def clear_faults(self) -> int:
        params = {"session": self.session} if self.session else None
        deleted: int = self._call("DELETE", "/faults", params=params)["deleted"]
        return deleted

    def reset(self) -> None:
        """Back to how the server started: scenario faults, fresh counters, an empty journal."""
        self._call("POST", "/reset")

    def _filters(
        self,
        session: str | None,
        status: int | None,
        http_status: int | None,
        mode: str | None,
        image: str | None,
        since: int | None,
    ) -> dict[str, Any]:
        filters = {
            "session": session,
            "status": status,
            "http_status": http_status,
            "mode": mode,
            "image": image,
            "since": since,
        }
        params = {key: value for key, value in filters.items() if value is not None}
        if self.session is not None:
            params.setdefault("session", self.session)
        return params

    def requests(
        self,
        *,
        session: str | None = None,
        status: int | None = None,
        http_status: int | None = None,
        mode: str | None = None,
        image: str | None = None,
        since: int | None = None,
        limit: int | None = None,
    ) -> list[JournalEntry]:
        """Journal entries, newest last, that match every filter given.

        `session` (default: this client's), envelope `status`, `http_status` (a gateway page has no
        envelope), a `mode` asked for, an `image` or part name or filename, entries with an id above `since`;
        `limit` keeps only the last N.
        """
        params = self._filters(session, status, http_status, mode, image, since)
        if limit is not None:
            params["limit"] = limit
        return self._entries(params)

    def wait_for_requests(
        self,
        count: int = 1,
        timeout: float = 5.0,
        *,
        session: str | None = None,
        status: int | None = None,
        http_status: int | None = None,
        mode: str | None = None,
        image: str | None = None,
        since: int | None = None,
    ) -> list[JournalEntry]:
        """The matching entries once there are `count`; raises WaitTimedOut (an AdminError) if they do not come in time.

        Any `timeout` works: the server bounds one wait (to `WAIT_STEP` or less here), so a longer one is
        several waits in a row. Filters as for `requests`.
        """
        params = {**self._filters(session, status, http_status, mode, image, since), "count": count}
        deadline = time.monotonic() + timeout
        while True:
            step = max(0.0, min(WAIT_STEP, deadline - time.monotonic()))
            found = self._entries({**params, "wait": round(step, 3)}, extra_time=step)
            if len(found) >= count or time.monotonic() >= deadline:
                break
        if len(found) < count:
            filters = {key: value for key, value in params.items() if key != "count"}
            text = f"waited {timeout} s for {count} request(s) matching {filters}, saw {len(found)}"
            raise WaitTimedOut(text, seen=len(found))
        return found

    def _entries(self, params: Mapping[str, Any], *, extra_time: float = 0.0) -> list[JournalEntry]:
        kwargs: dict[str, Any] = {"params": params}
        if extra_time:
            # The server holds the call for up to `extra_time`: the client's own timeout starts after that.
            kwargs["timeout"] = self._timeout + extra_time
        listing = self._call("GET", "/requests", **kwargs)["requests"]
        return [JournalEntry.model_validate(entry) for entry in listing]

    def request_count(
        self,
        *,
        session: str | None = None,
        status: int | None = None,
        http_status: int | None = None,
        mode: str | None = None,
        image: str | None = None,
        since: int | None = None,
    ) -> int:
        """How many journal entries match; filters as for `requests`."""
        params = self._filters(session, status, http_status, mode, image, since)
        count: int = self._call("GET", "/requests/count", params=params)["count"]
        return count

    def clear_requests(self) -> int:
        params = {"session": self.session} if self.session else None
        deleted: int = self._call("DELETE", "/requests", params=params)["deleted"]
        return deleted

    def reload_fixtures(self) -> int:
        """Reload the fixtures folder; AdminError (the old set stays) if a file is broken."""
        count: int = self._call("POST", "/fixtures/reload")["count"]
        return count
