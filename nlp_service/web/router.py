"""The web UI and the API docs, served by the app with every asset local (no CDN).

- `/ui/` : the researcher and moderator single-page UI (`static/`: plain JS modules, no build).
- `/ui/vendor/plotly.min.js` : the plotly.js bundle shipped inside the `plotly` wheel.
- `/ui/vendor/docs/*` : Swagger UI and ReDoc bundles shipped inside the `fastapi-offline` wheel.
- `/docs`, `/redoc` : FastAPI's own pages pointed at those local bundles (no Google Fonts, no
  validator badge), with a CSP that keeps them on this origin.

Assets come from installed packages, located through `importlib.resources`, so a wheel install
and an editable checkout serve the same files. Every UI response carries a Content-Security-
Policy that allows scripts from this origin only: even if user text ever reached the DOM as
markup, an inline `<script>` would not run.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import URL, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC_DIR = Path(__file__).with_name("static")
UI_PREFIX = "/ui"
VENDOR = f"{UI_PREFIX}/vendor"

# Plotly draws with inline styles; scripts, data and connections stay on this origin.
UI_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

# FastAPI's docs pages start Swagger UI with an inline script and ReDoc runs a blob: worker;
# everything else stays on this origin. This also stops ReDoc's sidebar logo, which it would
# fetch from its CDN (the image hides itself when blocked).
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PAGES = ("/docs", "/redoc")


def _package_file(package: str, *parts: str) -> Path:
    """A file shipped inside an installed package (a real path: wheels are installed unzipped)."""
    path = Path(str(files(package).joinpath(*parts)))
    if not path.is_file():
        raise RuntimeError(f"{'/'.join(parts)} is missing from the installed {package} package")
    return path


def plotly_bundle() -> Path:
    return _package_file("plotly", "package_data", "plotly.min.js")


def docs_assets() -> Path:
    return _package_file("fastapi_offline", "static", "swagger-ui-bundle.js").parent


router = APIRouter(include_in_schema=False)


@router.get(UI_PREFIX)
async def ui_root() -> RedirectResponse:
    return RedirectResponse(f"{UI_PREFIX}/", status_code=307)


@router.get(f"{VENDOR}/plotly.min.js")
async def plotly_js() -> FileResponse:
    return FileResponse(
        plotly_bundle(),
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def install(app: FastAPI) -> None:
    """Mount the UI, its vendor assets and offline /docs + /redoc on `app`.

    The app must be created with `docs_url=None, redoc_url=None` so these pages replace
    FastAPI's CDN-based ones.
    """
    app.include_router(router)
    app.mount(f"{VENDOR}/docs", StaticFiles(directory=docs_assets()), name="docs-assets")
    app.mount(UI_PREFIX, StaticFiles(directory=STATIC_DIR, html=True), name="ui")
    openapi_url = app.openapi_url or "/openapi.json"
    favicon = f"{VENDOR}/docs/favicon.png"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> Response:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{VENDOR}/docs/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{VENDOR}/docs/swagger-ui.css",
            swagger_favicon_url=f"{root}{favicon}",
            # No validator badge: it would send the schema to an outside validator service.
            swagger_ui_parameters={**(app.swagger_ui_parameters or {}), "validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> Response:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{VENDOR}/docs/redoc.standalone.js",
            redoc_favicon_url=f"{root}{favicon}",
            with_google_fonts=False,
        )

    app.add_middleware(SecurityHeaders)


class SecurityHeaders:
    """The CSP (and friends) on UI and docs responses. Plain ASGI, not `@app.middleware`: a
    `BaseHTTPMiddleware` runs every request, API calls included, through an extra task and
    memory stream; this looks at the path and passes everything else straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = URL(scope=scope).path
        if path in DOCS_PAGES:
            extra = {"Content-Security-Policy": DOCS_CSP}
        elif path.startswith(UI_PREFIX):
            extra = {
                "Content-Security-Policy": UI_CSP,
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            }
        else:
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)
