"""Browser assets served by the app itself: Folium's CDN URLs pointed at ``static/vendor/``.

Folium pages link Leaflet, jQuery, Bootstrap, the awesome-markers plugin and Font Awesome from
CDNs. The app serves copies of those files (``static/vendor/README.md`` says where each comes
from) and rewrites the links of every map page it sends, so that a laptop with no internet still
draws its maps (only the background tiles need the network). Two cosmetic style sheets folium
links but our pages do not use are dropped. This module changes links only, never content.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["STATIC_DIR", "VENDOR_URL", "local_assets", "remote_assets"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_URL = "/static/vendor/"

# CDN URL prefix → path under static/vendor/ (longest prefix wins).
_AWESOME = "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/"
CDN_PREFIXES: dict[str, str] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/": "leaflet@1.9.3/",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery@3.7.1/jquery.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/": "bootstrap@5.2.2/",
    _AWESOME + "leaflet.awesome-markers.js": "leaflet.awesome-markers@2.0.2/js/"
    "leaflet.awesome-markers.js",
    _AWESOME + "leaflet.awesome-markers.css": "leaflet.awesome-markers@2.0.2/css/"
    "leaflet.awesome-markers.css",
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/": "fontawesome-free@6.2.0/",
}
# Linked by folium 0.20, unused by our pages (Bootstrap 3 glyphs, rotated markers).
DROPPED = (
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css",
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/"
    "leaflet.awesome.rotate.min.css",
)
_LINK = re.compile(r"""(src|href)=(["'])(https?://[^"']+)\2""")
_ASSET = re.compile(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)=(["'])(https?://[^"']+)\1""")
_ORDER = sorted(CDN_PREFIXES.items(), key=lambda kv: len(kv[0]), reverse=True)


def _local(url: str) -> str | None:
    for prefix, target in _ORDER:
        if url.startswith(prefix):
            return VENDOR_URL + target + url[len(prefix) :]
    return None


def local_assets(html: str) -> str:
    """``html`` with every known CDN ``src``/``href`` pointed at the app's copies and the unused
    style sheets' ``<link>`` tags removed."""
    for url in DROPPED:
        html = re.sub(r"<link[^>]*" + re.escape(url) + r"[^>]*>\s*", "", html)

    def swap(m: re.Match[str]) -> str:
        local = _local(m.group(3))
        return f"{m.group(1)}={m.group(2)}{local}{m.group(2)}" if local else m.group(0)

    return _LINK.sub(swap, html)


def remote_assets(html: str) -> list[str]:
    """The URLs outside the app that ``html`` loads with a ``<script>``, ``<link>`` or ``<img>``
    tag (links a reader may follow, in ``<a>`` tags, are not loads)."""
    return [m.group(2) for m in _ASSET.finditer(html)]
