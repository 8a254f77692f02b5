"""The COG codes table (geodata.areas) against the pinned COG file, and what queries say of
codes that do not exist."""

from __future__ import annotations

import pytest

from geodata import query, registry
from geodata.areas import DEPARTEMENTS_BY_REGION, is_departement, is_region
from geodata.errors import UnknownAreaError
from geodata.readers import cog


def test_the_table_is_the_pinned_cog_s(shared_data):
    communes = cog.read_communes(registry.fetch("communes"))
    from_file = {r: tuple(ds) for r, ds in cog.departements_of_region(communes).items()}
    assert from_file == DEPARTEMENTS_BY_REGION


def test_codes_are_recognised_as_written():
    assert is_departement("36") and is_departement("2a") and is_departement("974")
    assert not is_departement("99") and not is_departement("20") and not is_departement("24 ")
    assert is_region("24") and not is_region("36")


@pytest.mark.parametrize(
    ("area", "message"),
    [
        ({"departement": "99"}, "unknown département '99': no such code in the COG 2026"),
        ({"region": "99"}, "unknown région '99': no such code in the COG 2026"),
        ({"departement": "37"}, "département 37 is not loaded; run `itinerance data load"),
    ],
)
def test_a_code_that_does_not_exist_is_not_called_unloaded(sqlite_url, area, message):
    with pytest.raises(UnknownAreaError) as caught:
        query.commune_points(sqlite_url, **area)
    assert str(caught.value).startswith(message)
