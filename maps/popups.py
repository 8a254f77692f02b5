"""French text of the map popups and tables: opening hours, rota recurrences, service formats.

Every data-derived string is escaped here (:func:`maps._html.esc`) before it is wrapped in HTML;
the functions returning plain text (``*_text``) are for tables and CSV and must be escaped by
whoever puts them in HTML. Nothing personal is shown: a service's name, address and hours only,
never phones or e-mails.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from geodata.hours import WEEKDAYS_FR
from geodata.records import Interval, Recurrence, ServiceKind, ServicePoint
from geodata.rota import describe_recurrence_fr
from maps._html import esc
from planner.french import format_range_fr

_FORMATS_FR = {
    "fixe": "fixe",
    "fixe_antenne(s)": "fixe, avec antenne(s)",
    "multisites": "fixe, sur plusieurs sites",
    "bus_équivalent": "itinérant (bus)",
    "bus_equivalent": "itinérant (bus)",
    "itinérante": "itinérant",
    "itinerante": "itinérant",
}


def interval_text(interval: Interval) -> str:
    """``Interval(540, 720)`` → ``9 h – 12 h``."""
    return format_range_fr(interval.start, interval.end, style="poster")


def hours_lines(hours: Mapping[int, Iterable[Interval]]) -> list[str]:
    """One line per open day, Monday first: ``lundi : 9 h – 12 h, 13 h 30 – 17 h``."""
    lines = []
    for day in sorted(hours):
        intervals = sorted(hours[day], key=lambda iv: iv.start)
        if intervals and 0 <= day < 7:
            lines.append(
                f"{WEEKDAYS_FR[day]} : " + ", ".join(interval_text(iv) for iv in intervals)
            )
    return lines


def hours_text(hours: Mapping[int, Iterable[Interval]]) -> str:
    """All open days on one line, separated by `` ; `` (for tables); empty when unknown."""
    return " ; ".join(hours_lines(hours))


def format_text(service: ServicePoint) -> str:
    """The service's format in French: ``fixe``, ``itinérant (bus)``…"""
    if service.format:
        label = _FORMATS_FR.get(service.format.strip().lower())
        if label:
            return label
    return "itinérant" if service.kind is ServiceKind.FRANCE_SERVICES_MOBILE else "fixe"


def recurrence_text(rec: Recurrence) -> str:
    """``2e mardi du mois``, ``dernier jour du mois``, ``chaque jeudi matin``… in the rota
    parser's own words (:func:`geodata.rota.describe_recurrence_fr`)."""
    return describe_recurrence_fr(rec)


def _rows(rows: Iterable[tuple[str, str]]) -> str:
    """``(label, html)`` pairs as table rows; labels are ours, values already escaped."""
    body = "".join(
        f'<tr><th scope="row">{label}</th><td>{value}</td></tr>' for label, value in rows
    )
    return f"<table>{body}</table>"


def service_popup(service: ServicePoint, kind_label: str) -> str:
    """Popup HTML of a service point: name, kind, format, address, opening hours."""
    lines = hours_lines(service.hours)
    hours_html = (
        "<ul>" + "".join(f"<li>{esc(line)}</li>" for line in lines) + "</ul>"
        if lines
        else "non renseignés"
    )
    rows = [("Type", esc(kind_label)), ("Format", esc(format_text(service)))]
    if service.address:
        rows.append(("Adresse", esc(service.address)))
    rows.append(("Horaires", hours_html))
    return f'<div class="itin-popup"><h3>{esc(service.name)}</h3>{_rows(rows)}</div>'


def stop_popup(service_name: str, commune_name: str, recurrence: str, place: str | None) -> str:
    """Popup HTML of one stop of a mobile service's rota."""
    rows = [("Service", esc(service_name)), ("Passage", esc(recurrence))]
    if place:
        rows.append(("Lieu", esc(place)))
    return f'<div class="itin-popup"><h3>Arrêt : {esc(commune_name)}</h3>{_rows(rows)}</div>'


def commune_popup(title: str, rows: Iterable[tuple[str, str]]) -> str:
    """Popup HTML of a commune: ``title`` and ``(label, value)`` rows given as plain text."""
    return (
        f'<div class="itin-popup"><h3>{esc(title)}</h3>'
        + _rows((esc(label), esc(value)) for label, value in rows)
        + "</div>"
    )
