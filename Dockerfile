# mockserver: a local emulator of the Vision "detect" API, as a small image.
#
#   docker build -t mockserver .
#   docker run --rm -p 8080:8080 mockserver
#   docker run --rm -p 8080:8080 -v "$PWD/my-fixtures:/fixtures:ro" -e MOCKSERVER_HTTP_STATUS=always_200 mockserver
#
# Settings are MOCKSERVER_* variables (README, "Settings"). /fixtures is the fixtures folder: the image ships the
# project's fixtures/ there; mount your own folder over it to replace them.
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

# --- final: the wheel and its dependencies from PyPI; no compiler, no source tree, no pip cache ---
FROM python:3.11-slim-bookworm

LABEL org.opencontainers.image.title="mockserver" \
      org.opencontainers.image.description="Local emulator of the Vision detect API (POST /api/v1/objects/detect)" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1

RUN groupadd --system --gid 10001 mockserver \
    && useradd --system --uid 10001 --gid mockserver --create-home --home-dir /app \
       --shell /usr/sbin/nologin mockserver

COPY --from=builder /wheels /wheels
RUN pip install --no-cache-dir /wheels/mockserver-*.whl \
    && rm -rf /wheels

# The default fixtures, owned by root and read-only for the server; mount a folder here to replace them.
COPY fixtures/ /fixtures/

ENV MOCKSERVER_HOST=0.0.0.0 \
    MOCKSERVER_PORT=8080 \
    MOCKSERVER_FIXTURES=/fixtures

WORKDIR /app
USER 10001:10001
EXPOSE 8080

# The slim image has no curl or wget: Python asks /health on the port the server was told to use.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('MOCKSERVER_PORT', '8080'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/health', timeout=2).status == 200 else 1)"]

STOPSIGNAL SIGTERM
CMD ["mockserver"]
