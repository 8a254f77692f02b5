"""Leaflet building blocks for itinerance's Folium maps: shared GeoJSON data, styled layers,
point symbols, legends that follow their layers, boxes of text, a metric scale bar.

Why custom elements rather than ``folium.GeoJson``: several layers colour the *same* commune
shapes, and ``folium.GeoJson`` embeds the geometry once per layer (three times the size). Here
the shapes are written once (:class:`SharedData`) and each layer styles them from a class index
in the feature's properties. Every layer is a :class:`folium.map.Layer`, so ``LayerControl``
lists it. Values reach the JavaScript only through :func:`maps._html.js_json`; HTML handed to
these elements must already be escaped (see :mod:`maps.popups`). This module knows nothing of
coverage: the coverage map and the tour map both assemble it.

In the templates, a Jinja comment ``{#`` … ``#}`` across a line end only breaks a long line in
the source: nothing of it reaches the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import MacroElement
from folium.map import Layer
from jinja2 import Template

from maps._html import esc, js_json

# Panes above the default overlay pane (400) so outlines and rota lines stay on top of whichever
# coloured layer is switched on last; markers (600) stay above them.
OUTLINE_PANE = ("itinOutline", 450)
LINE_PANE = ("itinLines", 460)

_PANE_JS = """
function itin_pane(map, name, z) {
    if (!map.getPane(name)) { map.createPane(name); map.getPane(name).style.zIndex = z; }
    return name;
}
"""


class Css(MacroElement):
    """A ``<style>`` block in the page header (plus the helpers every layer script uses)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}
        {% macro script(this, kwargs) %}{{ this.js }}{% endmacro %}
        """
    )

    def __init__(self, css: str):
        super().__init__()
        self._name = "Css"
        self.css = css
        self.js = _PANE_JS


class SharedData(MacroElement):
    """A JSON value written once in the page as a JavaScript variable, for layers to share."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = {{ this.payload }};"
        "{% endmacro %}"
    )

    def __init__(self, value: Any):
        super().__init__()
        self._name = "SharedData"
        self.payload = js_json(value)


class MetaJson(MacroElement):
    """How the page was made (inputs, data vintages, versions), as JSON in the page header:
    ``<script type="application/json" id="itinerance-meta">`` — read by people and programs,
    never run."""

    _template = Template(
        "{% macro header(this, kwargs) %}"
        '<script type="application/json" id="itinerance-meta">{{ this.payload }}</script>'
        "{% endmacro %}"
    )

    def __init__(self, meta: Any):
        super().__init__()
        self._name = "MetaJson"
        self.payload = js_json(meta)


class GeoJsonLayer(Layer):
    """One Leaflet GeoJSON layer drawn from :class:`SharedData`.

    ``class_property`` names the property holding a class index into ``fill_palette`` and/or
    ``stroke_palette``; ``filter_property`` keeps only features whose property is truthy;
    ``popup_property`` and ``tooltip_property`` hold ready, escaped HTML. ``class_name`` goes on
    every SVG path (tests count them with it).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson({{ this.data.get_name() }}, {
            {%- if this.pane %}
            pane: itin_pane({{ this._parent.get_name() }}, {#
                #}{{ this.pane[0]|tojson }}, {{ this.pane[1] }}),
            {%- endif %}
            interactive: {{ this.interactive|tojson }},
            {%- if this.filter_property %}
            filter: function (f) { return !!f.properties[{{ this.filter_property|tojson }}]; },
            {%- endif %}
            style: function (f) {
                var s = Object.assign({}, {{ this.style_json }});
                {%- if this.class_property %}
                var k = f.properties[{{ this.class_property|tojson }}];
                {%- if this.fill_palette %}
                s.fillColor = {{ this.fill_palette_json }}[k];
                {%- endif %}
                {%- if this.stroke_palette %}
                s.color = {{ this.stroke_palette_json }}[k];
                {%- endif %}
                {%- endif %}
                return s;
            },
            onEachFeature: function (f, layer) {
                {%- if this.popup_property %}
                layer.bindPopup(f.properties[{{ this.popup_property|tojson }}], {maxWidth: 340});
                {%- endif %}
                {%- if this.tooltip_property %}
                layer.bindTooltip(f.properties[{{ this.tooltip_property|tojson }}], {sticky: true});
                {%- endif %}
                {%- if this.highlight %}
                layer.on({
                    mouseover: function (e) { e.target.setStyle({weight: 2.5, color: "#111"}); {#
                        #}e.target.bringToFront(); },
                    mouseout: function (e) { {{ this.get_name() }}.resetStyle(e.target); }
                });
                {%- endif %}
            }
        });
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: SharedData,
        *,
        name: str,
        class_name: str,
        style: dict[str, Any],
        class_property: str | None = None,
        fill_palette: Sequence[str] | None = None,
        stroke_palette: Sequence[str] | None = None,
        filter_property: str | None = None,
        popup_property: str | None = None,
        tooltip_property: str | None = None,
        highlight: bool = False,
        interactive: bool = True,
        pane: tuple[str, int] | None = None,
        overlay: bool = True,
        show: bool = True,
        control: bool = True,
    ):
        super().__init__(name=name, overlay=overlay, control=control, show=show)
        self._name = "GeoJsonLayer"
        self.data = data
        self.style_json = js_json({**style, "className": class_name})
        self.class_property = class_property
        self.fill_palette = list(fill_palette or [])
        self.stroke_palette = list(stroke_palette or [])
        self.fill_palette_json = js_json(self.fill_palette)
        self.stroke_palette_json = js_json(self.stroke_palette)
        self.filter_property = filter_property
        self.popup_property = popup_property
        self.tooltip_property = tooltip_property
        self.highlight = highlight
        self.interactive = interactive
        self.pane = pane


@dataclass(frozen=True)
class MapPoint:
    """One marker: position, symbol key, popup and tooltip HTML (already escaped)."""

    lat: float
    lon: float
    symbol: str
    popup: str
    tooltip: str


class PointLayer(Layer):
    """Markers drawn with HTML symbols (``symbols``: key → inner HTML and size), plus optional
    dashed lines (e.g. from a mobile service's base to its stops), in one toggleable group."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        (function () {
            var symbols = {{ this.symbols_json }};
            var icons = {};
            Object.keys(symbols).forEach(function (k) {
                var s = symbols[k].size;
                icons[k] = L.divIcon({className: "itin-marker " + {{ this.class_name|tojson }} + {#
                    #}" itin-marker-" + k,
                                      html: symbols[k].html, iconSize: [s, s], {#
                                          #}iconAnchor: [s / 2, s / 2],
                                      popupAnchor: [0, -s / 2], tooltipAnchor: [s / 2, 0]});
            });
            {%- if this.lines %}
            var pane = itin_pane({{ this._parent.get_name() }}, {#
                #}{{ this.line_pane[0]|tojson }}, {{ this.line_pane[1] }});
            {{ this.lines_json }}.forEach(function (ln) {
                L.polyline(ln, Object.assign({pane: pane, interactive: false}, {#
                    #}{{ this.line_style_json }}))
                    .addTo({{ this.get_name() }});
            });
            {%- endif %}
            {{ this.points_json }}.forEach(function (p) {
                L.marker([p[0], p[1]], {icon: icons[p[2]], riseOnHover: true})
                    .bindPopup(p[3], {maxWidth: 340})
                    .bindTooltip(p[4], {direction: "right"})
                    .addTo({{ this.get_name() }});
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        points: Sequence[MapPoint],
        *,
        name: str,
        symbols: dict[str, tuple[str, int]],
        class_name: str = "itin-point",
        lines: Sequence[Sequence[tuple[float, float]]] = (),
        line_style: dict[str, Any] | None = None,
        overlay: bool = True,
        show: bool = True,
        control: bool = True,
    ):
        super().__init__(name=name, overlay=overlay, control=control, show=show)
        self._name = "PointLayer"
        self.class_name = class_name
        self.count = len(points)
        self.symbols_json = js_json({k: {"html": h, "size": s} for k, (h, s) in symbols.items()})
        self.points_json = js_json([[p.lat, p.lon, p.symbol, p.popup, p.tooltip] for p in points])
        self.lines = [[list(xy) for xy in line] for line in lines]
        self.lines_json = js_json(self.lines)
        self.line_pane = LINE_PANE
        self.line_style_json = js_json(
            line_style
            or {
                "color": "#e66101",
                "weight": 1.6,
                "opacity": 0.8,
                "dashArray": "5 5",
                "className": "itin-line",
            }
        )


@dataclass(frozen=True)
class LegendItem:
    """One line of a legend: a symbol (our HTML, no data in it), a label (escaped here) and,
    optionally, the layer it belongs to (the line then hides with that layer)."""

    symbol: str
    label: str
    layer: Layer | None = None


@dataclass(frozen=True)
class LegendEntry:
    """A legend shown while any of ``layers`` (or any of its items' layers) is on the map."""

    key: str
    title: str
    items: Sequence[LegendItem]
    layers: Sequence[Layer] = ()
    note: str | None = None

    def all_layers(self) -> list[Layer]:
        layers = list(self.layers)
        layers += [i.layer for i in self.items if i.layer is not None and i.layer not in layers]
        return layers


def swatch(fill: str, stroke: str | None = None, width: int = 1) -> str:
    """A small coloured box for a legend."""
    border = f"border:{width}px solid {stroke};" if stroke else ""
    return f'<span class="itin-swatch" style="background:{fill};{border}"></span>'


class LegendPanel(MacroElement):
    """Legends in one corner box; each is visible exactly while one of its layers is shown."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var Panel = L.Control.extend({
                onAdd: function () {
                    var div = L.DomUtil.create("div", "itin-box itin-legends");
                    div.innerHTML = {{ this.html_json }};
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                    return div;
                }
            });
            var panel = new Panel({position: {{ this.position|tojson }}}).addTo(map);
            var links = [
                {%- for key, layers in this.links %}
                [{{ key|tojson }}, [{{ layers|join(", ") }}]],
                {%- endfor %}
            ];
            var tracked = [];
            links.forEach(function (l) { tracked = tracked.concat(l[1]); });
            function sync() {
                var box = panel.getContainer(), first = true;
                links.forEach(function (l) {
                    var on = l[1].some(function (layer) { return map.hasLayer(layer); });
                    box.querySelector('[data-legend="' + l[0] + '"]').style.display = {#
                        #}on ? "" : "none";
                });
                box.querySelectorAll("section[data-legend]").forEach(function (el) {
                    var shown = el.style.display !== "none";
                    el.classList.toggle("itin-first", shown && first);
                    if (shown) { first = false; }
                });
                box.style.display = first ? "none" : "";
            }
            map.on("layeradd layerremove", function (e) { {#
                #}if (tracked.indexOf(e.layer) >= 0) { sync(); } });
            sync();
        })();
        {% endmacro %}
        """
    )

    def __init__(self, entries: Sequence[LegendEntry], position: str = "bottomright"):
        super().__init__()
        self._name = "LegendPanel"
        self.position = position
        self.entries = list(entries)
        self.html_json = js_json("".join(_legend_html(e) for e in self.entries))

    def render(self, **kwargs: Any) -> None:
        links = []
        for entry in self.entries:
            links.append((entry.key, [layer.get_name() for layer in entry.all_layers()]))
            for n, item in enumerate(entry.items):
                if item.layer is not None:
                    links.append((f"{entry.key}-{n}", [item.layer.get_name()]))
        self.links = links
        super().render(**kwargs)


def _legend_html(entry: LegendEntry) -> str:
    items = "".join(
        (f'<li data-legend="{esc(entry.key)}-{n}">' if item.layer is not None else "<li>")
        + f'<span class="itin-symcell">{item.symbol}</span><span>{esc(item.label)}</span></li>'
        for n, item in enumerate(entry.items)
    )
    note = f'<p class="itin-note">{esc(entry.note)}</p>' if entry.note else ""
    return (
        f'<section class="itin-legend" data-legend="{esc(entry.key)}" '
        f'aria-label="Légende : {esc(entry.title)}"><h2>{esc(entry.title)}</h2>'
        f"<ul>{items}</ul>{note}</section>"
    )


class HtmlBox(MacroElement):
    """A box of ready HTML (title, caption) as a Leaflet control in one corner."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var Box = L.Control.extend({
                onAdd: function () {
                    var div = L.DomUtil.create("div", {{ this.css_class|tojson }});
                    div.innerHTML = {{ this.html_json }};
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                    return div;
                }
            });
            new Box({position: {{ this.position|tojson }}}).addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html: str, *, position: str, css_class: str):
        super().__init__()
        self._name = "HtmlBox"
        self.position = position
        self.css_class = f"itin-box {css_class}"
        self.html_json = js_json(html)


class ScaleBar(MacroElement):
    """Leaflet's scale bar, metric only."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "L.control.scale({imperial: false, maxWidth: 160, position: {{ this.position|tojson }}})"
        ".addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self, position: str = "bottomleft"):
        super().__init__()
        self._name = "ScaleBar"
        self.position = position


class ZoomButtons(MacroElement):
    """Leaflet's zoom buttons with French labels, placed after the title box."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        'L.control.zoom({position: "topleft", '
        'zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière"})'
        ".addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "ZoomButtons"


OSM_FRANCE_TILES = "https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png"
OSM_FRANCE_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">les contributeurs d’OpenStreetMap</a>'
    ", fond OpenStreetMap France"
)


def base_map(
    bounds: tuple[float, float, float, float],
    *,
    page_title: str,
    title_html: str,
    caption_html: str,
    css: str,
    tiles: str | None = OSM_FRANCE_TILES,
    attribution: str = OSM_FRANCE_ATTRIBUTION,
) -> folium.Map:
    """A French map fitted to ``bounds`` (min lon, min lat, max lon, max lat) with its frame:
    background tiles (not in the layer control, faded so colours read well), the title box and
    the zoom buttons top left, the caption and a metric scale bottom left, the shared CSS.
    ``title_html`` and ``caption_html`` must be ready, escaped HTML."""
    minx, miny, maxx, maxy = bounds
    fmap = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        tiles=None,
        zoom_start=9,
        control_scale=False,
        zoom_control=False,
    )
    fmap.get_root().title = esc(page_title)  # branca writes the title unescaped
    if tiles:
        folium.TileLayer(
            tiles,
            attr=attribution,
            name="Fond de carte",
            control=False,
            opacity=0.75,
            max_zoom=19,
        ).add_to(fmap)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    Css(css).add_to(fmap)
    HtmlBox(title_html, position="topleft", css_class="itin-title").add_to(fmap)
    ZoomButtons().add_to(fmap)
    HtmlBox(caption_html, position="bottomleft", css_class="itin-caption").add_to(fmap)
    ScaleBar().add_to(fmap)
    return fmap


def finish_page(html: str, generator: str) -> str:
    """Declare the page French (screen readers) and name the program that wrote it."""
    html = html.replace("<html>", '<html lang="fr">', 1)
    meta = f'<meta name="generator" content="{generator}" />'
    return html.replace("<head>", "<head>\n    " + meta, 1)


__all__ = [
    "Css",
    "GeoJsonLayer",
    "HtmlBox",
    "LegendEntry",
    "LegendItem",
    "LegendPanel",
    "MapPoint",
    "MetaJson",
    "PointLayer",
    "ScaleBar",
    "SharedData",
    "base_map",
    "finish_page",
    "swatch",
]
