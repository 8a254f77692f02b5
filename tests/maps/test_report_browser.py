"""The HTML comparison report as a reader sees it: headless Chromium, offline
(tests/support/browser.py).

The report is made by ``itinerance compare -o`` — two small standalone scenarios (quick), and
La Rur@linette as published against optimised on the Indre (slow) — and opened in the browser:
no JavaScript error, nothing asked of the network, the table and the chart drawn, every map
loaded in its frame. Screenshots go to test-artifacts/ (their paths are printed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from maps.tour.style import ROUTE_CLASS, STOP_CLASS
from planner.analysis.compare import LINES
from tests.cli.test_compare_cli import ASIS, OPTIMISED, TWO_VANS, VAN

pytestmark = pytest.mark.browser


def _open(offline_page, report: Path, name: str):
    probe = offline_page.open_map(report, ready_selector="table#comparaison", screenshot=name)
    assert probe.js_errors == [] and probe.console_errors == [] and probe.dialogs == []
    assert probe.unexpected_requests == []
    return probe


def _check_page(probe, n_scenarios: int) -> None:
    page = probe.page
    assert probe.visible_count("table#comparaison tbody tr") > 20
    assert probe.visible_count("table#comparaison thead th") == n_scenarios + 2
    chart = page.locator("svg.chart")
    assert chart.count() == 1 and chart.bounding_box()["width"] > 400
    assert page.locator("svg.chart text", has_text="Coût annuel (€ par an)").count() == 1
    frames = page.locator(".maps iframe")
    assert frames.count() == n_scenarios
    for n in range(n_scenarios):
        frame = page.frame_locator(".maps iframe").nth(n)
        frame.locator(".leaflet-container").wait_for(state="attached", timeout=15_000)
        assert frame.locator(f".{STOP_CLASS}").count() > 0  # the tour's stops
        assert frame.locator(f"path.{ROUTE_CLASS}").count() > 0  # and its routes
        box = frames.nth(n).bounding_box()
        assert box["width"] > 300 and box["height"] > 200


def test_standalone_report_in_the_browser(run_cli, offline_page, tmp_path):
    one, two = tmp_path / "un-van.toml", tmp_path / "deux-vans.toml"
    one.write_text(VAN, encoding="utf-8")
    two.write_text(TWO_VANS, encoding="utf-8")
    report = tmp_path / "rapport.html"
    code, _, err = run_cli("compare", one, two, "--time-limit", "2", "-o", report)
    assert code == 0, err
    probe = _open(offline_page, report, "compare-report-standalone")
    _check_page(probe, 2)
    assert probe.page.locator("td.best").count() > 0
    assert probe.screenshot is not None and probe.screenshot.stat().st_size > 20_000


def _has(labels: list[str], label: str) -> bool:
    return any(t.startswith(label.split("{")[0]) for t in labels)


@pytest.mark.slow
def test_rurlinette_report_in_the_browser(run_cli, offline_page, tmp_path, indre_db):
    report = tmp_path / "comparaison.html"
    code, _, err = run_cli(
        "compare",
        ASIS,
        OPTIMISED,
        "--db",
        indre_db,
        "--time-limit",
        "3",
        "--seed",
        "0",
        "--with-aid",
        "-o",
        report,
    )
    assert code == 0, err
    probe = _open(offline_page, report, "compare-report-indre")
    _check_page(probe, 2)
    # every line of the comparison is a row; its best values are marked; the maps sit beside it
    page = probe.page
    labels = page.locator("table#comparaison tbody th[scope=row]").all_inner_texts()
    # the lines every comparison has, the optional ones some scenario has (expected visitors),
    # then the financing plan (docs/financing.md): its funding lines, the total and the rest
    shown = [line for line in LINES if not line.optional or _has(labels, line.label)]
    assert len(shown) > sum(1 for line in LINES if not line.optional)  # visitors are there
    financing = labels[len(shown) :]
    assert [t.split(" (")[0] for t in financing[-2:]] == [
        "Total des financements publics",
        "Reste à charge des collectivités",
    ]
    assert len(financing) >= 3  # at least one funding line (the State's France Services grant)
    assert any(
        text.startswith("Habitants à moins de 30 min d'une aide humaine — après") for text in labels
    )
    assert page.locator("td.best").count() == page.locator("td.winner:not(:empty)").count() > 5
    frames = page.locator(".maps iframe").evaluate_all("els => els.map(e => e.getAttribute('src'))")
    assert len(frames) == 2 and all((tmp_path / name).is_file() for name in frames)
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no temporary left
    probe.page.locator("#h-graphique").scroll_into_view_if_needed()
    probe.take_screenshot("compare-report-indre-chart")
    probe.page.locator("#h-cartes").scroll_into_view_if_needed()
    probe.page.wait_for_timeout(300)
    shot = probe.take_screenshot("compare-report-indre-maps")
    assert shot.stat().st_size > 50_000
