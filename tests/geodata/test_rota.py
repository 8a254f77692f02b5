"""Rotas of mobile services: each recurrence form on a hand-made case, then the real texts of the
France Services list (region 24 in detail, all of France for robustness)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from geodata.errors import DataError, UnknownAreaError
from geodata.names import CommuneIndex
from geodata.records import Interval, Recurrence
from geodata.records import RecurrenceKind as K
from geodata.rota import (
    describe_recurrence_fr,
    parse_france_services_rotas,
    parse_rota,
    rotas_markdown_table,
)

REGION_24 = ("18", "28", "36", "37", "41", "45")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "rotas.md"
PHONE = re.compile(r"0\d(?:[ .-]?\d{2}){4}")

COMMUNES = [
    ("36236", "Vicq-Exemplet", "36"),
    ("36124", "Migné", "36"),
    ("36160", "Pommiers", "36"),
    ("36140", "Neuvy-Pailloux", "36"),
    ("36215", "Ségry", "36"),
    ("36032", "Ceaulmont", "36"),
    ("36235", "Veuil", "36"),
    ("36044", "Châteauroux", "36"),
    ("45094", "Chevry-sous-le-Bignon", "45"),
    ("45158", "Gondreville", "45"),
    ("45234", "Orléans", "45"),
    ("45147", "Fleury-les-Aubrais", "45"),
    ("18279", "Vierzon", "18"),
    ("18096", "Foëcy", "18"),
]


@pytest.fixture(scope="module")
def index() -> CommuneIndex:
    return CommuneIndex(COMMUNES)


def rota(text: str, index: CommuneIndex, dep: str = "36", base: str | None = "36044"):
    return parse_rota("fs:1", "Bus test", dep, base, text, index)


def summary(parsed) -> list[tuple]:
    return [
        (s.insee, s.recurrence.kind, s.recurrence.nth, s.recurrence.weekday) for s in parsed.stops
    ]


# -- recurrence forms ---------------------------------------------------------------------------


def test_nth_weekday_list(index):
    r = rota(
        "Chaque mois : 1er lundi Vicq Exemplet, 2e lundi Migné – 1er mardi Neuvy Pailloux", index
    )
    assert summary(r) == [
        ("36236", K.NTH_WEEKDAY, 1, 0),
        ("36124", K.NTH_WEEKDAY, 2, 0),
        ("36140", K.NTH_WEEKDAY, 1, 1),
    ]
    assert [s.order for s in r.stops] == [1, 2, 3]
    assert r.issues == []


def test_weekday_given_once_for_a_group(index):
    r = rota("1er lundi Vicq Exemplet, 2e Migné, 3e Pommiers", index)
    assert summary(r) == [
        ("36236", K.NTH_WEEKDAY, 1, 0),
        ("36124", K.NTH_WEEKDAY, 2, 0),
        ("36160", K.NTH_WEEKDAY, 3, 0),
    ]


def test_capitalised_weekday_and_last_day_of_month(index):
    r = rota("4e Vendredi Pommiers - DERNIER JOUR DU MOIS Ségry", index)
    assert summary(r) == [
        ("36160", K.NTH_WEEKDAY, 4, 4),
        ("36215", K.LAST_DAY_OF_MONTH, None, None),
    ]
    assert r.stops[1].recurrence.text == "DERNIER JOUR DU MOIS Ségry"


def test_last_weekday_of_month(index):
    assert summary(rota("le dernier mardi du mois à Migné", index)) == [
        ("36124", K.NTH_WEEKDAY, -1, 1)
    ]


def test_weekly_part_of_day(index):
    (stop,) = rota("le mardi matin à Pommiers", index).stops
    assert (stop.recurrence.kind, stop.recurrence.weekday, stop.recurrence.part_of_day) == (
        K.WEEKLY,
        1,
        "matin",
    )


def test_weekday_and_hours_at_a_mairie(index):
    (stop,) = rota(
        "mardi 9h-12h à la mairie de Chevry sous le bignon", index, dep="45", base=None
    ).stops
    assert (stop.insee, stop.place) == ("45094", "mairie")
    rec = stop.recurrence
    assert (rec.kind, rec.weekday, rec.start, rec.end) == (K.WEEKLY, 1, 540, 720)
    assert rec.text == "mardi 9h-12h à la mairie de Chevry sous le bignon"


def test_recurrence_in_brackets_after_the_name(index):
    r = rota(
        "Chevry-sous-le-Bignon (mardi matin), Gondreville (jeudi après-midi)",
        index,
        dep="45",
        base=None,
    )
    got = [
        (s.insee, s.recurrence.kind, s.recurrence.weekday, s.recurrence.part_of_day)
        for s in r.stops
    ]
    assert got == [("45094", K.WEEKLY, 1, "matin"), ("45158", K.WEEKLY, 3, "après-midi")]


def test_ordinals_in_brackets_refine_the_weekday_given_before(index):
    r = rota(
        "Mercredi : Migné (1er et 3ème du mois) ou Pommiers (2ème du mois, uniquement le matin)",
        index,
    )
    got = [
        (s.insee, s.recurrence.nth, s.recurrence.weekday, s.recurrence.part_of_day) for s in r.stops
    ]
    assert got == [("36124", 1, 2, None), ("36124", 3, 2, None), ("36160", 2, 2, "matin")]


def test_plain_list_has_unknown_recurrence(index):
    r = rota("Vicq Exemplet, Migné et Pommiers", index)
    assert summary(r) == [(c, K.UNKNOWN, None, None) for c in ("36236", "36124", "36160")]
    assert r.issues == []


def test_fortnightly_and_weekday_ranges(index):
    (stop,) = rota("un jeudi sur deux à Migné", index).stops
    assert (stop.recurrence.kind, stop.recurrence.weekday) == (K.FORTNIGHTLY, 3)
    r = rota("du lundi au mercredi à Pommiers", index)
    assert [s.recurrence.weekday for s in r.stops] == [0, 1, 2]


def test_hours_after_a_name_belong_to_it(index):
    r = rota(
        "Lundi matin à Migné de 9h à 12h et le 2ème jeudi du mois à Pommiers de 14h à 16h", index
    )
    got = [
        (
            s.insee,
            s.recurrence.kind,
            s.recurrence.nth,
            s.recurrence.weekday,
            s.recurrence.start,
            s.recurrence.end,
        )
        for s in r.stops
    ]
    assert got == [("36124", K.WEEKLY, None, 0, 540, 720), ("36160", K.NTH_WEEKDAY, 2, 3, 840, 960)]


def test_districts_in_brackets_are_stops_in_the_town(index):
    r = rota("Foëcy, Vierzon (Sellier, Forges, Chaillot)", index, dep="18", base="18279")
    assert [(s.insee, s.place) for s in r.stops] == [
        ("18096", None),
        ("18279", "Sellier"),
        ("18279", "Forges"),
        ("18279", "Chaillot"),
    ]


def test_district_glued_to_its_town_is_a_place_and_an_issue(index):
    (stop,) = rota("Vierzon Sellier", index, dep="18", base="18279").stops
    assert (stop.insee, stop.place, stop.match.reason) == ("18279", "Sellier", "part")
    assert any(
        "'Vierzon Sellier' read as Vierzon (18279)" in i
        for i in rota("Vierzon Sellier", index, "18").issues
    )


def test_hamlet_glued_to_its_commune(index):
    (stop,) = rota("2e Vendredi Les Granges-Ceaulmont", index).stops
    assert (stop.insee, stop.place, stop.raw_name) == (
        "36032",
        "Les Granges",
        "Les Granges-Ceaulmont",
    )


def test_unnamed_districts_go_to_the_base_town_only_when_the_text_says_quartiers(index):
    text = "Itinérance dans les quartiers prioritaires : Argonne, La Source et Fleury les Aubrais"
    r = rota(text, index, dep="45", base="45234")
    assert [(s.insee, s.place, s.match.reason) for s in r.stops] == [
        ("45234", "Argonne", "district of base"),
        ("45234", "La Source", "district of base"),
        ("45147", None, "exact"),
    ]
    assert sum("read as a district of the base commune Orléans (45234)" in i for i in r.issues) == 2
    plain = rota("Argonne, Fleury les Aubrais", index, dep="45", base="45234")
    assert [s.insee for s in plain.stops] == [None, "45147"]


def test_unresolved_name_is_kept_with_candidates_and_reported(index):
    r = rota("4e jeudi Avail", index)
    (stop,) = r.stops
    assert stop.insee is None and stop.match.candidates[0][1] == "Veuil"
    assert (stop.recurrence.kind, stop.recurrence.nth, stop.recurrence.weekday) == (
        K.NTH_WEEKDAY,
        4,
        3,
    )
    assert any(
        i.startswith("'Avail': no commune matches in 36; nearest: Veuil (36235)") for i in r.issues
    )


def test_announced_communes_without_a_list_give_an_issue_and_no_stop(index):
    r = rota("Bus itinérant sur 44 communes du territoire Vendômois - contact au 0674806903", index)
    assert r.stops == []
    assert r.issues == [
        "the text gives no list of stops: 'Bus itinérant sur 44 communes du territoire Vendômois'"
    ]
    assert "0674806903" not in r.raw_text and "[téléphone masqué]" in r.raw_text


def test_recurrence_without_a_place_is_an_issue(index):
    r = rota("Sur rendez-vous le mardi matin et le vendredi après midi", index)
    assert r.stops == []
    assert r.issues == [
        "recurrence without a named place: 'mardi matin et le vendredi après midi' "
        "(chaque mardi matin; chaque vendredi après-midi); no stop"
    ]


def test_empty_text_is_an_issue(index):
    r = rota("  ", index)
    assert r.stops == [] and r.issues == ["no rota text (commentaire is empty): stops unknown"]


def test_fixed_site_is_not_a_stop(index):
    r = rota("Accueil fixe à Châteauroux et itinérance à Migné et Pommiers", index)
    assert [s.insee for s in r.stops] == ["36124", "36160"]


def test_unknown_departement_is_an_error(index):
    with pytest.raises(UnknownAreaError, match="fs:1"):
        rota("Migné", index, dep="99")


@pytest.mark.parametrize(
    ("rec", "said"),
    [
        (Recurrence(K.NTH_WEEKDAY, weekday=0, nth=1), "1er lundi du mois"),
        (
            Recurrence(K.NTH_WEEKDAY, weekday=1, nth=2, start=600, end=750),
            "2e mardi du mois, 10:00–12:30",
        ),
        (Recurrence(K.NTH_WEEKDAY, weekday=4, nth=-1), "dernier vendredi du mois"),
        (Recurrence(K.LAST_DAY_OF_MONTH), "dernier jour du mois"),
        (Recurrence(K.WEEKLY, weekday=1, part_of_day="matin"), "chaque mardi matin"),
        (Recurrence(K.FORTNIGHTLY, weekday=3), "un jeudi sur deux"),
        (Recurrence(K.UNKNOWN), "jour non précisé"),
        (Recurrence(K.UNKNOWN, part_of_day="après-midi"), "jour non précisé, après-midi"),
    ],
)
def test_describe_recurrence_fr(rec, said):
    assert describe_recurrence_fr(rec) == said


def test_rows_need_their_columns(index):
    with pytest.raises(DataError, match="record 2: missing column 'commentaire'"):
        parse_france_services_rotas(
            [
                {
                    "id_fs": "1",
                    "insee_dep": "36",
                    "lib_fs": "x",
                    "insee_com": "36044",
                    "format_fs": "Fixe",
                    "commentaire": "",
                },
                {
                    "id_fs": "2",
                    "insee_dep": "36",
                    "lib_fs": "x",
                    "insee_com": "36044",
                    "format_fs": "Fixe",
                },
            ],
            index,
        )


def test_rows_are_selected_by_format_and_hours_read(index):
    base = {"insee_dep": "36", "lib_fs": "Bus", "insee_com": "36044", "commentaire": "Migné"}
    rows = [
        {**base, "id_fs": "1", "format_fs": "Fixe"},
        {
            **base,
            "id_fs": "2",
            "format_fs": "Bus_équivalent",
            "h_lundi": "10:00 - 12:30 / 13:30 - 16:00",
            "h_mardi": "bientôt",
        },
    ]
    (r,) = parse_france_services_rotas(rows, index)
    assert r.service_id == "fs:2" and [s.insee for s in r.stops] == ["36124"]
    assert r.hours == {0: (Interval(600, 750), Interval(810, 960))}
    assert any(i.startswith("opening hours of mardi not read: 'bientôt'") for i in r.issues)


# -- the real France Services list --------------------------------------------------------------


@pytest.fixture(scope="module")
def cog(shared_data) -> CommuneIndex:
    return CommuneIndex.from_cog(shared_data / "etalab_decoupage-administratif" / "communes.json")


@pytest.fixture(scope="module")
def fs_rows(shared_data) -> list[dict[str, str]]:
    path = shared_data / "anct-carto_france_services" / "liste-fs-20240801.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def region(fs_rows, cog) -> dict[str, object]:
    rotas = parse_france_services_rotas([r for r in fs_rows if r["insee_dep"] in REGION_24], cog)
    return {r.service_id: r for r in rotas}


def test_every_mobile_and_multisite_service_of_region_24_gets_a_rota(region, fs_rows):
    expected = {
        f"fs:{r['id_fs']}"
        for r in fs_rows
        if r["insee_dep"] in REGION_24
        and r["format_fs"] in ("Bus_équivalent", "Itinérante", "Multisites")
    }
    assert set(region) == expected and len(expected) == 11


def test_every_named_stop_is_resolved_or_reported_with_candidates(region):
    for r in region.values():
        for stop in r.stops:
            assert stop.recurrence.text and stop.recurrence.text in r.raw_text
            if stop.insee is None:
                assert stop.match.candidates
                assert any(i.startswith(repr(stop.raw_name)) for i in r.issues), (
                    r.service_id,
                    stop.raw_name,
                )


RURALINETTE = [
    ("Vicq Exemplet", "36236", 1, 0),
    ("Migné", "36124", 2, 0),
    ("Pommiers", "36160", 3, 0),
    ("Neuvy Pailloux", "36140", 1, 1),
    ("Saint Août", "36180", 2, 1),
    ("Arthon", "36009", 3, 1),
    ("Pruniers", "36169", 4, 1),
    ("Pellevoisin", "36155", 1, 2),
    ("Argy", "36007", 2, 2),
    ("Sougé", "36218", 3, 2),
    ("Rosnay", "36173", 4, 2),
    ("Migny", "36125", 1, 3),
    ("Chouday", "36052", 2, 3),
    ("Saint Georges/Arnon", "36195", 3, 3),
    ("Avail", None, 4, 3),
    ("Badecon Le Pin", "36158", 1, 4),
    ("Les Granges-Ceaulmont", "36032", 2, 4),
    ("Vigoux", "36239", 3, 4),
    ("Sacierges st Martin", "36177", 4, 4),
]


def test_la_ruralinette_reference_rota(region):
    r = region["fs:2394"]
    assert len(r.stops) == 20
    got = [(s.raw_name, s.insee, s.recurrence.nth, s.recurrence.weekday) for s in r.stops[:19]]
    assert got == RURALINETTE
    assert all(s.recurrence.kind == K.NTH_WEEKDAY for s in r.stops[:19])
    last = r.stops[19]
    assert (last.raw_name, last.insee, last.recurrence.kind) == (
        "Ségry",
        "36215",
        K.LAST_DAY_OF_MONTH,
    )
    avail = r.stops[14]
    assert avail.match.reason == "no match" and len(avail.match.candidates) == 5
    assert r.stops[16].place == "Les Granges"
    assert r.hours == {d: (Interval(600, 750), Interval(810, 960)) for d in range(5)}
    assert len(r.issues) == 2  # Les Granges-Ceaulmont read by part; Avail unresolved


def test_vierzon_has_fifteen_stops_three_of_them_in_vierzon(region):
    r = region["fs:1892"]
    assert len(r.stops) == 15 and all(s.insee for s in r.stops)
    assert len({s.insee for s in r.stops}) == 13
    assert [s.place for s in r.stops if s.insee == "18279"] == ["Sellier", "Forges", "Chaillot"]
    assert all(s.recurrence.kind == K.UNKNOWN for s in r.stops)


def test_ferrieres_sessions_have_weekday_part_of_day_hours_and_mairie(region):
    got = [
        (
            s.insee,
            s.recurrence.kind,
            s.recurrence.weekday,
            s.recurrence.part_of_day,
            s.recurrence.start,
            s.recurrence.end,
            s.place,
        )
        for s in region["fs:2614"].stops
    ]
    assert got == [
        ("45094", K.WEEKLY, 1, "matin", 540, 720, "mairie"),
        ("45103", K.WEEKLY, 3, "matin", 540, 720, "mairie"),
        ("45158", K.WEEKLY, 3, "après-midi", 840, 990, "mairie"),
        ("45127", K.WEEKLY, 4, "après-midi", 840, 1035, "mairie"),
    ]


def test_vendome_gives_no_list_and_its_phones_are_masked(region):
    r = region["fs:3028"]
    assert r.stops == []
    assert r.issues == [
        "the text gives no list of stops: 'Bus itinérant sur 44 communes du territoire Vendômois'"
    ]
    assert not PHONE.search(r.raw_text)


def test_other_region_24_rotas(region):
    sancerre = region["fs:2583"]
    assert len(sancerre.stops) == 34 and all(s.insee for s in sancerre.stops)
    assert [s.match.reason for s in sancerre.stops if s.insee == "18249"] == [
        "fuzzy"
    ]  # "Sens-Beaulieu"
    orleans = region["fs:2613"]
    assert [(s.insee, s.place) for s in orleans.stops] == [
        ("45234", "Argonne"),
        ("45234", "Blossières"),
        ("45234", "La Source"),
        ("45147", None),
    ]
    assert [s.insee for s in region["fs:647"].stops] == [
        "45310",
        "45095",
        "45050",
    ]  # not Pithiviers
    assert [s.insee for s in region["fs:2616"].stops] == ["45240", "45160"]
    for empty in ("fs:253", "fs:2415"):
        assert region[empty].stops == [] and region[empty].issues[0].startswith("no rota text")
    assert (
        region["fs:228"].stops == []
        and "recurrence without a named place" in region["fs:228"].issues[0]
    )


def test_all_of_france_parses_with_fragments_from_the_text_and_no_phone(fs_rows, cog):
    rotas = parse_france_services_rotas(fs_rows, cog)
    assert len(rotas) == 337
    stops = [s for r in rotas for s in r.stops]
    assert len(stops) > 600
    for r in rotas:
        assert [s.order for s in r.stops] == list(range(1, len(r.stops) + 1))
        assert all(s.recurrence.text in r.raw_text for s in r.stops)
        assert not PHONE.search(r.raw_text), r.service_id
        assert all("\n" not in i for i in r.issues)
    # Most stops name a commune; the rest are reported, none silently assigned.
    assert sum(s.insee is not None for s in stops) / len(stops) > 0.8
    assert all(
        s.match.reason in ("exact", "alias", "article", "part", "fuzzy", "district of base")
        for s in stops
        if s.insee is not None
    )


def test_docs_table_matches_the_code(region):
    table = rotas_markdown_table(sorted(region.values(), key=lambda r: int(r.service_id[3:])))
    assert table in DOCS.read_text(encoding="utf-8"), (
        "regenerate the table of docs/rotas.md (see its header)"
    )
