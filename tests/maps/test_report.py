"""The HTML comparison report, read as HTML: table structure, best marks, escaping, chart, maps,
rates, provenance, and all-or-nothing writing. Figures are made by hand (see
tests/planner/analysis/test_compare.py); the browser test is test_report_browser.py."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest

from maps._html import esc
from maps.report import cost_coverage_chart, map_file_name, render_report, write_report
from planner.analysis.compare import compare
from planner.files import OutputError
from tests.planner.analysis.test_compare import figures

DAY = dt.date(2026, 3, 1)
HOSTILE = 'Bus <script>alert("x")</script> & co'


class _Cells(HTMLParser):
    """Rows of the comparison table: (tag, attributes) of each cell, per row, per tbody."""

    def __init__(self) -> None:
        super().__init__()
        self.in_table = False
        self.rows: list[list[tuple[str, dict]]] = []
        self.iframes: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("id") == "comparaison":
            self.in_table = True
        elif tag == "iframe":
            self.iframes.append(a["src"])
        elif tag == "script":
            self.scripts += 1
        elif self.in_table and tag == "tr":
            self.rows.append([])
        elif self.in_table and tag in ("td", "th") and self.rows:
            self.rows[-1].append((tag, a))

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.in_table = False


def parsed(html: str) -> _Cells:
    p = _Cells()
    p.feed(html)
    return p


@pytest.fixture
def comparison():
    return compare(
        [figures("A"), figures("B", covered_after=950, cost_km=3000.0), figures(HOSTILE)],
        with_aid=True,
    )


def test_table_has_a_header_a_row_per_line_and_every_cell(comparison):
    html = render_report(comparison, made=DAY)
    cells = parsed(html)
    head, body = cells.rows[0], cells.rows[1:]
    assert len(head) == 3 + 2 and all(tag == "th" and a.get("scope") == "col" for tag, a in head)
    lines = [r for r in body if len(r) > 1]
    sections = [r for r in body if len(r) == 1]
    assert len(lines) == len(comparison.rows)
    assert len(sections) == len(comparison.sections())
    assert all(r[0] == ("th", {"scope": "rowgroup", "colspan": "5"}) for r in sections)
    assert all(r[0][0] == "th" and r[0][1]["scope"] == "row" and len(r) == 5 for r in lines)


def test_best_values_are_highlighted_and_said_in_words(comparison):
    html = render_report(comparison, made=DAY)
    marks = sum(len(r.best) for r in comparison.rows)
    assert marks > 0
    assert html.count('<td class="num best">') == marks
    assert html.count("(meilleure valeur)") == marks
    covered = comparison.row("covered_after")
    assert covered.best == (1,)
    row_html = html.split(f">{esc(covered.label)} <span")[1].split("</tr>")[0]
    assert (
        row_html.count('class="num best"') == 1
        and "950" in row_html.split('class="num best"')[1][:40]
    )


def test_data_is_escaped_and_the_page_has_no_script(comparison):
    html = render_report(comparison, made=DAY)
    assert (
        "<script>" not in html
        and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in html
    )
    assert parsed(html).scripts == 0
    assert html.startswith('<!DOCTYPE html>\n<html lang="fr">')


def test_maps_are_iframes_or_say_why_there_is_none(comparison):
    maps = [("A", "r-carte-1-a.html"), ("B", None), (HOSTILE, "r-carte-3-bus.html")]
    html = render_report(comparison, maps=maps, made=DAY)
    assert parsed(html).iframes == ["r-carte-1-a.html", "r-carte-3-bus.html"]
    assert html.count("Pas de carte : scénario sans base de données du territoire.") == 1
    assert 'title="Carte du scénario « A »"' in html


def test_chart_is_inline_svg_with_a_point_per_scenario_and_french_labels(comparison):
    svg, key = cost_coverage_chart(comparison)
    assert svg.startswith("<svg ") and 'aria-labelledby="chart-caption"' in svg
    assert key == "covered_after"  # the scenarios cover different numbers of people
    assert "Coût annuel (€ par an)" in svg and "Habitants à moins de 30 min" in svg
    for label in ("A", "B"):
        assert f">{label}<" in svg
    assert "&lt;script&gt;" in svg and "<script>" not in svg
    assert svg == cost_coverage_chart(comparison)[0]  # the same bytes on every run
    same = compare([figures("A"), figures("B", presence=60.0)])
    svg, key = cost_coverage_chart(same)
    assert key == "presence_hours_month" and "Heures de présence par mois" in svg


def test_brief_rates_remarks_and_provenance(comparison):
    html = render_report(comparison, made=DAY)
    assert "Établie le 1er mars 2026" in html
    assert "<strong>Coût annuel le plus bas</strong> : « A » et « " in html  # A ties with the third
    assert "Prix du gazole" in html and "ADEME Base Carbone" in html
    assert "Véhicules du scénario" in html and "V : 90" in html and "1 agent" in html
    assert html.count("<details>") == 3
    assert "Lire le tableau" in html and esc(comparison.row("covered_after").explain) in html


def test_map_file_names_are_slugs_next_to_the_report():
    assert map_file_name(Path("out/comparaison.html"), 0, "La Rur@linette — tournée actuelle") == (
        "comparaison-carte-1-la-rur-linette-tournee-actuelle.html"
    )
    assert map_file_name(Path("r.html"), 2, "«»") == "r-carte-3-scenario.html"
    long = "Cœur de Brenne — 7 bornes et un bus tous les 15 jours"  # œ spelt out, cut between words
    assert (
        map_file_name(Path("r.html"), 0, long)
        == "r-carte-1-coeur-de-brenne-7-bornes-et-un-bus-tous.html"
    )


def test_write_report_writes_every_file_or_none(comparison, tmp_path):
    report = tmp_path / "rapport.html"
    carte = tmp_path / "rapport-carte-1-a.html"
    written = write_report(
        comparison, report, maps=[("A", carte.name)], files={carte: b"<html></html>"}, made=DAY
    )
    assert sorted(written) == sorted([report, carte])
    assert report.read_text(encoding="utf-8").count("<iframe") == 1
    elsewhere = tmp_path / "absent"
    with pytest.raises(OutputError, match="does not exist"):
        write_report(comparison, tmp_path / "r2.html", files={elsewhere / "c.html": b"x"})
    assert not (tmp_path / "r2.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rapport-carte-1-a.html", "rapport.html"]
