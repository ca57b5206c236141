"""One settings object for the whole server.

Every limit and switch lives here, with the vendor page's defaults. Values come from, in order of
precedence: a command-line flag, an environment variable `MOCKSERVER_<NAME>` (upper case), the default.
`Settings.from_env()` applies the environment; the CLI lays its flags over that.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError

ENV_PREFIX = "MOCKSERVER_"
MIB = 1024 * 1024

HttpStatusMode = Literal["mirror", "always_200"]
LogLevel = Literal["critical", "error", "warning", "info", "debug"]
ResultOrder = Literal["parts", "meta", "shuffle"]
Object2Key = Literal["object_labels", "object2_labels"]


def default_fixtures_dir() -> Path:
    """The fixtures shipped with the package: inside an installed wheel, or the checkout's `fixtures/`."""
    package = Path(__file__).resolve().parent
    bundled = package / "_fixtures"
    return bundled if bundled.is_dir() else package.parent / "fixtures"


class Settings(BaseModel):
    """Everything that shapes the server's behaviour; immutable once built."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = Field("127.0.0.1", description="Address to listen on.")
    port: int = Field(8080, ge=0, le=65535, description="Port to listen on (0 picks a free one).")
    fixtures: Path | None = Field(
        default_factory=default_fixtures_dir, description="Fixtures folder; none for rules only."
    )
    max_images: int = Field(100, ge=1, description="Most images in one request (check 13).")
    max_image_bytes: int = Field(4 * MIB, ge=1, description="Largest image part (check 18).")
    max_request_bytes: int | None = Field(
        None, ge=1, description="Largest request body (check 6); default max_images × max_image_bytes + 1 MiB."
    )
    max_meta_bytes: int = Field(1 * MIB, ge=1, description="Largest `meta` part (check 9).")
    max_parts: int = Field(1000, ge=1, description="Most parts in one body (check 7).")
    tokens: frozenset[str] = Field(
        frozenset(), description="Accepted oauth_token values; empty accepts any (check 4)."
    )
    tokens_file: Path | None = Field(None, description="File of accepted tokens, one per line.")
    http_status: HttpStatusMode = Field(
        "mirror", description="HTTP status: the envelope's status (mirror) or always 200."
    )
    result_order: ResultOrder = Field(
        "parts",
        description="Order of per-image results: the image parts' order in the body (as the real service "
        "answers), meta.images order, or shuffled reproducibly (the same request, the same order).",
    )
    object2_key: Object2Key = Field(
        "object_labels",
        description="Key that answers mode object2: object_labels (as clients of the real service read it) "
        "or object2_labels.",
    )
    log_level: LogLevel = Field("info", description="Log level.")
    scenario: Path | None = Field(None, description="Scenario file (YAML or JSON) of faults armed at start-up.")
    admin_token: str | None = Field(None, description="Token the admin API (/__admin/) requires; none: open.")
    admin_hosts: str = Field(
        "",
        description="Host names the admin API answers to besides loopback and the listening address "
        "(e.g. a Docker service name), comma-separated; '*' any.",
    )
    journal_size: int = Field(1000, ge=0, description="Requests the journal keeps; the oldest go first.")
    journal_max_bytes: int = Field(
        64 * MIB, ge=0, description="About how much memory the journal may hold; the oldest go first."
    )
    journal_answer_bytes: int = Field(
        64 * 1024, ge=0, description="Most bytes of each answer the journal keeps (counted in its memory); rest cut."
    )
    console: bool = Field(True, description="Serve the web console under /__admin/console/ (GET / leads there).")
    fixtures_poll: float = Field(1.0, ge=0, description="Seconds between checks for changed fixture files; 0: off.")
    max_faults: int = Field(1000, ge=1, description="Most faults armed at once.")
    max_fault_seconds: float = Field(300, gt=0, description="Longest a latency or hang fault holds a request.")
    header_timeout: float = Field(10, gt=0, description="Seconds a client has to send its request headers.")
    max_header_bytes: int = Field(64 * 1024, ge=1024, description="Largest request line and headers, in bytes.")
    body_timeout: float = Field(30, gt=0, description="Seconds the server waits for the next chunk of a body.")
    max_body_seconds: float = Field(600, gt=0, description="Longest a request body may take to arrive.")
    max_admin_bytes: int = Field(1 * MIB, ge=1, description="Largest body the admin API accepts.")
    shutdown_timeout: int = Field(5, ge=0, description="Seconds answers in flight get to finish on SIGTERM.")
    cors_origins: str = Field(
        "*", description="Origins allowed to call from a browser, comma-separated; '*' any, 'none' off."
    )

    @field_validator("tokens", mode="before")
    @classmethod
    def _split_tokens(cls, value: Any) -> Any:
        if isinstance(value, str):
            return frozenset(token.strip() for token in value.split(",") if token.strip())
        return value

    @field_validator("fixtures", "tokens_file", "max_request_bytes", "scenario", "admin_token", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("admin_token")
    @classmethod
    def _sendable_token(cls, value: str | None) -> str | None:
        # A header value loses its outer spaces and cannot hold control characters: such a token could
        # never be sent, and every admin call would be refused.
        if value is not None and (value != value.strip() or not value.isprintable()):
            raise ValueError("must not start or end with spaces nor hold control characters")
        return value

    @property
    def cors_allowed(self) -> list[str]:
        """The origins CORS allows; empty when CORS is off."""
        if self.cors_origins.strip().lower() in ("", "none", "off"):
            return []
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def admin_host_names(self) -> list[str]:
        """The extra host names of `admin_hosts`."""
        return [name.strip() for name in self.admin_hosts.split(",") if name.strip()]

    @property
    def request_limit(self) -> int:
        """The body size limit of check 6."""
        if self.max_request_bytes is not None:
            return self.max_request_bytes
        return self.max_images * self.max_image_bytes + MIB

    @classmethod
    def field_names(cls) -> list[str]:
        return list(cls.model_fields)

    @classmethod
    def build(cls, values: Mapping[str, Any]) -> Settings:
        """Validate `values` into Settings; a bad value raises ConfigError naming the setting."""
        try:
            return cls.model_validate(dict(values))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
            )
            raise ConfigError(f"invalid settings: {problems}") from None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from `MOCKSERVER_*` variables, with `overrides` (e.g. CLI flags) winning over them."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            raw = environ.get(ENV_PREFIX + name.upper())
            if raw is not None:
                values[name] = raw
        values.update(overrides)
        return cls.build(values)
