#!/usr/bin/env python3
"""A command-line client of the Vision "detect" API; the same script talks to the real service and to the mock.

Usage, as on the vendor's page:

    examples/python/smarty.py \\
      -u "https://smarty.mail.ru/api/v1/objects/detect?oauth_provider=mr&oauth_token=e50b000614a371ce99c01a80a4558d8ed93b313737363830" \\
      -p examples/friends1.jpg \\
      --meta '{"mode":["scene"]}' \\
      -v

Against the mock (started with `.venv/bin/mockserver`, from the project folder):

    examples/python/smarty.py \\
      -u "http://127.0.0.1:8080/api/v1/objects/detect?oauth_provider=mr&oauth_token=123" \\
      -p fixtures/images/street.jpg \\
      --meta '{"mode":["object","car_number"]}'

`-p` may be repeated: the images are sent as parts file_0, file_1, … in that order, and `meta.images` is
filled in to match. The answer's body goes to stdout (pretty JSON when it is JSON); `-v` shows the request and
the response's status and headers on stderr.

Exit status: 0 the envelope says 200; 1 the service answered with an error; 2 bad usage (flags, image, meta);
3 a network error (refused, timed out, reset).
"""  # noqa: E501 - the vendor's command line is quoted as they print it

from __future__ import annotations

import argparse
import http.client
import io
import json
import mimetypes
import re
import sys
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

# 2, bad usage, is what argparse.error() exits with; every usage check goes through it.
EXIT_OK, EXIT_ERROR, EXIT_NETWORK = 0, 1, 3


@dataclass(frozen=True)
class Part:
    name: str
    data: bytes
    content_type: str
    filename: str | None = None


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, dict[str, Any], list[Part]]:
    parser = argparse.ArgumentParser(prog="smarty.py", description="Send images to the Vision detect API.")
    parser.add_argument("-u", "--url", required=True, help="endpoint URL, with oauth_provider and oauth_token")
    parser.add_argument("-p", "--path", required=True, action="append", metavar="IMAGE", help="image; may repeat")
    parser.add_argument("--meta", default='{"mode":["object"]}', help='meta JSON (default: {"mode":["object"]})')
    parser.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS", help="network timeout (default 60)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show the request and response headers on stderr")
    args = parser.parse_args(argv)

    if not re.match(r"https?://", args.url, re.IGNORECASE):
        parser.error(f"--url must be an http:// or https:// URL: {args.url!r}")
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    try:
        meta = json.loads(args.meta)
    except json.JSONDecodeError as exc:
        parser.error(f"--meta is not valid JSON: {exc}")
    if not isinstance(meta, dict):
        parser.error(f"--meta must be a JSON object, got {type(meta).__name__}")

    parts: list[Part] = []
    for index, path in enumerate(args.path):
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            parser.error(f"cannot read image {path!r}: {exc.strerror or exc}")
        # The service recognises images by their bytes; the type only helps proxies and logs, so a guess will do.
        guessed = mimetypes.guess_type(path)[0] or "application/octet-stream"
        parts.append(Part(f"file_{index}", data, guessed, Path(path).name))
    # The part names are the client's business, so meta.images is always derived from them, never trusted.
    meta["images"] = [{"name": part.name} for part in parts]
    parts.append(Part("meta", json.dumps(meta, ensure_ascii=False).encode("utf-8"), "application/json"))
    return args, meta, parts


def quote(value: str) -> str:
    # As browsers do (WHATWG form encoding): a quote or line break in a filename must not end the header.
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def encode(parts: list[Part], boundary: str) -> bytes:
    chunks: list[bytes] = []
    for part in parts:
        disposition = f'form-data; name="{quote(part.name)}"'
        if part.filename is not None:
            disposition += f'; filename="{quote(part.filename)}"'
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {part.content_type}\r\n\r\n"
        chunks += [head.encode("utf-8"), part.data, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks)


def redact(url: str) -> str:
    # A token in a terminal scrollback or a CI log is a leaked token; six characters are enough to tell two apart.
    return re.sub(r"(oauth_token=)([^&#]*)", lambda m: m.group(1) + m.group(2)[:6] + "…", url)


def show_request(url: str, headers: dict[str, str], parts: list[Part], meta: dict[str, Any]) -> None:
    err = sys.stderr
    print(f"> POST {redact(url)}", file=err)
    for key, value in headers.items():
        print(f"> {key}: {value}", file=err)
    for part in parts:
        filename = "" if part.filename is None else f" filename={part.filename!r}"
        print(f"> part {part.name!r}{filename} content-type={part.content_type} size={len(part.data)}", file=err)
    print(f"> meta: {json.dumps(meta, ensure_ascii=False)}", file=err)


def show_response(status: int, reason: str, headers: Message) -> None:
    print(f"< HTTP {status} {reason}", file=sys.stderr)
    for key, value in headers.items():
        print(f"< {key}: {value}", file=sys.stderr)


def send(url: str, data: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str, Message, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.reason, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        # 4xx and 5xx still carry the envelope (or a proxy's page) in the body: it is the answer, not a failure.
        with exc:
            return exc.code, str(exc.reason), exc.headers, exc.read()


def main(argv: list[str] | None = None) -> int:
    args, meta, parts = parse_args(argv)
    boundary = "smarty-" + uuid.uuid4().hex
    data = encode(parts, boundary)
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(len(data)),
        "Accept": "application/json",
        "User-Agent": "smarty.py",
    }
    if args.verbose:
        show_request(args.url, headers, parts, meta)
    try:
        status, reason, response_headers, raw = send(args.url, data, headers, args.timeout)
    except (OSError, http.client.HTTPException) as exc:
        # URLError wraps the socket error in .reason; the bare ones (reset mid-read, timeout) are the error itself.
        cause = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        print(f"smarty.py: network error: {type(cause).__name__}: {cause}", file=sys.stderr)
        return EXIT_NETWORK
    if args.verbose:
        show_response(status, reason, response_headers)

    if isinstance(sys.stdout, io.TextIOWrapper):
        # Labels are Russian; a non-UTF-8 console must not turn a good answer into a traceback.
        sys.stdout.reconfigure(errors="backslashreplace")
    text = raw.decode("utf-8", errors="replace")
    try:
        document: Any = json.loads(text)
    except json.JSONDecodeError:
        print(text)
        return EXIT_ERROR
    print(json.dumps(document, ensure_ascii=False, indent=2))
    # With --http-status always_200 (and behind some gateways) only the envelope tells success from failure.
    envelope_ok = isinstance(document, dict) and document.get("status") == 200
    return EXIT_OK if status == 200 and envelope_ok else EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
