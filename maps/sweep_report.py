"""The HTML page of a parameter sweep: the cost–coverage chart with its Pareto front, and the table.

One self-contained French page (no script, no network): the title and date; "En bref" (the
front's combinations from the cheapest to the most covering); a chart of the yearly cost of each
combination against its coverage (inline SVG drawn with matplotlib: the front's points in colour
and joined, dominated points in grey, every point labelled with its values); the table of every
combination (accessible ``<table>``, the front marked, failed combinations with their reason);
what the figures mean; the provenance (scenario file and sha256, data, engine, seeds, work
budget, versions, where it ran).

It formats a :class:`planner.analysis.sweep.Sweep`; it must not plan, measure or read data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from maps._html import esc, fmt_date
from maps.common import itinerance_version
from maps.report import inline_svg
from maps.tables import Table, html_table
from planner.analysis.sweep import AXES, FIGURES, VARIABLES, Outcome, Sweep, cell, columns, label_fr
from planner.french import number_fr

__all__ = ["front_chart", "sweep_page"]

ACCENT = "#1d3f8f"
GREY = "#9a9a9a"


def _plotted(sweep: Sweep) -> list[tuple[Outcome, float, float]]:
    """Successful combinations with both figures: (outcome, coverage, cost)."""
    out = []
    for o in sweep.outcomes:
        x, y = o.figure(sweep.coverage_figure), o.figure(sweep.cost_figure)
        if o.ok and x is not None and y is not None:
            out.append((o, x, y))
    return out


def front_chart(sweep: Sweep) -> str | None:
    """The chart as inline SVG (None when no combination has both figures)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    points = _plotted(sweep)
    if not points:
        return None
    axis = AXES[sweep.axis]
    digits = FIGURES[axis.figure][2]
    xs = [x for _, x, _ in points]
    x_digits = digits if max(xs) - min(xs) < 10 else 0
    rc = {
        "font.size": 10,
        "font.family": ["DejaVu Sans"],
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with rc_context(rc):
        fig = Figure(figsize=(8.4, 5.0), dpi=100, layout="constrained")
        ax = fig.add_subplot()
        dominated = [(o, x, y) for o, x, y in points if not o.front]
        front = sorted(((o, x, y) for o, x, y in points if o.front), key=lambda p: (p[1], p[2]))
        if dominated:
            ax.scatter(
                [x for _, x, _ in dominated],
                [y for _, _, y in dominated],
                s=45,
                color=GREY,
                zorder=2,
                label="Combinaison dominée",
            )
        ax.plot(
            [x for _, x, _ in front],
            [y for _, _, y in front],
            color=ACCENT,
            linewidth=1.6,
            zorder=3,
            marker="o",
            markersize=8,
            markeredgecolor="white",
            label="Front de Pareto",
        )
        for o, x, y in points:
            ax.annotate(
                label_fr(o.values),
                (x, y),
                xytext=(7, 5),
                textcoords="offset points",
                fontsize=8,
                color="#1a1a1a" if o.front else "#6b6b6b",
            )
        ax.set_xlabel(f"{axis.label_fr} ({axis.unit_fr})")
        label, unit = FIGURES[sweep.cost_figure][:2]
        ax.set_ylabel(f"{label} ({unit} par an)")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number_fr(v, x_digits)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number_fr(v)))
        ax.margins(x=0.2, y=0.15)
        ax.grid(True, color="#e5e5e5", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.legend(loc="upper left", frameon=False, fontsize=9)
        return inline_svg(fig, "legende")


def _table(sweep: Sweep) -> Table:
    cols = columns(sweep)
    kinds = {c.header: ("int" if c.digits == 0 else "dec1" if c.digits else "text") for c in cols}
    rows = []
    for o in sweep.outcomes:
        row = {}
        for c in cols:
            value = cell(o, c)
            row[c.header] = "★ oui" if c.key == "front" and o.front else value
        rows.append(row)
    frame = pd.DataFrame(rows, columns=[c.header for c in cols])
    return Table(
        caption=f"Les {len(sweep.outcomes)} combinaisons",
        frame=frame,
        kinds=kinds,
        note="★ : sur le front de Pareto. « — » : chiffre indisponible (combinaison sans plan, "
        "ou couverture sans base de données du territoire).",
    )


def _varied(sweep: Sweep) -> str:
    parts = []
    for name, values in sweep.variables.items():
        shown = ", ".join(VARIABLES[name].short_fr(v) for v in values)
        parts.append(f"{VARIABLES[name].label_fr} ({shown})")
    return " × ".join(parts)


def _brief(sweep: Sweep) -> str:
    axis = AXES[sweep.axis]
    if not sweep.front:
        return "<p>Aucune combinaison n'a donné de plan : le tableau en dit la raison.</p>"
    items = []
    for o in sweep.front:
        cost, cover = o.figure(sweep.cost_figure), o.figure(sweep.coverage_figure)
        digits = FIGURES[axis.figure][2]
        items.append(
            f"<li><strong>{esc(label_fr(o.values))}</strong> : "
            f"{number_fr(cost or 0.0)} € par an, {number_fr(cover or 0.0, digits)} "
            f"{esc(axis.unit_fr)}</li>"
        )
    return (
        "<p>Du moins cher au plus couvrant, les combinaisons que rien ne bat à la fois sur le coût "
        f"et sur la couverture :</p><ol>{''.join(items)}</ol>"
    )


def _definitions(sweep: Sweep) -> str:
    axis = AXES[sweep.axis]
    aid = (
        (
            " net des aides publiques connues à un bus France Services (30 000 € par an de "
            "fonctionnement, investissement jusqu'à 68 000 €)"
        )
        if sweep.with_aid
        else ""
    )
    coverage = {
        "population": "les habitants des communes à moins du seuil de temps de trajet d'une aide "
        "humaine (France Services fixe, lieu de médiation numérique, ou arrêt du plan), avec le "
        "scénario",
        "need": "la même population pondérée par l'indice de fragilité numérique (IFN) de sa "
        "commune",
        "presence": "les heures de permanence assurées aux arrêts, pour un mois moyen",
        "value": "le besoin servi : population × IFN de chaque commune × le gain de niveau de "
        "service que le plan lui apporte, chaque commune comptée une fois",
    }[axis.name]
    return (
        "<ul>"
        f"<li><strong>Coût annuel</strong>{esc(aid)} : achat des véhicules réparti sur leur durée "
        "de vie, entretien et assurance, carburant, heures des agents (et bornes) — le modèle de "
        "coûts de la comparaison de scénarios, avec les taux du fichier de scénario.</li>"
        f"<li><strong>{esc(axis.label_fr)}</strong> : {esc(coverage)}.</li>"
        "<li><strong>Front de Pareto</strong> : une combinaison en fait partie quand aucune autre "
        "ne coûte au plus autant en couvrant au moins autant, en faisant mieux sur l'un des deux. "
        "Deux combinaisons aux chiffres égaux y sont toutes les deux.</li>"
        "<li>Chaque combinaison est planifiée en mode déterministe, avec un budget de recherche "
        "fixe (un nombre d'itérations) : le même résultat sur un poste ou sur une grappe de "
        "calcul.</li></ul>"
    )


def _provenance(meta: dict[str, Any]) -> str:
    sweep = meta.get("sweep", {})
    rows: list[tuple[str, str]] = []
    for item in meta.get("inputs", []):
        rows.append(("Scénario", f"{item.get('path')} (sha256 {item.get('sha256')})"))
    data = meta.get("data", {})
    rows.append(("Base de données", data.get("database") or "aucune (scénario autonome)"))
    areas: dict[tuple[Any, ...], list[str]] = {}
    for d in data.get("datasets", []):  # one line per file, with the areas loaded from it
        key = (d.get("dataset"), d.get("file"), d.get("vintage"), d.get("sha256"))
        areas.setdefault(key, []).append(str(d.get("area")))
    for (dataset, file, vintage, sha), where in areas.items():
        source = (
            f"{dataset} — {file} (millésime {vintage}, sha256 {sha}) ; zones : {', '.join(where)}"
        )
        rows.append(("Données", source))
    rows.append(("Moteur", f"{meta.get('engine')}, mode déterministe"))
    rows.append(("Graines", ", ".join(str(s) for s in sweep.get("seeds", [])) or "—"))
    budget = sweep.get("iterations")
    rows.append(
        (
            "Budget de recherche par combinaison",
            f"{budget} itérations"
            if budget
            else f"[solver] time_limit du scénario ({meta.get('time_limit')} s) × itérations "
            "par seconde du moteur",
        )
    )
    where = f"{sweep.get('scheduler')}, {sweep.get('workers')} processus, {sweep.get('seconds')} s"
    rows.append(("Calcul", where))
    versions = meta.get("versions", {})
    rows.append(("Versions", ", ".join(f"{k} {v}" for k, v in versions.items() if v)))
    if meta.get("created"):
        rows.append(("Créé le", str(meta["created"])))
    body = "".join(f'<tr><th scope="row">{esc(k)}</th><td>{esc(v)}</td></tr>' for k, v in rows)
    return f'<table class="prov"><caption>Provenance</caption><tbody>{body}</tbody></table>'


_CSS = """
:root{--ink:#1a1a1a;--muted:#555;--line:#d0d5dd;--head:#eef2f8;--accent:#1d3f8f}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--ink);
  margin:0 auto;padding:20px 24px 40px;max-width:1200px}
h1{font-size:1.6em;margin:.1em 0 .2em;color:var(--accent)}
h2{font-size:1.2em;margin:1.6em 0 .4em;border-bottom:2px solid var(--head);padding-bottom:.2em}
.lead{color:var(--muted);margin:.2em 0 1em}
figure{margin:1em 0}
svg.chart{width:100%;height:auto;max-width:860px;display:block}
figcaption{color:var(--muted);font-size:.9em;max-width:860px}
table{border-collapse:collapse;margin:.6em 0 .3em;font-size:.9em}
caption{text-align:left;font-weight:700;padding:.3em 0;caption-side:top}
th,td{border:1px solid var(--line);padding:.25em .5em;vertical-align:top}
thead th,thead th.num{background:var(--head);max-width:10em;white-space:normal;
  vertical-align:bottom}
tbody th{text-align:left;font-weight:600}
.num{text-align:right;white-space:nowrap}
.scroll{overflow-x:auto}
tbody tr:nth-child(even){background:#f7f8fa}
.note{font-size:.85em;color:var(--muted)}
table.prov td{word-break:break-all}
"""


def sweep_page(sweep: Sweep, *, title: str | None = None, made: dt.date | None = None) -> str:
    """The complete HTML page of a sweep (French)."""
    title = title or f"Balayage de scénarios — {sweep.scenario}"
    made = made or dt.date.today()
    ok = sum(o.ok for o in sweep.outcomes)
    failed = len(sweep.outcomes) - ok
    chart = front_chart(sweep)
    axis = AXES[sweep.axis]
    if chart is None:
        figure = "<p>Aucune combinaison planifiée n'a ses deux chiffres : pas de graphique.</p>"
    else:
        missing = len(sweep.outcomes) - len(_plotted(sweep))
        note = (
            f" {missing} combinaison(s) sans plan n'y figurent pas (voir le tableau)."
            if missing
            else ""
        )
        figure = (
            f'<figure>{chart}<figcaption id="legende">Coût annuel de chaque combinaison (axe '
            f"vertical) et {esc(axis.label_fr.lower())} (axe horizontal). En bleu et reliées : "
            f"les combinaisons du front de "
            f"Pareto ; en gris : les combinaisons dominées (une autre couvre autant pour moins "
            f"cher, ou davantage pour le même prix).{esc(note)}</figcaption></figure>"
        )
    lead = (
        f"Scénario de départ : {sweep.scenario}. Variables : {_varied(sweep)}. "
        f"{len(sweep.outcomes)} combinaisons, {ok} planifiées"
        f"{f', {failed} sans plan' if failed else ''}, {len(sweep.front)} sur le front de "
        f"Pareto. Page produite le {fmt_date(made)} par itinerance {itinerance_version()}."
    )
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="itinerance {esc(itinerance_version())}">\n'
        f"<title>{esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f'<h1>{esc(title)}</h1>\n<p class="lead">{esc(lead)}</p>\n'
        f'<section aria-labelledby="h-bref"><h2 id="h-bref">En bref</h2>{_brief(sweep)}</section>\n'
        f'<section aria-labelledby="h-graphique"><h2 id="h-graphique">Coût et couverture'
        f"</h2>{figure}</section>\n"
        f'<section aria-labelledby="h-tableau"><h2 id="h-tableau">Toutes les combinaisons</h2>'
        f"{html_table(_table(sweep), table_id='combinaisons')}</section>\n"
        f'<section aria-labelledby="h-lire"><h2 id="h-lire">Ce que mesurent les chiffres</h2>'
        f"{_definitions(sweep)}</section>\n"
        f'<section aria-labelledby="h-provenance"><h2 id="h-provenance">D\'où viennent ces '
        f"résultats</h2>{_provenance(sweep.meta)}</section>\n"
        "</main>\n</body>\n</html>\n"
    )
