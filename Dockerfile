# mockserver: a local emulator of the Vision "detect" API, as a small image.
#
#   docker build -t mockserver .
#   docker run --rm -p 127.0.0.1:8080:8080 mockserver
#   docker run --rm -p 127.0.0.1:8080:8080 -v "$PWD/my-fixtures:/fixtures:ro" -e MOCKSERVER_HTTP_STATUS=always_200 mockserver
#
# Settings are MOCKSERVER_* variables (README, "Settings"). /fixtures is the fixtures folder: the image ships the
# project's fixtures/ there, once (the package's own copy is a link to it); mount your own folder over it to
# replace them. The server runs as uid 10001: mounted files must be readable to it.
#
# tests/test_docker.py lints this file with hadolint and performs its install steps in a fresh virtualenv.

# --- builder: the project's wheel (hatchling is fetched by pip from PyPI into an isolated build env) ---
FROM python:3.11-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY mockserver/ mockserver/
COPY fixtures/ fixtures/
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .
# The tested set of dependencies (README, "Dependencies"): the final stage installs exactly these.
COPY .ci/constraints.txt /wheels/constraints.txt

# --- final: the wheel and its pinned dependencies from PyPI; no compiler, no source tree, no pip cache ---
FROM python:3.11-slim-bookworm

LABEL org.opencontainers.image.title="mockserver" \
      org.opencontainers.image.description="Local emulator of the Vision detect API (POST /api/v1/objects/detect)" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONUNBUFFERED=1

# A regular account with a fixed uid (not --system: system uids end at 999, and useradd warns about 10001);
# --no-log-init: no sparse lastlog entry for a high uid.
RUN groupadd --gid 10001 mockserver \
    && useradd --uid 10001 --gid mockserver --no-log-init --create-home --home-dir /app \
       --shell /usr/sbin/nologin mockserver

# The package's bundled fixtures become a link to /fixtures, in the same layer, so the image holds them once.
COPY --from=builder /wheels /wheels
RUN pip install --no-cache-dir -c /wheels/constraints.txt /wheels/mockserver-*.whl \
    && rm -rf /wheels \
    && python -c "import pathlib, shutil, mockserver; b = pathlib.Path(mockserver.__file__).parent / '_fixtures'; shutil.rmtree(b); b.symlink_to('/fixtures')"

# The default fixtures, owned by root and read-only for the server; mount a folder here to replace them.
COPY fixtures/ /fixtures/

ENV MOCKSERVER_HOST=0.0.0.0 \
    MOCKSERVER_PORT=8080 \
    MOCKSERVER_FIXTURES=/fixtures

WORKDIR /app
USER 10001:10001
EXPOSE 8080

# The slim image has no curl or wget: Python asks /health on the port the server was started with (its flags,
# then MOCKSERVER_PORT), and prints one line (mockserver/healthcheck.py).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-m", "mockserver.healthcheck"]

STOPSIGNAL SIGTERM
CMD ["mockserver"]
