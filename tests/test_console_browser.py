"""The console in headless chromium, driven by role and name as a screen reader would; screenshots kept.

Screenshots go to `test-artifacts/console/` (or `$MOCKSERVER_TEST_ARTIFACTS/console/`), which git ignores;
the terminal summary names the folder.
"""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import conftest
import httpx
import pytest
from browser import FLAGS, chromium

from mockserver import Settings, create_app
from mockserver.http.protocol import GracefulServer, listening_port
from mockserver.http.server import MockServer, uvicorn_config

ROOT = Path(__file__).resolve().parent.parent
ARTEFACTS = conftest.ARTEFACTS / "console"
IMAGES = ROOT / "fixtures" / "images"
# Generous bounds: they only fail a hung page, never a slow machine's page.
WAIT_MS = 15_000
PRESETS = ["Arm server error", "Arm image error", "Arm gateway 503", "Arm slow", "Arm connection reset"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=FLAGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def _open(browser: Any, url: str) -> Any:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    # Every URL the page asks for, and every answer >= 400 it got: nothing from the network, nothing missing.
    asked: list[str] = []
    failed: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    def console_error(message: Any) -> None:
        if message.type == "error":
            failed.append(f"{message.location['url']}: {message.text}")

    page.on("console", console_error)
    page.asked = asked
    page.failed = failed
    page.goto(url + "/")
    return page


def _shot(page: Any, name: str, **options: Any) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, **options)
    return path


def _focus_pixels(element: Any, top: int) -> int:
    """How many pixels of the element's first `top` rows, as drawn, have the console's focus colour (#ffbf47)."""
    from PIL import Image

    image = Image.open(io.BytesIO(element.screenshot())).convert("RGB")
    image = image.crop((0, 0, image.width, top))
    data = image.tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    return sum(1 for r, g, b in pixels if r > 230 and 170 < g < 210 and 40 < b < 100)


def test_console_browser_requests_faults_try_it(browser: Any) -> None:
    from playwright.sync_api import expect

    with MockServer(Settings(port=0, fixtures=ROOT / "fixtures")) as mock:
        page = _open(browser, mock.url)
        try:
            assert page.url == mock.url + "/__admin/console/"
            for name in ("Requests", "Faults", "Try it", "Fixtures"):
                expect(page.get_by_role("heading", name=name)).to_be_visible()
            expect(page.get_by_text("live", exact=True)).to_be_visible()
            fixtures = page.get_by_role("region", name="Fixtures")
            expect(fixtures.get_by_role("cell", name="street.json")).to_be_visible()
            fixtures.get_by_role("button", name="Reload fixtures").click()
            expect(fixtures.get_by_role("status")).to_contain_text(re.compile(r"reloaded at .*: [1-9]\d* fixtures"))
            expect(page.locator("#fixtures-error")).to_be_empty()

            # One click arms the preset; the server's list shows it, with a Disarm button.
            page.get_by_role("button", name="Arm server error").click()
            armed = page.get_by_role("table", name="Armed faults")
            expect(armed.get_by_role("button", name="Disarm", exact=True)).to_have_count(1)
            expect(armed).to_contain_text("envelope 500")

            # Try it: two images, object and car_number; the armed fault answers the first request.
            try_it = page.get_by_role("region", name="Try it")
            images = [str(IMAGES / "street.jpg"), str(IMAGES / "people.jpg")]
            try_it.get_by_label("Images", exact=True).set_input_files(images)
            try_it.get_by_role("button", name="Send").click()
            expect(try_it.get_by_role("status")).to_contain_text("envelope status 500")
            requests = page.get_by_role("list", name="Journal, newest first")
            expect(requests.get_by_role("listitem")).to_have_count(1)
            expect(requests).to_contain_text("file_0 (street.jpg), file_1 (people.jpg)")
            expect(requests).to_contain_text("500 · HTTP 500")
            expect(armed).to_contain_text("exhausted")

            # The next one is answered from the fixtures, and drawn: boxes over each image.
            try_it.get_by_role("button", name="Send").click()
            expect(try_it.get_by_role("status")).to_contain_text("envelope status 200")
            expect(requests.get_by_role("listitem")).to_have_count(2)
            pictures = try_it.get_by_role("img")
            expect(pictures).to_have_count(2)
            expect(pictures.first).to_have_accessible_name(re.compile(r"file_0 \(street.jpg\) with [1-9]\d* boxes"))
            assert page.locator("#drawings svg rect").count() >= 5
            assert "C606KY777" in page.locator("#drawings").inner_text()
            _shot(page, "console-readme", clip={"x": 0, "y": 0, "width": 1440, "height": 1280})  # docs/console.png

            # A row opens to the whole entry: parts with digests, and the answer as the client got it.
            # It opens with the keyboard too, and the focus shows all round the row (the list is a scroll
            # box: an outline drawn outside the row is clipped away, and the newest row is at its top edge).
            summary = requests.get_by_role("listitem").first.locator("summary")
            summary.focus()
            page.keyboard.press("Enter")
            assert _focus_pixels(requests, top=6) > 100
            detail = requests.locator(".entry-detail").first
            expect(detail).to_contain_text("image/jpeg")
            expect(detail.locator("pre.answer")).to_contain_text('"car_number_labels"')
            expect(detail).to_contain_text("oauth_token")
            _shot(page, "console")

            # Filters: only the failed request.
            status_filter = page.get_by_role("search", name="Filter requests").get_by_label("Status")
            status_filter.fill("500")
            expect(requests.get_by_role("listitem")).to_have_count(1)
            status_filter.fill("")
            expect(requests.get_by_role("listitem")).to_have_count(2)
            http_filter = page.get_by_role("search", name="Filter requests").get_by_label("HTTP")
            http_filter.fill("500")
            expect(requests.get_by_role("listitem")).to_have_count(1)
            http_filter.fill("")
            expect(requests.get_by_role("listitem")).to_have_count(2)
            # A status the server cannot read is said beside the filters; the page stays live and listed.
            status_filter.fill("5xx")
            expect(page.locator("#filters-error")).to_contain_text("status")
            expect(page.get_by_text("live", exact=True)).to_be_visible()
            status_filter.fill("")
            expect(page.locator("#filters-error")).to_be_empty()
            expect(requests.get_by_role("listitem")).to_have_count(2)

            # Faults armed elsewhere appear live; presets, by keyboard too; Disarm and Disarm all.
            httpx.post(mock.url + "/__admin/faults", json={"type": "latency", "ms": 1, "name": "from a test"})
            expect(armed).to_contain_text("from a test")
            armed.get_by_role("button", name="Disarm", exact=True).first.click()
            expect(armed.get_by_role("button", name="Disarm", exact=True)).to_have_count(1)
            for index, name in enumerate(PRESETS[1:], start=2):
                button = page.get_by_role("button", name=name)
                button.focus()
                page.keyboard.press("Enter")
                expect(armed.get_by_role("button", name="Disarm", exact=True)).to_have_count(index)
            expect(armed).to_contain_text("gateway HTTP 503")
            expect(armed).to_contain_text("3 times")
            expect(armed).to_contain_text("latency 2000 ms")
            expect(armed).to_contain_text("transport reset")
            _shot(page, "console-faults")
            page.get_by_role("button", name="Disarm all").click()
            expect(armed.get_by_role("button", name="Disarm", exact=True)).to_have_count(0)

            # The journal cleared from the page.
            page.get_by_role("button", name="Clear journal").click()
            expect(requests.get_by_role("listitem")).to_have_count(0)
            assert httpx.get(mock.url + "/__admin/requests").json()["requests"] == []
            assert page.errors == []
            assert [url for url in page.asked if not url.startswith(("blob:", "data:", mock.url + "/"))] == []
            # The armed 500 and the unreadable filter are the only failures (the browser's own favicon included).
            assert [url for url in page.failed if not re.search(r"/api/v1/objects/detect|status=5xx", url)] == []
        finally:
            page.close()


def test_console_browser_row_warns_of_failed_images_in_a_200_answer(browser: Any) -> None:
    from playwright.sync_api import expect

    with MockServer(Settings(port=0, fixtures=ROOT / "fixtures")) as mock:
        page = _open(browser, mock.url)
        try:
            page.get_by_role("button", name="Arm image error").click()
            armed = page.get_by_role("table", name="Armed faults")
            expect(armed.get_by_role("button", name="Disarm", exact=True)).to_have_count(1)
            try_it = page.get_by_role("region", name="Try it")
            try_it.get_by_label("Images", exact=True).set_input_files([str(IMAGES / "street.jpg")])
            try_it.get_by_role("button", name="Send").click()
            expect(try_it.get_by_role("status")).to_contain_text("envelope status 200")
            # The envelope is 200, but the image failed in both default modes: the row says so, not in green.
            requests = page.get_by_role("list", name="Journal, newest first")
            row = requests.get_by_role("listitem").first
            status = row.locator("summary .cell").filter(has_text="HTTP 200")
            expect(status).to_have_text(re.compile(r"200 · HTTP 200 · 2 image results failed$"))
            expect(status).to_have_class(re.compile(r"\bwarn\b"))
            row.locator("summary").click()
            failures = row.get_by_role("table", name=re.compile(r"^Failed images \(2\)"))
            expect(failures.get_by_role("row")).to_have_count(3)
            for mode in ("object", "car_number"):
                expect(failures.get_by_role("row").filter(has_text=mode)).to_contain_text("file_0")
            expect(failures.get_by_role("cell", name="2", exact=True)).to_have_count(2)
            _shot(page, "console-image-failures")

            # A reset request: Chromium may resend it by itself, so Try it says each try is a row.
            hint = try_it.get_by_text("The browser may retry a reset request; each try is a row in Requests.")
            expect(hint).to_be_hidden()
            page.get_by_role("button", name="Disarm all").click()
            page.get_by_role("button", name="Arm connection reset").click()
            expect(armed).to_contain_text("transport reset")
            try_it.get_by_role("button", name="Send").click()
            expect(hint).to_be_visible()
            expect(requests.get_by_role("listitem").filter(has_text="connection reset")).to_contain_text("no answer")
            assert page.errors == []
        finally:
            page.close()


def test_console_browser_fault_form_shows_server_errors_by_field(browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with MockServer(Settings(port=0, fixtures=None)) as mock:
        page = _open(browser, mock.url)
        try:
            faults = page.get_by_role("region", name="Faults")
            faults.get_by_text("Arm any fault").click()
            faults.get_by_label("Type").select_option("envelope")
            faults.get_by_label("status", exact=True).fill("99")
            faults.get_by_label("times").fill("2")
            faults.get_by_role("button", name="Arm fault").click()
            status = faults.get_by_label("status", exact=True)
            expect(status).to_have_attribute("aria-invalid", "true")
            expect(page.locator("#f-status-error")).to_contain_text("greater than or equal to 200")
            assert httpx.get(mock.url + "/__admin/faults").json()["faults"] == []

            status.fill("503")
            faults.get_by_role("button", name="Arm fault").click()
            expect(faults.get_by_role("button", name="Disarm", exact=True)).to_have_count(1)
            (armed,) = httpx.get(mock.url + "/__admin/faults").json()["faults"]
            assert armed["status"] == 503 and armed["when"]["times"] == 2

            # An image fault limited to some modes (the per-image `modes` of the model), from the form.
            faults.get_by_label("Type").select_option("image_error")
            limit = faults.get_by_role("group", name=re.compile("^modes"))
            limit.get_by_label("object2", exact=True).check()
            limit.get_by_label("scene", exact=True).check()
            faults.get_by_label("position").fill("0")
            faults.get_by_label("times").fill("")
            faults.get_by_role("button", name="Arm fault").click()
            expect(faults.get_by_role("button", name="Disarm", exact=True)).to_have_count(2)
            listed = httpx.get(mock.url + "/__admin/faults").json()["faults"]
            image = next(fault for fault in listed if fault["type"] == "image_error")
            assert image["modes"] == ["object2", "scene"] and image["position"] == 0
            expect(faults.get_by_role("table", name="Armed faults")).to_contain_text(
                "image status 2 on image at position 0 in object2, scene only"
            )
            # The server's complaint about a field the form leaves alone still lands by the field it names.
            faults.get_by_label("share").fill("0.5")
            faults.get_by_role("button", name="Arm fault").click()
            expect(page.locator("#form-error")).to_contain_text("choose one of image, position, share")
            faults.get_by_label("share").fill("")
            row = faults.get_by_role("row").filter(has_text="in object2, scene only")
            row.get_by_role("button", name="Disarm", exact=True).click()
            expect(faults.get_by_role("button", name="Disarm", exact=True)).to_have_count(1)

            # A scenario file from the browser, read by the server's own loader; a broken one says where.
            broken = tmp_path / "broken.yaml"
            broken.write_text("faults:\n  - {type: transport, action: explode}\n")
            faults.get_by_label("Scenario file").set_input_files(str(broken))
            faults.get_by_role("button", name="Load scenario").click()
            expect(page.locator("#scenario-message")).to_contain_text("broken.yaml: faults[0].action")
            scenario = ROOT / "examples" / "scenarios" / "outage-recovers.yaml"
            faults.get_by_label("Scenario file").set_input_files(str(scenario))
            faults.get_by_role("button", name="Load scenario").click()
            expect(faults.get_by_role("button", name="Disarm", exact=True)).to_have_count(3)
            expect(page.locator("#scenario-message")).to_have_text("outage-recovers.yaml: 2 fault(s) armed")
            expect(page.get_by_text("live", exact=True)).to_be_visible()
            faults.get_by_role("button", name="Reset", exact=True).click()  # back to the start-up scenario: none
            expect(faults.get_by_role("button", name="Disarm", exact=True)).to_have_count(0)
            assert page.errors == []
        finally:
            page.close()


def test_console_browser_asks_for_the_admin_token_once(browser: Any) -> None:
    from playwright.sync_api import expect

    with MockServer(Settings(port=0, fixtures=None, admin_token="s3cret")) as mock:
        page = _open(browser, mock.url)
        try:
            dialog = page.get_by_role("dialog", name="Admin token")
            expect(dialog).to_be_visible()
            dialog.get_by_label("Admin token").fill("s3cret")
            dialog.get_by_role("button", name="Use token").click()
            expect(dialog).to_be_hidden()
            expect(page.get_by_text("live", exact=True)).to_be_visible()
            page.get_by_role("button", name="Arm slow").click()
            armed = page.get_by_role("table", name="Armed faults")
            expect(armed.get_by_role("button", name="Disarm", exact=True)).to_have_count(1)
            page.reload()
            expect(armed.get_by_role("button", name="Disarm", exact=True)).to_have_count(1)
            expect(page.get_by_role("dialog", name="Admin token")).to_be_hidden()
            assert page.errors == []
        finally:
            page.close()


def test_console_browser_dropped_images_are_sent(browser: Any) -> None:
    from playwright.sync_api import expect

    with MockServer(Settings(port=0, fixtures=ROOT / "fixtures")) as mock:
        # The page's CSP forbids eval, which building a DataTransfer from the test needs.
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        page.goto(mock.url + "/")
        try:
            data = (IMAGES / "people.jpg").read_bytes()
            transfer = page.evaluate_handle(
                """(bytes) => {
                    const transfer = new DataTransfer();
                    transfer.items.add(new File([new Uint8Array(bytes)], "people.jpg", {type: "image/jpeg"}));
                    return transfer;
                }""",
                list(data),
            )
            page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})
            try_it = page.get_by_role("region", name="Try it")
            expect(try_it.get_by_role("list", name="Chosen images")).to_contain_text("file_0: people.jpg")
            try_it.get_by_role("button", name="Send").click()
            expect(try_it.get_by_role("status")).to_contain_text("envelope status 200", timeout=WAIT_MS)
            expect(try_it.get_by_role("img")).to_have_accessible_name(
                re.compile(r"file_0 \(people.jpg\) with [1-9]\d* boxes"), timeout=WAIT_MS
            )
        finally:
            context.close()


def test_console_firefox_live_journal_presets_try_it_keyboard() -> None:
    from firefox import TAB, firefox_page

    with MockServer(Settings(port=0, fixtures=ROOT / "fixtures")) as mock, firefox_page() as page:
        page.goto(mock.url + "/")
        assert page.evaluate("location.pathname") == "/__admin/console/"
        page.wait_for("document.querySelector('#live').textContent === 'live'")
        headings = page.evaluate("[...document.querySelectorAll('h2')].map((h) => h.textContent).join('|')")
        for name in ("Requests", "Faults", "Try it", "Fixtures"):
            assert name in headings

        # A request from elsewhere appears without a reload.
        files = {"a": ("street.jpg", (IMAGES / "street.jpg").read_bytes(), "image/jpeg")}
        meta = '{"mode": ["object"], "images": [{"name": "a"}]}'
        detect = mock.url + "/api/v1/objects/detect?oauth_provider=mr&oauth_token=123"
        httpx.post(detect, files=files, data={"meta": meta})
        row = page.wait_for("document.querySelector('#entries summary')?.innerText")
        assert "a (street.jpg)" in row and "200 · HTTP 200" in row

        # The row opens to the whole entry. (Keys reach the page, but headless Firefox driven over BiDi does not
        # turn Enter into a click on any element, a plain button included; the Chromium test covers the keyboard.)
        page.evaluate("document.querySelector('#entries summary').click()")
        assert "image/jpeg" in page.wait_for("document.querySelector('.entry-detail')?.innerText")
        page.evaluate("document.querySelector('#entries summary').focus()")
        page.press(TAB)  # from the row's summary, focus moves into the opened entry (its meta, scrollable)
        assert page.evaluate("document.activeElement.closest('.entry-detail') !== null")

        # A preset, then Try it with two images: the first image fails, both are drawn.
        page.evaluate("document.querySelector('[data-preset=image]').click()")
        page.wait_for("document.querySelector('#armed')?.innerText.includes('image status 2')")
        page.set_files("#try-files", [str(IMAGES / "street.jpg"), str(IMAGES / "people.jpg")])
        page.evaluate("document.querySelector('#try-send').click()")
        page.wait_for("document.querySelector('#try-status').textContent.includes('envelope status 200')")
        page.wait_for("document.querySelectorAll('#drawings svg[role=img]').length === 2")
        label = page.evaluate("document.querySelectorAll('#drawings svg')[1].getAttribute('aria-label')")
        assert re.fullmatch(r"file_1 \(people.jpg\) with [1-9]\d* boxes", label)
        assert "status 2" in page.evaluate("document.querySelector('#drawings').innerText")
        page.wait_for("document.querySelectorAll('#entries li').length === 2")
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(ARTEFACTS / "console-firefox.png")
        assert page.errors == []


@contextmanager
def _mounted(prefix: str) -> Iterator[str]:
    """A real server answering the app only under `prefix` (a Starlette Mount); its base URL."""
    from starlette.applications import Starlette
    from starlette.routing import Mount

    settings = Settings(port=0, fixtures=ROOT / "fixtures")
    app = create_app(settings)
    server = GracefulServer(
        uvicorn_config(Starlette(routes=[Mount(prefix, app=app)]), settings, log_config=None),
        before_shutdown=app.state.runtime.stopping.set,
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT_MS / 1000
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        assert server.started
        yield f"http://127.0.0.1:{listening_port(server)}{prefix}"
    finally:
        server.should_exit = True
        thread.join(WAIT_MS / 1000)


def test_console_browser_under_a_prefix(browser: Any) -> None:
    """Mounted below /mock, the page reaches its own admin API, detect and docs, not the host's root."""
    from playwright.sync_api import expect

    with _mounted("/mock") as url:
        page = _open(browser, url)
        try:
            assert page.url == url + "/__admin/console/"
            expect(page.get_by_text("live", exact=True)).to_be_visible()
            expect(page.get_by_role("region", name="Fixtures").get_by_role("cell", name="street.json")).to_be_visible()
            page.get_by_role("button", name="Arm slow").click()
            armed = page.get_by_role("table", name="Armed faults")
            expect(armed.get_by_role("button", name="Disarm", exact=True)).to_have_count(1)
            try_it = page.get_by_role("region", name="Try it")
            try_it.get_by_label("Images", exact=True).set_input_files(str(IMAGES / "street.jpg"))
            try_it.get_by_role("button", name="Send").click()
            expect(try_it.get_by_role("status")).to_contain_text("envelope status 200")
            expect(page.get_by_role("list", name="Journal, newest first").get_by_role("listitem")).to_have_count(1)
            expect(armed).to_contain_text("latency 2000 ms")
            armed.get_by_role("button", name="Disarm", exact=True).click()
            expect(armed.get_by_role("button", name="Disarm", exact=True)).to_have_count(0)
            docs = page.get_by_role("link", name="API docs")
            assert docs.evaluate("(link) => link.href") == url + "/docs"
            assert [asked for asked in page.asked if asked.startswith(url.removesuffix("/mock")) and
                    not asked.startswith(url + "/")] == []
            assert page.errors == []
        finally:
            page.close()


def test_console_browser_fixtures_show_last_reload_error(browser: Any, tmp_path: Path) -> None:
    """A broken fixture change keeps the old set: the page lists it still, and says what the reload refused."""
    import shutil

    from playwright.sync_api import expect

    folder = tmp_path / "fixtures"
    shutil.copytree(ROOT / "fixtures", folder)
    with MockServer(Settings(port=0, fixtures=folder, fixtures_poll=0)) as mock:
        page = _open(browser, mock.url)
        try:
            fixtures = page.get_by_role("region", name="Fixtures")
            expect(fixtures.get_by_role("cell", name="street.json")).to_be_visible()
            good = (folder / "street.json").read_text()
            (folder / "street.json").write_text("{not json")
            fixtures.get_by_role("button", name="Reload fixtures").click()
            expect(page.locator("#fixtures-error")).to_contain_text("street.json")
            expect(fixtures.get_by_role("cell", name="street.json")).to_be_visible()  # the old set is in use
            (folder / "street.json").write_text(good)
            fixtures.get_by_role("button", name="Reload fixtures").click()
            expect(fixtures.get_by_role("status")).to_contain_text("reloaded at")
            expect(page.locator("#fixtures-error")).to_be_empty()
            assert page.errors == []
        finally:
            page.close()
