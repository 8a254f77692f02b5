"""The financing plan of each scenario as HTML (a section of the comparison report).

Per scenario: every line of its funding table that holds for its year, what it funds, the amount
counted per year or why it does not count, its years and its source; then the total and the rest
left to the local authorities, which add up to the yearly cost. It formats
:class:`planner.analysis.financing.FinancingPlan`; it computes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from maps._html import esc
from planner.analysis.compare import ScenarioFigures
from planner.analysis.financing import FinancingPlan, FundedLine
from planner.french import number_fr

__all__ = ["financing_section"]


def _eur(value: float) -> str:
    return f"{number_fr(value, 0)} €"


def _source(x: FundedLine) -> str:
    title = esc(x.source_title)
    return f'<a href="{esc(x.source_url)}">{title}</a>' if x.source_url else title


def _row(x: FundedLine) -> str:
    what = "fonctionnement" if x.funds == "operating" else "investissement (réparti)"
    nominal = "à renseigner" if x.amount is None else _eur(x.amount)
    counted = (
        f'<td class="num">{_eur(x.per_year)}</td>'
        if x.counted
        else f"<td>non compté : {esc(x.reason or 'montant nul')}</td>"
    )
    return (
        f'<tr><th scope="row">{esc(x.funder)} — {esc(x.label)}</th><td>{what}</td>'
        f'<td class="num">{nominal}</td><td>{esc(x.years_fr)}</td>{counted}'
        f"<td>{_source(x)}{' — ' + esc(x.note) if x.note else ''}</td></tr>"
    )


def _plan(label: str, plan: FinancingPlan) -> str:
    shown = [x for x in plan.lines if x.counted or not (x.reason or "").startswith("ne vaut pas")]
    rows = "".join(_row(x) for x in shown)
    capped = f"<p>{esc(' '.join(plan.notes))}</p>" if plan.notes else ""
    return (
        f'<div class="scroll"><table><caption>{esc(label)} — année {plan.year} (table : '
        f"<code>{esc(plan.table)}</code>)</caption>"
        '<thead><tr><th scope="col">Financement</th><th scope="col">Nature</th>'
        '<th scope="col">Montant de la table</th><th scope="col">Années</th>'
        '<th scope="col">Compté (€/an)</th><th scope="col">Source et conditions</th></tr>'
        f"</thead><tbody>{rows}</tbody><tfoot>"
        f'<tr><th scope="row">Total des financements publics</th><td></td><td></td><td></td>'
        f'<td class="num">{_eur(plan.funding)}</td><td></td></tr>'
        f'<tr><th scope="row">Reste à charge des collectivités</th><td></td><td></td><td></td>'
        f'<td class="num">{_eur(plan.rest)}</td><td></td></tr>'
        f'<tr><th scope="row">Coût annuel total</th><td></td><td></td><td></td>'
        f'<td class="num">{_eur(plan.total_cost)}</td><td></td></tr>'
        f"</tfoot></table></div>{capped}"
    )


def financing_section(scenarios: Sequence[ScenarioFigures]) -> str:
    """The report's "Qui paie ?" section ('' when no scenario has a financing plan)."""
    plans = [(s.label, s.financing) for s in scenarios if s.financing is not None]
    if not plans:
        return ""
    body = "".join(_plan(label, plan) for label, plan in plans)
    return (
        '<section aria-labelledby="h-fin"><h2 id="h-fin">Qui paie ? Plan de financement</h2>'
        "<p>Financements publics connus dont les conditions sont remplies, pour l'année de "
        "chaque scénario ; ce qui reste est à la charge des collectivités. Les montants "
        "changent chaque année : la table des financements, datée et sourcée, se modifie sans "
        "toucher au code (docs/financing.md).</p>"
        f"{body}</section>\n"
    )
