"""The tour map's words: the permanence hours split around lunch, the popups of a stop and of a
base, and the numbered symbol of a stop marker, all in French and escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from maps._html import esc, fmt_minutes
from maps.style import RouteStyle
from maps.tour.routes import TourRoute, TourVisit
from maps.tour.style import EPS
from planner.french import format_range_fr, format_time_fr


def permanence_text(start: float, end: float, lunch: tuple[float, float] | None) -> str:
    """``10:00–12:30 et 13:30–16:00`` when the break is taken on site, else ``9:00–11:30``."""
    if lunch is not None and start + EPS < lunch[0] and lunch[1] < end - EPS:
        return f"{format_range_fr(start, lunch[0])} et {format_range_fr(lunch[1], end)}"
    return format_range_fr(start, end)


def place_text(visit: TourVisit) -> str:
    if visit.commune and visit.insee:
        return f"{visit.commune} ({visit.insee})"
    return visit.commune or visit.insee or ""


def drive_text(visit: TourVisit) -> str:
    if visit.drive_minutes is None:
        return "—"
    return f"{fmt_minutes(visit.drive_minutes)} depuis {visit.previous}"


def visit_popup(
    route: TourRoute,
    visit: TourVisit,
    passages: Sequence[tuple[TourRoute, TourVisit]],
    days_words: str,
) -> str:
    """Popup HTML of one visit: every data-derived text escaped here."""
    rows: list[tuple[str, str]] = []
    place = place_text(visit)
    if place and (visit.is_request or place != visit.name):
        rows.append(("Commune", esc(place)))
    rows.append(("Tournée", esc(route.label)))
    rows.append(("Passage" if len(passages) == 1 else "Passages", esc(days_words)))
    arrival = format_time_fr(visit.arrival)
    if visit.start - visit.arrival > 1.0:  # early: says how long the crew waits before opening
        arrival += f" (ouverture à {format_time_fr(visit.start)})"
    rows.append(("Arrivée", esc(arrival)))
    label = "Créneau" if visit.is_request else "Permanence"
    rows.append((label, esc(permanence_text(visit.start, visit.end, visit.lunch))))
    rows.append(("Trajet", esc(drive_text(visit))))
    if len(passages) > 1:
        items = "".join(
            f"<li>{'<strong>' if r is route else ''}{esc(r.label)} : "
            f"{esc(permanence_text(v.start, v.end, v.lunch))}"
            f"{'</strong>' if r is route else ''}</li>"
            for r, v in passages
        )
        rows.append(("Toutes les visites", f"<ul>{items}</ul>"))
    body = "".join(f'<tr><th scope="row">{k}</th><td>{v}</td></tr>' for k, v in rows)
    return (
        f'<div class="itin-popup"><h3>{visit.order} · {esc(visit.name)}</h3>'
        f"<table>{body}</table></div>"
    )


def base_popup(name: str, routes: Sequence[TourRoute]) -> str:
    vehicles = sorted({r.vehicle_name for r in routes})
    rows = [
        ("Véhicule" if len(vehicles) == 1 else "Véhicules", esc(", ".join(vehicles))),
        ("Tournées", esc(str(len(routes)))),
    ]
    body = "".join(f'<tr><th scope="row">{k}</th><td>{v}</td></tr>' for k, v in rows)
    return f'<div class="itin-popup"><h3>Base : {esc(name)}</h3><table>{body}</table></div>'


def number_symbol(style: RouteStyle, number: int, home: bool) -> tuple[str, int]:
    cls = "itin-num itin-num-home" if home else "itin-num"
    return (
        f'<span class="{cls}" style="--c:{style.colour};--t:{style.text};--s:22px">{number}</span>',
        22,
    )
