"""Headless-Chromium harness for the HTML maps and reports, fully offline.

Opens a generated page in Debian's Chromium (``/usr/bin/chromium``) through Playwright, answers
every request itself and reports what a reader would have seen:

- CDN URLs (Leaflet, jQuery, Bootstrap, Font Awesome…) are answered from a folder of offline web
  assets by the longest matching prefix of its ``cdn-map.json``; the page's own asset URLs are
  never changed, only intercepted;
- map tiles get a blank 1×1 PNG; two cosmetic style sheets folium links but the asset folder does
  not hold get an empty style sheet (:data:`KNOWN_UNMAPPED`);
- anything else gets an empty 204 and is recorded in ``unexpected_requests``, so a test can assert
  that a page asks for nothing it should not.

JavaScript exceptions, console errors and dialogs (``alert``…) are collected. :class:`MapProbe`
counts drawn shapes and markers by CSS selector, lists the visible legends, switches layers and
saves screenshots to ``test-artifacts/`` (the path is printed in the test log).

The web assets are found (:func:`find_web_assets`) in ``ITINERANCE_WEB_ASSETS`` when set (CI:
``../shared/web-assets``), else in ``<user cache>/itinerance/web-assets``, which is filled once
from the npm registry packages of :data:`NPM_ASSETS` (each tarball checked against its pinned
sha512) when downloads are allowed.

Use it through the ``offline_page`` fixture (import it into a ``conftest.py``: ``from
support.browser import browser_session, offline_page, web_assets``) and mark tests
``@pytest.mark.browser``; or call :func:`open_map` from a script. Without ``/usr/bin/chromium`` or
the web assets the tests are skipped with one line saying why, unless
``ITINERANCE_REQUIRE_BROWSER=1`` (CI), where that is a failure. Never run ``playwright install``:
the harness uses the system Chromium. This module must not modify pages or assets.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import mimetypes
import os
import re
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
WEB_ASSETS_ENV = "ITINERANCE_WEB_ASSETS"
NPM_REGISTRY = "https://registry.npmjs.org"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path(os.environ.get("ITINERANCE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Without this, Chromium 156 headless (software compositing) leaves stale areas in
    # screenshots after Leaflet's zoom/fade animations; the DOM was right, the picture was not.
    "--disable-threaded-animation",
]
VIEWPORT = {"width": 1400, "height": 900}

# Style sheets folium 0.20 links by default that the asset folder does not hold; purely cosmetic
# for our pages (Bootstrap 3 glyph icons, rotated awesome-markers), answered with empty CSS.
KNOWN_UNMAPPED = (
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css",
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css",
)
TILE_URL = re.compile(
    r"^https?://[^?#]*/\d+/\d+/\d+(@2x)?\.(png|jpe?g|webp|pbf)(\?.*)?$", re.IGNORECASE
)
BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mP8/x8AAwMCAO+ip1sAAAAASUVORK5CYII="
)

# What folium 0.20 pages load from CDNs, as npm registry packages: (CDN URL prefix, package,
# version, path in the package, sha512 "integrity" of the registry's tarball).
NPM_ASSETS = (
    (
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/",
        "leaflet",
        "1.9.3",
        "dist/",
        "iB2cR9vAkDOu5l3HAay2obcUHZ7xwUBBjph8+PGtmW/2lYhbLizWtG7nTeYht36WfOslixQF9D/uSIzhZgGMfQ==",
    ),
    (
        "https://code.jquery.com/jquery-3.7.1.min.js",
        "jquery",
        "3.7.1",
        "dist/jquery.min.js",
        "m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg==",
    ),
    (
        "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/",
        "bootstrap",
        "5.2.2",
        "dist/",
        "dEtzMTV71n6Fhmbg4fYJzQsw1N29hJKO1js5ackCgIpDcGid2ETMGC6zwSYw09v05Y+oRdQ9loC54zB1La3hHQ==",
    ),
    (
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js",
        "drmonty-leaflet-awesome-markers",
        "2.0.2",
        "js/leaflet.awesome-markers.js",
        "g508pdnnHQr9l4kU6McvJzcSd0w1FvHFlZZCYc4oT+zjwYJi1qtj0fFBFEWMKoNfHK4UcBya1eccyjKfu4chjQ==",
    ),
    (
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css",
        "drmonty-leaflet-awesome-markers",
        "2.0.2",
        "css/leaflet.awesome-markers.css",
        "g508pdnnHQr9l4kU6McvJzcSd0w1FvHFlZZCYc4oT+zjwYJi1qtj0fFBFEWMKoNfHK4UcBya1eccyjKfu4chjQ==",
    ),
    (
        "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/",
        "@fortawesome/fontawesome-free",
        "6.2.0",
        "",
        "CNR7qRIfCwWHNN7FnKUniva94edPdyQzil/zCwk3v6k4R6rR2Fr8i4s3PM7n/lyfPA6Zfko9z5WDzFxG9SW1uQ==",
    ),
    (
        "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/",
        "leaflet.markercluster",
        "1.1.0",
        "dist/",
        "eI+XkCiLiHwCC3uZ4/n4+Vq3rXcqEHN2lhHRVG1WVziy/3Q0TTipWkzEa1zO0dKZI2AnI5ppFDWrOjnQ7MJLKQ==",
    ),
    (
        "https://cdn.jsdelivr.net/npm/leaflet-ant-path@1.1.2/dist/leaflet-ant-path.min.js",
        "leaflet-ant-path",
        "1.1.2",
        "dist/leaflet-ant-path.js",
        "nLQkS31phe5snJwp5OF/MIupEKfOx6/P4b1LzI3A27IB+tTBgSqW44nqt21qGIXUaYs/X3lMG9q652EIrbjY1A==",
    ),
)

mimetypes.add_type("font/woff2", ".woff2")
mimetypes.add_type("text/javascript", ".js")


@dataclass
class RequestLog:
    """What the page asked for and how it was answered."""

    served: list[str] = field(default_factory=list)  # answered from the asset folder
    tiles: list[str] = field(default_factory=list)  # answered with the blank tile
    blanked: list[str] = field(default_factory=list)  # known cosmetic style sheets
    unexpected: list[str] = field(default_factory=list)  # answered 204: nothing should be here


def web_assets_cache() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("itinerance")) / "web-assets"


def find_web_assets(downloads: bool) -> tuple[Path | None, str]:
    """The folder of offline web assets (holding ``cdn-map.json``) and how it was found, or None
    and why not. ``downloads``: may the npm registry be asked (see the module docstring)."""
    value = os.environ.get(WEB_ASSETS_ENV)
    if value:
        folder = Path(value).expanduser()
        if (folder / "cdn-map.json").is_file():
            return folder, f"{WEB_ASSETS_ENV}={folder}"
        return None, f"{WEB_ASSETS_ENV}={folder} holds no cdn-map.json"
    cache = web_assets_cache()
    if (cache / "cdn-map.json").is_file():
        return cache, f"cache {cache}"
    if not downloads:
        return None, (
            f"no offline web assets: set {WEB_ASSETS_ENV} (such as ../shared/web-assets) or run "
            f"once online to fill {cache} from the npm registry"
        )
    try:
        fill_web_assets(cache)
    except Exception as exc:  # offline, or a registry error: say it in one line
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        first = first if len(first) <= 160 else first[:159] + "…"
        return None, f"no offline web assets: filling {cache} from the npm registry failed: {first}"
    return cache, f"cache {cache} (filled from the npm registry)"


def fill_web_assets(folder: Path) -> None:
    """Download the packages of NPM_ASSETS, check their sha512, unpack them into ``folder`` and
    write its ``cdn-map.json`` (last, so that a folder with one is complete)."""
    import httpx

    folder.mkdir(parents=True, exist_ok=True)
    prefixes = {}
    for prefix, package, version, inner, integrity in NPM_ASSETS:
        local = f"{package.rsplit('/', 1)[-1]}@{version}"
        target = folder / local
        if not target.is_dir():
            url = f"{NPM_REGISTRY}/{package}/-/{package.rsplit('/', 1)[-1]}-{version}.tgz"
            response = httpx.get(url, timeout=60, follow_redirects=True)
            response.raise_for_status()
            digest = base64.b64encode(hashlib.sha512(response.content).digest()).decode()
            if digest != integrity:
                raise ValueError(f"{url}: sha512 {digest} is not the pinned {integrity}")
            with tempfile.TemporaryDirectory(dir=folder, prefix=".unpack-") as tmp:
                _unpack(response.content, Path(tmp) / local)
                shutil.move(Path(tmp) / local, target)
        prefixes[prefix] = f"{local}/{inner}"
    text = json.dumps({"prefixes": prefixes}, indent=2)
    (folder / "cdn-map.json").write_text(text, encoding="utf-8")


def _unpack(tarball: bytes, target: Path) -> None:
    """The regular files under ``package/`` of an npm tarball, into ``target``."""
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if not member.isfile() or parts[:1] != ("package",) or ".." in parts:
                continue
            path = target.joinpath(*parts[1:])
            path.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            assert source is not None
            path.write_bytes(source.read())


def _default_assets() -> Path:
    folder, how = find_web_assets(os.environ.get("ITINERANCE_OFFLINE", "") in ("", "0"))
    if folder is None:
        raise FileNotFoundError(how)
    return folder


class AssetRouter:
    """Answers a page's network requests offline (see the module docstring)."""

    def __init__(self, assets: Path | None = None):
        self.assets = assets or _default_assets()
        mapping = json.loads((assets / "cdn-map.json").read_text(encoding="utf-8"))["prefixes"]
        self.prefixes = sorted(mapping.items(), key=lambda kv: len(kv[0]), reverse=True)
        self.log = RequestLog()

    def local_file(self, url: str) -> Path | None:
        """The asset file that answers ``url``, or None."""
        clean = url.split("?", 1)[0].split("#", 1)[0]
        for prefix, target in self.prefixes:
            if clean.startswith(prefix):
                path = self.assets / (target + clean[len(prefix) :])
                return path if path.is_file() else None
        return None

    def handle(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:", "about:")):
            route.continue_()
            return
        local = self.local_file(url)
        if local is not None:
            self.log.served.append(url)
            ctype = mimetypes.guess_type(local.name)[0] or "application/octet-stream"
            route.fulfill(
                status=200,
                body=local.read_bytes(),
                headers={"content-type": ctype, "access-control-allow-origin": "*"},
            )
        elif TILE_URL.match(url):
            self.log.tiles.append(url)
            route.fulfill(status=200, body=BLANK_PNG, content_type="image/png")
        elif url in KNOWN_UNMAPPED:
            self.log.blanked.append(url)
            route.fulfill(status=200, body="", content_type="text/css")
        else:
            self.log.unexpected.append(url)
            route.fulfill(status=204, body="")


@dataclass
class MapProbe:
    """What a reader saw on a page; with ``page`` set, it can also interact and re-count."""

    url: str
    js_errors: list[str]
    console_errors: list[str]
    dialogs: list[str]
    requests: RequestLog
    n_shapes: int
    n_markers: int
    visible_legends: list[str]
    screenshot: Path | None
    shape_selector: str
    marker_selector: str
    page: Any = None

    @property
    def unexpected_requests(self) -> list[str]:
        return self.requests.unexpected

    def count(self, selector: str) -> int:
        """Number of elements matching ``selector`` (SVG paths, markers…)."""
        return int(self.page.locator(selector).count())

    def visible_count(self, selector: str) -> int:
        return int(self.page.evaluate(_VISIBLE_COUNT_JS, selector))

    def legends(self) -> list[str]:
        """``data-legend`` keys of the legend sections currently visible."""
        return list(self.page.evaluate(_VISIBLE_LEGENDS_JS))

    def leaflet(self, function_source: str) -> Any:
        """Run a JavaScript function on the page's Leaflet map and return its result, e.g.
        ``probe.leaflet("map => map.getZoom()")``."""
        return self.page.evaluate(
            "(src) => { const map = Object.values(window).find(v => v instanceof L.Map);"
            " return (0, eval)('(' + src + ')')(map); }",
            function_source,
        )

    def click_layer(self, name: str) -> None:
        """Tick or switch the layer control entry whose label contains ``name``."""
        label = self.page.locator(".leaflet-control-layers label", has_text=name)
        if label.count() != 1:
            found = self.page.locator(".leaflet-control-layers label").all_inner_texts()
            raise AssertionError(f"layer {name!r}: {label.count()} matches in {found}")
        label.locator("input").click()
        self.page.wait_for_timeout(100)
        self.refresh()

    def refresh(self) -> None:
        self.n_shapes = self.count(self.shape_selector)
        self.n_markers = self.count(self.marker_selector)
        self.visible_legends = self.legends()

    def take_screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{_safe(name)}.png"
        # "disabled" fast-forwards CSS transitions (Leaflet's popup and tile fades) to their end
        self.page.screenshot(path=str(path), full_page=False, animations="disabled")
        print(f"screenshot: {path}")
        return path


_VISIBLE_LEGENDS_JS = """() => Array.from(document.querySelectorAll('section[data-legend]'))
    .filter(el => el.offsetWidth > 0 && el.offsetHeight > 0)
    .map(el => el.getAttribute('data-legend'))"""
_VISIBLE_COUNT_JS = """(sel) => Array.from(document.querySelectorAll(sel))
    .filter(el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; })
    .length"""


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "page"


class OfflinePage:
    """A Chromium page whose network is answered by :class:`AssetRouter`."""

    def __init__(self, browser: Any, assets: Path | None = None):
        self.context = browser.new_context(viewport=VIEWPORT, locale="fr-FR")
        self.page = self.context.new_page()
        self.router = AssetRouter(assets)
        self.js_errors: list[str] = []
        self.console_errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.route("**/*", self.router.handle)
        self.page.on("pageerror", lambda exc: self.js_errors.append(str(exc)))
        self.page.on("console", self._console)
        self.page.on("dialog", self._dialog)

    def _console(self, msg: Any) -> None:
        if msg.type == "error":
            self.console_errors.append(msg.text)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def open_map(
        self,
        html_path: Path | str,
        *,
        shape_selector: str = "path.itin-commune",
        marker_selector: str = ".leaflet-marker-icon",
        ready_selector: str = ".leaflet-container",
        screenshot: str | None = None,
    ) -> MapProbe:
        """Open a page, wait until ``ready_selector`` is there and drawn, count what is there,
        save a screenshot (``screenshot``: its name, default the file's)."""
        path = Path(html_path).resolve()
        if not path.is_file():
            raise FileNotFoundError(path)
        self.page.goto(path.as_uri(), wait_until="networkidle")
        self.page.wait_for_selector(ready_selector, state="attached", timeout=15_000)
        self.page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        probe = MapProbe(
            url=path.as_uri(),
            js_errors=self.js_errors,
            console_errors=self.console_errors,
            dialogs=self.dialogs,
            requests=self.router.log,
            n_shapes=0,
            n_markers=0,
            visible_legends=[],
            screenshot=None,
            shape_selector=shape_selector,
            marker_selector=marker_selector,
            page=self.page,
        )
        probe.refresh()
        probe.screenshot = probe.take_screenshot(screenshot or path.stem)
        return probe

    def close(self) -> None:
        self.context.close()


def chromium_available() -> bool:
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


def launch(playwright: Any) -> Any:
    """Debian's Chromium, headless, with no background network of its own."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )


def open_map(html_path: Path | str, **options: Any) -> MapProbe:
    """Open ``html_path`` in a fresh offline browser and return what was seen (a snapshot: the
    browser is closed on return, so the probe cannot interact any more)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = OfflinePage(browser)
            probe = page.open_map(html_path, **options)
            probe.page = None
            return probe
        finally:
            browser.close()


@pytest.fixture(scope="session")
def browser_session() -> Iterator[Any]:
    """One headless Chromium for the whole test session (skipped, or failed in CI, if absent)."""
    if not chromium_available():
        if os.environ.get("ITINERANCE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"ITINERANCE_REQUIRE_BROWSER=1 but {CHROMIUM} is missing (see .ci/run)")
        pytest.skip(f"browser tests skipped: {CHROMIUM} not found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def web_assets(downloads_allowed: bool) -> Path:
    """The offline web assets (skipped, or failed in CI, if there are none; see find_web_assets)."""
    folder, how = find_web_assets(downloads_allowed)
    if folder is None:
        if os.environ.get("ITINERANCE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"ITINERANCE_REQUIRE_BROWSER=1 but {how}", pytrace=False)
        pytest.skip(f"browser tests skipped: {how}")
    return folder


@pytest.fixture
def offline_page(browser_session: Any, web_assets: Path) -> Iterator[OfflinePage]:
    """A fresh offline page (own context: no cache or storage shared between tests)."""
    page = OfflinePage(browser_session, web_assets)
    try:
        yield page
    finally:
        page.close()
