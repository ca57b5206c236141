"""The README's commands and examples work as written."""

from __future__ import annotations

import importlib
import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from support import ServerProcess, free_port

from mockserver import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, flags=re.S)


def shell_blocks() -> list[str]:
    return [code.strip() for kind, code in BLOCKS if kind == "sh"]


def test_readme_opens_with_install_start_and_test() -> None:
    start, test, *_ = shell_blocks()
    assert start == "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/mockserver"
    ci = (ROOT / ".ci/run").read_text().strip().splitlines()[-1]
    assert test == ci


def test_readme_curl_example_works() -> None:
    curl = next(block for block in shell_blocks() if block.startswith("curl"))
    with ServerProcess("--fixtures", str(ROOT / "fixtures")) as server:
        command = curl.replace("\\\n", " ").replace("http://127.0.0.1:8080", server.url)
        result = subprocess.run(shlex.split(command), cwd=ROOT, capture_output=True, text=True, timeout=30, check=True)
    document = json.loads(result.stdout)
    assert document["status"] == 200
    plates = [label["eng"] for label in document["body"]["car_number_labels"][0]["labels"]]
    assert "C606KY777" in plates
    assert [entry["name"] for entry in document["body"]["object_labels"]] == ["file_0", "file_1"]


def test_readme_settings_table_lists_every_setting() -> None:
    for name in Settings.model_fields:
        flag = "--" + name.replace("_", "-")
        assert f"| `{flag}` | `MOCKSERVER_{name.upper()}` |" in README


def test_readme_fixture_example_is_valid(tmp_path: Path) -> None:
    example = next(code for kind, code in BLOCKS if kind == "json" and '"match"' in code)
    (tmp_path / "images").mkdir()
    (tmp_path / "images/street.jpg").write_bytes((ROOT / "fixtures/images/street.jpg").read_bytes())
    (tmp_path / "street.json").write_text(example, encoding="utf-8")
    from mockserver.answers.fixtures import FixtureSet

    assert len(FixtureSet.load(tmp_path)) == 1


def test_readme_every_curl_block_runs() -> None:
    blocks = [block for block in shell_blocks() if block.startswith("curl")]
    assert len(blocks) >= 4
    with ServerProcess("--fixtures", str(ROOT / "fixtures")) as server:
        for block in blocks:
            script = block.replace("http://127.0.0.1:8080", server.url)
            result = subprocess.run(["bash", "-e", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
            assert result.returncode == 0, (block, result.stderr)
            for document in result.stdout.replace("}{", "}\n{").splitlines():
                json.loads(document)


def test_readme_scenario_command_starts() -> None:
    command = next(block for block in shell_blocks() if "--scenario" in block)
    args = shlex.split(command)[1:]
    with ServerProcess(*args) as server:
        import httpx

        faults = httpx.get(server.url + "/__admin/faults").json()["faults"]
    assert [fault["type"] for fault in faults] == ["gateway", "envelope"]


def test_readme_pytest_example_passes(pytester: pytest.Pytester) -> None:
    example = next(code for kind, code in BLOCKS if kind == "python" and "detect_mock" in code)
    pytester.makepyfile(test_readme_example=example)
    result = pytester.runpytest_subprocess("-p", "mockserver", "-W", "error", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_readme_ci_wait_loop_works() -> None:
    block = next(block for block in shell_blocks() if block.startswith("mockserver --port 8080 &"))
    import sys

    port = free_port()
    script = block.replace("8080", str(port)) + "; status=$?; kill %1; wait; exit $status"
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "MOCKSERVER_FIXTURES": ""}
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert '"status":"ok"' in result.stdout


def test_readme_vendor_client_example_works() -> None:
    block = next(block for block in shell_blocks() if "smarty.py" in block)
    import sys

    with ServerProcess("--fixtures", str(ROOT / "fixtures")) as server:
        script = block.replace("http://127.0.0.1:8080", server.url).replace(".venv/bin/python", sys.executable)
        result = subprocess.run(["bash", "-e", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [entry["name"] for entry in document["body"]["object_labels"]] == ["file_0", "file_1"]
    assert "> POST " in result.stderr and "< HTTP 200" in result.stderr


DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md")), ROOT / "bench/README.md"]
DOTTED = re.compile(r"\bmockserver(?:\.[A-Za-z_]\w*)+")
FROM_IMPORT = re.compile(r"^\s*from (mockserver(?:\.\w+)*) import \(?([\w\s,]+?)\)?\s*$", flags=re.M)


def documented_names() -> list[str]:
    """Every `mockserver.a.b` the README and docs name, and every name their `from mockserver... import` takes."""
    names: set[str] = set()
    for path in DOCS:
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        names.update(DOTTED.findall(text))
        for module, imported in FROM_IMPORT.findall(text):
            names.update(f"{module}.{name.strip()}" for name in imported.split(",") if name.strip())
    return sorted(names)


def resolve(dotted: str) -> object:
    """The object a dotted name means: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise ModuleNotFoundError(dotted)


def test_readme_names_found() -> None:
    """The parser below finds the names it is meant to check (so the next test cannot pass on nothing)."""
    names = documented_names()
    assert "mockserver.Settings" in names and "mockserver.admin.client.MockControl" in names


@pytest.mark.parametrize("dotted", documented_names())
def test_readme_every_named_object_imports(dotted: str) -> None:
    resolve(dotted)


def architecture_names() -> list[str]:
    """The Architecture section's references to our code: `module.name` (module by its short name, e.g.
    `guard.RequestGuard`) as full dotted names, and file paths (`http/endpoint.py`, `mockserver/http/`).
    Other dotted words there (`request.state`) name no module of ours and are left out."""
    section = README.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    modules = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in sorted((ROOT / "mockserver").rglob("*.py"))
        if path.name != "__init__.py"
    ]
    modules += [".".join(path.parent.relative_to(ROOT).parts) for path in (ROOT / "mockserver").rglob("__init__.py")]
    found = []
    for reference in re.findall(r"`([a-z_]\w*(?:\.\w+)+)(?:\([^`]*\))?`", section):
        parts = reference.split(".")
        if parts[-1] == "py":
            continue
        for cut in range(len(parts) - 1, 0, -1):
            owners = [module for module in modules if module.endswith("." + ".".join(parts[:cut]))]
            if len(owners) == 1:
                found.append(".".join([owners[0], *parts[cut:]]))
                break
        else:
            if parts[-1][:1].isupper():  # `gone.SomeClass`: a class of a module that is not there (any more)
                found.append(reference)
    for path in re.findall(r"`((?:mockserver/)?[a-z_]+/[\w/]*(?:\.py|/))`", section):
        found.append(path if path.startswith("mockserver/") else "mockserver/" + path)
    return sorted(set(found))


def test_readme_architecture_names_found() -> None:
    names = architecture_names()
    assert "mockserver/http/endpoint.py" in names and "mockserver.app.create_app" in names


@pytest.mark.parametrize("reference", architecture_names())
def test_readme_architecture_names_import(reference: str) -> None:
    """The Architecture section's references to modules, files and folders name what exists."""
    if "/" in reference:
        assert (ROOT / reference).exists()
    else:
        resolve(reference)
