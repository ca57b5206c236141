"""The faults in force, and the decision of which of them a request gets.

Faults are kept in order of arrival and tried in this order, the first request-level fault that fires
winning the answer:

1. the request's own `X-Mock-Fault` header faults;
2. faults of the request's session (`match.session` equal to its `X-Mock-Session`);
3. global faults (no session), oldest first.

Latency faults all add up; image faults apply per image and mode (the first that fires for an image,
among those covering the mode, wins) and only when no request-level fault (envelope, gateway, transport)
won. A fault only counts a request (`after`, `times`, `probability`) when it is actually consulted, so a
shadowed fault keeps its turns.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..errors import TooManyFaults
from .model import (
    REQUEST_LEVEL,
    EnvelopeFault,
    Fault,
    GatewayFault,
    ImageFault,
    LatencyFault,
    TransportFault,
)

MS = 1000


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What faults may match on, known once the request passed its checks."""

    session: str | None
    token: str
    modes: tuple[str, ...]
    names: tuple[str, ...]


@dataclass(eq=False)
class Armed:
    """A fault in force, with its own counters and random stream."""

    spec: Fault
    id: str
    seen: int = 0
    fired: int = 0
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.spec.when.seed)

    @property
    def exhausted(self) -> bool:
        return self.spec.when.times is not None and self.fired >= self.spec.when.times

    def matches(self, facts: RequestFacts) -> bool:
        match, spec = self.spec.match, self.spec
        if match.session is not None and match.session != facts.session:
            return False
        if match.mode is not None and match.mode not in facts.modes:
            return False
        if match.image is not None and match.image not in facts.names:
            return False
        if match.token is not None and match.token != facts.token:
            return False
        if isinstance(spec, ImageFault):
            if spec.image is not None and spec.image not in facts.names:
                return False
            if spec.position is not None and spec.position >= len(facts.names):
                return False
            # A fault for modes the request does not ask for would change nothing: it keeps its turns.
            if spec.modes is not None and not set(spec.modes) & set(facts.modes):
                return False
        return True

    def fires(self) -> bool:
        """Count one matching request; say whether the fault fires on it."""
        when = self.spec.when
        self.seen += 1
        if self.seen <= when.after or self.exhausted:
            return False
        if when.probability is not None and self.rng.random() >= when.probability:
            return False
        self.fired += 1
        return True

    def describe(self) -> dict[str, object]:
        return {
            **self.spec.model_dump(mode="json", exclude={"id"}, exclude_none=True),
            "id": self.id,
            "seen": self.seen,
            "fired": self.fired,
            "exhausted": self.exhausted,
        }


class ImageErrors(dict[str, list[tuple[frozenset[str] | None, int, str]]]):
    """Per-image errors by image name: each with the modes it fails (None: every mode) and its status and
    text. For one image and mode, the first error added that covers the mode wins."""

    def add(self, name: str, modes: frozenset[str] | None, status: int, text: str) -> None:
        self.setdefault(name, []).append((modes, status, text))

    def error(self, name: str, mode: str) -> tuple[int, str] | None:
        """The status and text that image `name` answers in `mode`, if a fault fails it there."""
        for modes, status, text in self.get(name, ()):
            if modes is None or mode in modes:
                return status, text
        return None


@dataclass
class Decision:
    """What the faults do to one request."""

    action: EnvelopeFault | GatewayFault | TransportFault | None = None
    delay: float = 0.0
    image_errors: ImageErrors = field(default_factory=ImageErrors)
    applied: list[Armed] = field(default_factory=list)


def _latency(armed: Armed, images: int) -> float:
    spec = armed.spec
    assert isinstance(spec, LatencyFault)
    if spec.ms is not None:
        base = spec.ms
    elif spec.min_ms is not None and spec.max_ms is not None:
        base = armed.rng.uniform(spec.min_ms, spec.max_ms)
    elif spec.median_ms is not None:
        base = armed.rng.lognormvariate(math.log(spec.median_ms), spec.sigma)
    else:
        base = 0.0
    return (base + spec.per_image_ms * images) / MS


def _targets(armed: Armed, names: Sequence[str]) -> list[str]:
    spec = armed.spec
    assert isinstance(spec, ImageFault)
    if spec.image is not None:
        return [spec.image]
    if spec.position is not None:
        return [names[spec.position]]
    if spec.share is not None:
        return [name for name in names if armed.rng.random() < spec.share]
    return list(names)


class FaultBook:
    """The faults in force: the start-up scenario plus what the admin API added."""

    def __init__(self, baseline: Iterable[Fault] = (), *, max_faults: int = 1000) -> None:
        self.baseline = list(baseline)
        self.max_faults = max_faults
        self._ids = itertools.count(1)
        self._faults: dict[str, Armed] = {}
        # The same faults as each request consults them: per session (in arming order), then global.
        self._scoped: dict[str, list[Armed]] = {}
        self._global: list[Armed] = []
        # Bumped on every arm, disarm and reset, so a watcher (the console's event stream) sees a change.
        self.version = 0
        self.reset()

    def _reindex(self) -> None:
        # Faults change seldom (admin calls) and are consulted on every request: sort them out here, so
        # a request pays nothing for faults armed for other sessions.
        self._scoped, self._global = {}, []
        self.version += 1
        for armed in self._faults.values():
            session = armed.spec.match.session
            if session is None:
                self._global.append(armed)
            else:
                self._scoped.setdefault(session, []).append(armed)

    def reset(self) -> None:
        """Back to the start-up scenario, with fresh counters."""
        self._faults.clear()
        self.add_all(self.baseline)

    def add(self, spec: Fault) -> Armed:
        """Arm a fault; one with the id of an armed fault replaces it (and its counters)."""
        return self.add_all([spec])[0]

    def add_all(self, specs: Sequence[Fault]) -> list[Armed]:
        """Arm faults in order, as `add` does each; the index is rebuilt once, not once per fault.

        All or nothing: raises TooManyFaults, arming none, if they would pass `max_faults`.
        """
        new = sum(1 for spec in specs if spec.id is None or spec.id not in self._faults)
        if len(self._faults) + new > self.max_faults:
            raise TooManyFaults(self.max_faults)
        try:
            return [self._arm(spec) for spec in specs]
        finally:
            self._reindex()

    def _arm(self, spec: Fault) -> Armed:
        fault_id = spec.id or f"fault-{next(self._ids)}"
        armed = Armed(spec, fault_id)
        self._faults.pop(fault_id, None)
        self._faults[fault_id] = armed
        return armed

    def get(self, fault_id: str) -> Armed | None:
        return self._faults.get(fault_id)

    def remove(self, fault_id: str) -> bool:
        removed = self._faults.pop(fault_id, None) is not None
        self._reindex()
        return removed

    def clear(self, session: str | None = None) -> int:
        """Disarm every fault, or only those of one session; returns how many."""
        doomed = [key for key, armed in self._faults.items() if session is None or armed.spec.match.session == session]
        for key in doomed:
            del self._faults[key]
        self._reindex()
        return len(doomed)

    def listing(self, session: str | None = None) -> list[Armed]:
        return [armed for armed in self._faults.values() if session is None or armed.spec.match.session == session]

    def __len__(self) -> int:
        return len(self._faults)

    def decide(self, facts: RequestFacts, header: Sequence[Fault] = ()) -> Decision:
        """Which faults this request gets; counts the request against each fault consulted."""
        decision = Decision()
        scoped = self._scoped.get(facts.session, ()) if facts.session is not None else ()
        if not header and not scoped and not self._global:
            return decision
        candidates = [Armed(spec, spec.id or "header") for spec in header]
        candidates += scoped
        candidates += self._global
        matching = [item for item in candidates if item.matches(facts)]
        for item in matching:
            if isinstance(item.spec, REQUEST_LEVEL) and item.fires():
                decision.action = item.spec
                decision.applied.append(item)
                break
        for item in matching:
            if isinstance(item.spec, LatencyFault) and item.fires():
                decision.delay += _latency(item, len(facts.names))
                decision.applied.append(item)
        if decision.action is None:
            for item in matching:
                if isinstance(item.spec, ImageFault) and item.fires():
                    spec = item.spec
                    modes = frozenset(spec.modes) if spec.modes is not None else None
                    for name in _targets(item, facts.names):
                        decision.image_errors.add(name, modes, spec.status, spec.text)
                    decision.applied.append(item)
        return decision
