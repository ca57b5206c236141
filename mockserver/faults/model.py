"""The fault model: what goes wrong, to which requests, and when (SPEC section 6).

One model, reachable three ways (a scenario file, the admin API, the `X-Mock-Fault` header). A fault
is one JSON object; its `type` says what happens:

    envelope     the whole request answers {"status": <status>, "body": <body>}      (e.g. 500)
    image_error  chosen images answer {"status": 1|2, "error": <error>} in every mode, or only in `modes`
                 (the rest answer)
    gateway      a proxy's HTML page with HTTP 429/502/503/504 (429 and 503 with Retry-After)
    latency      the answer comes late: fixed, uniform or log-normal, plus a cost per image
    transport    the connection misbehaves: reset, close, truncate, malformed_json, dribble, hang

`match` narrows it to requests asking for a mode, carrying an image name or token, or in a session;
`when` says when it fires: always, only `times` times, `after` letting N matching requests through,
with `probability` p drawn from `seed` (the same seed gives the same sequence of outcomes).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, model_validator
from pydantic.json_schema import SkipJsonSchema, WithJsonSchema

GATEWAY_STATUSES = (429, 502, 503, 504)
GATEWAY_REASONS = {
    429: "Too Many Requests",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}
IMAGE_ERRORS = {1: "permanent error", 2: "internal error: image crc mismatch"}
TRANSPORT_ACTIONS = ("reset", "close", "truncate", "malformed_json", "dribble", "hang")
# The modes of detect/meta.py's MODES, spelled out so the JSON Schema lists them.
ModeName = Literal["object", "object2", "scene", "car_number", "multiobject", "pedestrian", "selfie"]


def _not_null(value: object) -> object:
    if value is None:
        raise ValueError("must not be null: leave the field out instead")
    return value


T = TypeVar("T")
# An optional field whose JSON form is "absent or a value", never null: the schema's `not`/`required`
# rules below then say exactly which combinations the server takes.
Absent = Annotated[T | SkipJsonSchema[None], BeforeValidator(_not_null)]


def _whole(value: object) -> object:
    # JSON Schema counts 3.0 as an integer; Python's strict int would not.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Constraints before the validator, so they reach the JSON Schema as minimum/maximum.
Whole = Annotated[int, BeforeValidator(_whole)]
Index = Annotated[int, Field(ge=0), BeforeValidator(_whole)]
Count = Annotated[int, Field(ge=1), BeforeValidator(_whole)]
Share = Annotated[float, Field(gt=0, le=1)]
# A day: far past any `--max-fault-seconds`, which cuts every latency. Bounded so that a log-normal draw
# (exp of median's log plus up to 5 sigma-scaled normal draws) can never overflow a float: from a day's
# worth of milliseconds that would take a normal draw past 138 standard deviations.
MAX_MS = 86_400_000
Millis = Annotated[float, Field(ge=0, le=MAX_MS)]
PositiveMillis = Annotated[float, Field(gt=0, le=MAX_MS)]


def _exclusive(*groups: tuple[str, ...]) -> dict[str, Any]:
    """JSON Schema: at most one of these groups of fields may appear."""
    pairs = [
        {"required": [*first, *second]}
        for index, first in enumerate(groups)
        for second in groups[index + 1 :]
    ]
    return {"not": {"anyOf": pairs}}


def _schema_rules(*rules: dict[str, Any]) -> Any:
    def extra(schema: dict[str, Any]) -> None:
        # The discriminator has a default for Python callers, but JSON must say which fault it is.
        schema["required"] = sorted({*schema.get("required", []), "type"})
        if rules:
            schema["allOf"] = list(rules)

    return extra


class _Strict(BaseModel):
    # Strict: "100" or false is not a number here. NaN and infinities would pass no bound check.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


class Match(_Strict):
    """Which requests a fault applies to: every field given must hold (none given: every request)."""

    mode: str | None = Field(None, description="The request asks for this mode.")
    image: str | None = Field(None, description="meta.images has an image of this name.")
    token: str | None = Field(None, description="The request's oauth_token is this.")
    session: str | None = Field(None, description="The request's X-Mock-Session header is this.")


class When(_Strict):
    """When a matching request gets the fault. Default: always."""

    times: Count | None = Field(None, description="Fire at most this many times, then stay quiet.")
    after: Index = Field(0, description="Let this many matching requests through first.")
    probability: float | None = Field(None, ge=0, le=1, description="Fire with this probability.")
    seed: Whole = Field(0, description="Seed of the probability draws (and random images, random latency).")


class _Fault(_Strict):
    id: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$",
        description="Assigned by the server; give one (letters, digits, . _ : -) to replace a fault.",
    )
    name: str = Field("", max_length=200, description="A label for people reading the list or the journal.")
    match: Match = Match()
    when: When = When()


class EnvelopeFault(_Fault):
    """The whole request fails with the vendor's envelope."""

    model_config = ConfigDict(json_schema_extra=_schema_rules())

    type: Literal["envelope"] = "envelope"
    status: Annotated[int, Field(ge=200, le=599), BeforeValidator(_whole)] = 500
    body: str = Field("Internal Server Error", max_length=10_000)


class ImageFault(_Fault):
    """Some images fail in every mode, or only in `modes` (the real service has failed an image in object2
    while object succeeded); the other images and modes are answered as usual."""

    model_config = ConfigDict(json_schema_extra=_schema_rules(_exclusive(("image",), ("position",), ("share",))))

    type: Literal["image_error"] = "image_error"
    status: Annotated[Literal[1, 2], BeforeValidator(_whole)] = 2
    error: str | None = Field(None, max_length=10_000, description="Default: the vendor's text for the status.")
    image: Absent[str] = Field(None, description="The image of this name.")
    position: Absent[Index] = Field(None, description="The image at this position of meta.images (from 0).")
    share: Absent[Share] = Field(None, description="Each image fails with this probability.")
    # Not `Absent`: its union would name itself in error places (`modes.list[literal[...]].0`).
    modes: Annotated[
        Annotated[list[ModeName], Field(min_length=1)] | None,
        BeforeValidator(_not_null),
        WithJsonSchema({"type": "array", "items": {"enum": list(get_args(ModeName))}, "minItems": 1}),
    ] = Field(None, description="Fail the image only in these modes (default: every mode the request asks for).")

    @model_validator(mode="after")
    def _one_target(self) -> ImageFault:
        targets = [key for key in ("image", "position", "share") if getattr(self, key) is not None]
        if len(targets) > 1:
            raise ValueError(f"choose one of image, position, share (got {', '.join(targets)})")
        return self

    @property
    def text(self) -> str:
        return self.error if self.error is not None else IMAGE_ERRORS[self.status]


class GatewayFault(_Fault):
    """What a proxy in front of the service answers: an HTML page, not an envelope."""

    model_config = ConfigDict(json_schema_extra=_schema_rules())

    type: Literal["gateway"] = "gateway"
    status: Annotated[Literal[429, 502, 503, 504], BeforeValidator(_whole)] = 503
    retry_after: Index | None = Field(None, description="Seconds; default 1 for 429 and 503.")
    body: str | None = Field(None, max_length=100_000, description="Default: an nginx-style error page.")

    @property
    def page(self) -> str:
        if self.body is not None:
            return self.body
        title = f"{self.status} {GATEWAY_REASONS[self.status]}"
        return (
            f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        )

    @property
    def retry_seconds(self) -> int | None:
        if self.retry_after is not None:
            return self.retry_after
        return 1 if self.status in (429, 503) else None


class LatencyFault(_Fault):
    """The answer is held back: `ms`, or uniform between `min_ms` and `max_ms`, or log-normal around
    `median_ms`; plus `per_image_ms` for each image. Nothing given: no delay."""

    model_config = ConfigDict(
        json_schema_extra=_schema_rules(
            _exclusive(("ms",), ("min_ms",), ("median_ms",)),
            _exclusive(("ms",), ("max_ms",), ("median_ms",)),
            # min_ms and max_ms come together or not at all.
            {"anyOf": [{"required": ["min_ms", "max_ms"]}, {"not": {"anyOf": [{"required": ["min_ms"]},
                                                                               {"required": ["max_ms"]}]}}]},
        )
    )

    type: Literal["latency"] = "latency"
    ms: Absent[Millis] = Field(None)
    min_ms: Absent[Millis] = Field(None, description="One end of a uniform range (either order).")
    max_ms: Absent[Millis] = Field(None, description="The other end of the range.")
    median_ms: Absent[PositiveMillis] = Field(None)
    sigma: float = Field(0.5, gt=0, le=5)
    per_image_ms: float = Field(0, ge=0, le=MAX_MS, description="Added once per image, so big batches are slower.")

    @model_validator(mode="after")
    def _one_distribution(self) -> LatencyFault:
        uniform = (self.min_ms is not None, self.max_ms is not None)
        if uniform[0] != uniform[1]:
            raise ValueError("a uniform latency needs both min_ms and max_ms")
        chosen = [name for name, given in (("ms", self.ms is not None), ("min_ms/max_ms", uniform[0]),
                                           ("median_ms", self.median_ms is not None)) if given]
        if len(chosen) > 1:
            raise ValueError(f"choose one of ms, min_ms/max_ms, median_ms (got {', '.join(chosen)})")
        return self


class TransportFault(_Fault):
    """The connection itself misbehaves; only a real socket shows it (see the README)."""

    model_config = ConfigDict(json_schema_extra=_schema_rules())

    type: Literal["transport"] = "transport"
    action: Literal["reset", "close", "truncate", "malformed_json", "dribble", "hang"]
    keep_bytes: Index | None = Field(None, description="truncate: body bytes sent before closing (default half).")
    chunk_bytes: Annotated[int, Field(ge=1, le=65536), BeforeValidator(_whole)] = Field(
        16, description="dribble: bytes per write."
    )
    interval_ms: float = Field(100, ge=0, le=60_000, description="dribble: pause between writes.")


Fault = Annotated[
    EnvelopeFault | ImageFault | GatewayFault | LatencyFault | TransportFault, Field(discriminator="type")
]
REQUEST_LEVEL = (EnvelopeFault, GatewayFault, TransportFault)

# Reads a fault from its JSON (a dict), whichever its type: the admin client, the header and scenarios.
FAULT_ADAPTER: TypeAdapter[Fault] = TypeAdapter(Fault)
