"""``itinerance demo``: the whole story on Indre, run once from the real pinned data.

The full run is checked on what it prints (territory, coverage gaps, La Rur@linette today and
optimised, the comparison) and on the files it writes (each one listed, plans valid against
their scenarios, calendars parsed back); bad targets and failures leave nothing behind.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from geodata import query
from geodata.errors import ItineranceError
from planner.cli import demo
from support.checks import assert_one_line_error


@pytest.fixture(scope="module")
def full_demo(shared_data, tmp_path_factory) -> tuple[str, Path, str]:
    """One full demo into a fresh database and folder: (printed text, folder, database URL)."""
    base = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{base / 'demo.sqlite'}"
    out = Console(width=200, record=True, file=io.StringIO())
    demo.run_demo(url, out, out_dir=base / "itinerance-demo")
    return out.export_text(), base / "itinerance-demo", url


@pytest.mark.slow
def test_the_demo_tells_the_territory(full_demo):
    text, _, url = full_demo
    assert "Indre (36) : 241 communes, 216\u202f069 habitants, 15 EPCI" in text
    assert (
        "Services dans le département : 25 France Services fixes, 1 France Services itinérant, 61 "
        "lieux de médiation numérique" in text
    )
    assert "1. 1er lundi du mois — Vicq-Exemplet (36236)" in text
    assert "« Avail » non résolu" in text
    assert len(query.communes(url, departement="36")) == 241


@pytest.mark.slow
def test_the_demo_shows_the_gaps_and_both_rotas_checked(full_demo):
    text, _, _ = full_demo
    # With the offline travel model the 30-minute promise holds everywhere: said, then 15 min.
    assert "À 30 min (la promesse de l'État), toutes les communes de l'Indre" in text
    assert "Couverture — Indre (36), seuil 15 min" in text
    assert "Rouvres-les-Bois" in text  # the one commune beyond 15 min of any human help
    assert "19 communes desservies par mois ; 1\u202f487 km" in text  # as published, Avail left out
    assert text.count("aucune contrainte violée") == 1
    assert "Plan valide : toutes les contraintes sont respectées" in text
    assert "Comparaison des scénarios" in text and "Aujourd'hui (référence)" in text
    # Deterministic mode: the same optimised rota on any machine (La Rur@linette's 19 communes
    # on their published days, plus 2 optional communes by need).
    assert "Arrêts desservis : 21 sur 34 ; obligatoires : 19 sur 19." in text
    assert "Par mois : 1\u202f606 km" in text
    assert "19 communes sur 19 gardent leur jour publié." in text


@pytest.mark.slow
def test_every_file_is_listed_and_the_plans_are_valid(full_demo, run_cli):
    text, folder, url = full_demo
    index = (folder / demo.MARKER).read_text(encoding="utf-8")
    listed = [line.split(" — ")[0] for line in index.splitlines()[3:]]
    for rel in listed:
        assert (folder / rel).exists(), rel
        assert f"{rel} — " in text  # printed too
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {
        "carte-couverture-indre.html",
        "comparaison.html",
        "comparaison.csv",
        "plan-rurlinette-optimisee.json",
        "documents/carte-tournees.html",
        "documents/calendriers/vehicule-la-rur-linette.ics",
    } <= files
    assert not any(p.name.startswith(".") for p in folder.parent.iterdir())  # no temporary left

    for scenario, plan in (
        (demo.AS_IS, "plan-rurlinette-actuelle.json"),
        (demo.OPTIMISED, "plan-rurlinette-optimisee.json"),
    ):
        code, out, err = run_cli(
            "evaluate", demo.SCENARIOS / scenario, "--plan", folder / plan, "--db", url
        )
        assert code == 0, err + out
        assert "Plan valide" in out
    meta = json.loads((folder / "plan-rurlinette-optimisee.json").read_text(encoding="utf-8"))[
        "meta"
    ]
    assert meta["seed"] == 0 and meta["versions"]["itinerance"]
    # what the demo changed, recorded
    assert meta["overrides"] == {"solver.deterministic": True, "coverage.threshold": 15.0}


@pytest.mark.slow
def test_the_calendars_hold_the_plans_visits(full_demo):
    import icalendar

    _, folder, _ = full_demo
    plan = json.loads((folder / "plan-rurlinette-optimisee.json").read_text(encoding="utf-8"))
    cal = icalendar.Calendar.from_ical(
        (folder / "documents/calendriers/vehicule-la-rur-linette.ics").read_bytes()
    )
    events = [c for c in cal.walk("VEVENT")]
    visits = sum(len(r["visits"]) for r in plan["routes"])
    assert len(events) >= visits > 0
    report = (folder / "comparaison.html").read_text(encoding="utf-8")
    assert "Aujourd&#x27;hui" in report or "Aujourd'hui" in report


def test_an_existing_folder_not_written_by_the_demo_is_refused(run_cli, tmp_path):
    mine = tmp_path / "itinerance-demo"
    mine.mkdir()
    (mine / "notes.txt").write_text("à moi", encoding="utf-8")
    code, _, err = run_cli("demo", "--db", f"sqlite:///{tmp_path / 'd.sqlite'}", "--out", mine)
    assert_one_line_error(code, err, "was not written by the demo")
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert not (tmp_path / "d.sqlite").exists()  # refused before loading anything


def test_a_failing_section_leaves_no_folder(indre_url, tmp_path, monkeypatch):
    def broken(ctx):
        (ctx.out_dir / "half.html").write_text("…", encoding="utf-8")
        raise ItineranceError("a section failed")

    monkeypatch.setattr(demo, "SECTIONS", [("Cassée", broken)])
    with pytest.raises(ItineranceError):
        demo.run_demo(
            indre_url, Console(file=io.StringIO()), load=False, out_dir=tmp_path / "sortie"
        )
    assert list(tmp_path.iterdir()) == []


def test_a_previous_demo_folder_is_replaced(indre_url, tmp_path, monkeypatch):
    target = tmp_path / "itinerance-demo"
    target.mkdir()
    (target / demo.MARKER).write_text("ancienne démo", encoding="utf-8")
    (target / "vieux.html").write_text("…", encoding="utf-8")

    def one_file(ctx):
        path = ctx.write_target("nouveau.csv")
        path.write_text("a;b\n", encoding="utf-8")
        ctx.record(path, "un fichier")

    monkeypatch.setattr(demo, "SECTIONS", [("Un fichier", one_file)])
    demo.run_demo(indre_url, Console(file=io.StringIO()), load=False, out_dir=target)
    assert sorted(p.name for p in target.iterdir()) == [demo.MARKER, "nouveau.csv"]
    assert "nouveau.csv — un fichier" in (target / demo.MARKER).read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["itinerance-demo"]


def test_fragile_communes_are_the_highest_ifn_first(indre_url, capsys):
    out = Console(width=200, force_terminal=False)
    ctx = demo.DemoContext(indre_url, "36", "Indre", out)
    demo.fragile_communes(ctx)
    printed = capsys.readouterr().out
    frame = query.communes(indre_url, departement="36")
    top = frame.sort_values(["ifn", "population"], ascending=[False, False]).head(10)
    rows = [line for line in printed.splitlines() if any(code in line for code in frame["code"])]
    assert [next(c for c in frame["code"] if c in line) for line in rows] == list(top["code"])


def test_sections_can_be_added_by_later_work(indre_url, monkeypatch):
    seen = []
    monkeypatch.setattr(demo, "SECTIONS", list(demo.SECTIONS[:2]))
    demo.demo_section("Couverture")(lambda ctx: seen.append(len(ctx.results["communes"])))
    out = Console(width=200, record=True, file=io.StringIO())
    demo.run_demo(indre_url, out, load=False)
    assert seen == [241]
    assert "Couverture" in out.export_text()
