"""The fault model: what goes wrong, to which requests, and when (SPEC section 6).

One model, reachable three ways (a scenario file, the admin API, the `X-Mock-Fault` header). A fault
is one JSON object; its `type` says what happens:

    envelope     the whole request answers {"status": <status>, "body": <body>}      (e.g. 500)
    image_error  chosen images answer {"status": 1|2, "error": <error>} in every mode (the rest answer)
    gateway      a proxy's HTML page with HTTP 429/502/503/504 (429 and 503 with Retry-After)
    latency      the answer comes late: fixed, uniform or log-normal, plus a cost per image
    transport    the connection misbehaves: reset, close, truncate, malformed_json, dribble, hang

`match` narrows it to requests asking for a mode, carrying an image name or token, or in a session;
`when` says when it fires: always, only `times` times, `after` letting N matching requests through,
with `probability` p drawn from `seed` (the same seed gives the same sequence of outcomes).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

GATEWAY_STATUSES = (429, 502, 503, 504)
GATEWAY_REASONS = {
    429: "Too Many Requests",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}
IMAGE_ERRORS = {1: "permanent error", 2: "internal error: image crc mismatch"}
TRANSPORT_ACTIONS = ("reset", "close", "truncate", "malformed_json", "dribble", "hang")


class _Strict(BaseModel):
    # NaN and infinities would pass no bound check and serialise as nothing useful.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Match(_Strict):
    """Which requests a fault applies to: every field given must hold (none given: every request)."""

    mode: str | None = Field(None, description="The request asks for this mode.")
    image: str | None = Field(None, description="meta.images has an image of this name.")
    token: str | None = Field(None, description="The request's oauth_token is this.")
    session: str | None = Field(None, description="The request's X-Mock-Session header is this.")


class When(_Strict):
    """When a matching request gets the fault. Default: always."""

    times: int | None = Field(None, ge=1, description="Fire at most this many times, then stay quiet.")
    after: int = Field(0, ge=0, description="Let this many matching requests through first.")
    probability: float | None = Field(None, ge=0, le=1, description="Fire with this probability.")
    seed: int = Field(0, description="Seed of the probability draws (and random images, random latency).")


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

    type: Literal["envelope"] = "envelope"
    status: int = Field(500, ge=200, le=599)
    body: str = Field("Internal Server Error", max_length=10_000)


class ImageFault(_Fault):
    """Some images fail in every mode; the others are answered as usual."""

    type: Literal["image_error"] = "image_error"
    status: Literal[1, 2] = 2
    error: str | None = Field(None, max_length=10_000, description="Default: the vendor's text for the status.")
    image: str | None = Field(None, description="The image of this name.")
    position: int | None = Field(None, ge=0, description="The image at this position of meta.images (from 0).")
    share: float | None = Field(None, gt=0, le=1, description="Each image fails with this probability.")

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

    type: Literal["gateway"] = "gateway"
    status: Literal[429, 502, 503, 504] = 503
    retry_after: int | None = Field(None, ge=0, description="Seconds; default 1 for 429 and 503.")
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
    """The answer is held back: `ms`, or `min_ms`..`max_ms`, or log-normal around `median_ms`."""

    type: Literal["latency"] = "latency"
    ms: float | None = Field(None, ge=0)
    min_ms: float | None = Field(None, ge=0)
    max_ms: float | None = Field(None, ge=0)
    median_ms: float | None = Field(None, gt=0)
    sigma: float = Field(0.5, gt=0, le=5)
    per_image_ms: float = Field(0, ge=0, description="Added once per image, so big batches are slower.")

    @model_validator(mode="after")
    def _one_distribution(self) -> LatencyFault:
        fixed, uniform, lognormal = self.ms is not None, self.min_ms is not None or self.max_ms is not None, (
            self.median_ms is not None
        )
        if fixed + uniform + lognormal > 1:
            raise ValueError("choose one of ms, min_ms/max_ms, median_ms")
        if uniform and (self.min_ms is None or self.max_ms is None or self.min_ms > self.max_ms):
            raise ValueError("a uniform latency needs min_ms <= max_ms")
        if not (fixed or uniform or lognormal or self.per_image_ms):
            raise ValueError("needs ms, min_ms/max_ms, median_ms or per_image_ms")
        return self


class TransportFault(_Fault):
    """The connection itself misbehaves; only a real socket shows it (see the README)."""

    type: Literal["transport"] = "transport"
    action: Literal["reset", "close", "truncate", "malformed_json", "dribble", "hang"]
    keep_bytes: int | None = Field(None, ge=0, description="truncate: body bytes sent before closing (default half).")
    chunk_bytes: int = Field(16, ge=1, le=65536, description="dribble: bytes per write.")
    interval_ms: float = Field(100, ge=0, le=60_000, description="dribble: pause between writes.")


Fault = Annotated[
    EnvelopeFault | ImageFault | GatewayFault | LatencyFault | TransportFault, Field(discriminator="type")
]
REQUEST_LEVEL = (EnvelopeFault, GatewayFault, TransportFault)
