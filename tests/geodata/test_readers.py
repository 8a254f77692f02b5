"""Readers of the pinned files, on the real data: counts, dissolved contours, kinds, privacy."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geodata import registry
from geodata.errors import DataError
from geodata.readers import cog, contours, france_services, ifn, mediation
from geodata.records import ServiceKind

REGION = "24"
MERGED_2018 = (
    "36072 41257 41092 41170 41082 18123 18131 18239 45287 28376 28276 41263 36206 "
    "28002 28025 28311 18222 28063 28112 28165 28205 28412"
).split()


@pytest.fixture(scope="module")
def cog_data(shared_data) -> cog.Cog:
    return cog.read_cog(registry.fetch("communes"))


@pytest.fixture(scope="module")
def region_contours(cog_data):
    return contours.read_contours(
        registry.fetch("contours-centre-val-de-loire"), cog_data.code_index
    )


def test_current_communes_of_the_region_and_of_indre(cog_data):
    communes = cog_data.communes
    assert len(communes) == 34969
    region = communes[communes["region"] == REGION]
    assert len(region) == 1754
    assert (region["departement"] == "36").sum() == 241
    chateauroux = communes.set_index("code").loc["36044"]
    assert (chateauroux["name"], chateauroux["population"]) == ("Châteauroux", 42963)
    assert cog.departements_of_region(communes)[REGION] == ["18", "28", "36", "37", "41", "45"]


def test_code_index_maps_former_codes_to_current_communes(cog_data):
    index = cog_data.code_index
    assert all(index[code] != code for code in MERGED_2018)
    assert index["41082"] == index["41257"] == "41059"  # Le Controis-en-Sologne
    assert index["13211"] == "13055"  # a Marseille arrondissement
    assert index["36044"] == "36044"


def test_epci_membership(cog_data):
    epcis, members = cog.read_epcis(registry.fetch("epci"))
    assert len(epcis) == 1255
    region = set(cog_data.communes.loc[cog_data.communes["region"] == REGION, "code"])
    assert region <= set(members["commune"])
    assert (
        members.set_index("commune").loc["36044", "epci"] == "243600327"
    )  # CA Châteauroux Métropole


def test_every_current_commune_of_the_region_has_exactly_one_geometry(cog_data, region_contours):
    region = set(cog_data.communes.loc[cog_data.communes["region"] == REGION, "code"])
    assert region_contours["code"].is_unique
    assert set(region_contours["code"]) == region
    assert len(region_contours) == 1754
    assert not set(MERGED_2018) & set(region_contours["code"])
    assert region_contours.geometry.is_valid.all()


def test_merged_communes_are_dissolved_into_the_current_one(cog_data, region_contours):
    import geopandas as gpd

    raw = gpd.read_file(registry.fetch("contours-centre-val-de-loire")).set_index("code")
    controis = region_contours.set_index("code").geometry["41059"]
    for old in ("41082", "41092", "41170", "41257"):
        inside = shapely.point_on_surface(raw.geometry[old])
        assert controis.contains(inside), old
    parts = raw.geometry[["41059", "41082", "41092", "41170", "41257"]].to_crs(2154).area.sum()
    assert gpd.GeoSeries([controis], crs=4326).to_crs(2154).area.iloc[0] == pytest.approx(
        parts, rel=0.01
    )


def test_representative_points_lie_inside_their_commune(region_contours):
    lon, lat = contours.representative_points(region_contours.geometry)
    assert not np.isnan(lon).any()
    assert shapely.contains_xy(region_contours.geometry.values, lon, lat).all()
    # Indre's points stay in Indre's bounding box
    indre = region_contours["code"].str.startswith("36").to_numpy()
    assert (lat[indre] > 46.3).all() and (lat[indre] < 47.3).all()


def test_user_contours_with_numeric_codes_and_another_crs(tmp_path, cog_data, region_contours):
    sample = region_contours[region_contours["code"].isin(["36044", "36001"])].copy()
    sample["INSEE_COM"] = sample.pop("code").astype(int)
    path = tmp_path / "mine.gpkg"
    sample.to_crs(2154).to_file(path, layer="communes")
    read = contours.read_contours(path, cog_data.code_index, code_column="INSEE_COM")
    assert sorted(read["code"]) == ["36001", "36044"]
    assert read.crs.to_epsg() == 4326
    with pytest.raises(DataError, match="no column 'code'.*--contours-code-column"):
        contours.read_contours(path, cog_data.code_index)


@pytest.mark.data
def test_ifn_scores_per_commune():
    scores = ifn.read_ifn(registry.fetch("ifn-communes"))
    assert len(scores) == 35008
    assert list(scores.columns) == [
        "code",
        "ifn",
        "ifn_no_thd",
        "ifn_no_4g",
        "ifn_poverty",
        "ifn_older_65",
        "ifn_no_diploma",
    ]
    row = scores.set_index("code").loc["36044"]
    assert row["ifn"] == pytest.approx(6.124781837857752)
    assert row["ifn_no_thd"] == 5.0
    empty = scores.set_index("code").loc[["13055", "27058"]]
    assert empty.isna().all().all()  # missing stays missing


def test_france_services_kinds_and_counts(cog_data):
    frame = france_services.read_france_services(registry.fetch("france-services"))
    assert len(frame) == 2845
    region = frame[frame["insee_dep"].isin(["18", "28", "36", "37", "41", "45"])]
    assert len(region) == 152
    assert (region["insee_dep"] == "36").sum() == 26
    points, odd = france_services.service_points(region, cog_data.code_index)
    kinds = {k: sum(p.kind == k for p in points) for k in ServiceKind}
    assert kinds[ServiceKind.FRANCE_SERVICES] == 137 + 4 + 4
    assert kinds[ServiceKind.FRANCE_SERVICES_MOBILE] == 6 + 1
    assert odd == []
    rur = next(p for p in points if p.id == "fs:2394")
    assert (rur.kind, rur.insee, rur.format) == (
        ServiceKind.FRANCE_SERVICES_MOBILE,
        "36044",
        "Bus_équivalent",
    )
    assert sorted(rur.hours) == [0, 1, 2, 3, 4] and rur.capacity == 25.0


def test_france_services_drop_contacts(cog_data):
    frame = france_services.read_france_services(registry.fetch("france-services"))
    assert "mail" not in frame.columns and "telephone" not in frame.columns
    vendome = frame.set_index("id_fs").loc["3028", "commentaire"]
    assert "0674806903" not in vendome and "[téléphone masqué]" in vendome
    assert not frame["commentaire"].str.contains(r"@\w+\.\w+", regex=True).any()


@pytest.mark.data
def test_cnfs_lieux_are_read_without_personal_keys():
    lieux = mediation.read_cnfs(registry.fetch("cnfs-lieux"))
    assert len(lieux) == 4930
    assert lieux["lon"].notna().sum() == 4908
    assert not {"aidants", "courriel", "telephone"} & set(lieux.columns)
    region = lieux[lieux["postal_code"].str[:2].isin(["18", "28", "36", "37", "41", "45"])]
    assert len(region) == 181
    brenne = lieux.set_index("id").loc["627ce06aad1bdb06edc4a22f"]
    hours, odd = mediation.cnfs_hours(brenne["hours_text"])
    assert odd is None and sorted(hours) == [0, 1, 2, 3, 4]


def test_postal_code_resolution_uses_the_town_name_when_shared(cog_data):
    codes = mediation.postal_code_communes(
        ["36290", "36000", "36400", "99999"],
        ["MÉZIÈRES-EN-BRENNE", "CHATEAUROUX", "NOWHERE", "X"],
        cog_data.communes,
    )
    assert codes[0] == "36123" and codes[1] == "36044"
    assert codes[2] is None  # 36400 is shared by several communes and the name fits none
    assert codes[3] is None


def test_aidants_connect_active_structures_with_current_codes(cog_data):
    structures = mediation.read_aidants_connect(
        registry.fetch("aidants-connect"), cog_data.code_index
    )
    assert len(structures) == 5181
    region = structures[structures["insee"].str[:2].isin(["18", "28", "36", "37", "41", "45"])]
    assert len(region) == 180
    assert structures.set_index("id").loc["1140", "insee"] == "36044"


def test_a_csv_without_the_needed_columns_is_named(tmp_path):
    path = tmp_path / "ifn.csv"
    path.write_text("code,total\n36044,5\n", encoding="utf-8")
    with pytest.raises(
        DataError, match=r"ifn.csv: missing column\(s\) division, no_thd_coverage_rate"
    ):
        ifn.read_ifn(path)


def test_ifn_zero_everywhere_is_no_score_and_scores_run_from_1_to_10(shared_data):
    """La MedNum defines the IFN from 1 to 10; the six uninhabited villages of the Meuse are
    written 0 everywhere, which means no score."""
    from geodata.readers.ifn import IFN_COLUMNS, read_ifn

    frame = read_ifn(registry.fetch("ifn-communes"))
    meuse = frame.set_index("code").loc[["55039", "55050", "55139", "55189", "55239", "55307"]]
    assert meuse[list(IFN_COLUMNS.values())].isna().all().all()
    assert frame["ifn"].min() >= 1 and frame["ifn"].max() <= 10
