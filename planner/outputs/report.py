"""The readable French printout of a plan: the rota per vehicle and day, each stop's pattern,
the validator's figures and violations.

Shared by ``itinerance plan``, ``itinerance evaluate`` and the exports, so that a mobility
manager reads the same words everywhere::

    La Rur@linette — base : Châteauroux
      1er lundi : départ 9:17 de Châteauroux → Vicq-Exemplet 10:00–16:00 (pause 12:30–13:30)
        → retour 16:43

Functions return lists of plain text lines (no markup), so the CLI prints them, tests read
them and exports embed them. Violation messages come from :mod:`planner.tours.validator` (short
English diagnostics); each is introduced by a French label of its kind.

It must not decide anything (the validator checks, the engines plan), nor print or write files; it
never shows personal data (requests are named by their commune, see :mod:`planner.scenario.build`).
"""

from __future__ import annotations

import math

from planner.analysis.visitors import visitors_line_fr
from planner.dates import period_fr
from planner.french import (
    format_duration_fr,
    format_range_fr,
    format_time_fr,
    number_fr,
    plural_fr,
)
from planner.scenario.context import Context
from planner.tours.model import Problem, StopKind
from planner.tours.plan import Plan, Route
from planner.tours.validator import PlanFigures, PublishedChange, ValidationReport
from planner.tours.wording import dated_day_fr, day_label_fr, describe_pattern_fr, join_fr

__all__ = [
    "KIND_FR",
    "day_title_fr",
    "bookings_lines",
    "figures_lines",
    "note_lines",
    "pattern_lines",
    "render",
    "rota_lines",
    "stability_lines",
    "stability_meta",
    "summary_fr",
    "violation_lines",
    "visitors_lines",
]

# French labels of the validator's violation kinds (planner.tours.validator.KINDS).
KIND_FR = {
    "unknown_vehicle": "véhicule inconnu",
    "unknown_day": "jour hors du cycle",
    "duplicate_route": "deux tournées le même jour",
    "vehicle_day_off": "jour non travaillé",
    "unknown_stop": "arrêt inconnu",
    "travel_time": "trajet trop court",
    "arrival_mismatch": "heure d'arrivée incohérente",
    "early_start": "début avant l'arrivée",
    "window": "hors des horaires permis",
    "duration": "durée de permanence",
    "overlap": "pause à cheval sur une permanence",
    "features": "équipement manquant",
    "area": "hors de la zone du véhicule",
    "seats": "places fauteuil insuffisantes",
    "capacity": "capacité dépassée",
    "max_stops": "trop d'arrêts dans la journée",
    "shift_start": "départ avant la prise de service",
    "shift_end": "retour après la fin de service",
    "max_work": "journée trop longue",
    "max_drive": "trop de conduite",
    "lunch_missing": "pas de pause déjeuner",
    "lunch_window": "pause hors de sa plage",
    "lunch_duration": "durée de la pause",
    "lunch_while_driving": "pause pendant un trajet",
    "frequency": "fréquence non respectée",
    "pattern": "jours non permis",
    "regularity_vehicle": "véhicule qui change",
    "regularity_time": "horaire qui change",
    "mandatory_unserved": "arrêt obligatoire non desservi",
    "optional_unserved_not_listed": "arrêt facultatif oublié",
    "unserved_but_served": "arrêt déclaré non desservi mais visité",
}

_WAIT_SHOWN = 1.0  # minutes of waiting on site before the arrival time is printed


def day_title_fr(problem: Problem, day: int) -> str:
    """ "1er lundi", "Dernier jour du mois" (monthly), "Lundi" (1 week), "Semaine 2 — mardi"."""
    h = problem.horizon
    d = h.days[day]
    if d.date is not None:
        return f"Semaine {d.week + 1} — {dated_day_fr(h, day)}"
    if h.plain_days is None and not h.monthly and h.weeks > 1 and d.weekday is not None:
        return f"Semaine {d.week + 1} — {day_label_fr(h, day).split(' (')[0]}"
    label = day_label_fr(h, day)
    return label[:1].upper() + label[1:]


def _place_name(problem: Problem, location: int) -> str:
    return problem.locations[location].name or problem.locations[location].id


def _route_line(problem: Problem, route: Route) -> str:
    v = problem.vehicle_by_id.get(route.vehicle)
    base = _place_name(problem, v.start_location) if v else route.vehicle
    home = _place_name(problem, v.end_location) if v else base
    steps = []
    lunch = route.lunch
    lunch_done = lunch is None
    if lunch is not None and lunch[1] <= route.depart + 1e-6:
        steps.append(f"pause {format_range_fr(*lunch)}")
        lunch_done = True
    steps.append(f"départ {format_time_fr(route.depart)} de {base}")
    for visit in route.visits:
        stop = problem.stop_by_id.get(visit.stop)
        name = stop.name if stop is not None and stop.name else visit.stop
        if (
            not lunch_done
            and lunch is not None
            and lunch[1] <= visit.start + 1e-6
            and lunch[0] >= visit.arrival - 1e-6
        ):
            steps.append(f"pause {format_range_fr(*lunch)}")
            lunch_done = True
        text = f"{name} {format_range_fr(visit.start, visit.end)}"
        if visit.start - visit.arrival > _WAIT_SHOWN:
            arrival = format_time_fr(visit.arrival)
            text = f"{name} (arrivée {arrival}) {format_range_fr(visit.start, visit.end)}"
        if (
            not lunch_done
            and lunch is not None
            and visit.start - 1e-6 <= lunch[0]
            and lunch[1] <= visit.end + 1e-6
        ):
            text += f" (pause {format_range_fr(*lunch)})"
            lunch_done = True
        steps.append(text)
    steps.append(f"retour {format_time_fr(route.ret)}" + (f" à {home}" if home != base else ""))
    if not lunch_done and lunch is not None:
        steps.append(f"pause {format_range_fr(*lunch)}")
    return " → ".join(steps)


def rota_lines(problem: Problem, plan: Plan, context: Context | None = None) -> list[str]:
    """Per vehicle, one line per day it goes out, in the order of the cycle (with its service
    area when ``context`` gives one)."""
    out: list[str] = []
    known = [v.id for v in problem.vehicles]
    others = sorted({r.vehicle for r in plan.routes} - set(known))
    for vid in known + others:
        routes = sorted((r for r in plan.routes if r.vehicle == vid), key=lambda r: r.day)
        v = problem.vehicle_by_id.get(vid)
        title = v.name or v.id if v else vid
        base = f" — base : {_place_name(problem, v.start_location)}" if v else ""
        info = context.vehicles.get(vid) if context is not None else None
        zone = f" — zone : {info.area_label}" if info is not None and info.area_label else ""
        out.append(f"{title}{base}{zone}")
        if not routes:
            out.append("  aucune tournée")
        for r in routes:
            day = (
                day_title_fr(problem, r.day)
                if 0 <= r.day < problem.horizon.n_days
                else f"Jour {r.day}"
            )
            out.append(f"  {day} : {_route_line(problem, r)}")
    return out


def pattern_lines(problem: Problem, plan: Plan) -> list[str]:
    """Each stop served, with its days and hours in French and its presence per month; then
    the stops left out."""
    out: list[str] = []
    cpm = problem.horizon.cycles_per_month
    unserved = []
    for stop in problem.stops:
        visits = plan.visits_of(stop.id)
        if not visits:
            unserved.append(stop)
            continue
        if stop.kind is StopKind.REQUEST:  # a booking happens once: never "par mois"
            hours = len(visits) * stop.duration
            out.append(
                f"- {stop.name or stop.id} : {describe_pattern_fr(problem, stop.id, plan)} "
                f"— {format_duration_fr(hours)} de visite, une seule fois (réservation)"
            )
            continue
        hours = len(visits) * stop.duration * cpm
        out.append(
            f"- {stop.name or stop.id} : {describe_pattern_fr(problem, stop.id, plan)} "
            f"— {format_duration_fr(hours)} de présence par mois"
        )
    for stop in unserved:
        why = "obligatoire, NON DESSERVI" if stop.mandatory else "facultatif, non retenu"
        out.append(f"- {stop.name or stop.id} : {why}")
    return out


def visitors_lines(plan: Plan | None) -> list[str]:
    """The expected visitors line, from the plan's ``meta.visitors`` (none when it has none)."""
    visitors = plan.meta.visitors if plan is not None else None
    if not visitors or visitors.get("low") is None or visitors.get("high") is None:
        return []
    threshold = visitors.get("threshold")
    bookings = None
    if visitors.get("requests_in_period"):
        bookings = (int(visitors["requests_in_period"]), float(visitors["requests_factor"]))
    return [
        visitors_line_fr(visitors["low"], visitors["high"], threshold=threshold, bookings=bookings)
    ]


def figures_lines(
    problem: Problem, report: ValidationReport, plan: Plan | None = None
) -> list[str]:
    """The plan's monthly figures in French (recomputed by the validator), and its expected
    visitors when ``plan``'s meta has them."""
    f = report.figures
    regular = " (permanences régulières)" if f.requests_total else ""
    monthly = (
        f"Par mois{regular} : {number_fr(f.km_per_month)} km, "
        f"{format_duration_fr(f.drive_hours_per_month * 60)} de conduite, "
        f"{format_duration_fr(f.work_hours_per_month * 60)} de travail (du départ au retour), "
        f"{format_duration_fr(f.presence_hours_total_per_month * 60)} de présence."
    )
    lines = [
        *([monthly] if f.stops_total or not f.requests_total else []),
        f"Arrêts desservis : {f.stops_served} sur {f.stops_total}"
        + (
            f" ; visites à la demande : {f.requests_served} sur {f.requests_total}"
            if f.requests_total
            else ""
        )
        + (
            f" ; obligatoires : {f.mandatory_served} sur {f.mandatory_total}"
            if f.mandatory_total != f.stops_total
            else ""
        )
        + ".",
    ]
    lines += bookings_lines(problem, f)
    if problem.communes:
        lines.append(
            "Besoin servi (population × IFN × gain de niveau de service, chaque commune comptée "
            f"une fois) : {number_fr(f.need_served)} sur {number_fr(f.need_possible)} que "
            f"l'ensemble des arrêts possibles pourrait servir ; {f.communes_improved} commune(s) "
            f"mieux servie(s) sur {f.communes_reachable}."
        )
        bound = (plan.meta.figures or {}).get("need_bound") if plan.meta else None
        if bound:
            share = math.floor(1000 * f.need_served / bound) / 10  # "at least": rounded down
            lines.append(
                f"Borne prouvée : aucun plan ne servirait plus de {number_fr(bound)} de ce besoin "
                f"(relaxation linéaire, docs/engine.md) ; ce plan atteint donc au moins "
                f"{number_fr(share, 1)} % du meilleur plan possible."
            )
    lines += visitors_lines(plan)
    if f.value_total > 0:
        lines.append(
            "Valeur des arrêts facultatifs (valeurs données dans le scénario) : "
            f"{number_fr(f.value_served)} sur {number_fr(f.value_total)}."
        )
    if f.cost - f.once_cost > 1e-9:  # the bookings' part is in bookings_lines, once
        lines.append(
            f"Coût d'exploitation (km et heures) : {number_fr(f.cost_per_month)} € par mois."
        )
    if f.yearly_cost is not None and f.budget_max_per_year is not None:
        net = "net des aides publiques connues" if f.budget_basis == "net" else "coût brut"
        lines.append(
            f"Budget : {number_fr(f.yearly_cost)} € par an pour un budget de "
            f"{number_fr(f.budget_max_per_year)} € par an ({net} : véhicules, entretien, bornes, "
            "carburant et heures d'agents)."
        )
    if len(f.per_vehicle) > 1:
        for vf in f.per_vehicle:
            v = problem.vehicle_by_id.get(vf.vehicle)
            lines.append(
                f"  {v.name if v else vf.vehicle} : {vf.routes} jour(s) par cycle, "
                f"{number_fr(vf.km_per_month)} km et "
                f"{format_duration_fr(vf.drive_hours_per_month * 60)} "
                "de conduite par mois"
            )
    return lines


def bookings_lines(problem: Problem, f: PlanFigures) -> list[str]:
    """The bookings (requests) served, counted once: visits, hours, and the km, driving and
    work they account for (see :class:`~planner.tours.validator.PlanFigures`)."""
    if not f.request_hours:
        return []
    visits = len(f.request_hours)
    line = (
        f"Réservations {period_fr(problem.horizon.period)}, comptées une fois (pas par mois) : "
        f"{plural_fr(visits, 'visite', 'visites')}, "
        f"{format_duration_fr(sum(f.request_hours.values()) * 60)} de visite, "
        f"{number_fr(f.once_km)} km, {format_duration_fr(f.once_drive_hours * 60)} de conduite, "
        f"{format_duration_fr(f.once_work_hours * 60)} de travail"
    )
    if f.once_cost > 0:
        line += f", {number_fr(f.once_cost)} € d'exploitation"
    return [line + "."]


def _days_fr(problem: Problem, days: list[int]) -> str:
    return join_fr([day_label_fr(problem.horizon, d) for d in days])


def change_fr(problem: Problem, change: PublishedChange) -> str:
    """What changes for a stop's residents: "jour et horaire inchangés", "nouvel horaire : 10:00
    au lieu de 9:30", "nouveau jour : 2e mardi au lieu de 1er lundi", "plus desservi"."""
    if change.status == "unserved":
        return f"plus desservi (jour publié : {_days_fr(problem, change.days_before)})"
    if change.status == "day" and change.days_after == change.days_before:
        return "jour inchangé, mais servi par un autre véhicule que celui publié"
    if change.status == "day":
        text = (
            f"nouveau jour : {_days_fr(problem, change.days_after)} au lieu de "
            f"{_days_fr(problem, change.days_before)}"
        )
        if change.start_before is not None and change.start_after is not None:
            if abs(change.start_after - change.start_before) > problem.objective.time_tolerance:
                text += (
                    f", à {format_time_fr(change.start_after)} au lieu de "
                    f"{format_time_fr(change.start_before)}"
                )
        return text
    if change.status == "time":
        return (
            f"nouvel horaire : {format_time_fr(change.start_after)} au lieu de "
            f"{format_time_fr(change.start_before)}"
        )
    return "jour et horaire inchangés" if change.start_before is not None else "jour inchangé"


def stability_total_fr(f: PlanFigures) -> str:
    """ "18 communes sur 19 gardent leur jour publié" (and how many change their time)."""
    kept = f.published_stops_same_days
    what = "commune" if kept <= 1 else "communes"
    verb = "garde son" if kept <= 1 else "gardent leur"
    text = f"{kept} {what} sur {f.published_stops} {verb} jour publié"
    moved = sum(1 for c in f.published_changes if c.status == "time")
    if moved:
        text += f" ; {plural_fr(moved, 'change', 'changent')} d'horaire"
    return text + "."


def stability_lines(problem: Problem, report: ValidationReport) -> list[str]:
    """Commune by commune, what the plan changes for residents of stops with published days;
    then the total. Empty when no stop has published days."""
    f = report.figures
    if not f.published_stops:
        return []
    out = [stability_total_fr(f)]
    for change in f.published_changes:
        stop = problem.stop_by_id.get(change.stop)
        name = stop.name if stop is not None and stop.name else change.stop
        out.append(f"- {name} : {change_fr(problem, change)}")
    return out


def stability_meta(problem: Problem, report: ValidationReport) -> dict | None:
    """The plan JSON's ``meta.stability``: the total and, per stop, its status and the change in
    French (None when no stop has published days)."""
    f = report.figures
    if not f.published_stops:
        return None
    return {
        "summary": stability_total_fr(f),
        "stops": [
            {
                "stop": c.stop,
                "name": problem.stop_by_id[c.stop].name if c.stop in problem.stop_by_id else c.stop,
                "status": c.status,
                "change": change_fr(problem, c),
            }
            for c in f.published_changes
        ],
    }


def violation_lines(report: ValidationReport, limit: int | None = None) -> list[str]:
    """ "Plan valide…" or the list of violations with their French label."""
    if report.ok:
        return ["Plan valide : toutes les contraintes sont respectées (vérification indépendante)."]
    n = len(report.violations)
    out = [f"Plan NON valide : {n} écart{'s' if n > 1 else ''} aux contraintes."]
    shown = report.violations if limit is None else report.violations[:limit]
    out += [f"- {KIND_FR.get(v.kind, v.kind)} : {v.message}" for v in shown]
    if len(shown) < n:
        out.append(f"- … et {n - len(shown)} autres")
    return out


def summary_fr(plan: Plan, report: ValidationReport, limit: int = 5) -> list[str]:
    """A plan in a few lines, as the demo tells it: communes served, km, driving and presence
    hours per month; expected visitors (when the plan's meta has them); communes keeping their
    published day (if any has one); the independent check, and its first ``limit`` violations
    if any."""
    fig = report.figures
    served = len(plan.served_stops())
    lines = [
        f"{plural_fr(served, 'commune desservie', 'communes desservies')} par mois ; "
        f"{number_fr(fig.km_per_month)} km et {number_fr(fig.drive_hours_per_month, 1)} h de "
        f"conduite par mois ; {number_fr(fig.presence_hours_total_per_month, 1)} h de "
        "présence dans les communes."
    ]
    lines += visitors_lines(plan)
    if fig.published_stops:
        lines.append(stability_total_fr(fig))
    if report.ok:
        lines.append("Vérification indépendante (temps recalculés) : aucune contrainte violée.")
        return lines
    violated = plural_fr(len(report.violations), "contrainte violée", "contraintes violées")
    lines.append(f"Vérification indépendante : {violated} :")
    lines += [f"  - {v.message}" for v in report.violations[:limit]]
    return lines


def note_lines(context: Context | None) -> list[str]:
    return [f"- {n}" for n in context.notes] if context is not None else []


def render(
    problem: Problem,
    plan: Plan,
    report: ValidationReport,
    context: Context | None = None,
    *,
    title: str | None = None,
    brief: bool = False,
) -> str:
    """The whole printout: title, rota, stops, figures, notes, validation (``brief``: without
    the rota and the stops)."""
    blocks: list[tuple[str, list[str]]] = (
        []
        if brief
        else [
            ("Tournées", rota_lines(problem, plan, context)),
            ("Arrêts", pattern_lines(problem, plan)),
        ]
    )
    blocks.append(("Chiffres", figures_lines(problem, report, plan)))
    if report.figures.published_stops:
        blocks.append(("Ce qui change pour les habitants", stability_lines(problem, report)))
    if context is not None and context.notes:
        blocks.append(("Remarques", note_lines(context)))
    blocks.append(("Vérification", violation_lines(report)))
    head = title or problem.name or "Plan"
    parts = [head, "=" * len(head)]
    for name, lines in blocks:
        parts += ["", name, *lines]
    return "\n".join(parts) + "\n"
