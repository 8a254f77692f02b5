"""The tour map's tables: the same information as the map, as tables for the accessible table page
and the CSV (stops by day, then the routes, then the coverage created).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from maps._html import fmt_int, fmt_minutes
from maps.tables import Table
from maps.tour.routes import TourRoute, stop_passages
from maps.tour.text import drive_text, permanence_text, place_text
from planner.french import format_range_fr, format_time_fr
from planner.tours.model import Horizon
from planner.tours.plan import Plan
from planner.tours.wording import describe_days_fr

STOP_COLUMNS = (
    "Jour",
    "Véhicule",
    "N°",
    "Étape",
    "Commune (code INSEE)",
    "Arrivée",
    "Permanence",
    "Trajet depuis l’étape précédente",
    "Passages de l’arrêt",
)


def tour_tables(
    plan: Plan,
    routes: Sequence[TourRoute],
    horizon: Horizon,
    coverage: pd.DataFrame | None = None,
    threshold: float = 30,
) -> list[Table]:
    """The stops by day (first table, also the CSV), the routes, and the communes brought
    within the threshold when the coverage is known."""
    passages = stop_passages(routes)
    rows = []
    for r in routes:
        for v in r.visits:
            rows.append(
                {
                    "Jour": r.day_title,
                    "Véhicule": r.vehicle_name,
                    "N°": v.order,
                    "Étape": v.name,
                    "Commune (code INSEE)": place_text(v),
                    "Arrivée": format_time_fr(v.arrival),
                    "Permanence": permanence_text(v.start, v.end, v.lunch),
                    "Trajet depuis l’étape précédente": drive_text(v),
                    "Passages de l’arrêt": describe_days_fr(
                        horizon, [x.day for x, _ in passages[v.stop]]
                    ),
                }
            )
    stops = Table(
        caption="Arrêts par jour, dans l’ordre de passage",
        frame=pd.DataFrame(rows, columns=list(STOP_COLUMNS)),
        kinds={"N°": "int"},
        note=(
            "Visites à domicile : seulement la commune et le créneau. Permanence : heures "
            "d’ouverture "
            "sur place, en deux parties quand la pause déjeuner est prise sur place."
        ),
    )
    route_rows = [
        {
            "Tournée": r.label,
            "Base": r.base_name,
            "Départ": format_time_fr(r.depart),
            "Arrêts": len(r.visits),
            "Retour": format_time_fr(r.ret),
            "Pause": format_range_fr(*r.lunch) if r.lunch else "",
            "Conduite": fmt_minutes(r.drive_minutes) if r.drive_minutes is not None else "—",
            "Distance (km)": r.km if r.km is not None else np.nan,
        }
        for r in routes
    ]
    tables = [
        stops,
        Table(
            caption="Tournées (une couleur chacune sur la carte)",
            frame=pd.DataFrame(route_rows),
            kinds={"Arrêts": "int", "Distance (km)": "dec1"},
        ),
    ]
    if plan.unserved:
        tables[1] = Table(
            caption=tables[1].caption,
            frame=tables[1].frame,
            kinds=tables[1].kinds,
            note=f"Non desservis par ce plan : {', '.join(sorted(plan.unserved))}.",
        )
    if coverage is not None:
        created = coverage[coverage["created"]].sort_values(
            ["need", "population"], ascending=False, na_position="last"
        )
        tables.append(
            Table(
                caption=(
                    f"Communes mises à moins de {fmt_int(threshold)} min d’une aide humaine "
                    "par la tournée"
                ),
                frame=pd.DataFrame(
                    {
                        "Commune": created["name"].to_numpy(),
                        "Code INSEE": created.index.to_numpy(),
                        "Population": created["population"].to_numpy(),
                        "Besoin (population × IFN)": created["need"].to_numpy(),
                        "Temps jusqu’à l’arrêt le plus proche (min)": created["minutes"].to_numpy(),
                    }
                ),
                kinds={
                    "Population": "int",
                    "Besoin (population × IFN)": "int",
                    "Temps jusqu’à l’arrêt le plus proche (min)": "int",
                },
                note=(
                    "Sans les arrêts de cette tournée, ces communes n’ont aucune aide humaine "
                    "à portée."
                ),
            )
        )
    return tables
