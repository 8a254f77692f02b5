"""The decision a budget vote needs: which plan, within a yearly budget, does better than today.

Elected officials and a mobility manager compare today's rota with alternatives for the same
vehicles. A plan is only *better* if it serves more need (each commune counted once, the
planning model's value) **and** costs no more than the budget; a plan that costs more is shown
with its extra cost, never as an improvement. Expected visitors, communes whose published day
or time changes, and who pays are shown beside, because a plan can gain on one and lose on
another (half-day permanences reach more communes but serve each one less): the text says both.

This module only reads :class:`~planner.analysis.compare.ScenarioFigures`; it plans nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from planner.analysis.compare import ScenarioFigures
from planner.analysis.visitors import range_fr, round_tens
from planner.french import euros_fr, integer_fr, number_fr, percent_fr, plural_fr

__all__ = ["ROW_NOTES_FR", "Decision", "Option", "decide", "decision_rows_fr", "verdict_fr"]

NEED_TOLERANCE = 1e-6  # relative: a gain smaller than this is a tie, not an improvement
COST_TOLERANCE = 0.5  # euros: a plan within 50 cents of the budget respects it


@dataclass(frozen=True, slots=True)
class Option:
    """One plan's figures for the decision (yearly costs gross of aid)."""

    label: str
    valid: bool
    communes: int
    need_served: float
    visitors_low: float | None
    visitors_high: float | None
    cost: float
    funding: float
    rest: float
    published: int  # stops with a published day that residents know
    days_changed: int  # of those, stops whose day changes or that are no longer served
    times_changed: int  # of those, stops kept on their day at another time
    times_known: int  # stops whose published start time is known (0: times cannot be compared)
    presence_hours_per_month: float

    @classmethod
    def of(cls, fig: ScenarioFigures) -> Option:
        svc, vis, fin = fig.service, fig.visitors, fig.financing
        cost = fig.costs.total
        funding = fin.funding if fin is not None else 0.0
        return cls(
            label=fig.label,
            valid=fig.operations.violations == 0,
            communes=svc.communes_served,
            need_served=svc.need_served,
            visitors_low=vis.low if vis is not None else None,
            visitors_high=vis.high if vis is not None else None,
            cost=cost,
            funding=funding,
            rest=fin.rest if fin is not None else cost,
            published=svc.published_stops,
            days_changed=svc.published_stops - svc.published_days_kept,
            times_changed=svc.published_times_changed,
            times_known=svc.published_times_known,
            presence_hours_per_month=svc.presence_hours_per_month,
        )

    @property
    def presence_per_commune(self) -> float:
        """Hours of presence per commune served and per month (0 without communes)."""
        return self.presence_hours_per_month / self.communes if self.communes else 0.0

    def cost_per_visitor(self) -> tuple[float, float] | None:
        """Yearly cost per expected visitor (low, high), or None without a visitor estimate."""
        if not self.visitors_low or not self.visitors_high:
            return None
        return self.cost / self.visitors_high, self.cost / self.visitors_low


@dataclass(frozen=True, slots=True)
class Decision:
    """Today, the alternatives, the budget, and the best alternative that beats today within it."""

    budget: float
    reference: Option
    options: tuple[Option, ...]
    best: Option | None  # None: no alternative serves more need within the budget

    def within_budget(self, option: Option) -> bool:
        return option.cost <= self.budget + COST_TOLERANCE

    def beats_reference(self, option: Option) -> bool:
        ref = self.reference.need_served
        return option.valid and option.need_served > ref + NEED_TOLERANCE * max(abs(ref), 1.0)


def decide(
    reference: ScenarioFigures, alternatives: Sequence[ScenarioFigures], budget: float
) -> Decision:
    """The best alternative: valid, within ``budget`` (€ per year, gross), and serving more need
    than ``reference``; among those the one serving the most need (ties: the cheaper, then the
    first given)."""
    ref = Option.of(reference)
    options = tuple(Option.of(f) for f in alternatives)
    decision = Decision(budget, ref, options, None)
    eligible = [
        (-o.need_served, o.cost, n, o)
        for n, o in enumerate(options)
        if decision.within_budget(o) and decision.beats_reference(o)
    ]
    best = min(eligible)[3] if eligible else None
    return Decision(budget, ref, options, best)


def _visitors(o: Option) -> str:
    if o.visitors_low is None or o.visitors_high is None:
        return "—"
    return range_fr(o.visitors_low, o.visitors_high).replace(" à ", "–")


def _per_visitor(o: Option) -> str:
    pair = o.cost_per_visitor()
    return "—" if pair is None else f"{number_fr(pair[0])}–{number_fr(pair[1])} €"


def _changes(o: Option) -> str:
    if not o.published:
        return "—"
    return f"{o.days_changed} sur {o.published}"


def decision_rows_fr(decision: Decision) -> list[tuple[str, list[str]]]:
    """The decision table: (row label, one cell per plan, today first)."""
    plans = [decision.reference, *decision.options]
    return [
        ("Plan valide", ["oui" if o.valid else "NON" for o in plans]),
        ("Communes desservies", [integer_fr(o.communes) for o in plans]),
        ("Présence par commune (h/mois)", [number_fr(o.presence_per_commune, 1) for o in plans]),
        ("Besoin servi (1)", [integer_fr(o.need_served) for o in plans]),
        ("Visiteurs attendus / an", [_visitors(o) for o in plans]),
        ("Jours publiés changés", [_changes(o) for o in plans]),
        ("Coût annuel", [euros_fr(o.cost) for o in plans]),
        ("Coût / visiteur attendu", [_per_visitor(o) for o in plans]),
        ("Financements publics", [euros_fr(o.funding) for o in plans]),
        ("Reste à charge (2)", [euros_fr(o.rest) for o in plans]),
        ("Dans le budget", ["oui" if decision.within_budget(o) else "non" for o in plans]),
    ]


ROW_NOTES_FR = (
    "(1) population × IFN × gain de niveau de service, chaque commune comptée une fois "
    "(docs/planning-model.md).",
    "(2) des collectivités, après les financements publics connus (docs/financing.md).",
)


def _signed(x: float, text: str) -> str:
    return ("+" if x > 0 else "−" if x < 0 else "±") + text


def _same(ref: Option, o: Option) -> bool:
    """The same tour in figures: communes, need served and cost (to the euro)."""
    return (
        o.communes == ref.communes
        and abs(o.need_served - ref.need_served) <= NEED_TOLERANCE * max(abs(ref.need_served), 1.0)
        and abs(o.cost - ref.cost) < 1.0
    )


def _delta_fr(ref: Option, o: Option) -> str:
    """ "+18 communes (2,5 h de présence par commune et par mois au lieu de 5), besoin servi
    −2 976 (−9 %), visiteurs attendus +150 à +190 par an, coût −244 € par an, 0 jour publié
    changé sur 19"."""
    dn = o.need_served - ref.need_served
    dc = o.communes - ref.communes
    communes = f"{_signed(dc, str(abs(dc)))} communes"
    if abs(o.presence_per_commune - ref.presence_per_commune) >= 0.05:
        communes += (
            f" ({number_fr(o.presence_per_commune, 1)} h de présence par commune et par mois au "
            f"lieu de {number_fr(ref.presence_per_commune, 1)})"
        )
    parts = [communes]
    need = f"besoin servi {_signed(dn, integer_fr(abs(dn)))}"
    if ref.need_served > 0:
        pct = 100 * dn / ref.need_served
        need += f" ({_signed(pct, percent_fr(abs(pct)))})"
    parts.append(need)
    if None not in (o.visitors_low, o.visitors_high, ref.visitors_low, ref.visitors_high):
        lo = round_tens(o.visitors_low) - round_tens(ref.visitors_low)  # type: ignore[operator]
        hi = round_tens(o.visitors_high) - round_tens(ref.visitors_high)  # type: ignore[operator]
        parts.append(
            f"visiteurs attendus {_signed(lo, integer_fr(abs(lo)))} à "
            f"{_signed(hi, integer_fr(abs(hi)))} par an"
        )
    cost = o.cost - ref.cost
    parts.append(f"coût {_signed(round(cost), euros_fr(abs(cost)))} par an")
    if o.published:
        changed = plural_fr(o.days_changed, "jour publié changé", "jours publiés changés")
        text = f"{changed} sur {o.published}"
        if o.times_known:
            text += f", {plural_fr(o.times_changed, 'horaire changé', 'horaires changés')}"
        parts.append(text)
    return ", ".join(parts)


def verdict_fr(decision: Decision) -> list[str]:
    """The decision in French sentences: the best plan within the budget and what it changes,
    or that none beats today and why; plans over the budget are named as such, with their cost."""
    ref, budget = decision.reference, decision.budget
    lines = [f"Budget : {euros_fr(budget)} par an (coût d'aujourd'hui, avant financements)."]
    if decision.best is not None:
        best = decision.best
        lines.append(
            f"Meilleure tournée dans ce budget : « {best.label} » — elle sert plus de besoin "
            f"qu'aujourd'hui : {_delta_fr(ref, best)}."
        )
    else:
        lines.append(
            "Dans ce budget, aucune tournée ne sert plus de besoin que celle d'aujourd'hui : "
            "on garde la tournée actuelle."
        )
    for o in decision.options:
        if o is decision.best:
            continue
        if not o.valid:
            lines.append(f"« {o.label} » : plan non valide, écarté.")
        elif _same(ref, o) and decision.within_budget(o):
            lines.append(
                f"« {o.label} » revient à la tournée d'aujourd'hui (mêmes communes, même besoin "
                "servi, même coût) : dans ce budget, aucune journée ne peut s'ajouter."
            )
        elif not decision.within_budget(o):
            lines.append(
                f"« {o.label} » dépasse le budget de {euros_fr(o.cost - budget)} par an : "
                f"{_delta_fr(ref, o)}. À ne retenir que si le budget augmente."
            )
        elif decision.beats_reference(o):
            lines.append(
                f"« {o.label} » sert aussi plus de besoin, mais moins : {_delta_fr(ref, o)}."
            )
        else:
            lines.append(f"« {o.label} » ne sert pas plus de besoin : {_delta_fr(ref, o)}.")
    return lines
