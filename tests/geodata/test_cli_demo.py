"""``itinerance demo`` (v1): loads Indre and describes the territory in French."""

from __future__ import annotations

import io

import pytest

from geodata import query
from planner.cli import demo


@pytest.mark.slow
def test_demo_loads_indre_and_describes_it(run_cli, sqlite_url):
    code, out, err = run_cli("demo", "--db", sqlite_url)
    assert code == 0, err
    assert "Indre (36) : 241 communes, 216 069 habitants, 15 EPCI" in out
    assert "Services dans le département : 25 France Services fixes, 1 France Services itinérant, 61 lieux de médiation numérique" in out
    assert "Les 10 communes les plus fragiles" in out
    assert "Bus France services La Rur@linette — base : Châteauroux" in out
    assert "1. 1er lundi du mois — Vicq-Exemplet (36236)" in out
    assert "dernier jour du mois — Ségry (36215)" in out
    assert "« Avail » non résolu" in out
    assert len(query.communes(sqlite_url, departement="36")) == 241


def test_fragile_communes_are_the_highest_ifn_first(indre_url, capsys):
    from rich.console import Console

    out = Console(width=200, force_terminal=False)
    ctx = demo.DemoContext(indre_url, "36", "Indre", out)
    demo.fragile_communes(ctx)
    printed = capsys.readouterr().out
    frame = query.communes(indre_url, departement="36")
    top = frame.sort_values(["ifn", "population"], ascending=[False, False]).head(10)
    rows = [line for line in printed.splitlines() if any(code in line for code in frame["code"])]
    assert [next(c for c in frame["code"] if c in line) for line in rows] == list(top["code"])


def test_sections_can_be_added_by_later_work(indre_url, monkeypatch):
    from rich.console import Console

    seen = []
    monkeypatch.setattr(demo, "SECTIONS", list(demo.SECTIONS))
    demo.demo_section("Couverture")(lambda ctx: seen.append(len(ctx.results["communes"])))
    out = Console(width=200, record=True, file=io.StringIO())
    demo.run_demo(indre_url, out, load=False)
    assert seen == [241]
    assert "Couverture" in out.export_text()
