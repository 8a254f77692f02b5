"""The coverage a tour creates: :func:`created_coverage` compares coverage before and after the
tour, and the optional map layers shade the communes it brings within the threshold, those it
reaches that were already covered, and those still without help. The coverage itself is
computed by :mod:`planner.access.coverage`; this module only compares and draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from maps._html import esc, fmt_int, fmt_minutes, is_missing
from maps.errors import MapError
from maps.geometry import feature_collection, simplify_for_web
from maps.layers import (
    GeoJsonLayer,
    LegendEntry,
    LegendItem,
    SharedData,
    swatch,
)
from maps.popups import commune_popup
from maps.tour.style import CREATED_CLASS, CREATED_COLOUR, GAP_CLASS, GAP_COLOUR, REACHED_CLASS


def _human(frame: pd.DataFrame, which: str) -> pd.Series:
    if "covered_human" not in frame.columns:
        raise MapError(
            f"coverage_{which}: no column 'covered_human'; expected planner.access.coverage's "
            "per-commune frame"
        )
    return frame["covered_human"].astype("boolean")


def _by_code(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.set_index("code") if "code" in frame.columns else frame.copy()
    out.index = out.index.astype(str)
    return out[~out.index.duplicated()]


def created_coverage(before: pd.DataFrame, after: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Per commune (index ``code``, communes in both frames): human help within the threshold
    ``before`` and ``after`` the tour; ``reached`` (a stop of the tour within the threshold:
    ``mobile_stop_minutes`` of ``after``, whose only mobile stops are the tour's), ``created``
    (help after and not before), ``gap`` (no help even after); with name, population, need, the
    minutes to the nearest stop of the tour and the French statuses."""
    b, a = _by_code(before), _by_code(after)
    codes = b.index.intersection(a.index)
    hb, ha = _human(b, "before").reindex(codes), _human(a, "after").reindex(codes)
    codes = codes[(hb.notna() & ha.notna()).to_numpy()]
    nan = pd.Series(np.nan, index=codes)

    def col(frame: pd.DataFrame, name: str, numeric: bool = True) -> pd.Series:
        if name not in frame.columns:
            return nan if numeric else pd.Series(None, index=codes, dtype=object)
        values = frame[name].reindex(codes)
        return pd.to_numeric(values, errors="coerce") if numeric else values

    frame = pd.DataFrame(
        {
            "name": col(a, "name", numeric=False),
            "population": col(a, "population"),
            "need": col(a, "need"),
            "minutes": col(a, "mobile_stop_minutes"),
            "status_before": col(b, "status", numeric=False),
            "status_after": col(a, "status", numeric=False),
            "before": hb[codes].astype(bool),
            "after": ha[codes].astype(bool),
        },
        index=codes,
    )
    frame["created"] = frame["after"] & ~frame["before"]
    frame["reached"] = (frame["minutes"] <= threshold) | frame["created"]
    frame["gap"] = ~frame["after"]
    frame.index.name = "code"
    return frame


@dataclass
class TourCoverage:
    data: SharedData | None
    layers: list[GeoJsonLayer]  # the commune outlines (always shown), then the shaded layers
    legend: LegendEntry | None
    frame: pd.DataFrame | None
    counts: dict[str, int]  # shapes drawn: "created", "reached" (already covered), "gap"
    note: str | None


def _status_text(value: object) -> str:
    return "non calculé" if is_missing(value) or value is None else str(value)


def communes_text(n: int) -> str:
    return f"{fmt_int(n)} commune{'s' if n > 1 else ''}"


COVERAGE_TITLE = "Couverture créée par la tournée"


def coverage_layers(
    communes: gpd.GeoDataFrame | None,
    before: pd.DataFrame | None,
    after: pd.DataFrame | None,
    threshold: float,
    tolerance_m: float,
) -> TourCoverage:
    thr = fmt_int(threshold)
    if before is None or after is None or communes is None or len(communes) == 0:
        missing = (
            "la couverture avant et après la tournée"
            if before is None or after is None
            else "les contours des communes"
        )
        note = (
            f"{COVERAGE_TITLE} non représentée : il y faut {missing} "
            "(« itinerance map tour » la calcule pour un scénario avec base de données)."
        )
        return TourCoverage(None, [], None, None, {}, note)  # said in the caption
    if "code" not in communes.columns or "name" not in communes.columns:
        raise MapError(
            "communes: missing column 'code' or 'name'; expected geodata.query.communes(...)"
        )
    frame = created_coverage(before, after, threshold)
    codes = communes["code"].astype(str).to_numpy()
    rows = frame.reindex(codes)
    geoms = simplify_for_web(communes.geometry, tolerance_m=tolerance_m)
    props = []
    for code, (_, row), name in zip(codes, rows.iterrows(), communes["name"].astype(str)):
        known = not is_missing(row["created"])
        details = [("Population", f"{fmt_int(row['population'])} hab.")]
        if known:
            details += [
                ("Avant la tournée", _status_text(row["status_before"])),
                ("Avec la tournée", _status_text(row["status_after"])),
            ]
            if not is_missing(row["minutes"]):
                details.append(("Arrêt de la tournée le plus proche", fmt_minutes(row["minutes"])))
        else:
            details.append(("Couverture", "non calculée"))
        created = known and bool(row["created"])
        props.append(
            {
                "n": esc(name),
                "h": commune_popup(f"{name} ({code})", details),
                "c": int(created),
                "r": int(known and bool(row["reached"]) and not created),
                "g": int(known and bool(row["gap"])),
            }
        )
    data = SharedData(feature_collection(geoms, props))
    has = np.array([g is not None for g in geoms])
    counts = {
        k: int((np.array([p[c] for p in props], dtype=bool) & has).sum())
        for k, c in (("created", "c"), ("reached", "r"), ("gap", "g"))
    }
    outline = GeoJsonLayer(
        data,
        name="Communes",
        class_name="itin-tour-commune",
        control=False,
        interactive=False,
        style={"weight": 0.5, "color": "#6b6b6b", "opacity": 0.55, "fill": False},
    )
    shaded = {"popup_property": "h", "tooltip_property": "n", "highlight": True, "control": False}
    reached_layer = GeoJsonLayer(
        data,
        name="Communes à portée de la tournée",
        class_name=REACHED_CLASS,
        filter_property="r",
        style={
            "weight": 0.6,
            "color": "#ffffff",
            "opacity": 0.8,
            "fillColor": CREATED_COLOUR,
            "fillOpacity": 0.14,
        },
        **shaded,
    )
    created_layer = GeoJsonLayer(
        data,
        name=COVERAGE_TITLE,
        class_name=CREATED_CLASS,
        filter_property="c",
        style={
            "weight": 1.2,
            "color": "#0b6e4f",
            "opacity": 0.9,
            "fillColor": CREATED_COLOUR,
            "fillOpacity": 0.45,
        },
        **shaded,
    )
    gap_layer = GeoJsonLayer(
        data,
        name="Communes toujours sans aide humaine",
        class_name=GAP_CLASS,
        filter_property="g",
        style={
            "weight": 0.6,
            "color": "#ffffff",
            "opacity": 0.8,
            "fillColor": GAP_COLOUR,
            "fillOpacity": 0.4,
        },
        **shaded,
    )
    pop = frame.loc[frame["created"], "population"].sum()
    legend = LegendEntry(
        key="coverage",
        title=f"{COVERAGE_TITLE} (seuil {thr} min)",
        items=[
            LegendItem(
                swatch(CREATED_COLOUR, "#0b6e4f"),
                f"mise à portée par la tournée : {communes_text(counts['created'])}, "
                f"{fmt_int(pop)} hab.",
            ),
            LegendItem(
                swatch("rgba(27,158,119,.16)"),
                f"à portée de la tournée, déjà couverte : {communes_text(counts['reached'])}",
            ),
            LegendItem(
                swatch(GAP_COLOUR), f"toujours sans aide humaine : {communes_text(counts['gap'])}"
            ),
        ],
        layers=[created_layer, reached_layer, gap_layer],
        note=f"Aide humaine à moins de {thr} min : France Services, lieu de médiation ou arrêt "
        "itinérant. « Avant » : sans les arrêts de cette tournée.",
    )
    layers = [reached_layer, gap_layer, created_layer]
    return TourCoverage(data, [outline, *layers], legend, frame, counts, None)
