"""The web app's jobs recorded in the database: kept across restarts, unfinished ones
interrupted."""

from __future__ import annotations

from geodata.jobs import interrupt_unfinished, record_job, saved_jobs


def _job(id_: str, state: str, created: float, **more):
    return {"id": id_, "kind": "plan", "label": "Planification", "target": f"/plans/{id_}",
            "state": state, "created_at": created, **more}  # fmt: skip


def test_jobs_are_updated_in_place_and_unfinished_ones_interrupted(db_url):
    record_job(db_url, _job("a", "queued", 1.0))
    record_job(db_url, _job("a", "done", 1.0, result={"ok": True}, finished_at=5.0))
    record_job(db_url, _job("b", "running", 2.0, last={"step": "Recherche", "elapsed": 1.5}))
    record_job(db_url, _job("c", "queued", 3.0))
    record_job(db_url, _job("d", "failed", 4.0, error="échec", reasons=["trop loin"]))
    assert interrupt_unfinished(db_url) == 2
    jobs = saved_jobs(db_url)
    assert [(j["id"], j["state"]) for j in jobs] == [
        ("d", "failed"),
        ("c", "interrupted"),
        ("b", "interrupted"),
        ("a", "done"),
    ]
    by_id = {j["id"]: j for j in jobs}
    assert by_id["a"]["result"] == {"ok": True} and by_id["a"]["finished_at"] == 5.0
    assert by_id["b"]["last"] == {"step": "Recherche", "elapsed": 1.5}
    assert by_id["d"]["reasons"] == ["trop loin"] and by_id["d"]["error"] == "échec"
    assert interrupt_unfinished(db_url) == 0
