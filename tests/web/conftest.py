"""A real server for the browser tests: the app under uvicorn on a free loopback port (in a
thread), a temporary SQLite database, the shared analysis pipeline, one tenant, data seeded
through the HTTP API; and headless Debian Chromium driven by Playwright.

Chromium must be installed (`make test` installs Debian's `chromium` when it is missing); the
tests fail, never skip, without it.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
import uvicorn

from nlp_service.analysis.pipeline import Pipeline
from nlp_service.api import create_app
from nlp_service.store import create_tenant, make_engine, make_sessionmaker, transaction, upgrade
from nlp_service.store.tenants import add_key
from tests.conftest import make_settings
from tests.helpers.server import free_port
from tests.web import seed

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@dataclass(frozen=True)
class LiveServer:
    url: str
    key: str
    moderator_key: str
    thread_id: str
    post_ids: list[str]
    script_answer_id: str
    db_url: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def _seed(base: str, key: str) -> tuple[str, list[str], str]:
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
        batch = http.post("/v1/answers/batch", json={"items": seed.answer_payloads()})
        batch.raise_for_status()
        body = batch.json()
        assert body["failed"] == 0, body
        script = next(i for i in body["items"] if i["answer"]["external_id"] == "ui-test/script")
        thread = http.post("/v1/threads", json=seed.THREAD)
        thread.raise_for_status()
        tid = thread.json()["id"]
        post_ids = []
        for i, (author, text) in enumerate(seed.POSTS):
            post = http.post(
                f"/v1/threads/{tid}/posts",
                json={
                    "text": text,
                    "author": author,
                    "external_id": f"ui-post/{i}",
                    "language": "de",
                },
            )
            post.raise_for_status()
            post_ids.append(post.json()["id"])
    return tid, post_ids, script["answer"]["id"]


@pytest.fixture(scope="session")
def live_server(
    api_pipeline: Pipeline, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("ui")
    db_url = f"sqlite:///{root / 'ui.db'}"
    upgrade(db_url)
    engine = make_engine(db_url)
    with transaction(make_sessionmaker(engine)) as session:
        tenant, key = create_tenant(session, "ui-shop", "ingest,research,moderate")
        moderator_key = add_key(session, tenant.id, "moderate")
    engine.dispose()
    app = create_app(make_settings(root / "data", db_url), api_pipeline)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="ui-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        tid, post_ids, script_id = _seed(base, key)
        yield LiveServer(base, key, moderator_key, tid, post_ids, script_id, db_url)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    # A missing browser is a failure: CI must run these tests (make test installs chromium).
    assert shutil.which("chromium") or Path(CHROMIUM).exists(), (
        "Debian's chromium is missing: apt-get install -y chromium (make test does this)"
    )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}


class Page:
    """A browser tab that records dialogs, page errors and requests to other hosts."""

    def __init__(self, browser, server: LiveServer, viewport: dict[str, int], locale: str) -> None:
        self.context = browser.new_context(viewport=viewport, locale=locale, accept_downloads=True)
        self.page = self.context.new_page()
        self.server = server
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        host = urlparse(server.url).netloc

        def guard(route) -> None:  # type: ignore[no-untyped-def]
            # Offline means offline: any request to another host fails the test.
            if urlparse(route.request.url).netloc not in (host, ""):
                self.foreign.append(route.request.url)
                route.abort()
            else:
                route.continue_()

        self.page.route("**/*", guard)

    def open(self, path: str = "/ui/") -> None:
        self.page.goto(self.server.url + path)
        self.page.wait_for_selector("body[data-ready=true]")

    def sign_in(self, key: str) -> None:
        self.page.fill("#api-key", key)
        self.page.press("#api-key", "Enter")  # keyboard: Enter submits the form
        self.page.wait_for_selector("#nav:not([hidden])")

    def shot(self, artifacts: Path, name: str) -> Path:
        path = artifacts / name
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        assert self.errors == [], self.errors
        assert self.foreign == [], self.foreign
        self.context.close()


@pytest.fixture
def tab(chromium, live_server: LiveServer) -> Iterator[Page]:
    page = Page(chromium, live_server, WIDE, "en-GB")
    yield page
    page.close()
