"""Where a request is inside the app, wherever the app is served from (a `Mount`, a proxy's `root_path`)."""

from __future__ import annotations

from starlette.types import Scope

DETECT_PATH = "/api/v1/objects/detect"


def root_prefix(scope: Scope) -> str:
    """The part of the URL above this app (a `Mount`'s prefix or a proxy's `root_path`), without a trailing /."""
    root: str = scope.get("root_path", "")
    return root.rstrip("/")


def route_path(scope: Scope) -> str:
    """The request's path inside this app: ASGI's `path` is the full one, `root_path` the part above the app."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and (path == root or path.startswith(root + "/")):
        return path[len(root) :] or "/"
    return path
