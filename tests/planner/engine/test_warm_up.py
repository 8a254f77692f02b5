"""Loading the compiled kernel in another process (what the demo starts before loading data)."""

from __future__ import annotations

from planner.engine import warm_up_in_background


def test_the_kernel_is_loaded_in_a_separate_process_that_ends_cleanly():
    process = warm_up_in_background()
    assert process.pid is not None and process.name == "itinerance-warm-up"
    process.join(600)
    assert process.exitcode == 0
