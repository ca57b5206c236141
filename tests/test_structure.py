"""The package's shape: which stage may import which, and what is written once."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mockserver"


def imported_modules(path: Path) -> set[str]:
    """The absolute names of the mockserver modules a file imports (relative imports resolved)."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("mockserver")}


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        # Errors become answers in one place, which knows the errors and not who raises them.
        ("http/handlers.py", ("mockserver.admin", "mockserver.http.routes", "mockserver.http.endpoint")),
        # The client of the admin API speaks its language (the fault model), not the server's engine.
        ("admin/client.py", ("mockserver.faults.book", "mockserver.admin.api", "mockserver.app", "mockserver.http")),
        # The pipeline tells whoever records requests through its own interface (`intake.Witness`): the
        # route no longer builds the upload for the journal, and the pipeline knows no journal.
        ("http/routes.py", ("mockserver.detect.upload",)),
        ("detect/intake.py", ("mockserver.journal", "mockserver.http")),
    ],
)
def test_structure_module_does_not_import(module: str, forbidden: tuple[str, ...]) -> None:
    imported = imported_modules(PACKAGE / module)
    assert sorted(name for name in imported if name.startswith(forbidden)) == []


def test_structure_admin_client_imports_no_server() -> None:
    """A script that only drives a running server (Docker, another process) loads no web framework."""
    probe = (
        "import sys, mockserver.admin.client; "
        "server = ('fastapi', 'uvicorn', 'mockserver.app', 'mockserver.faults.book'); "
        "print(sorted(m for m in server if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("name", ["runtime_of"])
def test_structure_helper_written_once(name: str) -> None:
    definitions = [
        path.relative_to(PACKAGE).as_posix()
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef) and node.name == name
    ]
    assert definitions == ["runtime.py"]


def test_structure_request_state_typed() -> None:
    """Layers share per-request data through `http.context.RequestContext`, not starlette's untyped bag."""
    untyped = re.compile(r"request\.state\b|scope\[\"state\"\]|\.get\(\"state\"")
    users = [
        path.relative_to(PACKAGE).as_posix()
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "context.py" and untyped.search(path.read_text(encoding="utf-8"))
    ]
    assert users == []
