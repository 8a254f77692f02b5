"""iCalendar (RFC 5545) files of a plan: one per vehicle and one per commune served.

Each :class:`~planner.outputs.calendar.Permanence` becomes one ``VEVENT``:

- a recurring event where its pattern allows, with the RRULE of its
  :class:`~planner.outputs.calendar.Recurrence` — ``FREQ=MONTHLY;BYDAY=2TU`` (n-th weekday),
  ``FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1`` (last working day of the month),
  ``FREQ=WEEKLY;BYDAY=TU`` and ``FREQ=WEEKLY;INTERVAL=2;BYDAY=TU`` — bounded by ``UNTIL`` (the
  end of the exported period, in UTC as RFC 5545 requires with a ``TZID`` start), and one
  ``EXDATE`` per public holiday it falls on;
- a single event for an on-demand visit (request).

Times carry ``TZID=Europe/Paris`` with its ``VTIMEZONE`` (from the tz database, covering the
period). ``UID`` is a hash of the plan's name, vehicle, stop, cycle days and hours, so the same
permanence keeps its UID from one export to the next and across the vehicle's and the
commune's files. The file has what common programs expect to import it: ``VERSION:2.0``,
``PRODID``, ``CALSCALE``, ``METHOD:PUBLISH``, ``X-WR-CALNAME``, ``X-WR-TIMEZONE``, CRLF line
endings and lines folded at 75 octets (both by the ``icalendar`` package). The plan's
provenance is in ``X-WR-CALDESC`` (French) and ``X-ITINERANCE-PROVENANCE`` (JSON).

Privacy: a commune's calendar holds public permanences only; a home visit appears in its
vehicle's calendar as "Visite à domicile (commune)" and a time slot, with the requester's
details only when the schedule carries them (``--include-personal-data``).

It must not write files (it returns bytes) nor decide dates: :mod:`planner.outputs.calendar` does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

from planner.errors import PlanError
from planner.french import format_range_fr
from planner.outputs.calendar import (
    CommuneStops,
    Permanence,
    Schedule,
    date_fr,
    occurrences,
    permanences,
    place_fr,
    sentence_fr,
)
from planner.scenario.provenance import versions

__all__ = ["TZID", "commune_calendar", "event_uid", "vehicle_calendar"]

TZID = "Europe/Paris"
PARIS = ZoneInfo(TZID)


def _at(day: date, minutes: float) -> datetime:
    m = int(minutes + 0.5)
    return datetime.combine(day, time(m // 60, m % 60), tzinfo=PARIS)


def event_uid(schedule: Schedule, p: Permanence) -> str:
    """A UID stable across exports of the same plan (hash of what defines the permanence)."""
    key = "|".join(
        [
            schedule.name,
            p.vehicle,
            p.stop,
            ",".join(map(str, p.days)),
            str(int(p.start + 0.5)),
            str(int(p.end + 0.5)),
        ]
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24] + "@itinerance"


def _personal_lines(schedule: Schedule, stop: str) -> list[str]:
    fields = schedule.personal.get(stop, {})
    labels = {
        "requester_name": "Demandeur",
        "requester_phone": "Téléphone",
        "requester_email": "Courriel",
        "address": "Adresse",
        "notes": "Notes",
    }
    return [f"{labels.get(k, k)} : {v}" for k, v in fields.items()]


def _event(
    schedule: Schedule, p: Permanence, start: date, end: date, stamp: datetime, public: bool
) -> Event | None:
    dates = occurrences(p, start, end)
    if not dates:
        return None
    info = schedule.stops[p.stop]
    first = dates[0].date
    ev = Event()
    ev.add("uid", event_uid(schedule, p))
    ev.add("dtstamp", stamp)
    vehicle = schedule.vehicles[p.vehicle].name
    where = place_fr(info)
    ev.add("summary", f"{vehicle} — {where[:1].upper() + where[1:]}")
    spans = p.open_spans()
    opens, closes = spans[0][0], spans[-1][1]
    ev.add("dtstart", _at(first, opens))
    ev.add("dtend", _at(first, closes))
    location = info.commune or (None if info.kind == "request" else info.name)
    if location:
        ev.add("location", f"{location} ({info.insee})" if info.insee else location)
    if info.kind != "request" and info.lat is not None and info.lon is not None:
        ev.add("geo", (round(info.lat, 5), round(info.lon, 5)))
    lines = [sentence_fr(schedule, p)]
    if len(spans) > 1:
        lines.append(f"Pause déjeuner {format_range_fr(spans[0][1], spans[1][0])}.")
    rule = p.recurrence.rrule()
    if rule is not None:
        until = datetime.combine(end, time(23, 59, 59), tzinfo=PARIS).astimezone(UTC)
        ev.add("rrule", vRecur({**rule, "UNTIL": until}))
        skipped = [o for o in dates if not o.held]
        if skipped:
            ev.add("exdate", [_at(o.date, opens) for o in skipped])
            lines.append(
                "Pas de permanence les jours fériés : "
                + ", ".join(f"{date_fr(o.date)} ({o.holiday})" for o in skipped)
                + "."
            )
    if not public and info.kind == "request":
        lines += _personal_lines(schedule, p.stop)
    ev.add("description", "\n".join(lines))
    ev.add("transp", "OPAQUE")
    return ev


def _calendar(
    schedule: Schedule,
    perms: Sequence[Permanence],
    title: str,
    start: date,
    end: date,
    stamp: datetime | None,
    public: bool,
) -> bytes:
    if end < start:
        raise PlanError(f"calendar period ends ({end}) before it starts ({start})")
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    cal = Calendar()
    version = versions()["itinerance"] or "dev"
    cal.add("prodid", f"-//itinerance//itinerance {version}//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", title)
    cal.add("x-wr-timezone", TZID)
    cal.add(
        "x-wr-caldesc",
        f"{title}, du {date_fr(start)} au {date_fr(end)}. Source : {schedule.provenance_fr()}",
    )
    cal.add(
        "x-itinerance-provenance",
        json.dumps(schedule.provenance(), ensure_ascii=False, separators=(",", ":")),
    )
    for p in perms:
        ev = _event(schedule, p, start, end, stamp, public)
        if ev is not None:
            cal.add_component(ev)
    cal.add_missing_timezones(
        first_date=start - timedelta(days=1), last_date=end + timedelta(days=2)
    )
    return cal.to_ical()


def vehicle_calendar(
    schedule: Schedule, vehicle: str, start: date, end: date, *, stamp: datetime | None = None
) -> bytes:
    """The vehicle's calendar from ``start`` to ``end``: its permanences and home visits.

    The cycle is anchored at ``start`` (see :mod:`planner.outputs.calendar`); ``stamp`` is the
    ``DTSTAMP`` (default: now).
    """
    if vehicle not in schedule.vehicles:
        raise PlanError(f"unknown vehicle {vehicle!r}: not in plan {schedule.name!r}")
    perms = [p for p in permanences(schedule, start) if p.vehicle == vehicle]
    name = schedule.vehicles[vehicle].name
    return _calendar(schedule, perms, f"{name} — tournées", start, end, stamp, public=False)


def commune_calendar(
    schedule: Schedule,
    commune: CommuneStops,
    start: date,
    end: date,
    *,
    stamp: datetime | None = None,
) -> bytes:
    """A commune's calendar from ``start`` to ``end``: the public permanences held there (home
    visits never appear)."""
    perms = [
        p
        for p in permanences(schedule, start)
        if p.stop in commune.stops and not schedule.is_request(p.stop)
    ]
    return _calendar(
        schedule, perms, f"Permanences à {commune.name}", start, end, stamp, public=True
    )
