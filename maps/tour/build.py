"""The tour map put together: :func:`make_tour_map` assembles the routes, markers, coverage layers,
legends, title and controls into a Folium map (:class:`TourMap`, with what it drew);
:func:`build_tour_map` returns the map alone; :func:`write_tour_map` writes it with its table page
and the CSV of the stops, all or nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from folium.map import Layer

from maps._html import esc, fmt_date, fmt_decimal, fmt_int, fmt_minutes
from maps.common import check_map_path, itinerance_version, map_html, table_path, write_map_files
from maps.errors import MapError
from maps.geometry import DEFAULT_TOLERANCE_M
from maps.layers import (
    OSM_FRANCE_ATTRIBUTION,
    OSM_FRANCE_TILES,
    LegendEntry,
    LegendItem,
    LegendPanel,
    MapPoint,
    MetaJson,
    PointLayer,
    base_map,
)
from maps.style import BASE_CSS, TOUR_BASE, route_style
from maps.tables import Table, table_page
from maps.tour.controls import FitFreeArea, TourFilter
from maps.tour.coverage import COVERAGE_TITLE, TourCoverage, communes_text, coverage_layers
from maps.tour.routes import TourRoute, stop_passages, tour_routes
from maps.tour.style import BASE_CLASS, COLUMNS_CSS, ROUTE_CLASS, STOP_CLASS, TOUR_CSS, TWO_COLUMNS
from maps.tour.tables import tour_tables
from maps.tour.text import base_popup, number_symbol, visit_popup
from planner.tours.model import Problem
from planner.tours.plan import Plan, PlanMeta
from planner.tours.wording import describe_days_fr


@dataclass(frozen=True)
class TourMap:
    """A built tour map and what it holds (counts are what the browser should draw)."""

    map: folium.Map
    routes: list[TourRoute]
    tables: list[Table]
    n_route_lines: int
    n_stop_markers: int
    n_base_markers: int
    coverage_shapes: dict[
        str, int
    ]  # communes shaded: "created", "reached" (already covered), "gap"
    notes: list[str]


def _check_threshold(threshold: float) -> None:
    if not isinstance(threshold, (int, float)) or not np.isfinite(threshold) or threshold <= 0:
        raise MapError(f"threshold: expected a positive number of minutes, got {threshold}")


def _bounds(routes: Sequence[TourRoute]) -> tuple[float, float, float, float]:
    pts = np.array([p for r in routes for p in r.path], dtype=float)
    if len(pts) == 0:
        raise MapError("plan: no stop and no base has a known position; nothing to draw")
    pad = 0.005  # a single point still makes a box
    return (
        pts[:, 1].min() - pad,
        pts[:, 0].min() - pad,
        pts[:, 1].max() + pad,
        pts[:, 0].max() + pad,
    )


def _travel_note(meta: PlanMeta) -> str:
    travel = meta.travel or ""
    m = re.search(r"×\s*([\d.]+)", travel)
    if travel.startswith("offline") or not travel:
        circuity = f" × {m.group(1).replace('.', ',')}" if m else ""
        return (
            "Traits droits dans l’ordre de passage, pas le tracé des routes : les temps de trajet "
            "sont "
            f"estimés sans réseau routier (distance à vol d’oiseau{circuity})."
        )
    return (
        "Traits droits dans l’ordre de passage, pas le tracé des routes ; temps de trajet calculés "
        "sur le réseau routier (OSRM, OpenStreetMap)."
    )


def _provenance_lines(meta: PlanMeta) -> list[str]:
    """The plan's provenance in French: engine, seed, search time, date, inputs with sha256."""
    parts = []
    engine = meta.engine
    if engine == "asis":
        parts.append("tournée publiée, évaluée telle quelle")
    elif engine:
        what = f"moteur {engine}"
        if meta.seed is not None:
            what += f", graine {meta.seed}"
        if meta.time_limit:
            what += f", {fmt_decimal(meta.time_limit, 0)} s de recherche"
        parts.append(what)
    created = meta.created
    if created:
        try:
            parts.append(f"établi le {fmt_date(dt.datetime.fromisoformat(str(created)).date())}")
        except ValueError:
            pass
    inputs = [
        f"{i.get('role', 'fichier')} {Path(str(i.get('path', ''))).name}"
        + (f" (sha256 {str(i['sha256'])[:12]}…)" if i.get("sha256") else "")
        for i in meta.input_files()
        if isinstance(i, Mapping)
    ]
    if inputs:
        parts.append("entrées : " + ", ".join(inputs))
    lines = [f"Plan : {' ; '.join(parts)}."] if parts else []
    validation = meta.validation or {}
    if validation:
        n = int(validation.get("violations", 0))
        lines.append(
            "Plan vérifié par le valideur indépendant : aucune contrainte violée."
            if validation.get("ok")
            else (
                f"Attention : le valideur indépendant relève {n} écart{'s' if n > 1 else ''} "
                "à ce plan."
            )
        )
    return lines


def _figures_line(meta: PlanMeta) -> str | None:
    figures = (meta.validation or {}).get("figures") or {}
    if "km_per_month" not in figures:
        return None
    presence = sum((figures.get("presence_hours_per_month") or {}).values())
    line = (
        f"Par mois : {fmt_int(figures['km_per_month'])} km, "
        f"{fmt_minutes(60 * figures.get('drive_hours_per_month', 0))} "
        f"de conduite, {fmt_minutes(60 * presence)} de présence."
    )
    booked = figures.get("request_hours") or {}
    if booked:  # bookings happen once: never in the monthly figures
        line += (
            f" Réservations, comptées une fois : {len(booked)} visite(s), "
            f"{fmt_minutes(60 * sum(booked.values()))} de visite, "
            f"{fmt_int(figures.get('once_km', 0))} km."
        )
    if figures.get("need_possible"):  # the validator's figure, the one every output prints
        line += (
            " Besoin servi (population × IFN × gain de niveau de service, chaque commune une "
            f"fois) : {fmt_int(figures['need_served'])} sur "
            f"{fmt_int(figures['need_possible'])}."
        )
    return line


def _title_html(
    plan: Plan,
    routes: Sequence[TourRoute],
    title: str,
    coverage: TourCoverage,
    threshold: float,
    table_href: str | None,
) -> str:
    stops = {v.stop for r in routes for v in r.visits if not v.is_request}
    requests = {v.stop for r in routes for v in r.visits if v.is_request}
    vehicles = {r.vehicle for r in routes}
    what = [
        f"{len(routes)} tournée{'s' if len(routes) > 1 else ''}",
        f"{len(stops)} arrêt{'s' if len(stops) > 1 else ''}",
        f"{len(vehicles)} véhicule{'s' if len(vehicles) > 1 else ''}",
    ]
    if requests:
        what.insert(2, f"{len(requests)} visite{'s' if len(requests) > 1 else ''} à domicile")
    html = f"<h1>{esc(title)}</h1>"
    if plan.problem and plan.problem not in title:
        html += f"<p>{esc(plan.problem)}</p>"
    html += f"<p>{esc(' · '.join(what))}</p>"
    if figures := _figures_line(plan.meta):
        html += f"<p>{esc(figures)}</p>"
    if coverage.frame is not None:
        created = coverage.frame[coverage.frame["created"]]
        thr = fmt_int(threshold)
        if len(created):
            n = len(created)
            html += (
                f"<p><strong>{communes_text(n)} ({fmt_int(created['population'].sum())} "
                "hab.)</strong> "
                f"mise{'s' if n > 1 else ''} à moins de {thr} min d’une aide humaine par la "
                "tournée.</p>"
            )
        else:
            gaps = int(coverage.frame["gap"].sum())
            html += (
                f"<p>La tournée ne met aucune commune nouvelle à moins de {thr} min d’une aide "
                "humaine "
                + (
                    f"({communes_text(gaps)} en reste{'nt' if gaps > 1 else ''} loin).</p>"
                    if gaps
                    else "(toutes l’étaient déjà).</p>"
                )
            )
    if table_href:
        html += (
            f'<p><a href="{esc(table_href)}">Les mêmes informations en tableau</a> (sans carte)</p>'
        )
    return html


def make_tour_map(
    plan: Plan,
    *,
    problem: Problem | None = None,
    communes: gpd.GeoDataFrame | None = None,
    coverage_before: pd.DataFrame | None = None,
    coverage_after: pd.DataFrame | None = None,
    threshold: float = 30,
    title: str | None = None,
    include_personal_data: bool = False,
    table_href: str | None = None,
    date: dt.date | None = None,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    tiles: str | None = OSM_FRANCE_TILES,
    tiles_attribution: str = OSM_FRANCE_ATTRIBUTION,
) -> TourMap:
    """The French tour map of ``plan``, with its routes as drawn, tables and counts.

    The cycle, the bases and the driving times and distances come from the plan's
    ``meta.schedule`` (written by ``itinerance plan``) or, when given, from ``problem`` (the
    plan's :class:`~planner.tours.model.Problem`); without either, days are numbered, bases are
    placed from ``communes`` by their INSEE code and driving times read from the plan's times.
    ``communes`` (:func:`geodata.query.communes`) gives the shapes of the coverage layer and
    places stops known only by their commune;
    ``coverage_before``/``coverage_after`` are :mod:`planner.access.coverage` per-commune frames
    without and with the tour's stops (both needed for the coverage layer). ``threshold``
    is the coverage threshold in minutes. ``include_personal_data`` places home visits at
    their address and names them (default: at their commune's point, as "Visite à domicile").
    """
    _check_threshold(threshold)
    if not plan.routes:
        raise MapError(
            f"plan {plan.problem or '(unnamed)'}: no route to draw (every stop unserved?)"
        )
    routes, notes, horizon = tour_routes(
        plan, problem=problem, communes=communes, include_personal_data=include_personal_data
    )
    coverage = coverage_layers(communes, coverage_before, coverage_after, threshold, tolerance_m)
    title = title or "Tournées"
    caption = [*_provenance_lines(plan.meta), _travel_note(plan.meta)]
    if plan.unserved:
        n = len(plan.unserved)
        caption.append(
            f"{n} arrêt{'s' if n > 1 else ''} non desservi{'s' if n > 1 else ''} par ce plan (voir "
            "le tableau)."
        )
    caption += notes
    if coverage.note:
        caption.append(coverage.note)
    made = date or dt.date.today()
    head = (
        f"Carte établie le {fmt_date(made)} avec itinerance {itinerance_version()}. "
        f"Seuil de couverture : {fmt_int(threshold)} min."
    )
    fmap = base_map(
        _bounds(routes),
        page_title=f"{title} — {plan.problem}"
        if plan.problem and plan.problem not in title
        else title,
        title_html=_title_html(plan, routes, title, coverage, threshold, table_href),
        caption_html="".join(f"<p>{esc(line)}</p>" for line in [head, *caption]),
        css=BASE_CSS + TOUR_CSS + (COLUMNS_CSS if len(routes) > TWO_COLUMNS else ""),
        tiles=tiles,
        attribution=tiles_attribution,
    )
    fmap.options["zoom_snap"] = 0.25  # fit the routes to the free area closely (see FitFreeArea)
    recorded = plan.meta.to_dict()
    meta = {
        k: recorded[k]
        for k in (
            "engine",
            "seed",
            "time_limit",
            "deterministic",
            "created",
            "inputs",
            "travel",
            "versions",
        )
        if k in recorded
    }
    fmap.add_child(
        MetaJson(
            {
                "kind": "tour map",
                "problem": plan.problem,
                "threshold": threshold,
                "routes": len(routes),
                "plan": meta,
            }
        )
    )
    if coverage.data is not None:
        fmap.add_child(coverage.data)
    for layer in coverage.layers:
        fmap.add_child(layer)

    passages = stop_passages(routes)
    route_layers: list[tuple[PointLayer, TourRoute]] = []
    n_markers = 0
    for r in routes:
        points, symbols = [], {}
        for v in r.visits:
            if not v.placed:
                continue
            key = f"{'h' if v.is_request else 'n'}{v.order}"
            symbols[key] = number_symbol(r.style, v.order, v.is_request)
            days = describe_days_fr(horizon, [x.day for x, _ in passages[v.stop]])
            popup = visit_popup(r, v, passages[v.stop], days)
            tooltip = f"{v.order} · {esc(v.name)} — {esc(r.label)}"
            points.append(MapPoint(float(v.lat), float(v.lon), key, popup, tooltip))  # type: ignore[arg-type]
        path = r.path
        layer = PointLayer(
            points,
            name=r.label,
            symbols=symbols,
            class_name=f"{STOP_CLASS} itin-stop-r{r.index}",
            lines=[path] if len(path) > 1 else [],
            control=False,
            line_style={
                "color": r.style.colour,
                "weight": 4,
                "opacity": 0.92,
                "lineJoin": "round",
                "dashArray": r.style.dash,
                "className": f"{ROUTE_CLASS} itin-route-r{r.index}",
            },
        )
        fmap.add_child(layer)
        route_layers.append((layer, r))
        n_markers += len(points)

    bases: dict[tuple[float, float], list[TourRoute]] = {}
    for r in routes:
        for point in {r.base, r.end_base} - {None}:
            bases.setdefault(point, []).append(r)  # type: ignore[arg-type]
    base_points = [
        MapPoint(
            lat, lon, "base", base_popup(rs[0].base_name, rs), f"Base : {esc(rs[0].base_name)}"
        )
        for (lat, lon), rs in bases.items()
    ]
    base_layer = PointLayer(
        base_points,
        name="Bases",
        symbols={"base": (TOUR_BASE.html(), TOUR_BASE.size + 4)},
        class_name=BASE_CLASS,
        control=False,
    )
    fmap.add_child(base_layer)

    has_home = any(v.is_request and v.placed for r in routes for v in r.visits)
    one_vehicle = len({r.vehicle for r in routes}) == 1
    legends = [
        LegendEntry(
            key="routes",
            title=(
                f"Tournées de {routes[0].vehicle_name}, par jour"
                + (" du mois" if any(r.day_title.endswith(" du mois") for r in routes) else "")
                if one_vehicle
                else "Tournées (jour · véhicule)"
            ),
            items=[
                LegendItem(r.style.line_sample(), _legend_label(r, one_vehicle), layer)
                for layer, r in route_layers
            ],
        ),
        LegendEntry(
            key="markers",
            title="Étapes",
            layers=[base_layer, *(layer for layer, _ in route_layers)],
            items=[
                LegendItem(TOUR_BASE.html(), TOUR_BASE.label, base_layer),
                LegendItem(
                    number_symbol(route_style(0), 1, False)[0],
                    "Arrêt, numéroté dans l’ordre de passage",
                ),
                *(
                    [
                        LegendItem(
                            number_symbol(route_style(0), 2, True)[0],
                            "Visite à domicile (au centre de sa commune)"
                            if not include_personal_data
                            else "Visite à domicile",
                        )
                    ]
                    if has_home
                    else []
                ),
            ],
        ),
    ]
    if coverage.legend is not None:
        legends.append(coverage.legend)
    fmap.add_child(LegendPanel(legends))
    others: list[tuple[str, str, Sequence[Layer]]] = [
        ("bases", "Bases des véhicules", [base_layer])
    ]
    if coverage.layers:
        others.insert(0, ("coverage", COVERAGE_TITLE, coverage.layers[1:]))
    fmap.add_child(TourFilter(route_layers, others, vehicle_group=not one_vehicle))
    fmap.add_child(FitFreeArea(_bounds(routes)))

    return TourMap(
        map=fmap,
        routes=routes,
        tables=tour_tables(plan, routes, horizon, coverage.frame, threshold),
        n_route_lines=sum(1 for r in routes if len(r.path) > 1),
        n_stop_markers=n_markers,
        n_base_markers=len(base_points),
        coverage_shapes=coverage.counts,
        notes=caption,
    )


def _legend_label(route: TourRoute, one_vehicle: bool) -> str:
    """``1er lundi : Vicq-Exemplet`` (one vehicle, one stop, a monthly cycle: "du mois" is in the
    legend's title), ``Semaine 1 — lundi · Bus 1 (3 arrêts)``."""
    label = route.day_title.removesuffix(" du mois") if one_vehicle else route.label
    if len(route.visits) == 1:
        return f"{label} : {route.visits[0].name}"
    return f"{label} ({len(route.visits)} arrêts)"


def build_tour_map(plan: Plan, **options: Any) -> folium.Map:
    """The French tour map as a Folium map (options as :func:`make_tour_map`)."""
    return make_tour_map(plan, **options).map


def write_tour_map(
    plan: Plan,
    path: Path | str,
    *,
    communes: gpd.GeoDataFrame | None = None,
    coverage_before: pd.DataFrame | None = None,
    coverage_after: pd.DataFrame | None = None,
    threshold: float = 30,
    title: str | None = None,
    include_personal_data: bool = False,
    **options: Any,
) -> list[Path]:
    """Build the map (options as :func:`make_tour_map`, e.g. ``problem=``) and write, all or
    nothing: ``path`` (the map), ``<stem>-tableau.html`` (the tables) and ``<stem>.csv`` (the
    stops by day). Returns the paths written."""
    path = check_map_path(path)
    tpath = table_path(path)
    result = make_tour_map(
        plan,
        communes=communes,
        coverage_before=coverage_before,
        coverage_after=coverage_after,
        threshold=threshold,
        title=title,
        include_personal_data=include_personal_data,
        table_href=tpath.name,
        **options,
    )
    heading = title or "Tournées"
    if plan.problem and plan.problem not in heading:
        heading = f"{heading} — {plan.problem}"
    page = table_page(
        heading,
        result.tables,
        intro=[
            (
                f"Ces tableaux donnent les mêmes informations que la carte {path.name}, pour une "
                "lecture sans carte (lecteur d’écran, tableur)."
            ),
            *result.notes,
        ],
        links=[
            ("Voir la carte", path.name),
            ("Télécharger les arrêts par jour (CSV)", path.with_suffix(".csv").name),
        ],
    )
    return write_map_files(path, map_html(result.map), page, result.tables[0])
