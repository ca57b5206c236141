"""Browsers: CORS for pages on other origins, and one real page in headless chromium uploading two images."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from browser import FLAGS, chromium
from support import URL, in_process, post_detect

from mockserver import Settings
from mockserver.http.server import MockServer

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parent.parent
PREFLIGHT = {
    "origin": "http://page.example:9000",
    "access-control-request-method": "POST",
    "access-control-request-headers": "content-type, x-mock-fault, x-mock-session",
}


async def test_browser_preflight_allows_post_with_mock_headers() -> None:
    async with in_process() as client:
        response = await client.options(URL, headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert {"x-mock-fault", "x-mock-session", "content-type"} <= {item.strip() for item in allowed.split(",")}


async def test_browser_answers_expose_headers() -> None:
    async with in_process() as client:
        response = await post_detect(client, headers={"origin": PREFLIGHT["origin"], "x-mock-fault": "gateway=503"})
    assert response.status_code == 503
    assert response.headers["access-control-allow-origin"] == "*"
    assert "retry-after" in response.headers["access-control-expose-headers"].lower()


async def test_browser_origin_list() -> None:
    async with in_process(cors_origins="http://good.example, http://also.example") as client:
        good = await client.options(URL, headers={**PREFLIGHT, "origin": "http://good.example"})
        bad = await client.options(URL, headers=PREFLIGHT)
    assert good.headers["access-control-allow-origin"] == "http://good.example"
    assert bad.status_code == 400 and "access-control-allow-origin" not in bad.headers


@pytest.mark.parametrize("origin", [None, PREFLIGHT["origin"]])
async def test_browser_vary_origin_with_and_without_origin(origin: str | None) -> None:
    """Caches must keep page answers apart from others: `Vary: Origin` on every detect answer, once."""
    headers = {"origin": origin} if origin else {}
    async with in_process() as client:
        response = await post_detect(client, headers=headers)
    assert response.headers.get_list("vary") == ["Origin"]
    assert ("access-control-allow-origin" in response.headers) == (origin is not None)


@pytest.mark.parametrize("path", ["/health", "/__admin/faults", "/__admin/requests"])
async def test_browser_cors_is_the_detect_endpoints_only(path: str) -> None:
    """No page on another origin may read anything but detect answers: above all, never the admin API."""
    async with in_process() as client:
        response = await client.get(path, headers={"origin": PREFLIGHT["origin"]})
        preflight = await client.options(path, headers={**PREFLIGHT, "access-control-request-method": "GET"})
    assert response.status_code == 200
    assert not [name for name in response.headers if name.startswith("access-control-")]
    assert preflight.status_code in (403, 405)
    assert not [name for name in preflight.headers if name.startswith("access-control-")]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ([], [(b"vary", b"Origin")]),
        ([(b"content-type", b"text/plain")], [(b"content-type", b"text/plain"), (b"vary", b"Origin")]),
        ([(b"vary", b"Accept"), (b"x", b"1")], [(b"x", b"1"), (b"vary", b"Accept, Origin")]),
        ([(b"Vary", b"A"), (b"vary", b"B")], [(b"vary", b"A, B, Origin")]),
    ],
)
def test_browser_vary_added_as_starlette_does(
    before: list[tuple[bytes, bytes]], after: list[tuple[bytes, bytes]]
) -> None:
    from starlette.datastructures import MutableHeaders

    from mockserver.http.cors import add_vary_origin

    ours: dict[str, object] = {"type": "http.response.start", "headers": list(before)}
    add_vary_origin(ours)
    # Starlette's CORSMiddleware, for a request without Origin, does exactly this:
    theirs = MutableHeaders(scope={"headers": [(name.lower(), value) for name, value in before]})
    theirs["Vary"] = ", ".join([*theirs.getlist("Vary"), "Origin"])
    assert ours["headers"] == after
    assert sorted(ours["headers"]) == sorted(theirs.raw)  # type: ignore[arg-type]


async def test_browser_cors_off() -> None:
    async with in_process(cors_origins="none") as client:
        preflight = await client.options(URL, headers=PREFLIGHT)
        plain = await post_detect(client, headers={"origin": PREFLIGHT["origin"]})
    assert "access-control-allow-origin" not in preflight.headers
    assert preflight.json()["status"] == 405
    assert "access-control-allow-origin" not in plain.headers


README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGE = README.split("```html\n", 1)[1].split("```", 1)[0]


@pytest.fixture
def page_server(tmp_path: Path) -> Iterator[str]:
    """A static site on its own port: the page and the two images it uploads."""
    for name in ("street.jpg", "people.jpg"):
        (tmp_path / name).write_bytes((ROOT / "fixtures" / "images" / name).read_bytes())
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *args: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_browser_page_uploads_two_images(page_server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    executable = chromium()
    with MockServer(Settings(port=0, fixtures=ROOT / "fixtures")) as mock:
        page_source = PAGE.replace('const MOCK = "http://127.0.0.1:8080";', f"const MOCK = {json.dumps(mock.url)};")
        assert page_source != PAGE
        (tmp_path / "index.html").write_text(page_source)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=FLAGS, headless=True)
            try:
                page = browser.new_page()
                page.goto(page_server + "/index.html")
                page.wait_for_function("window.result !== undefined", timeout=20_000)
                result = page.evaluate("window.result")
            finally:
                browser.close()
        mock_journal = httpx.get(mock.url + "/__admin/requests").json()["requests"]
    assert "error" not in result, result
    assert result["status"] == 200 and result["body"]["status"] == 200
    body = result["body"]["body"]
    assert [entry["name"] for entry in body["object_labels"]] == ["file_0", "file_1"]
    plates = [label["eng"] for label in body["car_number_labels"][0]["labels"]]
    assert "C606KY777" in plates
    people = [label["eng"] for label in body["object_labels"][1]["labels"]]
    assert "Person" in people
    (entry,) = [entry for entry in mock_journal if entry["session"] == "browser"]
    assert [(part["name"], part["filename"]) for part in entry["parts"][:2]] == [
        ("file_0", "street.jpg"), ("file_1", "people.jpg"),
    ]


# What a page on another origin tries against the admin API, in a real browser: read the journal, wipe
# faults and journal with "simple" requests (no preflight), and with JSON or DELETE (a preflight).
ATTACK = """<!doctype html><html><body><script>
const MOCK = %s;
const JSON_TYPE = {"Content-Type": "application/json"};
async function attempt(url, init) {
  try {
    const response = await fetch(MOCK + url, init);
    return response.type === "opaque" ? "opaque" : response.status;
  }
  catch (error) { return "blocked"; }
}
async function run() {
  window.result = {
    read: await attempt("/__admin/requests"),
    reset_text: await attempt("/__admin/reset", {method: "POST", mode: "no-cors", body: "x"}),
    reload_text: await attempt("/__admin/fixtures/reload", {method: "POST", mode: "no-cors"}),
    reset_form: await attempt("/__admin/reset", {method: "POST", mode: "no-cors", body: new URLSearchParams("a=1")}),
    reset_json: await attempt("/__admin/reset", {method: "POST", headers: JSON_TYPE, body: "{}"}),
    hang_json: await attempt("/__admin/faults", {method: "POST", headers: JSON_TYPE,
                                                 body: JSON.stringify({type: "transport", action: "hang"})}),
    delete: await attempt("/__admin/faults", {method: "DELETE"}),
  };
}
run().catch(error => { window.result = {error: String(error)}; });
</script></body></html>"""
# What the web console (served by the mock itself, under /__admin/) does: same-origin fetch with JSON.
SAME_ORIGIN = """(async () => {
  const json = {"Content-Type": "application/json"};
  const armed = await fetch("/__admin/faults", {method: "POST", headers: json,
                                                body: JSON.stringify({type: "envelope", status: 500, id: "console"})});
  const listed = await (await fetch("/__admin/faults")).json();
  const deleted = await fetch("/__admin/faults/console", {method: "DELETE", headers: json});
  const reset = await fetch("/__admin/reset", {method: "POST", headers: json});
  return {armed: armed.status, listed: listed.faults.length, deleted: deleted.status, reset: reset.status};
})()"""


def test_browser_page_cannot_drive_admin_api(page_server: str, tmp_path: Path) -> None:
    """A page on another origin can neither read the admin API nor change its state; the same origin can."""
    from playwright.sync_api import sync_playwright

    from mockserver.admin.client import MockControl

    with MockServer(Settings(port=0, fixtures=None)) as mock, MockControl(mock.url) as control:
        control.add_fault({"type": "envelope", "status": 503, "id": "kept", "match": {"session": "nobody"}})
        httpx.post(mock.url + URL, content=b"x", headers={"content-type": "text/plain"})
        (tmp_path / "attack.html").write_text(ATTACK % json.dumps(mock.url))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium(), args=FLAGS, headless=True)
            try:
                page = browser.new_page()
                page.goto(page_server + "/attack.html")
                page.wait_for_function("window.result !== undefined", timeout=20_000)
                attack = page.evaluate("window.result")
                faults_after_attack = [fault.id for fault in control.faults()]
                journal_after_attack = control.request_count()
                page.goto(mock.url + "/health")
                console = page.evaluate(SAME_ORIGIN)
            finally:
                browser.close()
        log = control.requests()
    assert attack == {"read": "blocked", "reset_text": "opaque", "reload_text": "opaque", "reset_form": "opaque",
                      "reset_json": "blocked", "hang_json": "blocked", "delete": "blocked"}, attack
    assert faults_after_attack == ["kept"]
    assert journal_after_attack == 1
    assert console == {"armed": 201, "listed": 2, "deleted": 204, "reset": 200}, console
    assert log == []


@pytest.mark.parametrize(
    ("page_path", "shown"),
    [
        ("/docs", ".opblock-summary-path[data-path='/api/v1/objects/detect']"),
        ("/redoc", "h2:has-text('Find objects in photos')"),
    ],
)
def test_browser_docs_pages_render_with_nothing_from_other_hosts(page_path: str, shown: str) -> None:
    from urllib.parse import urlsplit

    from playwright.sync_api import Route, sync_playwright

    executable = chromium()
    asked: list[str] = []

    def offline(route: Route) -> None:
        asked.append(route.request.url)
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.abort()

    with MockServer(Settings(port=0, fixtures=None)) as mock, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS, headless=True)
        try:
            page = browser.new_page()
            page.route("**/*", offline)
            page.goto(mock.url + page_path)
            page.wait_for_selector(shown, timeout=60_000)
        finally:
            browser.close()
    assert asked and all(urlsplit(url).hostname == "127.0.0.1" for url in asked), asked
