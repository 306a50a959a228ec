"""The UI, plotly.js and the API docs are served by the app from local files (no CDN)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nlp_service.api import create_app
from nlp_service.web.router import STATIC_DIR
from tests.conftest import make_settings

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)


@pytest.fixture(scope="module")
def static_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app without its lifespan: enough for static files and docs pages (no models)."""
    root = tmp_path_factory.mktemp("assets")
    app = create_app(make_settings(root, f"sqlite:///{root / 'x.db'}"))
    yield TestClient(app)


def test_ui_page_and_modules_are_served_with_a_strict_csp(static_client: TestClient) -> None:
    page = static_client.get("/ui/")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    csp = page.headers["content-security-policy"]
    script_src = csp.split("script-src")[1].split(";")[0]
    assert script_src.strip() == "'self'"
    assert not EXTERNAL.search(page.text), "the page references another host"
    for src in re.findall(r'(?:src|href)="(/ui/[^"]+)"', page.text):
        assert static_client.get(src).status_code == 200, src
    assert static_client.get("/ui", follow_redirects=False).status_code == 307


def test_every_module_import_resolves_and_no_module_uses_inner_html() -> None:
    js = STATIC_DIR / "js"
    for path in js.glob("*.js"):
        # Code only: the comments explain why innerHTML is never used.
        text = re.sub(r"//[^\n]*", "", path.read_text(encoding="utf-8"))
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text, path
        for target in re.findall(r'from "\./([\w.]+)"', text):
            assert (js / target).is_file(), f"{path.name} imports a missing {target}"


def test_german_and_english_texts_have_the_same_keys() -> None:
    import json

    de = json.loads((STATIC_DIR / "i18n" / "de.json").read_text(encoding="utf-8"))
    en = json.loads((STATIC_DIR / "i18n" / "en.json").read_text(encoding="utf-8"))
    assert de.keys() == en.keys()
    assert de["nav.moderation"] == "Moderation" and de["action.hide"] == "Ausblenden"
    used: set[str] = set()
    for path in [*(STATIC_DIR / "js").glob("*.js"), STATIC_DIR / "index.html"]:
        text = path.read_text(encoding="utf-8")
        used.update(re.findall(r'\bt\("([\w.]+)"', text))
        used.update(re.findall(r'data-i18n="([\w.]+)"', text))
        used.update(re.findall(r'label: "([\w.]+\.[\w.]+)"', text))
    assert used - en.keys() == set()


def test_plotly_bundle_comes_from_the_plotly_wheel(static_client: TestClient) -> None:
    import plotly

    bundle = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    response = static_client.get("/ui/vendor/plotly.min.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert len(response.content) == bundle.stat().st_size > 1_000_000


@pytest.mark.parametrize(
    ("path", "assets"),
    [
        ("/docs", ["/ui/vendor/docs/swagger-ui-bundle.js", "/ui/vendor/docs/swagger-ui.css"]),
        ("/redoc", ["/ui/vendor/docs/redoc.standalone.js"]),
    ],
)
def test_docs_pages_load_their_assets_from_the_app(
    static_client: TestClient, path: str, assets: list[str]
) -> None:
    page = static_client.get(path)
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "fonts.googleapis" not in page.text
    for asset in [*assets, "/ui/vendor/docs/favicon.png"]:
        assert asset in page.text
        got = static_client.get(asset)
        assert got.status_code == 200 and len(got.content) > 1000, asset
    assert static_client.get("/openapi.json").status_code == 200


def test_me_names_the_roles_of_the_key(client: TestClient, tenant) -> None:
    key = tenant("moderate")
    got = client.get("/v1/me", headers=key.headers)
    assert got.status_code == 200
    assert got.json()["roles"] == ["moderate"] and got.json()["tenant_id"] == key.id
    assert key.key.startswith(got.json()["key_prefix"])
    assert client.get("/v1/me").status_code == 401
    bad = client.get("/v1/me", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "unauthorized"
