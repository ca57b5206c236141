"""`mockserver` / `python -m mockserver`: flags over `MOCKSERVER_*` variables over defaults, then uvicorn.

Every setting is a flag named after it (`max_image_bytes` → `--max-image-bytes`) and an environment
variable (`MOCKSERVER_MAX_IMAGE_BYTES`); a flag wins over the variable, which wins over the default.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import logging.config
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from . import __version__
from .errors import ConfigError
from .settings import ENV_PREFIX, Settings

logger = logging.getLogger("mockserver")

EXIT_CONFIG = 2


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _choices(annotation: Any) -> list[str] | None:
    for candidate in (annotation, *get_args(annotation)):
        if get_origin(candidate) is Literal:
            return [str(value) for value in get_args(candidate)]
    return None


def _metavar(annotation: Any) -> str:
    kinds = {annotation, *get_args(annotation)}
    if int in kinds:
        return "N"
    if Path in kinds:
        return "PATH"
    return "TEXT"


def parser() -> argparse.ArgumentParser:
    """One flag per setting, described by the setting itself."""
    cli = argparse.ArgumentParser(
        prog="mockserver",
        description="Local emulator of the Vision detect API (POST /api/v1/objects/detect).",
        epilog=f"Every flag is also an environment variable {ENV_PREFIX}<FLAG> (upper case, '_' for '-'); "
        "the flag wins. Set --fixtures '' to answer from the rules only.",
    )
    cli.add_argument("--version", action="version", version=f"mockserver {__version__}")
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        shown = ",".join(sorted(default)) if isinstance(default, frozenset) else default
        cli.add_argument(
            _flag(name),
            dest=name,
            default=None,
            choices=_choices(field.annotation),
            metavar=None if _choices(field.annotation) else _metavar(field.annotation),
            help=f"{field.description} [env {ENV_PREFIX}{name.upper()}; default: {shown}]",
        )
    return cli


def load_settings(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from flags, environment and defaults, in that order of precedence."""
    arguments = parser().parse_args(argv)
    flags = {name: value for name, value in vars(arguments).items() if value is not None}
    return Settings.from_env(environ, **flags)


def log_config(level: str) -> dict[str, Any]:
    """Logging for the command: uvicorn's loggers and line formats (its documented formatter classes), and
    mockserver's own loggers beside them. Written out rather than copied from uvicorn's default config, whose
    layout is uvicorn's own business."""
    formatters = {
        "default": {"()": "uvicorn.logging.DefaultFormatter", "fmt": "%(levelprefix)s %(message)s", "use_colors": None},
        "access": {
            "()": "uvicorn.logging.AccessFormatter",
            "fmt": '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s',
        },
    }
    handlers = {
        "default": {"formatter": "default", "class": "logging.StreamHandler", "stream": "ext://sys.stderr"},
        "access": {"formatter": "access", "class": "logging.StreamHandler", "stream": "ext://sys.stdout"},
    }
    loggers = {
        "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "mockserver": {"handlers": ["default"], "level": level.upper(), "propagate": False},
        # The parser warns about every malformed body; the client already gets that reason in its answer.
        "python_multipart": {"level": "ERROR"},
    }
    return {"version": 1, "disable_existing_loggers": False, "formatters": formatters, "handlers": handlers,
            "loggers": loggers}


def serve(settings: Settings) -> None:
    """Build the app and run it until interrupted."""
    from .app import create_app
    from .http.accesslog import log_off_the_loop
    from .http.protocol import GracefulServer
    from .http.server import uvicorn_config

    logging.config.dictConfig(log_config(settings.log_level))
    app = create_app(settings)
    if not is_loopback(settings.host) and settings.admin_token is None:
        logger.warning(
            "listening on %s without --admin-token: anyone who can reach this address can arm faults "
            "and read the journal", settings.host,
        )
    config = uvicorn_config(
        app,
        settings,
        log_config=log_config(settings.log_level),
        loop="uvloop" if sys.platform != "win32" else "asyncio",
    )
    # The logging HOWTO's optimisations: no caller lookup (a stack walk per line), no thread or
    # process names; the access log writes one line per request, and none of its lines use them.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    with log_off_the_loop():
        GracefulServer(config, before_shutdown=app.state.runtime.stopping.set).run()


def is_loopback(host: str) -> bool:
    """Whether `host` only accepts connections from this machine."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `mockserver` console script."""
    try:
        settings = load_settings(argv)
        serve(settings)
    except ConfigError as exc:
        print(f"mockserver: error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return 0
