"""The sweep's HTML page (maps.sweep_report) on a hand-made sweep: the chart draws every planned
combination, labelled, the front joined and the rest grey; the table and provenance are there;
data strings are escaped."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

from maps.sweep_report import ACCENT, GREY, front_chart, sweep_page
from planner.analysis.sweep import Outcome, Sweep, mark_front


def _sweep(name: str = "Deux vans <Indre>") -> Sweep:
    def point(
        i: int,
        vehicles: int,
        frequency: str,
        cost: float | None,
        people: int | None,
        status: str = "ok",
        reason: str = "",
    ) -> Outcome:
        figures = (
            {}
            if cost is None
            else {
                "cost_per_year": cost,
                "population_covered": people,
                "presence_hours_per_month": 10.0 * vehicles,
            }
        )
        return Outcome(
            i,
            {"vehicles": vehicles, "frequency": frequency},
            status=status,
            reason=reason,
            figures=figures,
            seed=0,
            iterations=100,
        )

    outcomes = [
        point(0, 1, "monthly", 50_000, 190_000),
        point(1, 1, "fortnightly", 56_000, 185_000),  # dominated by point 0
        point(2, 2, "monthly", 80_000, 200_000),
        point(3, 2, "fortnightly", None, None, "infeasible", "Migné: no day <fits>"),
    ]
    mark_front(outcomes, "population")
    meta = {
        "inputs": [
            {"role": "scenario", "path": "scenarios/deux-vans-indre.toml", "sha256": "ab12"}
        ],
        "data": {
            "database": "sqlite:///indre.sqlite",
            "datasets": [
                {
                    "area": "36",
                    "dataset": "communes",
                    "file": "communes.json",
                    "vintage": "COG 2026",
                    "sha256": "cd34",
                },
                {
                    "area": "18",
                    "dataset": "communes",
                    "file": "communes.json",
                    "vintage": "COG 2026",
                    "sha256": "cd34",
                },
            ],
        },
        "engine": "periodic",
        "time_limit": 5,
        "versions": {"itinerance": "0.1.0", "ortools": "9.15"},
        "sweep": {
            "seeds": [0],
            "iterations": 100,
            "scheduler": "local",
            "workers": 2,
            "seconds": 12.5,
        },
    }
    return Sweep(
        name,
        {"vehicles": [1, 2], "frequency": ["monthly", "fortnightly"]},
        "population",
        False,
        outcomes,
        meta,
    )


def test_the_chart_labels_every_planned_point_and_joins_the_front():
    svg = front_chart(_sweep())
    assert svg is not None and svg.startswith("<svg")
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    for label in ("1 véhicule, mensuel", "1 véhicule, tous les 15 jours", "2 véhicules, mensuel"):
        assert any(label in t for t in texts), label
    assert not any("2 véhicules, tous les 15 jours" in t for t in texts)  # failed: not drawn
    assert GREY.lower() in svg.lower() and ACCENT.lower() in svg.lower()
    assert any("Population à portée d'une aide humaine" in t for t in texts)
    assert any("Coût annuel" in t for t in texts)
    assert front_chart(_sweep()) == svg  # no date, no random ids: the same bytes every time


def test_no_chart_without_a_planned_point():
    s = _sweep()
    s.outcomes = [s.outcomes[3]]
    mark_front(s.outcomes, "population")
    assert front_chart(s) is None
    assert "pas de graphique" in sweep_page(s)


def test_the_page_is_french_escaped_and_holds_table_and_provenance():
    page = sweep_page(_sweep(), made=dt.date(2026, 11, 28))

    class Collect(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags: list[str] = []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)

    parser = Collect()
    parser.feed(page)
    assert parser.tags.count("svg") == 1 and parser.tags.count("script") == 0
    assert '<html lang="fr">' in page and "28 novembre 2026" in page
    assert "Deux vans &lt;Indre&gt;" in page and "<Indre>" not in page
    assert "no day &lt;fits&gt;" in page  # the failed combination's reason, escaped
    brief = page[page.index('id="h-bref"') : page.index('id="h-graphique"')]
    assert brief.index("1 véhicule, mensuel") < brief.index("2 véhicules, mensuel")
    assert "tous les 15 jours" not in brief  # dominated: not in the front's list
    assert page.count("★ oui") == 2
    assert "zones : 36, 18" in page  # one provenance line per data file, with its areas
    assert "ab12" in page and "100 itérations" in page and "local, 2 processus" in page
