"""The decision: the best plan within a budget is the one serving more need than today.

Hand-made figures: the rule (within the budget and more need served, else none), ties, invalid
plans, and the French verdict naming what each alternative gains and loses (more visitors but
less need, or more need over the budget) — never a dearer plan as an improvement.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from planner.analysis.compare import ScenarioFigures
from planner.analysis.decision import Option, decide, decision_rows_fr, verdict_fr
from planner.analysis.visitors import ExpectedVisitors
from support.figures import figures


def plan(
    label: str,
    *,
    need: float,
    cost_km: float = 1000.0,
    communes: int = 5,
    presence: float = 40.0,
    visitors: tuple[float, float] | None = (400.0, 500.0),
    violations: int = 0,
    published: tuple[int, int] = (0, 0),
) -> ScenarioFigures:
    """Figures with the decision's inputs set: need served, cost (via km), visitors, changes."""
    fig = figures(label, cost_km=cost_km, communes=communes, presence=presence)
    service = replace(
        fig.service,
        need_served=need,
        published_stops=published[0],
        published_days_kept=published[0] - published[1],
    )
    vis = None
    if visitors is not None:
        low, high = visitors
        vis = ExpectedVisitors((low + high) / 2, low, high, high, high, 12.0, 0.0, presence * 12)
    ops = replace(fig.operations, violations=violations)
    return replace(fig, service=service, visitors=vis, operations=ops)


TODAY = plan("Aujourd'hui", need=1000.0)
BUDGET = TODAY.costs.total


def test_the_best_serves_more_need_within_the_budget():
    cheap_more = plan("A", need=1100.0)
    cheaper_most = plan("B", need=1200.0, cost_km=900.0)
    dear_most = plan("C", need=2000.0, cost_km=5000.0)
    d = decide(TODAY, [cheap_more, cheaper_most, dear_most], BUDGET)
    assert d.best is not None and d.best.label == "B"  # C serves more but costs more than today
    assert dear_most.costs.total > BUDGET
    assert not d.within_budget(d.options[2])


def test_no_plan_beats_today_when_none_serves_more_need_within_the_budget():
    same = plan("Même tournée", need=1000.0)
    more_visitors_less_need = plan(
        "Demi-journées", need=900.0, communes=10, cost_km=990.0, visitors=(450.0, 560.0)
    )
    dearer = plan("Plus", need=1300.0, cost_km=4000.0, communes=6)
    d = decide(TODAY, [same, more_visitors_less_need, dearer], BUDGET)
    assert d.best is None
    text = "\n".join(verdict_fr(d))
    assert "aucune tournée ne sert plus de besoin que celle d'aujourd'hui" in text
    assert "« Même tournée » revient à la tournée d'aujourd'hui" in text
    # the trade-off is said both ways: more communes and visitors, less need, less presence each
    line = next(x for x in verdict_fr(d) if x.startswith("« Demi-journées »"))
    assert "ne sert pas plus de besoin" in line
    assert "+5 communes (4,0 h de présence par commune et par mois au lieu de 8,0)" in line
    assert "besoin servi −100 (−10 %)" in line
    assert "visiteurs attendus +50 à +60 par an" in line
    # the dearer plan is named as over the budget, with the extra cost, not as an improvement
    over = next(x for x in verdict_fr(d) if x.startswith("« Plus »"))
    extra = dearer.costs.total - BUDGET
    assert f"dépasse le budget de {round(extra):,} € par an".replace(",", "\u202f") in over
    assert "À ne retenir que si le budget augmente" in over


def test_an_invalid_plan_is_never_the_best_and_ties_go_to_the_cheaper():
    broken = plan("Cassé", need=5000.0, violations=1)
    a = plan("A", need=1500.0)
    b = plan("B", need=1500.0, cost_km=800.0)
    d = decide(TODAY, [broken, a, b], BUDGET)
    assert d.best is not None and d.best.label == "B"
    assert "« Cassé » : plan non valide, écarté." in verdict_fr(d)


def test_a_plan_a_cent_over_the_budget_is_within_but_a_euro_over_is_not():
    d = decide(TODAY, [], BUDGET - 0.4)
    assert d.within_budget(d.reference)
    d = decide(TODAY, [], BUDGET - 1.0)
    assert not d.within_budget(d.reference)


def test_rows_recompute_costs_per_visitor_and_the_rest_to_pay():
    b = plan("B", need=1200.0, cost_km=900.0, visitors=(300.0, 600.0), published=(4, 1))
    d = decide(TODAY, [b], BUDGET)
    rows = dict(decision_rows_fr(d))
    option = Option.of(b)
    low, high = b.costs.total / 600.0, b.costs.total / 300.0
    assert option.cost_per_visitor() == pytest.approx((low, high))
    assert rows["Coût / visiteur attendu"][1] == f"{round(low)}–{round(high)} €"
    assert rows["Jours publiés changés"] == ["—", "1 sur 4"]
    assert rows["Dans le budget"] == ["oui", "oui"]
    assert option.rest == pytest.approx(b.costs.total)  # no financing plan: all left to pay
    assert rows["Visiteurs attendus / an"][1] == "300–600"
