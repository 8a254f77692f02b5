"""The coverage map of a whole region (Centre-Val de Loire, 1,754 communes): small enough to
share and open, and drawn completely in the browser."""

from __future__ import annotations

import time

import pytest

from maps.coverage_map import write_coverage_map
from support.map_inputs import real_inputs

REGION_COMMUNES = 1754  # region 24, COG 2026
MAX_BYTES = 5_000_000  # issue 3: "aim under 5 MB for region 24"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def region_map(shared_data, tmp_path_factory):
    from geodata.load import load_area

    folder = tmp_path_factory.mktemp("region24")
    url = f"sqlite:///{folder / 'r24.sqlite'}"
    load_area(url, region="24")
    inputs = real_inputs(url, region="24")
    out = folder / "carte-region.html"
    write_coverage_map(
        inputs.communes,
        inputs.coverage,
        inputs.services,
        inputs.rotas,
        out,
        title="Accès aux lieux d’aide numérique",
        threshold=30,
        area_label="Centre-Val de Loire (région 24)",
    )
    return out, len(inputs.communes)


def test_region_map_stays_under_5_mb(region_map):
    out, n = region_map
    size = out.stat().st_size
    print(f"region 24 map: {size / 1e6:.2f} MB for {n} communes")
    assert n == REGION_COMMUNES and size < MAX_BYTES


@pytest.mark.browser
def test_region_map_draws_every_commune_without_error(region_map, offline_page):
    out, _ = region_map
    started = time.perf_counter()
    probe = offline_page.open_map(out, screenshot="coverage-map-region-24")
    print(f"region 24 map opened and drawn in {time.perf_counter() - started:.1f} s")
    assert probe.js_errors == [] and probe.console_errors == [] and probe.unexpected_requests == []
    assert probe.n_shapes == REGION_COMMUNES
    assert probe.visible_legends[0] == "time"
