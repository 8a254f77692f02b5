"""Printable A4 posters, one per commune served, in French, for the mairie's notice board.

Each poster says, in large type, who comes, where, which day and at what hours — "Le bus France
services La Rur@linette vient à Migné le 2e lundi du mois, de 10 h à 12 h 30 et de 13 h 30 à 16 h"
(words from :mod:`planner.outputs.calendar` and :mod:`planner.tours.wording`, poster-style times) —
then the next dates from the real calendar, and the public holidays on which there is no permanence
("Le lundi 8 mai 2028 (Fête de la Victoire) : pas de permanence."). The service's name and contact
(a service's, never a person's) come from the caller. An index page lists every poster. Pages print
on A4 (``@page { size: A4 }``), one poster per sheet.

Home visits never get a poster and never appear on one. The footer gives the period, the
holiday source and the plan's provenance.

This module presents; it must not compute dates (:mod:`planner.outputs.calendar` does) nor write
files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from maps._html import esc
from maps.timetable import print_page
from planner.outputs.calendar import (
    CommuneStops,
    Occurrence,
    Permanence,
    Schedule,
    date_fr,
    occurrences,
    permanences,
    sentence_fr,
    subject_fr,
)

__all__ = ["MAX_DATES", "POSTER_CSS", "poster_html", "poster_index_html"]

MAX_DATES = 12  # dates listed per permanence (a weekly stop would fill the sheet)

POSTER_CSS = """
@page{size:A4;margin:0}
*{box-sizing:border-box}
html,body{margin:0;padding:0}
body{font-family:"DejaVu Sans",system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
  color:#111;background:#d9d9d9}
.affiche{width:210mm;min-height:297mm;margin:0 auto;padding:16mm 16mm 10mm;background:#fff;
  display:flex;flex-direction:column;break-after:page;page-break-after:always}
.bandeau{background:#123f7a;color:#fff;padding:5mm 7mm;border-radius:3mm;font-size:22pt;
  font-weight:700;line-height:1.2}
.bandeau small{display:block;font-size:13pt;font-weight:400;margin-top:1mm}
h1{font-size:46pt;line-height:1.05;margin:10mm 0 6mm;color:#123f7a}
.phrase{font-size:23pt;line-height:1.35;margin:0 0 6mm}
.bloc{margin:0 0 6mm}
h2{font-size:17pt;margin:4mm 0 2mm}
ul.dates{list-style:none;padding:0;margin:0;columns:2;column-gap:8mm;font-size:15pt;line-height:1.5}
ul.dates li{white-space:nowrap}
ul.dates li::before{content:"▸ ";color:#123f7a}
.ferie{font-size:14pt;margin:2mm 0;padding:2mm 4mm;border-left:3mm solid #c0392b;background:#fbeeee}
.aide{font-size:15pt;margin:4mm 0}
.contact{font-size:16pt;font-weight:700;margin:4mm 0}
footer{margin-top:auto;font-size:7.5pt;color:#555;border-top:1px solid #bbb;padding-top:2mm}
@media print{body{background:#fff}.affiche{margin:0}}
@media screen{.affiche{margin:8mm auto;box-shadow:0 1mm 4mm rgba(0,0,0,.3)}}
"""

INDEX_CSS = """
body{font:13pt/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#111;
  margin:0 auto;padding:16px 20px;max-width:900px}
h1{font-size:20pt}
li{margin:.4em 0}
footer{margin-top:2em;font-size:9pt;color:#444;border-top:1px solid #bbb;padding-top:.4em}
"""

_HELP = "Aide gratuite pour vos démarches administratives en ligne et l'usage du numérique."


def _dates(p: Permanence, start: date, end: date) -> tuple[list[Occurrence], list[Occurrence]]:
    """The first :data:`MAX_DATES` held dates and the holidays skipped up to the last of them."""
    found = occurrences(p, start, end)
    held = [o for o in found if o.held][:MAX_DATES]
    last = held[-1].date if held else end
    return held, [o for o in found if not o.held and o.date <= last]


def _nbsp(text: str) -> str:
    """Keep "12 h 30" and "2e lundi" on one line (no-break spaces)."""
    text = re.sub(
        r"(\d) h(?: (\d\d))?", lambda m: f"{m[1]}\u00a0h" + (f"\u00a0{m[2]}" if m[2] else ""), text
    )
    return re.sub(r"\b(\d+(?:er|re|e)) ", "\\1\u00a0", text)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _block(schedule: Schedule, p: Permanence, start: date, end: date, who: str | None) -> str:
    held, skipped = _dates(p, start, end)
    out = [
        f'<div class="bloc"><p class="phrase">{esc(_nbsp(sentence_fr(schedule, p, who=who)))}</p>'
    ]
    if held:
        out.append('<h2>Prochaines dates</h2><ul class="dates">')
        out += [f"<li>{esc(date_fr(o.date))}</li>" for o in held]
        out.append("</ul>")
    else:
        out.append(f"<p>Aucune date entre le {esc(date_fr(start))} et le {esc(date_fr(end))}.</p>")
    for o in skipped:
        out.append(
            f'<p class="ferie">{esc(_cap(f"le {date_fr(o.date)} ({o.holiday})"))} : '
            "pas de permanence (jour férié).</p>"
        )
    out.append("</div>")
    return "".join(out)


def _footer(schedule: Schedule, start: date, end: date) -> str:
    return (
        f"<footer>Dates calculées du {esc(date_fr(start))} au {esc(date_fr(end))} d'après le "
        "calendrier des jours fériés en France (paquet « holidays ») ; un changement de "
        f"dernière minute reste possible. Source : {esc(schedule.provenance_fr())}</footer>"
    )


def poster_html(
    schedule: Schedule,
    commune: CommuneStops,
    start: date,
    end: date,
    *,
    service: str | None = None,
    contact: str | None = None,
) -> str:
    """The A4 poster of one commune: its permanences from ``start`` to ``end`` (the cycle
    anchored at ``start``). ``service`` names who comes (default: the vehicle's name);
    ``contact`` is the service's (printed as given)."""
    perms = [
        p
        for p in permanences(schedule, start)
        if p.stop in commune.stops and not schedule.is_request(p.stop)
    ]
    vehicles = sorted({schedule.vehicles[p.vehicle].name for p in perms})
    banner = service or ", ".join(vehicles) or schedule.name
    body = [
        '<article class="affiche">',
        f'<div class="bandeau">{esc(banner)}<small>Permanence itinérante</small></div>',
        f"<h1>{esc(commune.name)}</h1>",
    ]
    body += [_block(schedule, p, start, end, service) for p in perms]
    body.append(f'<p class="aide">{esc(_HELP)}</p>')
    if contact:
        body.append(f'<p class="contact">Renseignements : {esc(contact)}</p>')
    body.append(_footer(schedule, start, end))
    body.append("</article>")
    return print_page(f"{banner} à {commune.name}", POSTER_CSS, "\n".join(body))


def poster_index_html(
    schedule: Schedule,
    posters: Sequence[tuple[CommuneStops, str]],
    start: date,
    end: date,
    *,
    service: str | None = None,
) -> str:
    """The page listing every poster: ``posters`` pairs each commune with its file's link."""
    perms = permanences(schedule, start)
    items = []
    for commune, href in posters:
        said = [
            sentence_fr(schedule, p, who=service)
            for p in perms
            if p.stop in commune.stops and not schedule.is_request(p.stop)
        ]
        items.append(
            f'<li><a href="{esc(href)}">{esc(commune.name)}</a>'
            + (f" — {esc(' '.join(said))}" if said else "")
            + "</li>"
        )
    title = f"Affiches des permanences — {subject_fr(service) if service else schedule.name}"
    body = (
        f"<main><h1>{esc(title)}</h1><p>Une affiche A4 par commune desservie, à imprimer "
        "depuis le navigateur (une affiche par page). Les visites à domicile n'ont pas "
        f"d'affiche.</p><ul>{''.join(items)}</ul></main>" + _footer(schedule, start, end)
    )
    return print_page(title, INDEX_CSS, body)
