"""Kernel states for the engine tests: load one from routes, check its caches against a fresh
load of the same routes."""

from __future__ import annotations

import numpy as np

from planner.engine.arrays import KernelProblem


def loaded_state(kp: KernelProblem, routes: dict[int, list[int]], bands=None):
    """A state holding ``routes`` (slot -> stops), every stop matching one of its choices;
    ``bands``: stop -> its start band (regularity), as KernelProblem.load takes them."""
    st = kp.new_state()
    assert kp.load(st, routes, bands) == []
    return st


def assert_caches_fresh(kp: KernelProblem, st) -> None:
    """The caches of ``st`` equal those of the same routes and start bands loaded from scratch,
    and every stop is on its slots once per visit."""
    served = [s for s in range(kp.inst.n_stops) if st.assign[s] >= 0]
    bands = {s: (float(st.band_lo[s]), float(st.band_hi[s])) for s in served}
    fresh = loaded_state(kp, kp.routes(st), bands)
    n = kp.inst.n_slots
    np.testing.assert_array_equal(fresh.rlen[:n], st.rlen[:n])
    np.testing.assert_allclose(fresh.rcost[:n], st.rcost[:n], atol=1e-9)
    np.testing.assert_allclose(fresh.rload[:n], st.rload[:n], atol=1e-9)
    np.testing.assert_allclose(fresh.rdrive[:n], st.rdrive[:n], atol=1e-9)
    np.testing.assert_array_equal(fresh.rok[:n], st.rok[:n])
    for r in range(n):
        m = st.rlen[r]
        np.testing.assert_allclose(fresh.es[r, :m], st.es[r, :m], atol=1e-9)
        np.testing.assert_allclose(fresh.ls[r, :m], st.ls[r, :m], atol=1e-9)
    for s in range(kp.inst.n_stops):
        c = st.assign[s]
        if c < 0:
            continue
        slots = [int(st.vslot[s, j]) for j in range(kp.inst.ch_k[c])]
        assert len(set(slots)) == len(slots)  # one slot per visit, each its own day
        for r in slots:
            assert list(st.route[r, : st.rlen[r]]).count(s) == 1
        on_routes = sum(list(st.route[r, : st.rlen[r]]).count(s) for r in range(n))
        assert on_routes == len(slots)
