"""Plans made by the app on the real Indre: in worker processes, with live progress, a cancel
button and several at once; the result page, its tour map with local assets, and its files (the
.ics parsed as a calendar application would)."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import icalendar
import pytest
import recurring_ical_events

from planner.tours.plan import Plan
from planner.web.assets import remote_assets
from planner.web.editor import NEW_SCENARIO

pytestmark = [pytest.mark.data, pytest.mark.slow]

FIVE = ("36124", "36160", "36140", "36180", "36009")  # Migné, Pommiers, Neuvy-Pailloux…


def _scenario(client, name: str, communes=FIVE, time_limit: int = 30) -> str:
    text = NEW_SCENARIO.replace("Nouveau scénario", name).replace(
        "time_limit = 30", f"time_limit = {time_limit}"
    )
    text += "".join(f'\n[[stops.list]]\ncommune = "{c}"\n' for c in communes)
    response = client.post_json("/api/scenarios", {"toml": text, "author": "test"})
    assert response.status_code == 201, response.text
    return response.json()["key"]


def test_plan_one_van_five_stops_end_to_end(make_app, indre_copy):
    with make_app(indre_copy, workers=1, time_limit=4) as app:
        key = _scenario(app, "Van de test")
        response = app.post_form(f"/scenarios/{key}/planifier", {}, follow_redirects=False)
        assert response.status_code == 303
        job_id = response.headers["location"].rsplit("/", 1)[-1]
        events = app.events(job_id)
        assert events[-1][0] == "end" and events[-1][1]["state"] == "done", events[-1]
        search = [e for kind, e in events if kind == "progress" and e.get("step") == "Recherche"]
        assert search and all(e["total"] == 5 for e in search)
        assert search[-1]["served"] == 5 and search[-1]["best"] is not None

        page = app.get(f"/plans/{job_id}").text
        assert "Plan valide" in page and "5 sur 5" in page
        result = app.get(f"/api/plans/{job_id}").json()
        assert result["state"] == "done" and result["summary"]["ok"] is True
        assert result["summary"]["figures"]["km_per_month"] > 0
        first = result["summary"]["first_plan_seconds"]
        assert first is not None and 0 <= first <= 4 + 1
        slots = {r["stop"]: r["when"] for r in result["summary"]["stops_table"]}
        assert len(slots) == 5 and "du mois" in slots["Migné"]
        assert f'<th scope="row">Migné</th><td>{slots["Migné"]}</td>' in page

        plan = Plan.from_dict(app.get(f"/plans/{job_id}/fichiers/plan.json").json())
        assert len(plan.served_stops()) == 5 and plan.meta.validation["ok"] is True

        for private in ("scenario.toml", "run.json"):  # personal data, the app's own record
            assert app.get(f"/plans/{job_id}/fichiers/{private}").status_code == 404
        tour_map = app.get(f"/plans/{job_id}/fichiers/carte-tournees.html")
        assert tour_map.status_code == 200 and remote_assets(tour_map.text) == []

        files = {f["path"] for f in result["summary"]["files"]}
        assert {"affiches/index.html", "geo/itinerance.gpkg"} <= files
        poster = app.get(f"/plans/{job_id}/fichiers/affiches/migne.html")
        assert poster.status_code == 200 and "Migné" in poster.text
        gpkg = app.get(f"/plans/{job_id}/fichiers/geo/itinerance.gpkg")
        assert gpkg.content.startswith(b"SQLite format 3")
        ics_path = "calendriers/vehicule-van-france-services.ics"
        assert ics_path in files
        ics = app.get(f"/plans/{job_id}/fichiers/{ics_path}")
        assert ics.headers["content-type"].startswith("text/calendar")
        calendar = icalendar.Calendar.from_ical(ics.content)
        start = date.fromisoformat(result["summary"]["start"])
        month = recurring_ical_events.of(calendar).between(start, start + timedelta(days=35))
        visits = [
            e for e in month if "Migné" in str(e.get("SUMMARY", "")) + str(e.get("LOCATION", ""))
        ]
        assert len(month) >= 5 and visits


def test_a_download_cannot_leave_the_plans_folder(make_app, indre_copy, tmp_path):
    with make_app(indre_copy) as app:
        (tmp_path / "secret.txt").write_text("secret")
        for path in ("../secret.txt", "%2e%2e/%2e%2e/secret.txt", "run.json"):
            assert app.get(f"/plans/0123456789ab/fichiers/{path}").status_code == 404
        assert app.get("/plans/../../etc/passwd").status_code == 404


def test_two_plans_run_at_once_and_a_third_waits(make_app, indre_copy):
    with make_app(indre_copy, workers=2, time_limit=6) as app:
        keys = [_scenario(app, f"Van {n}") for n in range(3)]
        ids = [app.post_json(f"/api/scenarios/{k}/planifier", {}).json()["id"] for k in keys]
        seen_two_running = False
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            states = [app.get(f"/api/taches/{i}").json()["state"] for i in ids]
            if states.count("running") == 2:
                seen_two_running = True
                assert "queued" in states or "done" in states
            if all(s in ("done", "failed", "cancelled") for s in states):
                break
            time.sleep(0.1)
        assert seen_two_running
        assert [app.wait(i)["state"] for i in ids] == ["done"] * 3


def test_cancel_stops_a_running_plan(make_app, indre_copy):
    with make_app(indre_copy, workers=1) as app:
        key = _scenario(app, "Van long", time_limit=300)
        job_id = app.post_json(f"/api/scenarios/{key}/planifier", {}).json()["id"]
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            job = app.get(f"/api/taches/{job_id}").json()
            if job["last"] and job["last"].get("step") == "Recherche":
                break
            time.sleep(0.2)
        started = time.monotonic()
        cancel = app.post_form(f"/taches/{job_id}/annuler", {}, follow_redirects=False)
        assert cancel.status_code == 303
        assert app.wait(job_id, timeout=60)["state"] == "cancelled"
        assert time.monotonic() - started < 30
        page = app.get(f"/plans/{job_id}").text
        assert "calcul annulé" in page


def test_a_plan_that_cannot_be_built_fails_with_its_message(make_app, indre_copy):
    with make_app(indre_copy, time_limit=3) as app:
        key = _scenario(app, "Van du Loiret", communes=("45234",))  # not in the database
        job_id = app.post_json(f"/api/scenarios/{key}/planifier", {}).json()["id"]
        job = app.wait(job_id)
        assert job["state"] == "failed" and "45234" in job["error"]
        assert "45234" in app.get(f"/taches/{job_id}").text


def test_replan_keeping_the_first_week_keeps_its_days_exactly(make_app, indre_copy):
    with make_app(indre_copy, workers=1, time_limit=3) as app:
        key = _scenario(app, "Van hebdo")
        text = app.get(f"/scenarios/{key}/toml").text.replace("monthly = true", "weeks = 2")
        text = text.replace('frequency = "monthly"', 'frequency = "fortnightly"')
        assert (
            app.post_json(f"/api/scenarios/{key}", {"toml": text, "author": "t"}).status_code == 200
        )
        first = app.post_json(f"/api/scenarios/{key}/planifier", {}).json()["id"]
        assert app.wait(first)["state"] == "done"
        response = app.post_form(f"/plans/{first}/replanifier", {"semaines": "1"})
        assert response.status_code == 200  # followed to the job page
        second = re.search(r'data-job="([0-9a-f]{12})"', response.text).group(1)
        job = app.wait(second)
        assert job["state"] == "done", job
        before = Plan.from_dict(app.get(f"/plans/{first}/fichiers/plan.json").json())
        after = Plan.from_dict(app.get(f"/plans/{second}/fichiers/plan.json").json())
        week1 = lambda plan: sorted(  # noqa: E731
            (r.vehicle, r.day, tuple(v.stop for v in r.visits)) for r in plan.routes if r.day < 5
        )
        assert week1(after) == week1(before)
        page = app.get(f"/plans/{second}").text
        assert "Re-planifié à partir du" in page and "semaines 1 gardées" in page
        assert "Ce qui change pour les habitants" in page
        changes = app.get(f"/api/plans/{second}").json()["summary"]["changes"]

        def slots(plan: Plan) -> dict[str, set]:
            out: dict[str, set] = {}
            for r in plan.routes:
                for v in r.visits:
                    out.setdefault(v.stop, set()).add((r.day, round(v.start)))
            return out

        b, a = slots(before), slots(after)
        moved = {s for s in set(b) | set(a) if b.get(s) != a.get(s)}
        names = after.meta.context["stops"]
        assert {c["stop"] for c in changes} == {names[s]["name"] for s in moved}
        assert all(c["before"] != c["after"] for c in changes)
        # the same changes, between any two plans chosen on their own page
        between = app.get(f"/api/plans/changements?avant={first}&apres={second}").json()
        moved_names = {c["stop"] for c in between["changed"] + between["added"]}
        moved_names |= {c["stop"] for c in between["dropped"]}
        assert moved_names == {c["stop"] for c in changes}
        served = app.get(f"/api/plans/{second}").json()["summary"]["stops_table"]
        served = [r for r in served if r["served"]]
        assert between["kept"] == len(served) - len(between["changed"]) - len(between["added"])
        assert app.post_form(f"/plans/{first}/replanifier", {"semaines": "9"}).status_code == 422

        # keeping one stop's visits exactly
        table = app.get(f"/api/plans/{first}").json()["summary"]["stops_table"]
        migne = next(r["id"] for r in table if r["stop"] == "Migné")
        third = app.post_json(f"/api/plans/{first}/replanifier?arrets={migne}", {}).json()["id"]
        assert app.wait(third)["state"] == "done"
        kept = Plan.from_dict(app.get(f"/plans/{third}/fichiers/plan.json").json())
        assert slots(kept)[migne] == b[migne]
        assert "1 arrêt(s) gardé(s) tels quels" in app.get(f"/plans/{third}").text


def test_what_changes_for_residents_between_plans_of_two_scenarios(make_app, indre_copy):
    with make_app(indre_copy, workers=2, time_limit=3) as app:
        three = _scenario(app, "Trois communes", communes=FIVE[:3])
        five = _scenario(app, "Cinq communes")
        ids = [
            app.post_json(f"/api/scenarios/{k}/planifier", {}).json()["id"] for k in (three, five)
        ]
        assert [app.wait(i)["state"] for i in ids] == ["done", "done"]
        data = app.get(f"/api/plans/changements?avant={ids[0]}&apres={ids[1]}").json()
        names = {
            r["id"]: r["stop"]
            for r in app.get(f"/api/plans/{ids[1]}").json()["summary"]["stops_table"]
        }
        assert {c["stop"] for c in data["added"]} == {names[c] for c in FIVE[3:]}
        assert data["dropped"] == [] and data["kept"] + len(data["changed"]) == 3
        back = app.get(f"/api/plans/changements?avant={ids[1]}&apres={ids[0]}").json()
        assert {c["stop"] for c in back["dropped"]} == {names[c] for c in FIVE[3:]}
        page = app.get(f"/plans/changements?avant={ids[0]}&apres={ids[1]}").text
        assert "2 ajouté(s)" in page and 'id="ajoutes"' in page and names[FIVE[4]] in page
        assert app.get(f"/plans/changements?avant={ids[0]}&apres=000000000000").status_code == 404


def test_compare_two_saved_scenarios(make_app, indre_copy):
    with make_app(indre_copy, workers=1, time_limit=3) as app:
        one = _scenario(app, "Un van", communes=FIVE[:3])
        two = _scenario(app, "Un van, cinq communes")
        response = app.post_form("/comparer", {"scenario": [one, two]}, follow_redirects=False)
        assert response.status_code == 303
        job_id = response.headers["location"].rsplit("/", 1)[-1]
        assert app.wait(job_id)["state"] == "done"
        data = app.get(f"/api/comparaisons/{job_id}").json()["comparison"]
        assert data["reference"] == "Un van"
        km = next(line for line in data["lines"] if line["key"] == "km_month")
        assert set(km["values"]) == {"Un van", "Un van, cinq communes"}
        assert all(v > 0 for v in km["values"].values())
        page = app.get(f"/comparaisons/{job_id}").text
        assert "comparaison.csv" in page
        csv = app.get(f"/comparaisons/{job_id}/fichiers/comparaison.csv")
        assert csv.status_code == 200 and "Un van, cinq communes" in csv.content.decode("utf-8-sig")
        report = app.get(f"/comparaisons/{job_id}/fichiers/comparaison.html").text
        assert "<svg" in report and remote_assets(report) == []
        maps = app.get(f"/api/comparaisons/{job_id}").json()
        names = re.findall(r'src="/comparaisons/[^/"]+/fichiers/([^"]+\.html)"', page)
        assert len(names) == 3 and names[-1] == "comparaison.html"  # two maps, then the report
        assert "Les cartes" in page and maps["comparison"] is not None
        for name in names[:2]:
            assert name in report  # the report links the same maps as the page shows
            tour = app.get(f"/comparaisons/{job_id}/fichiers/{name}")
            assert tour.status_code == 200 and "leaflet" in tour.text.lower()
            assert remote_assets(tour.text) == []  # Leaflet and the rest served by the app
        assert app.post_form("/comparer", {"scenario": [one]}).status_code == 422


def test_jobs_survive_a_restart_finished_listed_running_interrupted(make_app, indre_copy):
    with make_app(indre_copy, workers=1, time_limit=2) as app:
        key = _scenario(app, "Van court", communes=FIVE[:2], time_limit=2)
        done = app.post_json(f"/api/scenarios/{key}/planifier", {}).json()["id"]
        assert app.wait(done)["state"] == "done"
        slow = _scenario(app, "Van long", time_limit=600)
        running = app.post_json(f"/api/scenarios/{slow}/planifier", {}).json()["id"]
        queued = app.post_json(f"/api/scenarios/{slow}/planifier", {}).json()["id"]
        for _ in range(600):  # until the long one runs (the server is stopped below)
            if app.get(f"/api/taches/{running}").json()["state"] == "running":
                break
            time.sleep(0.1)
        assert app.get(f"/api/taches/{running}").json()["state"] == "running"
    with make_app(indre_copy, workers=1, time_limit=2) as app:
        jobs = {j["id"]: j for j in app.get("/api/taches").json()}
        assert jobs[done]["state"] == "done" and jobs[done]["result"] is not None
        assert jobs[running]["state"] == jobs[queued]["state"] == "interrupted"
        assert app.get(f"/plans/{done}").status_code == 200  # its result at its URL
        assert "Plan valide" in app.get(f"/plans/{done}").text
        page = app.get(f"/taches/{running}").text
        assert 'id="interrompu"' in page and 'action="/scenarios/van-long/planifier"' in page
        assert app.post_form(f"/taches/{running}/annuler", {}).status_code in (200, 303)
        assert app.get(f"/api/taches/{running}").json()["state"] == "interrupted"
        again = app.post_form(f"/scenarios/{slow}/planifier", {"version": "1"})
        new_id = re.search(r'data-job="([0-9a-f]{12})"', again.text).group(1)
        assert new_id not in jobs and app.get(f"/api/taches/{new_id}").status_code == 200
        app.post_form(f"/taches/{new_id}/annuler", {})
        assert app.wait(new_id)["state"] == "cancelled"
