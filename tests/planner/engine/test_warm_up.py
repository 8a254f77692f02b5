"""Loading the compiled kernel in other processes (what the demo starts before loading data)."""

from __future__ import annotations

from planner.engine import arrays, warm_up_in_background


def test_the_kernel_is_loaded_in_separate_processes_that_end_cleanly():
    warming = warm_up_in_background()
    assert sorted(p.name for p in warming.processes) == [
        "itinerance-warm-up-build",
        "itinerance-warm-up-search",
    ]
    assert warming.join(600) is True
    assert all(p.exitcode == 0 for p in warming.processes)


def test_a_partial_warm_up_does_not_mark_the_process_warm(monkeypatch):
    monkeypatch.setattr(arrays, "_WARM", False)
    arrays.warm_up("build")
    assert arrays._WARM is False  # the search loop may still need loading: warm_up() will
    arrays.warm_up()
    assert arrays._WARM is True
