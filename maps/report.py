"""The HTML comparison report: scenarios side by side, in French, for elected officials.

One self-contained page (no script, no network): a title and the date; "En bref" (the best
scenario on the lines that decide); the comparison as an accessible ``<table>`` (caption,
column and row headers, one ``<tbody>`` per section, the best value of each line highlighted and
said in words for screen readers); a chart of yearly cost against coverage (inline SVG drawn
with matplotlib, French labels, one labelled point per scenario); the scenarios' maps side by
side in ``<iframe>``s (the map files are written next to the report by the caller); what each
line means; the cost rates with their sources; the scenarios' remarks; and the provenance of
each plan (scenario file and sha256, engine, seed, data, versions).

It formats a :class:`planner.analysis.compare.Comparison`; it must not plan, measure or read data.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from geodata.names import fold
from maps._html import esc, fmt_date
from maps.common import itinerance_version
from maps.financing_html import financing_section
from planner.analysis.compare import Comparison, Row, ScenarioFigures
from planner.analysis.costs import RATES_FR
from planner.files import write_files
from planner.french import integer_fr, number_fr

__all__ = ["cost_coverage_chart", "inline_svg", "map_file_name", "render_report", "write_report"]

TITLE = "Comparaison de scénarios"
# The maps are drawn for a whole screen (title, legends, layer control): in the report each one is
# laid out at 1/MAP_ZOOM of its frame's size and scaled down, so that its panels keep their places.
MAP_ZOOM = 0.62
_COLOURS = ("#1d3f8f", "#d95f02", "#1b7837", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#666666")


def map_file_name(report: Path, index: int, label: str) -> str:
    """The file of a scenario's map beside the report: ``comparaison.html``, 0, "La Rur@linette —
    actuelle" → ``comparaison-carte-1-la-rur-linette-actuelle.html``."""
    text = label.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("Æ", "Ae")
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text).lower()).strip("-")
    if len(slug) > 40:  # cut at a word boundary
        slug = slug[:41].rsplit("-", 1)[0]
    slug = slug or "scenario"
    return f"{report.stem}-carte-{index + 1}-{slug}.html"


# --- the chart ------------------------------------------------------------------------------------


def _axis(comparison: Comparison) -> tuple[str, str, list[float | None]]:
    """The coverage axis: people covered after the scenario when that differs between scenarios,
    else the hours of presence (the scenarios cover the same people: presence tells them apart)."""
    covered = next((r for r in comparison.rows if r.line.key == "covered_after"), None)
    values = list(covered.values) if covered is not None else []
    known = [v for v in values if v is not None]
    if covered is not None and len(known) == len(values) and len(set(known)) > 1:
        return "covered_after", covered.label.replace(" — après", "") + " (après)", values
    presence = comparison.row("presence_hours_month")
    return "presence_hours_month", "Heures de présence par mois", list(presence.values)


def cost_coverage_chart(comparison: Comparison) -> tuple[str, str]:
    """The yearly cost of each scenario against its coverage, as inline SVG (and the axis key)."""
    key, xlabel, xs = _axis(comparison)
    costs = comparison.row("cost_total").values
    net = comparison.row("cost_total_with_aid").values if comparison.with_aid else None
    french = FuncFormatter(lambda v, _: integer_fr(v))
    rc = {
        "font.size": 10,
        "font.family": ["DejaVu Sans"],
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with rc_context(rc):
        fig = Figure(figsize=(7.6, 4.4), dpi=100, layout="constrained")
        ax = fig.add_subplot()
        points = [
            (n, label, x, y)
            for n, (label, x, y) in enumerate(zip(comparison.labels, xs, costs))
            if x is not None and y is not None
        ]
        low = min((p[2] for p in points), default=0.0)
        high = max((p[2] for p in points), default=0.0)
        for n, label, x, y in points:
            colour = _COLOURS[n % len(_COLOURS)]
            ax.scatter([x], [y], s=90, color=colour, zorder=3, edgecolor="white", linewidth=1.5)
            right = high > low and (x - low) / (high - low) > 0.5  # label on the side with room
            ax.annotate(
                label,
                (x, y),
                xytext=(-9 if right else 9, 6),
                textcoords="offset points",
                fontsize=9.5,
                color="#222222",
                ha="right" if right else "left",
            )
            if net is not None and net[n] is not None:
                ax.scatter(
                    [x],
                    [net[n]],
                    s=70,
                    facecolor="white",
                    edgecolor=colour,
                    linewidth=1.8,
                    zorder=3,
                )
                ax.plot([x, x], [y, net[n]], color=colour, linewidth=1, linestyle=":", zorder=2)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Coût annuel (€ par an)")
        ax.xaxis.set_major_formatter(french)
        ax.yaxis.set_major_formatter(french)
        ax.set_ylim(bottom=0)
        ax.margins(x=0.25, y=0.15)
        ax.grid(True, color="#e5e5e5", linewidth=0.8)
        ax.set_axisbelow(True)
        if net is not None:
            ax.scatter([], [], s=90, color="#555555", label="Coût total")
            ax.scatter(
                [],
                [],
                s=70,
                facecolor="white",
                edgecolor="#555555",
                label="Net des aides publiques",
            )
            ax.legend(loc="best", frameon=False, fontsize=9)
        return inline_svg(fig, "chart-caption"), key


def inline_svg(fig: Figure, caption_id: str) -> str:
    """A matplotlib figure as an ``<svg>`` element for an HTML page: text kept as text, no fixed
    size (CSS sizes it), labelled by the element ``caption_id``, the same bytes on every run."""
    out = io.StringIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "itinerance"}):
        fig.savefig(out, format="svg", metadata={"Date": None})
    svg = out.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"', r"<svg \1", svg, count=1)
    return svg.replace(
        "<svg ", f'<svg class="chart" role="img" aria-labelledby="{esc(caption_id)}" ', 1
    )


# --- the page -------------------------------------------------------------------------------------

_CSS = """
:root{--ink:#1a1a1a;--muted:#555;--line:#d0d5dd;--head:#eef2f8;--best:#e2f3e0;--accent:#1d3f8f}
*{box-sizing:border-box}
body{overflow-x:hidden;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
  color:var(--ink);margin:0;background:#f7f8fa}
main{max-width:1280px;margin:0 auto;padding:24px 28px 48px;background:#fff}
header{border-bottom:3px solid var(--accent);padding-bottom:10px;margin-bottom:18px}
h1{font-size:1.75em;margin:0 0 4px;color:var(--accent)}
h2{font-size:1.25em;margin:1.8em 0 .5em;color:var(--accent)}
.made{color:var(--muted);margin:0}
.scenarios{margin:.6em 0 0;padding-left:1.2em}
.brief{background:#f3f6fb;border-left:4px solid var(--accent);padding:10px 16px;margin:0}
.brief li{margin:3px 0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92em}
caption{text-align:left;font-weight:700;padding:.3em 0 .6em;caption-side:top}
th,td{border-bottom:1px solid var(--line);padding:.35em .6em;vertical-align:top}
thead th{background:var(--head);border-bottom:2px solid #9aa6b8;text-align:right;
  vertical-align:bottom}
thead th:first-child,thead th:last-child{text-align:left}
tbody th[scope=row]{text-align:left;font-weight:500;min-width:18em}
tbody.sec th[scope=rowgroup]{text-align:left;background:#fafbfc;color:var(--accent);font-weight:700;
  padding-top:.9em;border-bottom:1px solid #9aa6b8}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.best{background:var(--best);font-weight:700}
.star{color:#2e7d32;margin-left:.25em}
.unit{color:var(--muted);font-size:.88em}
.diff{display:block;color:var(--muted);font-size:.85em;font-weight:400}
td.winner{color:#2e7d32;font-size:.9em}
.ref{font-weight:400;color:var(--muted);font-size:.85em;display:block}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
figure{margin:0}
.chart{width:100%;max-width:760px;height:auto;display:block}
figcaption{color:var(--muted);font-size:.9em;max-width:760px}
.maps{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px;
  width:calc(100vw - 48px);max-width:2400px;position:relative;left:50%;transform:translateX(-50%)}
.maps figure{border:1px solid var(--line);border-radius:6px;padding:8px;background:#fff;min-width:0}
.maps h3{font-size:1em;margin:0 0 6px}
.frame{position:relative;width:100%;aspect-ratio:4/3;overflow:hidden;border:1px solid var(--line);
  border-radius:4px}
.frame iframe{position:absolute;top:0;left:0;width:calc(100% / var(--zoom));
  height:calc(100% / var(--zoom));transform:scale(var(--zoom));transform-origin:0 0;border:0}
.maps .none{height:120px;display:flex;align-items:center;justify-content:center;color:var(--muted);
  background:#f4f4f4;border-radius:4px;margin:0}
dl.lecture{display:grid;grid-template-columns:minmax(14em,22em) 1fr;gap:4px 18px;font-size:.92em}
dl.lecture dt{font-weight:600}
dl.lecture dd{margin:0;color:#333}
.notes li{margin:3px 0}
details{margin:6px 0;border:1px solid var(--line);border-radius:4px;padding:6px 10px}
summary{cursor:pointer;font-weight:600}
details table{font-size:.88em}
details td,details th{border-bottom:1px solid #eee;text-align:left}
code{font-size:.9em}
footer{margin-top:2.5em;color:var(--muted);font-size:.85em;border-top:1px solid var(--line);
  padding-top:8px}
@media print{body{background:#fff}main{padding:0}.maps{display:none}}
"""


def _head_cells(labels: Sequence[str]) -> str:
    cells = ['<th scope="col">Ligne</th>']
    for n, label in enumerate(labels):
        ref = '<span class="ref">référence</span>' if n == 0 else ""
        cells.append(f'<th scope="col">{esc(label)}{ref}</th>')
    cells.append('<th scope="col">Meilleur</th>')
    return "<tr>" + "".join(cells) + "</tr>"


def _row_html(row: Row, labels: Sequence[str]) -> str:
    header = (
        f'<th scope="row" title="{esc(row.explain)}">{esc(row.label)} '
        f'<span class="unit">({esc(row.line.unit)})</span></th>'
    )
    cells = [header]
    for n, value in enumerate(row.values):
        best = n in row.best
        star = (
            '<span class="star" aria-hidden="true">★</span>'
            '<span class="sr"> (meilleure valeur)</span>'
        )
        diff = row.differences[n]
        shown_diff = (
            ""
            if diff is None or row.line.format(diff) == "0"
            else f'<span class="diff">écart {esc(row.line.format(diff, signed=True))}</span>'
        )
        text = esc(row.line.format(value)) + (star if best else "") + (shown_diff if n else "")
        cells.append(f'<td class="num{" best" if best else ""}">{text}</td>')
    winners = ", ".join(esc(labels[n]) for n in row.best)
    cells.append(f'<td class="winner">{winners}</td>')
    return "<tr>" + "".join(cells) + "</tr>"


def _table(comparison: Comparison) -> str:
    labels = comparison.labels
    width = len(labels) + 2
    bodies = []
    for section, rows in comparison.sections():
        head = f'<tr><th scope="rowgroup" colspan="{width}">{esc(section)}</th></tr>'
        bodies.append(
            f'<tbody class="sec">{head}{"".join(_row_html(r, labels) for r in rows)}</tbody>'
        )
    missing = (
        ""
        if any(r.line.key == "covered_after" for r in comparison.rows)
        else (
            "<p>Couverture non calculée : aucun des scénarios n'a de base de données du territoire "
            "(scénarios autonomes).</p>"
        )
    )
    return (
        f'{missing}<div class="scroll"><table id="comparaison">'
        "<caption>Les scénarios ligne à ligne. Sous chaque valeur : l'écart à la référence "
        "(premier "
        "scénario). ★ et fond vert : la meilleure valeur de la ligne.</caption>"
        f"<thead>{_head_cells(labels)}</thead>{''.join(bodies)}</table></div>"
    )


def _brief(comparison: Comparison) -> str:
    """The lines that decide, with the best scenario(s) from the table's marks."""
    labels = comparison.labels
    items = []
    for key, title in (
        ("cost_total", "Coût annuel le plus bas"),
        ("newly_covered", "Le plus d'habitants nouvellement couverts"),
        ("cost_per_newly_covered", "Coût le plus bas par habitant nouvellement couvert"),
        ("presence_hours_month", "Le plus d'heures de présence"),
        ("communes_served", "Le plus de communes desservies"),
        ("co2_year", "Le moins de CO2"),
        ("cost_total_with_aid", "Coût net des aides le plus bas"),
    ):
        try:
            row = comparison.row(key)
        except KeyError:
            continue
        if row.best:
            who = " et ".join(f"« {labels[n]} »" for n in row.best)
            value = esc(row.line.format(row.values[row.best[0]]))
            items.append(
                f"<li><strong>{esc(title)}</strong> : {esc(who)} ({value} "
                f"{esc(row.line.unit)})</li>"
            )
    if not items:
        items.append("<li>Les scénarios ne se distinguent sur aucune des lignes principales.</li>")
    return f'<ul class="brief">{"".join(items)}</ul>'


def _maps_html(maps: Sequence[tuple[str, str | None]]) -> str:
    figures = []
    for n, (label, href) in enumerate(maps):
        if href:
            body = (
                f'<div class="frame" style="--zoom:{MAP_ZOOM}"><iframe src="{esc(href)}" '
                f'title="Carte du scénario « {esc(label)} »"></iframe></div>'
                f'<p><a href="{esc(href)}">Ouvrir la carte en plein écran</a></p>'
            )
        else:
            body = '<p class="none">Pas de carte : scénario sans base de données du territoire.</p>'
        figures.append(f'<figure id="carte-{n + 1}"><h3>{esc(label)}</h3>{body}</figure>')
    return f'<div class="maps">{"".join(figures)}</div>'


def _lecture(comparison: Comparison) -> str:
    items = "".join(f"<dt>{esc(r.label)}</dt><dd>{esc(r.explain)}</dd>" for r in comparison.rows)
    return f'<dl class="lecture">{items}</dl>'


def _rate(value: object) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if value is None:
        return "tous les véhicules"
    if isinstance(value, (int, float)):
        digits = 0 if float(value) == int(value) else (3 if abs(float(value)) < 1 else 2)
        return number_fr(float(value), digits)
    return esc(value)


def _vehicles(s: ScenarioFigures) -> str:
    """Each vehicle's purchase, life and crew as costed (its own values or the defaults)."""
    return "<br>".join(
        f"{esc(v.name)} : {_rate(v.purchase_cost)} € sur {_rate(v.lifetime_years)} ans, "
        f"{v.crew} agent{'s' if v.crew > 1 else ''}"
        for v in s.costs.vehicles
    )


def _rates(scenarios: Sequence[ScenarioFigures]) -> str:
    head = "".join(f'<th scope="col">{esc(s.label)}</th>' for s in scenarios)
    cells = "".join(f"<td>{_vehicles(s)}</td>" for s in scenarios)
    own = (
        "Valeurs propres à chaque véhicule ([[vehicles]] du scénario), sinon les valeurs par "
        "défaut ci-dessous."
    )
    rows = [f'<tr><th scope="row">Véhicules du scénario</th>{cells}<td>{own}</td></tr>']
    for key, (label, unit, source) in RATES_FR.items():
        values = "".join(f'<td class="num">{_rate(s.costs.rates.get(key))}</td>' for s in scenarios)
        rows.append(
            f'<tr><th scope="row">{esc(label)} <span class="unit">({esc(unit)})</span></th>'
            f"{values}<td>{esc(source)}</td></tr>"
        )
    return (
        '<div class="scroll"><table id="hypotheses"><caption>Taux utilisés (section [costs] de '
        "chaque scénario ; valeurs par défaut documentées dans docs/compare.md)</caption>"
        f'<thead><tr><th scope="col">Taux</th>{head}<th scope="col">Source</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _notes(scenarios: Sequence[ScenarioFigures]) -> str:
    items = [
        f"<li><strong>{esc(s.label)}</strong> : {esc(note)}</li>"
        for s in scenarios
        for note in s.notes
    ]
    kiosks = [s for s in scenarios if s.kiosks]
    for s in kiosks:
        names = ", ".join(k.commune for k in s.kiosks)
        how = (
            "choisies par le modèle de couverture maximale"
            if any(k.chosen for k in s.kiosks)
            else "listées"
        )
        items.append(
            f"<li><strong>{esc(s.label)}</strong> : {len(s.kiosks)} bornes ({esc(how)}) — "
            f"{esc(names)}.</li>"
        )
    return f'<ul class="notes">{"".join(items)}</ul>' if items else "<p>Aucune.</p>"


def _provenance(scenarios: Sequence[ScenarioFigures]) -> str:
    blocks = []
    for s in scenarios:
        p = s.provenance
        data = p.get("data") or {}
        datasets = (
            ", ".join(
                f"{d.get('dataset')} ({d.get('vintage') or '?'})" for d in data.get("datasets", [])
            )
            or "aucune (scénario autonome)"
        )
        versions = ", ".join(f"{k} {v}" for k, v in (p.get("versions") or {}).items() if v)
        validation = p.get("validation") or {}
        rows = [
            ("Fichier", f"<code>{esc(s.path)}</code>"),
            ("sha256", f"<code>{esc(s.sha256)}</code>"),
            (
                "Plan",
                "tournée publiée, évaluée telle quelle"
                if s.asis
                else f"moteur {esc(p.get('engine'))}, graine {esc(p.get('seed'))}, "
                f"limite {esc(p.get('time_limit'))} s"
                + (", mode déterministe" if p.get("deterministic") else ""),
            ),
            (
                "Vérification",
                "plan valide"
                if validation.get("ok")
                else f"{esc(validation.get('violations', '?'))} contrainte(s) non respectée(s)",
            ),
            ("Temps de trajet", esc(p.get("travel") or "")),
            ("Base de données", esc(data.get("database") or "aucune")),
            ("Données", esc(datasets)),
            ("Versions", esc(versions)),
            ("Plan établi le", esc(p.get("created") or "— (mode déterministe)")),
        ]
        body = "".join(f'<tr><th scope="row">{k}</th><td>{v}</td></tr>' for k, v in rows)
        blocks.append(f"<details><summary>{esc(s.label)}</summary><table>{body}</table></details>")
    return "".join(blocks)


def render_report(
    comparison: Comparison,
    *,
    maps: Sequence[tuple[str, str | None]] = (),
    title: str = TITLE,
    made: dt.date | None = None,
) -> str:
    """The report page. ``maps`` pairs each scenario's label with its map file (relative href,
    None: no map), in the scenarios' order."""
    made = made or dt.date.today()
    labels = comparison.labels
    svg, key = cost_coverage_chart(comparison)
    about = (
        "les habitants à portée d'une aide humaine après le scénario"
        if key == "covered_after"
        else "les heures de présence par mois (les scénarios couvrent les mêmes habitants)"
    )
    aid = " Cercles vides : coût net des aides publiques connues." if comparison.with_aid else ""
    maps_section = (
        (
            f'<section aria-labelledby="h-cartes"><h2 id="h-cartes">Les cartes</h2>'
            f"{_maps_html(maps)}</section>\n"
        )
        if maps
        else ""
    )
    scenario_list = "".join(
        f"<li>{esc(s.label)}{' (référence)' if n == 0 else ''}"
        f"{' — tournée publiée' if s.asis else ''}</li>"
        for n, s in enumerate(comparison.scenarios)
    )
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="itinerance {esc(itinerance_version())}">\n'
        f"<title>{esc(title)} — "
        f"{esc(' · '.join(labels))}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f"<header><h1>{esc(title)}</h1>"
        f'<p class="made">Établie le {esc(fmt_date(made))} '
        f"avec itinerance {esc(itinerance_version())}. "
        f"{len(labels)} scénarios, le premier sert de référence :</p>"
        f'<ol class="scenarios">{scenario_list}</ol></header>\n'
        '<section aria-labelledby="h-bref"><h2 id="h-bref">En '
        f"bref</h2>{_brief(comparison)}</section>\n"
        '<section aria-labelledby="h-tableau"><h2 id="h-tableau">Le '
        f"tableau</h2>{_table(comparison)}</section>\n"
        '<section aria-labelledby="h-graphique"><h2 id="h-graphique">Coût et '
        f"couverture</h2><figure>{svg}"
        '<figcaption id="chart-caption">Coût annuel de chaque scénario (€ par an, avant aides) '
        "selon "
        f"{esc(about)}. En haut à gauche : cher pour peu ; en bas à droite : peu cher pour "
        "beaucoup."
        f"{aid}</figcaption></figure></section>\n"
        f"{maps_section}"
        '<section aria-labelledby="h-lecture"><h2 id="h-lecture">Lire le '
        f"tableau</h2>{_lecture(comparison)}</section>\n"
        '<section aria-labelledby="h-hyp"><h2 id="h-hyp">Hypothèses de '
        f"coût</h2>{_rates(comparison.scenarios)}</section>\n"
        f"{financing_section(comparison.scenarios)}"
        '<section aria-labelledby="h-rem"><h2 '
        f'id="h-rem">Remarques</h2>{_notes(comparison.scenarios)}</section>\n'
        '<section aria-labelledby="h-prov"><h2 id="h-prov">Comment ces chiffres ont été '
        "établis</h2>"
        f"{_provenance(comparison.scenarios)}</section>\n"
        "<footer>Temps de trajet en voiture estimés ; couverture : population municipale et indice "
        "de "
        "fragilité numérique (La MedNum). Aucune donnée personnelle dans ce rapport.</footer>\n"
        "</main>\n</body>\n</html>\n"
    )


def write_report(
    comparison: Comparison,
    path: Path | str,
    *,
    maps: Sequence[tuple[str, str | None]] = (),
    files: Mapping[Path, bytes] | None = None,
    made: dt.date | None = None,
) -> list[Path]:
    """Write the report at ``path`` together with ``files`` (the maps it links), all or none."""
    path = Path(path)
    contents = dict(files or {})
    contents[path] = render_report(comparison, maps=maps, made=made).encode("utf-8")
    return write_files(contents)
