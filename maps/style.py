"""Colours, classes and symbols of the maps: one place, shared by the layers and their legends.

A :class:`Classes` object holds the labels and colours of one coloured variable and classifies
a whole column at once (numpy, no loop over communes). Legends and layer styles are both drawn
from it, so a legend can never disagree with its map. This module holds no data and writes
nothing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from branca.colormap import LinearColormap

MISSING_COLOUR = "#bdbdbd"

# Access-time colours: blues within the threshold (darker = nearer), oranges to dark red beyond.
_WITHIN = ("#08519c", "#4292c6", "#9ecae1", "#deebf7")
_BEYOND = ("#fdae61", "#e34a33", "#a50026")
# IFN 1-10, higher = more fragile: light to dark purple (ColorBrewer RdPu, colour-blind safe).
_IFN = ("#feebe2", "#fbb4b9", "#f768a1", "#c51b8a", "#7a0177")

STATUS_ORDER = ("covered", "mobile", "borne_only", "not_covered")
STATUS_LABELS = {
    "covered": "couverte",
    "mobile": "bus",
    "borne_only": "borne seulement",
    "not_covered": "non couverte",
}
STATUS_LONG_LABELS = {
    "covered": "couverte (aide fixe)",
    "mobile": "bus (arrêt itinérant seulement)",
    "borne_only": "borne seulement",
    "not_covered": "non couverte",
}
STATUS_COLOURS = {
    "covered": "#2c7bb6",
    "mobile": "#abd9e9",
    "borne_only": "#fdae61",
    "not_covered": "#d7191c",
}
GAP_OUTLINE = "#111111"


@dataclass(frozen=True)
class Classes:
    """Ordered classes of one coloured variable; index ``len(labels)`` means "no value"."""

    key: str
    labels: tuple[str, ...]
    colours: tuple[str, ...]
    missing_label: str = "non disponible"

    @property
    def palette(self) -> list[str]:
        """Colours by class index, the last one for missing values (as the JavaScript reads it)."""
        return [*self.colours, MISSING_COLOUR]

    @property
    def missing(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class NumericClasses(Classes):
    """Classes by upper bounds (``edges``); a value equal to a bound falls in the class below."""

    edges: tuple[float, ...] = ()

    def classify(self, values: np.ndarray) -> np.ndarray:
        """Class index of each value (vectorised); NaN gets :attr:`missing`."""
        arr = np.asarray(values, dtype=float)
        idx = np.searchsorted(np.asarray(self.edges, dtype=float), arr, side="left")
        return np.where(np.isnan(arr), self.missing, idx).astype(np.int8)


@dataclass(frozen=True)
class CategoryClasses(Classes):
    categories: tuple[str, ...] = ()

    def classify(self, values: np.ndarray) -> np.ndarray:
        lookup = {cat: i for i, cat in enumerate(self.categories)}
        return np.array([lookup.get(v, self.missing) for v in values], dtype=np.int8)


def _ramp(ramp: tuple[str, ...], count: int) -> list[str]:
    """``count`` colours spread along a ramp (its first colour when only one is needed)."""
    if count <= 0:
        return []
    if count == 1:
        return [ramp[0]]
    cmap = LinearColormap(list(ramp), vmin=0.0, vmax=1.0)
    return [cmap.rgb_hex_str(x) for x in np.linspace(0.0, 1.0, count)]


def _bound(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def time_classes(threshold: float, edges: tuple[float, ...] = (10, 20, 30, 45)) -> NumericClasses:
    """Access-time classes (minutes) with the threshold always one of the bounds, so the colour
    changes from blue to orange exactly where the coverage promise stops."""
    bounds = sorted({float(e) for e in edges} | {float(threshold)})
    labels = [f"jusqu’à {_bound(bounds[0])} min"]
    labels += [f"{_bound(a)} à {_bound(b)} min" for a, b in itertools.pairwise(bounds)]
    labels.append(f"plus de {_bound(bounds[-1])} min")
    n_within = bounds.index(float(threshold)) + 1
    colours = _ramp(_WITHIN, n_within) + _ramp(_BEYOND, len(labels) - n_within)
    return NumericClasses(
        key="time",
        labels=tuple(labels),
        colours=tuple(colours),
        missing_label="non calculé",
        edges=tuple(bounds),
    )


IFN_CLASSES = NumericClasses(
    key="ifn",
    labels=("0 à 2 (peu fragile)", "2 à 4", "4 à 6", "6 à 8", "8 à 10 (très fragile)"),
    colours=_IFN,
    edges=(2.0, 4.0, 6.0, 8.0),
)

STATUS_CLASSES = CategoryClasses(
    key="status",
    labels=tuple(STATUS_LONG_LABELS[s] for s in STATUS_ORDER),
    colours=tuple(STATUS_COLOURS[s] for s in STATUS_ORDER),
    missing_label="non calculé",
    categories=STATUS_ORDER,
)


# --- point symbols --------------------------------------------------------------------------
@dataclass(frozen=True)
class Symbol:
    """A point symbol: a shape (so colour is never the only cue), a colour and a pictogram."""

    kind: str
    label: str
    shape: str  # "square" | "circle" | "diamond" | "dot"
    colour: str
    glyph: str | None  # Font Awesome 6 solid icon name (loaded by folium's default CSS)
    size: int

    def html(self) -> str:
        """The marker's inner HTML (no data in it: safe to reuse in legends)."""
        glyph = f'<i class="fa-solid fa-{self.glyph}" aria-hidden="true"></i>' if self.glyph else ""
        return (
            f'<span class="itin-sym itin-sym-{self.shape}" '
            f'style="--c:{self.colour};--s:{self.size}px">{glyph}</span>'
        )


SYMBOLS: dict[str, Symbol] = {
    s.kind: s
    for s in (
        Symbol(
            "france_services", "France Services (fixe)", "square", "#1d3f8f", "building-columns", 22
        ),
        Symbol(
            "france_services_mobile", "Base d’un service itinérant", "circle", "#e66101", "bus", 24
        ),
        Symbol("stop", "Arrêt d’un service itinérant", "dot", "#e66101", None, 12),
        Symbol("mediation", "Lieu de médiation numérique", "circle", "#1b7837", "laptop", 20),
        Symbol("borne", "Borne interactive", "diamond", "#762a83", "desktop", 18),
        Symbol("other", "Autre lieu d’aide", "circle", "#525252", "circle-info", 18),
    )
}

BASE_CSS = """
.itin-sym{display:flex;align-items:center;justify-content:center;box-sizing:border-box;
  width:var(--s);height:var(--s);background:var(--c);color:#fff;border:2px solid #fff;
  box-shadow:0 1px 3px rgba(0,0,0,.55);font-size:calc(var(--s)*.5)}
.itin-sym-circle{border-radius:50%}
.itin-sym-square{border-radius:3px}
.itin-sym-diamond{transform:rotate(45deg);border-radius:2px}
.itin-sym-diamond i{transform:rotate(-45deg)}
.itin-sym-dot{border-radius:50%;background:#fff;border:3px solid var(--c)}
.itin-marker{background:none;border:none}
.itin-box{background:rgba(255,255,255,.95);border-radius:6px;box-shadow:0 1px 5px rgba(0,0,0,.4);
  padding:8px 12px;font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
  color:#222}
.itin-title h1{font-size:17px;margin:0 0 2px;font-weight:700}
.itin-title p{margin:0;color:#444}
.itin-title a{color:#1d3f8f}
.itin-caption{max-width:440px;font-size:11.5px;color:#333}
.itin-caption p{margin:0 0 2px}
.itin-legends{max-height:60vh;overflow-y:auto;max-width:320px}
.itin-legend h2{font-size:13px;margin:0 0 4px;font-weight:700}
.itin-legend ul{list-style:none;margin:0 0 4px;padding:0}
.itin-legend li{display:flex;align-items:center;gap:7px;margin:2px 0}
.itin-legend{border-top:1px solid #ddd;margin-top:6px;padding-top:6px}
.itin-legend.itin-first{border-top:none;margin-top:0;padding-top:0}
.itin-note{margin:2px 0 0;color:#555;font-size:11.5px}
.itin-swatch{display:inline-block;width:18px;height:12px;border:1px solid rgba(0,0,0,.3);flex:none}
.itin-legend .itin-sym{flex:none}
.itin-legend .itin-symcell{width:24px;display:flex;justify-content:center;flex:none}
.itin-popup{font:12.5px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#222}
.itin-popup h3{font-size:14.5px;margin:0 0 5px;font-weight:700;color:#111}
.itin-popup table{border-collapse:collapse;font-size:12px}
.itin-popup th{text-align:left;font-weight:600;padding:1px 8px 1px 0;vertical-align:top;\
white-space:nowrap}
.itin-popup td{padding:1px 0;vertical-align:top}
.itin-popup ul{margin:2px 0;padding-left:16px}
.leaflet-control-layers{font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.itin-skip{position:absolute;left:-9999px}
.itin-skip:focus{left:8px;top:8px;z-index:2000;background:#fff;padding:4px}
"""


# --- tour routes (tour map) -------------------------------------------------------------------
# One colour per vehicle-day route. The first ten are strong, well-separated hues drawn as solid
# lines; the next ten are further distinct hues drawn dashed, so that twenty routes each get
# their own colour and neighbours in the list differ by pattern too. Beyond twenty (a monthly
# cycle has up to 21 days: 4 × 5 weekdays and the last day of the month), the first ten come
# back dotted: every (colour, pattern) stays distinct up to thirty routes.
ROUTE_COLOURS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#393b79",
    "#a50026",
    "#006d2c",
    "#6a3d9a",
    "#b15928",
    "#01665e",
    "#e6ab02",
    "#f781bf",
    "#4d4d4d",
    "#66a61e",
    "#8e0152",
)
ROUTE_DASHES = (None, "10 6", "2 7")  # solid, dashed, dotted (SVG stroke-dasharray)

TOUR_BASE = Symbol(
    "tour_base", "Base du véhicule (départ et retour)", "square", "#1a1a2e", "warehouse", 24
)


@dataclass(frozen=True)
class RouteStyle:
    """How one route is drawn: line colour, dash pattern (None: solid), text colour on it."""

    colour: str
    dash: str | None
    text: str

    def line_sample(self, width: int = 30) -> str:
        """A short line in the route's colour and pattern, for legends (no data in it)."""
        dash = f' stroke-dasharray="{self.dash}"' if self.dash else ""
        return (
            f'<svg class="itin-line-sample" width="{width}" height="10" aria-hidden="true">'
            f'<line x1="1" y1="5" x2="{width - 1}" y2="5" stroke="{self.colour}" stroke-width="4"'
            f'{dash} stroke-linecap="round"/></svg>'
        )


def readable_text_on(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (``#rrggbb``), by WCAG luminance."""
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    # contrast with white: 1.05 / (L + 0.05); with black: (L + 0.05) / 0.05
    return "#111111" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


def route_style(index: int) -> RouteStyle:
    """The style of the ``index``-th route (0-based) of a map."""
    n = len(ROUTE_COLOURS)
    if index < n:
        colour, dash = ROUTE_COLOURS[index], ROUTE_DASHES[0 if index < 10 else 1]
    else:
        colour, dash = ROUTE_COLOURS[index % 10], ROUTE_DASHES[2]
    return RouteStyle(colour, dash, readable_text_on(colour))
