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
def full_demo(shared_data, tmp_path_factory) -> tuple[str, Path, str, demo.DemoContext]:
    """One full demo into a fresh database and folder: (printed text, folder, database URL,
    the sections' shared results)."""
    base = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{base / 'demo.sqlite'}"
    out = Console(width=200, record=True, file=io.StringIO())
    ctx = demo.run_demo(url, out, out_dir=base / "itinerance-demo")
    return out.export_text(), base / "itinerance-demo", url, ctx


@pytest.mark.slow
def test_the_demo_tells_the_territory(full_demo):
    text, _, url, _ = full_demo
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
    text, _, _, _ = full_demo
    # With the offline travel model the 30-minute promise holds everywhere: said, then 15 min.
    assert "À 30 min (la promesse de l'État), toutes les communes de l'Indre" in text
    assert "Couverture — Indre (36), seuil 15 min" in text
    assert "Rouvres-les-Bois" in text  # the one commune beyond 15 min of any human help
    assert "19 communes desservies par mois ; 1\u202f487 km" in text  # as published, Avail left out
    assert text.count("aucune contrainte violée") == 4  # today and the three alternatives
    # no alternative is retained, so no full rota is printed (its "Plan valide…" line)
    assert text.count("Plan valide : toutes les contraintes sont respectées") == 0
    # Today's cost and who pays it, then the alternatives within that cost.
    assert "Coût : 86\u202f001 € par an" in text
    assert "reste à charge des collectivités : 36\u202f001 €" in text
    assert "Budget : 86\u202f001 € par an, le coût d'aujourd'hui" in text
    # Deterministic mode: the same plans on any machine. Within today's cost the van cannot add
    # a day; half-days reach 18 more communes but serve less need; two more days cost more.
    assert "Dans ce budget, aucune tournée ne sert plus de besoin que celle d'aujourd'hui" in text
    assert "« Jours gardés » revient à la tournée d'aujourd'hui" in text
    assert "« Demi-journées » ne sert pas plus de besoin : +18 communes" in text
    assert "« Deux journées de plus » dépasse le budget de 7\u202f691 € par an" in text
    assert text.count("19 communes sur 19 gardent leur jour publié.") == 3


@pytest.mark.slow
def test_the_decision_figures_are_the_plans_own(full_demo):
    """Every figure of the decision recomputed from the plans: need served by the independent
    recomputation, the budget respected by every capped plan (and checked by the validator),
    financing lines adding up to the funding, the rest to pay = cost − funding."""
    from planner.tours.value import plan_value

    _, _, _, ctx = full_demo
    decision = ctx.results["decision"]
    budget = ctx.results["budget"]
    today = ctx.results["as_is_evaluation"].figures
    assert budget == pytest.approx(today.costs.total)
    assert decision.best is None
    options = {o.label: o for o in (decision.reference, *decision.options)}
    keys = {"Aujourd'hui": "as_is"} | {label: key for key, label, *_ in demo.ALTERNATIVES}
    capped = {label for _, label, _, cap, _ in demo.ALTERNATIVES if cap}
    for label, option in options.items():
        planned = ctx.results[keys[label]]
        assert planned.report.ok, label
        served = planned.plan.served_stops()
        assert option.need_served == pytest.approx(plan_value(planned.built.problem, served))
        if label in capped:
            assert option.cost <= budget + 0.5
            fig = planned.report.figures  # the validator's own recomputation of the cost
            assert fig.budget_max_per_year == pytest.approx(budget)
            assert fig.yearly_cost is not None and fig.yearly_cost <= budget + 0.5
            assert fig.yearly_cost == pytest.approx(option.cost, abs=1.0)
    for evaluation in (ctx.results["as_is_evaluation"], *ctx.results["alternatives"]):
        fin, option = evaluation.figures.financing, options[evaluation.figures.label]
        assert fin is not None
        assert option.funding == pytest.approx(sum(x.per_year for x in fin.lines if x.counted))
        assert option.rest == pytest.approx(max(option.cost - option.funding, 0.0))
    assert options["Deux journées de plus"].cost > budget  # shown, never as the better plan
    assert options["Demi-journées"].communes > options["Aujourd'hui"].communes
    assert options["Demi-journées"].need_served < options["Aujourd'hui"].need_served


@pytest.mark.slow
def test_every_file_is_listed_and_the_plans_are_valid(full_demo, run_cli):
    text, folder, url, _ = full_demo
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
        "plan-rurlinette-jours-gardes.json",
        "plan-rurlinette-demi-journees.json",
        "plan-rurlinette-deux-journees-de-plus.json",
        "documents/carte-tournees.html",
        "documents/calendriers/vehicule-la-rur-linette.ics",
    } <= files
    assert not any(p.name.startswith(".") for p in folder.parent.iterdir())  # no temporary left

    for scenario, plan in (
        (demo.AS_IS, "plan-rurlinette-actuelle.json"),
        (demo.OPTIMISED, "plan-rurlinette-jours-gardes.json"),
        (demo.HALF_DAYS, "plan-rurlinette-demi-journees.json"),
        (demo.OPTIMISED, "plan-rurlinette-deux-journees-de-plus.json"),
    ):
        code, out, err = run_cli(
            "evaluate", demo.SCENARIOS / scenario, "--plan", folder / plan, "--db", url
        )
        assert code == 0, err + out
        assert "Plan valide" in out
    meta = json.loads((folder / "plan-rurlinette-demi-journees.json").read_text(encoding="utf-8"))[
        "meta"
    ]
    assert meta["seed"] == 0 and meta["versions"]["itinerance"]
    # what the demo changed, recorded: today's cost as the budget
    assert meta["overrides"] == {
        "solver.deterministic": True,
        "coverage.threshold": 15.0,
        "budget.max_per_year": pytest.approx(86001.13, abs=0.01),
    }


@pytest.mark.slow
def test_the_calendars_hold_the_plans_visits(full_demo):
    import icalendar

    _, folder, _, _ = full_demo
    plan = json.loads((folder / "plan-rurlinette-actuelle.json").read_text(encoding="utf-8"))
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
