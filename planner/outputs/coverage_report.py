"""The coverage and siting reports in French, and their JSON / CSV forms.

What it is for
--------------
``itinerance coverage`` and ``itinerance site`` (and the demo) print the same report: a headline,
totals by kind of help, the communes left out, the communes chosen and a before / after table.
This module builds those texts and figures from a :class:`~planner.access.coverage.CoverageResult`
or a :class:`~planner.access.siting.SitingResult`: lines of French text (a :class:`Heading` for
titles) and :class:`TableFr` tables (title, columns, rows of text), which the CLI shows with Rich.
It also shapes the ``--format json`` / ``csv`` bodies and the map's method note.

Numbers are written by :mod:`planner.french`.

It must not: read the database (:mod:`planner.access.area` does), print, write files, or
depend on Rich or :mod:`planner.cli` (presentation is the caller's).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from planner.files import formula_safe
from planner.french import number_fr, plural_fr, short_number_fr

if TYPE_CHECKING:
    import pandas as pd

    from planner.access.area import Area
    from planner.access.coverage import CoverageResult
    from planner.access.siting import SitingResult

__all__ = [
    "Heading",
    "TableFr",
    "coverage_csv",
    "coverage_json",
    "coverage_report_fr",
    "method_note_fr",
    "minutes_fr",
    "site_json",
    "site_report_fr",
]


class Heading(str):
    """A line of a report that is its title (the CLI shows it in bold)."""

    __slots__ = ()


@dataclass
class TableFr:
    """A table of a report: French title and column names, rows of text; the columns in
    ``right`` hold numbers (aligned right)."""

    title: str
    columns: tuple[str, ...]
    right: frozenset[str] = frozenset()
    rows: list[tuple[str, ...]] = field(default_factory=list)


Part = str | TableFr


def minutes_fr(x: float | None) -> str:
    """``12.4`` → ``"12 min"``; missing → ``"—"``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{number_fr(x, 0)} min"


def _or_dash(value: Any, digits: int = 0) -> str:
    import pandas as pd

    return "—" if pd.isna(value) else number_fr(value, digits)


# --- coverage -------------------------------------------------------------------------------------
def coverage_report_fr(result: CoverageResult, label: str, gaps: int) -> list[Part]:
    """The French report: headline, totals by kind of help, the first ``gaps`` communes left
    out, by need."""
    t = number_fr(result.threshold, 0)
    fs = result.totals.loc["france_services"]
    human = result.totals.loc["human"]
    total_pop = fs.population_covered + fs.population_not_covered
    share = fs.population_not_covered / total_pop if total_pop else 0.0
    out: list[Part] = [
        Heading(f"Couverture — {label}, seuil {t} min"),
        (
            f"Population à plus de {t} min d'une France Services : "
            f"{number_fr(fs.population_not_covered)} habitants ({number_fr(100 * share, 1)} %), "
            f"{plural_fr(int(fs.communes_not_covered), 'commune')}"
        ),
        (
            f"Population à plus de {t} min de toute aide humaine "
            f"(France Services, médiation, bus) : {number_fr(human.population_not_covered)} "
            f"habitants, {plural_fr(int(human.communes_not_covered), 'commune')}"
        ),
    ]
    numbers = (
        "Communes couvertes",
        "Population couverte",
        "Population non couverte",
        "Besoin non couvert (pop. × IFN)",
    )
    totals = TableFr("Population couverte par forme d'aide", ("Forme d'aide", *numbers))
    totals.right = frozenset(numbers)
    for _, row in result.totals.iterrows():
        totals.rows.append(
            (
                row.label_fr,
                number_fr(row.communes_covered),
                number_fr(row.population_covered),
                number_fr(row.population_not_covered),
                number_fr(row.need_not_covered),
            )
        )
    out.append(totals)
    if "access_score" in result.communes:
        scores = result.communes.sort_values(
            ["access_score", "population"], ascending=[True, False]
        )
        lowest = ", ".join(
            f"{r['name']} ({number_fr(r['access_score'], 1)})" for _, r in scores.head(5).iterrows()
        )
        out.append(
            "Accessibilité (2SFCA, heures d'ouverture par semaine pour "
            f"{number_fr(1000)} habitants à moins de {t} min) : "
            f"médiane {number_fr(scores['access_score'].median(), 1)} ; "
            f"les plus faibles : {lowest}"
        )
    gap_rows = result.gaps
    if gap_rows.empty:
        out.append(
            f"Communes non couvertes : aucune (toutes ont une aide humaine à moins de {t} min)."
        )
        return out
    numbers = ("Population", "IFN", "Besoin", "Temps")
    table = TableFr(
        f"Communes non couvertes ({number_fr(len(gap_rows))}), par besoin décroissant"
        + (f" — les {gaps} premières" if len(gap_rows) > gaps else ""),
        ("Code", "Commune", *numbers[:3], "Statut", "France Services la plus proche", "Temps"),
        frozenset(numbers),
    )
    for code, row in gap_rows.head(gaps).iterrows():
        nearest = row["france_services_name"]
        table.rows.append(
            (
                str(code),
                str(row["name"]),
                number_fr(row["population"]),
                _or_dash(row["ifn"], 1),
                _or_dash(row["need"]),
                str(row["status"]),
                "—" if _missing(nearest) else str(nearest),
                minutes_fr(row["france_services_minutes"]),
            )
        )
    out.append(table)
    return out


def _missing(value: Any) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Minutes and km to 0.01, need to 0.1: readable files, no false precision."""
    digits = {c: 2 for c in frame.columns if c.endswith(("_minutes", "_km"))}
    return frame.round({**digits, "need": 1, "mobile_hours_month": 2, "access_score": 3})


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows (NaN → null) with the index as ``code``."""
    return json.loads(frame.reset_index().to_json(orient="records", force_ascii=False))


def coverage_csv(result: CoverageResult) -> str:
    """One row per commune, figures rounded (``--format csv``)."""
    from pandas.api.types import is_numeric_dtype

    frame = _rounded(result.communes).reset_index()
    for col in frame.columns:  # names are text: never a formula
        if not is_numeric_dtype(frame[col]):
            frame[col] = frame[col].map(lambda v: v if not isinstance(v, str) else formula_safe(v))
    return frame.to_csv(index=False)


def coverage_json(area: Area, result: CoverageResult, meta: dict[str, Any]) -> str:
    """The whole analysis as JSON (``--format json``), with ``meta`` (provenance)."""
    body = {
        "area": area.label,
        "threshold_minutes": result.threshold,
        "router": result.router,
        "totals": _records(result.totals),
        "gaps": _records(result.gaps),
        "communes": _records(result.communes),
        "excluded_services": list(result.excluded_services),
        "rota_issues": area.issues,
        "meta": meta,
    }
    return json.dumps(body, ensure_ascii=False, indent=1) + "\n"


def method_note_fr(router: object) -> str:
    """How a map's travel times were obtained, in French."""
    from planner.access.routers import OfflineModel

    if isinstance(router, OfflineModel):
        circuity = short_number_fr(router.circuity)
        return (
            f"Temps de trajet estimés sans réseau routier : distance à vol d’oiseau × {circuity}, "
            "vitesse selon la longueur du trajet."
        )
    return "Temps de trajet calculés sur le réseau routier (OSRM, données OpenStreetMap)."


# --- siting ---------------------------------------------------------------------------------------
def site_report_fr(
    result: SitingResult, label: str, k: int | None, solver: str = "cp-sat"
) -> list[Part]:
    """Where to add ``k`` sites (or the fewest covering everyone): the communes chosen, the
    need newly covered, the optimality, the communes out of reach, before / after."""
    names = result.names
    frame = result.comparison.before.communes
    what = "bornes" if result.kind == "borne" else "arrêts"
    t = number_fr(result.threshold, 0)
    out: list[Part] = []
    if result.model == "maximal_covering":
        out.append(Heading(f"Où ajouter {k} {what} — {label}, seuil {t} min"))
    else:
        out.append(
            Heading(
                f"Le plus petit ensemble d'{what} couvrant toutes les communes — {label}, "
                f"seuil {t} min"
            )
        )
    numbers = ("Rang", "Population", "IFN", "Besoin nouvellement couvert")
    table = TableFr(
        f"Communes choisies ({len(result.chosen)})",
        ("Rang", "Code", "Commune", *numbers[1:]),
        frozenset(numbers),
    )
    for rank, (code, gain) in enumerate(zip(result.chosen, result.gains), start=1):
        table.rows.append(
            (
                str(rank),
                code,
                str(names[code]),
                number_fr(frame.loc[code, "population"]),
                _or_dash(frame.loc[code, "ifn"], 1),
                number_fr(gain),
            )
        )
    if result.chosen:
        out.append(table)
    else:
        out.append(f"Aucun {what[:-1]} n'apporte de couverture nouvelle à moins de {t} min.")
    if k is not None and 0 < len(result.chosen) < k:
        out.append(
            (
                f"Seul 1 {what[:-1]} couvre"
                if len(result.chosen) == 1
                else f"Seuls {len(result.chosen)} {what} couvrent"
            )
            + " quelqu'un de nouveau ; les autres n'apporteraient rien."
        )
    out.append(
        f"Besoin nouvellement couvert : {number_fr(result.need_covered)} (population × IFN), "
        f"soit {plural_fr(int(result.population_covered), 'habitant')} "
        f"dans {plural_fr(len(result.newly_covered), 'commune')}"
        + (" (couverture partielle : bornes)" if result.kind == "borne" else "")
    )
    seconds = number_fr(result.seconds, 1)
    if result.status == "OPTIMAL":
        out.append(f"Optimalité : optimum prouvé par {solver.upper()} en {seconds} s")
    else:
        out.append(
            "Optimalité : solution réalisable, "
            f"écart à la borne ≤ {number_fr(100 * result.gap, 2)} % "
            f"(limite de temps atteinte, {seconds} s)"
        )
    if result.uncoverable:
        out.append(
            f"Communes qu'aucun candidat n'atteint en {t} min ({len(result.uncoverable)}) : "
            + ", ".join(f"{names[c]} ({c})" for c in result.uncoverable[:15])
            + (" …" if len(result.uncoverable) > 15 else "")
        )
    diff = result.comparison
    rows = [
        (
            "fs_or_mobile",
            "population_not_covered",
            f"Population à plus de {t} min d'une France Services ou d'un arrêt",
        ),
        ("human", "population_not_covered", f"Population à plus de {t} min de toute aide humaine"),
        ("human", "need_not_covered", "Besoin sans aide humaine (population × IFN)"),
        ("borne_only", "population_covered", "Population avec une borne seulement"),
    ]
    compare = TableFr(
        "Avant / après",
        ("Mesure", "Avant", "Après", "Différence"),
        frozenset({"Avant", "Après", "Différence"}),
    )
    for measure, key, text in rows:
        before = float(diff.before.totals.loc[measure, key])
        after = float(diff.after.totals.loc[measure, key])
        change = number_fr(after - before)
        compare.rows.append(
            (text, number_fr(before), number_fr(after), change if after < before else f"+{change}")
        )
    out.append(compare)
    return out


def site_json(
    result: SitingResult,
    label: str,
    k: int | None,
    meta: dict[str, Any],
) -> str:
    """The siting result as JSON (``site --format json``), with ``meta`` (provenance)."""
    names = result.names
    body = {
        "area": label,
        "model": result.model,
        "kind": result.kind,
        "new_sites_asked": k,
        "threshold_minutes": result.threshold,
        "chosen": [
            {"code": c, "name": names[c], "need_newly_covered": g}
            for c, g in zip(result.chosen, result.gains)
        ],
        "need_newly_covered": result.need_covered,
        "population_newly_covered": result.population_covered,
        "newly_covered": list(result.newly_covered),
        "uncoverable": list(result.uncoverable),
        "status": result.status,
        "bound": result.bound,
        "gap": result.gap,
        "seconds": result.seconds,
        "before": _records(result.comparison.before.totals),
        "after": _records(result.comparison.after.totals),
        "difference": _records(result.comparison.difference),
        "meta": meta,
    }
    return json.dumps(body, ensure_ascii=False, indent=1) + "\n"
