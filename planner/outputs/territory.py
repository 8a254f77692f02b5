"""A territory in French: what was loaded, what an area holds, its mobile services and rotas.

What it is for
--------------
The sentences ``itinerance data load``, ``data rota``, ``data import`` and the demo print about a
territory: the load summary, the counts of services by kind ("25 France Services fixes, 61 lieux
de médiation numérique"), the département's figures (population, small communes, IFN), its most
fragile communes, each mobile service with its parsed stops, and a parsed rota as JSON-ready
data. Numbers are written by :mod:`planner.french`.

It must not: query or write the database (callers hand it the records and frames of
:mod:`geodata.query` / :mod:`geodata.load`), print, or depend on Rich or :mod:`planner.cli`.
Lines hold no Rich markup: the caller decides what is bold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from geodata.hours import WEEKDAYS_FR
from geodata.records import ParsedRota, ServiceKind, ServicePoint
from planner.french import integer_fr, number_fr, plural_fr

if TYPE_CHECKING:
    import pandas as pd

    from geodata.load import ImportReport, LoadReport

__all__ = [
    "KIND_FR",
    "MobileServiceFr",
    "import_summary_fr",
    "ifn_fr",
    "load_summary_fr",
    "mobile_services_fr",
    "most_fragile",
    "rota_to_json",
    "rotas_summary_fr",
    "services_fr",
    "territory_summary_fr",
]

KIND_FR = {
    ServiceKind.FRANCE_SERVICES: ("France Services fixe", "France Services fixes"),
    ServiceKind.FRANCE_SERVICES_MOBILE: ("France Services itinérant", "France Services itinérants"),
    ServiceKind.MEDIATION: ("lieu de médiation numérique", "lieux de médiation numérique"),
    ServiceKind.BORNE: ("borne interactive", "bornes interactives"),
    ServiceKind.OTHER: ("autre service", "autres services"),
}
_SOURCE_FR = {
    "cnfs": "lieux de conseillers numériques",
    "aidants_connect": "structures Aidants Connect",
}
_IMPORTED_FR = {
    "borne": ("borne importée", "bornes importées"),
    "host_site": ("lieu d'accueil importé", "lieux d'accueil importés"),
    "service": ("service importé", "services importés"),
    "vehicle": ("véhicule importé", "véhicules importés"),
}


def ifn_fr(score: float) -> str:
    """An IFN score (1 to 10): ``6.25`` → ``"6,3"``."""
    return number_fr(score, 1)


def services_fr(by_kind: dict[str, int]) -> str:
    """``"25 France Services fixes, 1 France Services itinérant, 61 lieux de médiation
    numérique"`` (kinds in their usual order; ``"aucun service"`` when empty)."""
    parts = [plural_fr(by_kind[k.value], *KIND_FR[k]) for k in ServiceKind if by_kind.get(k.value)]
    return ", ".join(parts) or "aucun service"


def _first(items: Sequence[str], n: int, sep: str = ", ") -> str:
    return sep.join(items[:n]) + (" …" if len(items) > n else "")


def load_summary_fr(r: LoadReport) -> list[str]:
    """The French lines ``data load`` (and the demo) print after a load."""
    with_contour = r.communes - len(r.communes_without_geometry)
    lines = [
        f"{r.area.label_fr.capitalize()} chargé en {number_fr(r.seconds, 1)} s : "
        f"{plural_fr(r.communes, 'commune')}, {integer_fr(r.population)} habitants, "
        f"{plural_fr(r.epcis, 'EPCI', 'EPCI')}.",
        f"Contours : {integer_fr(with_contour)} communes sur {integer_fr(r.communes)}"
        + (f" ({r.contour_source})" if r.contour_source else "")
        + (
            f" ; sans contour : {_first(r.communes_without_geometry, 8)}"
            " (donnez un fichier avec --contours)"
            if r.communes_without_geometry
            else ""
        )
        + ".",
        "Indice de fragilité numérique : "
        f"{integer_fr(r.communes - len(r.ifn_missing))} communes avec score"
        + (
            f", {integer_fr(len(r.ifn_missing))} sans ({', '.join(r.ifn_missing[:8])})"
            if r.ifn_missing
            else ""
        )
        + ".",
        f"Services : {services_fr(r.services_by_kind)}"
        + (
            " ("
            + ", ".join(
                f"{integer_fr(n)} {_SOURCE_FR.get(src, src)}"
                for src, n in r.mediation_by_source.items()
            )
            + ")"
            if r.mediation_by_source
            else ""
        )
        + (
            f" ; {integer_fr(r.nearby_services)} services voisins (moins de 50 km) ajoutés"
            if r.nearby_services
            else ""
        )
        + ".",
    ]
    if r.mediation_unlocated:
        lines.append(f"Lieux de médiation sans position : {integer_fr(r.mediation_unlocated)}.")
    if r.odd_hours:
        shown = _first(
            [
                f"{o.service_id} {WEEKDAYS_FR[o.weekday] if o.weekday is not None else 'semaine'}"
                f" {o.text!r}"
                for o in r.odd_hours
            ],
            5,
            "; ",
        )
        lines.append(
            f"Horaires illisibles (laissés de côté) : {integer_fr(len(r.odd_hours))} — {shown}."
        )
    lines.append(
        "Tournées : "
        + plural_fr(r.rotas, "service itinérant ou multisite", "services itinérants ou multisites")
        + f", {plural_fr(r.rota_stops, 'arrêt')}, "
        + plural_fr(r.unresolved_stops, "nom non résolu", "noms non résolus")
        + f", {plural_fr(r.rota_issues, 'remarque')}."
    )
    return lines


def import_summary_fr(report: ImportReport, kind: str) -> str:
    """The line ``data import`` prints: what was stored, replaced, located, placed."""
    return (
        f"{plural_fr(report.stored, *_IMPORTED_FR[kind])} depuis {report.source}"
        + (
            f" (dont {integer_fr(report.replaced)} déjà importé(s) de ce fichier, remplacé(s))"
            if report.replaced
            else ""
        )
        + (
            f" ; {integer_fr(report.located_by_contour)} situé(s) dans leur commune "
            "par leurs coordonnées"
            if report.located_by_contour
            else ""
        )
        + (
            f" ; {integer_fr(report.placed_at_commune)} placé(s) au point de leur commune"
            if report.placed_at_commune
            else ""
        )
        + "."
    )


def rotas_summary_fr(rotas: Sequence[ParsedRota]) -> str:
    """``"3 tournées, 41 arrêts, 2 noms non résolus."``"""
    stops = sum(len(r.stops) for r in rotas)
    unresolved = sum(1 for r in rotas for s in r.stops if s.match.insee is None)
    return (
        f"{plural_fr(len(rotas), 'tournée')}, {plural_fr(stops, 'arrêt')}, "
        f"{plural_fr(unresolved, 'nom non résolu', 'noms non résolus')}."
    )


def rota_to_json(rota: ParsedRota) -> dict:
    """A parsed rota as JSON-ready data (French recurrence included)."""
    from geodata.rota import describe_recurrence_fr

    return {
        "service_id": rota.service_id,
        "service_name": rota.service_name,
        "base_insee": rota.base_insee,
        "departement": rota.departement,
        "raw_text": rota.raw_text,
        "hours": {
            WEEKDAYS_FR[d]: [[iv.start, iv.end] for iv in ivs]
            for d, ivs in sorted(rota.hours.items())
        },
        "stops": [
            {
                "order": s.order,
                "raw_name": s.raw_name,
                "insee": s.match.insee,
                "name": s.match.name,
                "confidence": round(s.match.confidence, 3),
                "reason": s.match.reason,
                "candidates": [list(c) for c in s.match.candidates],
                "recurrence": {
                    "kind": s.recurrence.kind.value,
                    "weekday": s.recurrence.weekday,
                    "nth": s.recurrence.nth,
                    "start": s.recurrence.start,
                    "end": s.recurrence.end,
                    "part_of_day": s.recurrence.part_of_day,
                    "text": s.recurrence.text,
                },
                "recurrence_fr": describe_recurrence_fr(s.recurrence),
                "place": s.place,
            }
            for s in rota.stops
        ],
        "issues": list(rota.issues),
    }


# --- a département, as the demo tells it ----------------------------------------------------------


def territory_summary_fr(
    label: str,
    communes: pd.DataFrame,
    services: Sequence[ServicePoint],
    nearby: Sequence[ServicePoint],
) -> list[str]:
    """The département in a few lines: communes, population, EPCI, small communes; services by
    kind; services just across the border (``nearby`` includes ``services``); the IFN's median
    and population-weighted mean. ``label`` is ``"Indre (36)"``."""
    population = int(communes["population"].fillna(0).sum())
    small = int((communes["population"].fillna(0) < 500).sum())
    by_kind = Counter(s.kind.value for s in services)
    lines = [
        f"{label} : {integer_fr(len(communes))} communes, "
        f"{integer_fr(population)} habitants, {integer_fr(communes['epci'].nunique())} EPCI ; "
        f"{integer_fr(small)} communes de moins de 500 habitants.",
        f"Services dans le département : {services_fr(dict(by_kind))}.",
        "Avec les départements voisins (moins de 30 km) : "
        f"{integer_fr(len(nearby) - len(services))} services de plus.",
    ]
    ifn = communes["ifn"].dropna()
    if len(ifn):
        weighted = float(
            (communes["ifn"] * communes["population"]).sum()
            / communes.loc[communes["ifn"].notna(), "population"].sum()
        )
        lines.append(
            "Indice de fragilité numérique (de 1 à 10, 10 = le plus fragile) : "
            f"médiane {ifn_fr(float(ifn.median()))}, "
            f"moyenne pondérée par la population {ifn_fr(weighted)}"
            + (
                f" ; {integer_fr(len(communes) - len(ifn))} communes sans score"
                if len(ifn) < len(communes)
                else ""
            )
            + "."
        )
    return lines


def most_fragile(communes: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` communes with the highest IFN (ties: the most populated first, then by code)."""
    ranked = communes[communes["ifn"].notna()].sort_values(
        ["ifn", "population", "code"], ascending=[False, False, True]
    )
    return ranked.head(n)


@dataclass(frozen=True)
class MobileServiceFr:
    """A mobile or multi-site service in French: its title, base, one line per stop and a
    closing remark (empty when every stop name was resolved)."""

    service_id: str
    title: str
    base: str
    stops: tuple[str, ...]
    unresolved: int


def mobile_services_fr(
    services: Sequence[ServicePoint],
    rotas: Iterable[ParsedRota],
    names: dict[str, str],
) -> tuple[str, list[MobileServiceFr]]:
    """The headline (how many mobile France Services, how many rotas read) and each mobile or
    multi-site service with its parsed stops; ``names`` maps INSEE codes to commune names."""
    from geodata.rota import describe_recurrence_fr

    mobile = [s for s in services if s.kind == ServiceKind.FRANCE_SERVICES_MOBILE]
    by_id = {r.service_id: r for r in rotas}
    headline = (
        f"{plural_fr(len(mobile), 'France Services itinérant', 'France Services itinérants')} ; "
        f"{plural_fr(len(by_id), 'tournée lue', 'tournées lues')} dans la liste nationale "
        "(services itinérants et multisites)."
    )
    out = []
    for service_id in sorted(set(by_id) | {s.id for s in mobile}):
        rota = by_id.get(service_id)
        service = next((s for s in services if s.id == service_id), None)
        title = rota.service_name if rota else service.name  # type: ignore[union-attr]
        base = (rota.base_insee if rota else service.insee) or ""  # type: ignore[union-attr]
        lines = []
        if rota is None or not rota.stops:
            lines.append("Aucun arrêt lisible dans la liste nationale.")
        for stop in rota.stops if rota else ():
            if stop.match.insee:
                where = f"{stop.match.name} ({stop.match.insee})" + (
                    f", {stop.place}" if stop.place else ""
                )
            else:
                near = ", ".join(f"{n} {c}" for c, n, _ in stop.match.candidates[:3])
                where = f"« {stop.raw_name} » non résolu" + (f" (proches : {near})" if near else "")
            lines.append(f"{stop.order:>2}. {describe_recurrence_fr(stop.recurrence)} — {where}")
        unresolved = sum(1 for s in rota.stops if s.match.insee is None) if rota else 0
        out.append(
            MobileServiceFr(service_id, title, names.get(base, base), tuple(lines), unresolved)
        )
    return headline, out
