"""The printable timetable of a vehicle (HTML) and its spreadsheet (CSV), in French.

Day by day of the cycle ("2e lundi du mois", "Semaine 1 — mardi"): leaving the base, each stop
(its commune and INSEE code), the arrival, the permanence hours with the lunch break, the
driving time and km from the previous place, the return; totals per day, then per cycle and
per month. The HTML prints on A4 (a day never split across pages, table headers repeated); the
CSV is for French spreadsheets (``;``, decimal comma, UTF-8 with a BOM), one row per step plus
total rows, readable with ``pandas.read_csv(path, sep=";")``.

Home visits are "Visite à domicile (commune)"; the requester's details are added only when the
schedule carries them (``--include-personal-data``: the vehicle's timetable is the crew's
document). The footer states the plan's provenance.

This module presents a :class:`~planner.outputs.calendar.Schedule`; it must not plan, compute travel
(legs come from the schedule) nor write files (the CLI does, atomically).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from maps._html import esc
from maps.tables import Table, csv_text, html_table
from planner.french import format_duration_fr, format_range_fr, format_time_fr
from planner.outputs.calendar import Schedule, date_fr, day_title_fr
from planner.tours.plan import Route

__all__ = ["PRINT_CSS", "print_page", "timetable_csv", "timetable_html", "timetable_rows"]

PRINT_CSS = """
@page{size:A4;margin:12mm}
body{font:11pt/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#111;
  margin:0 auto;padding:12px 18px;max-width:1100px}
h1{font-size:18pt;margin:.2em 0}
h2{font-size:13pt;margin:1em 0 .2em}
table{border-collapse:collapse;width:100%;margin:.3em 0 .8em;font-size:10pt}
caption{text-align:left;font-weight:700;font-size:12pt;padding:.3em 0;caption-side:top}
th,td{border:1px solid #999;padding:.2em .45em;vertical-align:top}
thead th{background:#e8edf5}
tbody th{text-align:left;font-weight:600}
.num{text-align:right;white-space:nowrap}
tbody tr:last-child{font-weight:700;background:#f3f3f3}
.jour{break-inside:avoid;page-break-inside:avoid}
.note{font-size:9pt;color:#333}
footer{margin-top:1.5em;font-size:8pt;color:#444;border-top:1px solid #bbb;padding-top:.4em}
@media print{body{padding:0;max-width:none}thead{display:table-header-group}nav{display:none}}
"""


def print_page(title: str, css: str, body: str) -> str:
    """A complete French HTML page (``lang="fr"``, UTF-8) around ``body`` (already escaped)."""
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="itinerance">\n'
        f"<title>{esc(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


@dataclass(frozen=True, slots=True)
class _Step:
    """One line of a day: leaving, a stop, a break, returning, or the day's total."""

    step: str
    place: str
    insee: str
    arrival: float | None
    start: float | None
    end: float | None
    lunch: tuple[float, float] | None
    drive: float | None
    km: float | None
    presence: float | None = None


def _personal(schedule: Schedule, stop: str) -> str:
    fields = schedule.personal.get(stop, {})
    return ", ".join(v for k, v in fields.items() if k != "notes")


def _place(schedule: Schedule, stop: str) -> str:
    info = schedule.stops[stop]
    if info.kind != "request":
        return info.name
    text = f"Visite à domicile ({info.commune})" if info.commune else "Visite à domicile"
    extra = _personal(schedule, stop)
    return f"{text} — {extra}" if extra else text


def _inside(route: Route, start: float, end: float) -> bool:
    lunch = route.lunch
    return lunch is not None and start - 1e-6 <= lunch[0] and lunch[1] <= end + 1e-6


def _day_steps(schedule: Schedule, route: Route) -> list[_Step]:
    vehicle = schedule.vehicles[route.vehicle]
    legs = schedule.legs[(route.vehicle, route.day)]
    steps = [
        _Step(
            "Départ",
            vehicle.base.name,
            vehicle.base.insee or "",
            None,
            route.depart,
            None,
            None,
            None,
            None,
        )
    ]
    lunch = route.lunch
    lunch_shown = lunch is None or any(_inside(route, v.start, v.end) for v in route.visits)
    for n, (visit, leg) in enumerate(zip(route.visits, legs, strict=False), start=1):
        if not lunch_shown and lunch is not None and lunch[1] <= visit.start + 1e-6:
            steps.append(
                _Step("Pause", "pause déjeuner", "", None, lunch[0], lunch[1], None, None, None)
            )
            lunch_shown = True
        info = schedule.stops[visit.stop]
        on_site = lunch if _inside(route, visit.start, visit.end) else None
        presence = visit.end - visit.start - ((on_site[1] - on_site[0]) if on_site else 0.0)
        steps.append(
            _Step(
                str(n),
                _place(schedule, visit.stop),
                info.insee or "",
                visit.arrival,
                visit.start,
                visit.end,
                on_site,
                leg.minutes,
                leg.km,
                presence,
            )
        )
    back = legs[-1]
    steps.append(
        _Step(
            "Retour",
            vehicle.end.name,
            vehicle.end.insee or "",
            route.ret,
            None,
            None,
            None,
            back.minutes,
            back.km,
        )
    )
    if not lunch_shown and lunch is not None:
        steps.append(
            _Step("Pause", "pause déjeuner", "", None, lunch[0], lunch[1], None, None, None)
        )
    total_drive = sum(leg.minutes for leg in legs)
    total_km = sum(leg.km for leg in legs)
    presence = sum(s.presence or 0.0 for s in steps)
    steps.append(
        _Step(
            "Total du jour",
            f"travail {format_range_fr(route.depart, route.ret)} "
            f"({format_duration_fr(route.ret - route.depart)})",
            "",
            None,
            None,
            None,
            None,
            total_drive,
            total_km,
            presence,
        )
    )
    return steps


def _clock(t: float | None) -> str:
    return "" if t is None else format_time_fr(t)


def _duration(t: float | None) -> str:
    return "" if t is None else format_duration_fr(t)


def _day_table(schedule: Schedule, route: Route) -> Table:
    rows = []
    for s in _day_steps(schedule, route):
        if s.step == "Départ":
            hours = f"départ {_clock(s.start)}"
        elif s.step == "Pause":
            hours = format_range_fr(s.start, s.end)  # type: ignore[arg-type]
        elif s.start is not None and s.end is not None:
            hours = format_range_fr(s.start, s.end)
        else:
            hours = "" if s.presence is None else f"présence {format_duration_fr(s.presence)}"
        rows.append(
            {
                "Étape": s.step,
                "Lieu": s.place,
                "Code INSEE": s.insee,
                "Arrivée": _clock(s.arrival),
                "Horaires": hours,
                "Pause déjeuner": format_range_fr(*s.lunch) if s.lunch else "",
                "Conduite": _duration(s.drive),
                "km": s.km,
            }
        )
    frame = pd.DataFrame(rows)
    return Table(day_title_fr(schedule.horizon, route.day), frame, {"km": "dec1"})


def timetable_rows(schedule: Schedule, vehicle: str) -> pd.DataFrame:
    """The vehicle's timetable as one flat French table: every step of every day, a total row
    per day, then the totals per cycle and per month (the CSV's content)."""
    name = schedule.vehicles[vehicle].name
    rows: list[dict] = []
    totals = {"drive": 0.0, "km": 0.0, "presence": 0.0, "work": 0.0}
    routes = schedule.routes_of(vehicle)
    for route in routes:
        title = day_title_fr(schedule.horizon, route.day)
        for s in _day_steps(schedule, route):
            rows.append(
                {
                    "Véhicule": name,
                    "Jour": title,
                    "Jour du cycle": route.day + 1,
                    "Étape": s.step,
                    "Lieu": s.place,
                    "Code INSEE": s.insee,
                    "Arrivée": _clock(s.arrival),
                    "Début": _clock(s.start),
                    "Fin": _clock(s.end),
                    "Pause déjeuner": format_range_fr(*s.lunch) if s.lunch else "",
                    "Conduite (min)": s.drive,
                    "Distance (km)": s.km,
                    "Présence (min)": s.presence,
                }
            )
        legs = schedule.legs[(vehicle, route.day)]
        totals["drive"] += sum(leg.minutes for leg in legs)
        totals["km"] += sum(leg.km for leg in legs)
        totals["presence"] += rows[-1]["Présence (min)"] or 0.0
        totals["work"] += route.ret - route.depart
    for label, factor in _periods(schedule):
        rows.append(
            {
                "Véhicule": name,
                "Jour": "",
                "Jour du cycle": None,
                "Étape": label,
                "Lieu": f"{len(routes)} jours de tournée par cycle",
                "Code INSEE": "",
                "Arrivée": "",
                "Début": "",
                "Fin": "",
                "Pause déjeuner": "",
                "Conduite (min)": totals["drive"] * factor,
                "Distance (km)": totals["km"] * factor,
                "Présence (min)": totals["presence"] * factor,
            }
        )
    frame = pd.DataFrame(rows)
    frame["Jour du cycle"] = frame["Jour du cycle"].astype("Int64")
    return frame


def _periods(schedule: Schedule) -> list[tuple[str, float]]:
    cpm = schedule.horizon.cycles_per_month
    if schedule.horizon.period:  # bookings happen once: no monthly average of them
        return [("Total du cycle (réservations de la période comptées une fois)", 1.0)]
    if schedule.horizon.monthly:
        return [("Total par mois (cycle mensuel)", 1.0)]
    return [("Total du cycle", 1.0), ("Total par mois (moyenne)", cpm)]


def timetable_csv(schedule: Schedule, vehicle: str) -> bytes:
    """The CSV of :func:`timetable_rows`: ``;``, decimal comma, UTF-8 with a BOM, CRLF."""
    frame = timetable_rows(schedule, vehicle)
    kinds = {
        "Conduite (min)": "int",
        "Présence (min)": "int",
        "Distance (km)": "dec1",
        "Jour du cycle": "int",
    }
    return csv_text(Table("", frame, kinds)).encode("utf-8-sig")


def _totals_table(schedule: Schedule, vehicle: str) -> Table:
    routes = schedule.routes_of(vehicle)
    drive = km = presence = work = 0.0
    visits = 0
    for route in routes:
        steps = _day_steps(schedule, route)
        drive += steps[-1].drive or 0.0
        km += steps[-1].km or 0.0
        presence += steps[-1].presence or 0.0
        work += route.ret - route.depart
        visits += len(route.visits)
    rows = [
        {
            "Période": label,
            "Jours de tournée": len(routes) * f,
            "Permanences et visites": visits * f,
            "Distance (km)": km * f,
            "Conduite": format_duration_fr(drive * f),
            "Présence": format_duration_fr(presence * f),
            "Travail (départ → retour)": format_duration_fr(work * f),
        }
        for label, f in _periods(schedule)
    ]
    return Table(
        "Totaux",
        pd.DataFrame(rows),
        {"Jours de tournée": "dec1", "Permanences et visites": "dec1", "Distance (km)": "dec1"},
        note="Par mois : moyenne sur l'année (52,18 semaines / 12 mois)."
        if not schedule.horizon.monthly
        else None,
    )


def _cycle_sentence(schedule: Schedule, anchor: date | None) -> str:
    h = schedule.horizon
    if h.plain_days is not None:
        return f"Cycle de {h.n_days} jours sans calendrier (jeu d'essai)."
    if h.monthly:
        return (
            "Cycle mensuel : chaque jour est repéré par son rang dans le mois "
            "(« 2e lundi du mois »)."
        )
    if h.weeks == 1:
        return "Cycle d'une semaine, répété chaque semaine."
    start = f" ; la semaine 1 est celle du {date_fr(anchor)}" if anchor else ""
    return f"Cycle de {h.weeks} semaines, répété{start}."


def timetable_html(schedule: Schedule, vehicle: str, anchor: date | None = None) -> str:
    """The vehicle's printable timetable (see the module docstring). ``anchor`` (the export's
    start) dates week 1 of a 2- or 4-week cycle."""
    v = schedule.vehicles[vehicle]
    title = f"Horaires — {v.name}"
    routes = schedule.routes_of(vehicle)
    intro = [f"{schedule.name}. Base : {v.base.name}.", _cycle_sentence(schedule, anchor)]
    parts = [
        f"<header><h1>{esc(title)}</h1>" + "".join(f"<p>{esc(p)}</p>" for p in intro) + "</header>"
    ]
    if not routes:
        parts.append("<p>Aucune tournée pour ce véhicule dans le plan.</p>")
    for route in routes:
        parts.append(f'<section class="jour">{html_table(_day_table(schedule, route))}</section>')
    parts.append(f'<section class="jour">{html_table(_totals_table(schedule, vehicle))}</section>')
    notes = schedule.notes
    if notes:
        parts.append(
            '<section class="note"><h2>Remarques</h2><ul>'
            + "".join(f"<li>{esc(n)}</li>" for n in notes)
            + "</ul></section>"
        )
    parts.append(f"<footer>Source : {esc(schedule.provenance_fr())}</footer>")
    return print_page(title, PRINT_CSS, "<main>" + "\n".join(parts) + "</main>")
