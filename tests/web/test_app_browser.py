"""The app as a user drives it, in headless Chromium (Debian's, through Playwright): load the
Indre, create a scenario with one van and five stops picked on the map, plan it, see the tour map
and the timetable, download the .ics and parse it; and a bad edit showing its message.

The browser may ask nothing of the internet: every request goes to the app, except map tiles
(answered with a blank image); anything else is recorded and fails the test. Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import icalendar
import pytest

from planner.web.editor import NEW_SCENARIO
from support.browser import ARTIFACTS, BLANK_PNG, TILE_URL, VIEWPORT
from support.web import live_app

pytestmark = [pytest.mark.browser, pytest.mark.data, pytest.mark.slow]

FIVE = ("36124", "36160", "36140", "36180", "36009")


class Visit:
    """A browser tab on the app, with what it asked outside the app and its JavaScript errors."""

    def __init__(self, browser: Any, base: str):
        self.base = base
        self.context = browser.new_context(viewport=VIEWPORT, locale="fr-FR", accept_downloads=True)
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.js_errors: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda exc: self.js_errors.append(str(exc)))

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith((self.base, "data:", "blob:", "about:")):
            route.continue_()
        elif TILE_URL.match(url):
            route.fulfill(status=200, body=BLANK_PNG, content_type="image/png")
        else:
            self.outside.append(url)
            route.fulfill(status=204, body="")

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"app-{name}.png"
        self.page.screenshot(path=str(path), full_page=True, animations="disabled")
        print(f"screenshot: {path}")
        return path


@pytest.fixture
def visit(browser_session, shared_data, tmp_path) -> Iterator[Visit]:
    db = f"sqlite:///{tmp_path / 'app.sqlite'}"
    with live_app(db, tmp_path / "runs", workers=2, time_limit=4) as base:
        tab = Visit(browser_session, base)
        try:
            yield tab
        finally:
            tab.context.close()


def test_load_the_indre_create_a_scenario_plan_it_and_download_its_calendar(visit, tmp_path):
    page, base = visit.page, visit.base
    page.goto(base + "/")
    assert "Aucun territoire" in page.inner_text("main")
    page.select_option("#departement", "36")
    page.click("button:text-is('Charger')")
    page.wait_for_url(base + "/territoires/36", timeout=120_000)  # the job page follows by SSE
    frame = page.frame_locator("iframe.map")
    frame.locator("path.itin-commune").first.wait_for(timeout=60_000)
    assert frame.locator("path.itin-commune").count() == 241
    visit.shot("territoire-indre")

    page.goto(base + "/scenarios/nouveau")
    page.fill("#name", "Van de la Brenne")
    page.wait_for_selector("#carte-arrets[data-ready='1']")
    assert page.locator("path.commune").count() == 241
    for code in FIVE:  # a click on the commune's marker adds it to the stops
        page.locator(f"path.commune-{code}").click()
    picked = [page.input_value(f"[id='stops.list[{i}].commune']") for i in range(5)]
    assert picked == list(FIVE)
    page.locator(f"path.commune-{FIVE[0]}").click()  # twice: still once
    assert page.locator("input[name$='.commune']").count() == 5
    page.fill("#auteur", "Camille")
    visit.shot("editeur")
    page.click("#enregistrer")
    page.wait_for_url(base + "/scenarios/van-de-la-brenne")
    assert "Version 1, enregistrée par Camille" in page.inner_text("main")

    page.click("#planifier")
    page.wait_for_url(f"{base}/plans/*", timeout=600_000)
    assert "Plan valide" in page.inner_text("#verdict")
    assert "5 sur 5" in page.inner_text("#chiffres")
    tours = page.frame_locator("iframe.map")
    tours.locator(".leaflet-marker-icon").first.wait_for(timeout=30_000)
    assert tours.locator(".leaflet-marker-icon").count() >= 5
    assert "Migné" in page.inner_text("#tournees")
    visit.shot("plan")

    with page.expect_download() as download:
        page.click("text=calendrier de Van France Services (.ics)")
    target = tmp_path / "van.ics"
    download.value.save_as(target)
    calendar = icalendar.Calendar.from_ical(target.read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert len(events) >= 5
    text = " ".join(str(e.get("SUMMARY", "")) + " " + str(e.get("LOCATION", "")) for e in events)
    assert all(name in text for name in ("Migné", "Pommiers", "Arthon"))

    page.click("text=horaires de Van France Services")
    assert "Horaires" in page.inner_text("h1")
    assert visit.outside == [] and visit.js_errors == []


def test_a_bad_edit_shows_its_message_next_to_the_field(visit):
    page, base = visit.page, visit.base
    page.goto(base + "/scenarios/nouveau")
    page.click("text=Ajouter un arrêt")
    page.fill("[id='stops.list[0].commune']", "36124")
    page.fill("[id='vehicles[0].shift']", "25:00-17:30")
    page.fill("#auteur", "Camille")
    page.click("#enregistrer")
    message = page.locator("[id='vehicles[0].shift-erreur']")
    assert message.is_visible()
    assert 'expected "HH:MM-HH:MM", got "25:00-17:30"' in message.inner_text()
    assert page.input_value("[id='vehicles[0].shift']") == "25:00-17:30"
    visit.shot("erreur-editeur")
    page.goto(base + "/scenarios")
    assert "Aucun scénario enregistré" in page.inner_text("main")
    assert visit.outside == [] and visit.js_errors == []


def test_costs_and_budget_are_edited_in_the_form_with_their_messages(visit):
    page, base = visit.page, visit.base
    page.goto(base + "/scenarios/nouveau")
    page.click("text=Ajouter un arrêt")
    page.fill("[id='stops.list[0].commune']", "36124")
    page.fill("[id='costs.staff_cost_per_hour']", "28")
    page.fill("[id='vehicles[0].purchase_cost']", "120000")
    page.fill("[id='budget.max_per_year']", "-5")
    page.select_option("[id='budget.basis']", "net")
    page.fill("#auteur", "Camille")
    page.click("#enregistrer")
    message = page.locator("[id='budget.max_per_year-erreur']")
    assert message.is_visible() and "budget.max_per_year" not in message.inner_text()
    assert page.input_value("[id='budget.max_per_year']") == "-5"
    assert page.input_value("[id='budget.basis']") == "net"
    visit.shot("couts-budget")
    page.fill("[id='budget.max_per_year']", "86001")
    page.click("#enregistrer")
    page.wait_for_url("**/scenarios/nouveau-scenario")
    text = page.request.get(base + "/scenarios/nouveau-scenario/toml").text()
    assert '[budget]\nmax_per_year = 86001\nbasis = "net"' in text
    assert "staff_cost_per_hour = 28" in text and "purchase_cost = 120000" in text
    assert visit.outside == [] and visit.js_errors == []


def test_two_plans_run_at_once_in_two_tabs(visit, browser_session):
    page, base = visit.page, visit.base
    page.goto(base + "/")
    page.click("button:text-is('Charger')")
    page.wait_for_url(base + "/territoires/36", timeout=120_000)
    csrf = page.request.get(base + "/api/session").json()["csrf_token"]
    keys = []
    for name, communes in (("Van nord", FIVE[:3]), ("Van sud", FIVE[2:])):
        text = NEW_SCENARIO.replace("Nouveau scénario", name) + "".join(
            f'\n[[stops.list]]\ncommune = "{c}"\n' for c in communes
        )
        saved = page.request.post(
            base + "/api/scenarios",
            data={"toml": text, "author": "test"},
            headers={"X-CSRF-Token": csrf},
        )
        assert saved.status == 201, saved.text()
        keys.append(saved.json()["key"])
    tabs = [page, visit.context.new_page()]
    for tab, key in zip(tabs, keys, strict=True):
        tab.goto(f"{base}/scenarios/{key}")
        tab.click("#planifier")
    both_running = False
    for _ in range(600):
        states = [j["state"] for j in page.request.get(base + "/api/taches").json()]
        both_running = both_running or states.count("running") == 2
        if all(s in ("done", "failed", "cancelled") for s in states[:2]):
            break
        tabs[0].wait_for_timeout(100)
    assert both_running
    for tab in tabs:
        tab.wait_for_url(f"{base}/plans/*", timeout=120_000)
        assert "Plan valide" in tab.inner_text("#verdict")
    visit.shot("deux-plans")
    ids = [tab.url.rsplit("/", 1)[-1] for tab in tabs]
    tabs[1].close()

    # what changes for residents from the north van's plan to the south one's
    page.goto(base + "/plans")
    page.click("text=Ce qui change pour les habitants entre deux plans")
    page.select_option("#avant", ids[0])
    page.select_option("#apres", ids[1])
    page.click("#choix-plans button")
    page.wait_for_url("**/plans/changements?*")
    added = page.locator("#ajoutes tbody tr")
    dropped = page.locator("#retires tbody tr")
    assert added.count() == 2 and dropped.count() == 2  # FIVE[3:] in, FIVE[:2] out
    assert "2 ajouté(s) ; 2 retiré(s)" in page.inner_text("#bilan")
    visit.shot("changements")

    # the two scenarios compared, with their tour maps in the page
    page.goto(base + "/comparer")
    for key in keys:
        page.check(f"[id='cmp-{key}']")
    page.click("form[action='/comparer'] button")
    page.wait_for_url(f"{base}/comparaisons/*", timeout=180_000)
    frames = page.locator(".cartes-comparees iframe")
    assert frames.count() == 2
    for n in range(2):
        frame = page.frame_locator(".cartes-comparees iframe").nth(n)
        frame.locator(".leaflet-container").first.wait_for(timeout=30_000)
    visit.shot("comparaison-cartes")
    assert visit.outside == [] and visit.js_errors == []
