"""Tolerant commune-name matching: one rule per test on a small hand-made index, then the COG."""

from __future__ import annotations

import json

import pytest

from geodata.errors import DataError, UnknownAreaError
from geodata.names import FUZZY_ACCEPT, FUZZY_PLAUSIBLE, CommuneIndex, fold, normalize_name

COMMUNES = [
    ("36195", "Saint-Georges-sur-Arnon", "36"),
    ("36032", "Ceaulmont", "36"),
    ("36177", "Sacierges-Saint-Martin", "36"),
    ("36155", "Pellevoisin", "36"),
    ("36236", "Vicq-Exemplet", "36"),
    ("36070", "Éguzon-Chantôme", "36"),
    ("36124", "Migné", "36"),
    ("36125", "Migny", "36"),
    ("36235", "Veuil", "36"),
    ("18219", "Saint-Laurent", "18"),
    ("18279", "Vierzon", "18"),
    ("74244", "Saint-Laurent", "74"),
    ("72172", "Le Luart", "72"),
    ("45103", "Corbeilles", "45"),
    ("45328", "Treilles-en-Gâtinais", "45"),
    ("41001", "Neuvy", "41"),
    ("41002", "Neuvy-Pailloux", "41"),
]
ALIASES = [("Chantôme", "36070", "36")]


@pytest.fixture(scope="module")
def index() -> CommuneIndex:
    return CommuneIndex(COMMUNES, aliases=ALIASES)


def test_case_accents_hyphens_and_spaces_do_not_matter(index):
    m = index.match("VICQ EXEMPLET", "36")
    assert (m.insee, m.reason, m.confidence) == ("36236", "exact", 1.0)
    assert index.match("vicq-éxemplet", "36").insee == "36236"


@pytest.mark.parametrize(
    "text", ["Sacierges st Martin", "Sacierges St. Martin", "SACIERGES-ST-MARTIN"]
)
def test_st_is_saint(index, text):
    assert index.match(text, "36").insee == "36177"


@pytest.mark.parametrize(
    "text", ["Saint Georges/Arnon", "St Georges s/ Arnon", "St-Georges s/Arnon"]
)
def test_slash_is_sur(index, text):
    m = index.match(text, "36")
    assert (m.insee, m.reason) == ("36195", "exact")


def test_former_commune_resolves_to_its_current_commune(index):
    m = index.match("Chantome", "36")
    assert (m.insee, m.name, m.reason, m.confidence) == ("36070", "Éguzon-Chantôme", "alias", 1.0)


def test_a_missing_leading_article_is_tolerated_and_said(index):
    m = index.match("Luart", "72")
    assert (m.insee, m.reason) == ("72172", "article")
    assert m.confidence < 1.0


def test_hamlet_glued_to_its_commune_resolves_by_part_and_returns_the_rest(index):
    m, rest = index.match_with_remainder("Les Granges-Ceaulmont", "36")
    assert (m.insee, m.reason, m.confidence) == ("36032", "part", 0.9)
    assert rest == "Les Granges"


def test_part_rule_refuses_two_communes(index):
    m = index.match("Migné Pellevoisin", "36")
    assert m.insee is None and m.reason == "ambiguous"
    assert {c[0] for c in m.candidates} == {"36124", "36155"}


def test_part_rule_is_not_undone_by_a_commune_sharing_only_a_suffix(index):
    # "Corbeilles en gâtinais" is close to Treilles-en-Gâtinais by similarity, but names Corbeilles.
    m, rest = index.match_with_remainder("Corbeilles en gâtinais", "45")
    assert (m.insee, m.reason, rest) == ("45103", "part", "en gâtinais")


def test_part_rule_yields_to_a_close_commune_holding_the_same_words(index):
    m = index.match("Neuvy Paillou", "41")
    assert m.insee is None and m.reason == "ambiguous"
    assert [c[0] for c in m.candidates] == ["41002", "41001"]  # best first


def test_misspelling_with_a_clear_winner_is_accepted_as_fuzzy(index):
    m = index.match("Pellevoissin", "36")
    assert (m.insee, m.reason) == ("36155", "fuzzy")
    assert FUZZY_ACCEPT <= m.confidence < 1.0
    assert m.candidates[0][0] == "36155"


def test_misspelling_between_two_communes_is_left_ambiguous(index):
    m = index.match("Mign", "36")
    assert m.insee is None and m.reason == "ambiguous"
    assert {c[0] for c in m.candidates[:2]} == {"36124", "36125"}
    assert m.candidates[0][2] == m.candidates[1][2]


def test_unknown_name_is_never_assigned_and_comes_with_its_nearest_communes(index):
    m = index.match("Avail", "36")
    assert (m.insee, m.name, m.reason) == (None, None, "no match")
    assert m.confidence < FUZZY_PLAUSIBLE
    scores = [c[2] for c in m.candidates]
    assert scores == sorted(scores, reverse=True) and len(scores) >= 3
    assert m.candidates[0][0] == "36235"  # Veuil is the nearest spelling


def test_homonyms_are_ambiguous_without_a_departement(index):
    m = index.match("Saint Laurent")
    assert m.insee is None and m.reason == "ambiguous"
    assert [c[0] for c in m.candidates] == ["18219", "74244"]
    assert index.match("Saint Laurent", "18").insee == "18219"


def test_matching_stays_inside_the_departement(index):
    assert index.match("Vierzon", "36").insee is None
    assert index.match("Vierzon", "18").insee == "18279"


def test_unknown_departement_is_an_error(index):
    with pytest.raises(UnknownAreaError, match="'99'"):
        index.match("Vierzon", "99")


def test_result_does_not_depend_on_input_order():
    forward = CommuneIndex(COMMUNES, aliases=ALIASES)
    backward = CommuneIndex(list(reversed(COMMUNES)), aliases=ALIASES)
    for text, dep in [
        ("Avail", "36"),
        ("Mign", "36"),
        ("Saint Laurent", None),
        ("Neuvy Paillou", "41"),
    ]:
        assert forward.match(text, dep) == backward.match(text, dep)


def test_empty_text_matches_nothing(index):
    m = index.match(" - ", "36")
    assert m.insee is None and m.reason == "no match" and m.candidates == ()


def test_bad_index_input_is_a_data_error():
    with pytest.raises(DataError, match="36001 is given twice"):
        CommuneIndex([("36001", "A", "36"), ("36001", "B", "36")])
    with pytest.raises(DataError, match="unknown code 99999"):
        CommuneIndex([("36001", "A", "36")], aliases=[("Old", "99999", "36")])


def test_fold_keeps_positions_and_normalize_name_spells_out_saints():
    assert fold("Ségry ÉTÉ œuvre") == "segry ete œuvre"
    assert len(fold("Ségry ÉTÉ œuvre")) == len("Ségry ÉTÉ œuvre")
    assert normalize_name("StJean de Buèges") == "saint jean de bueges"
    assert normalize_name("L'Île-Bouchard") == "l ile bouchard"


# -- the real COG (communes.json, 2026) --------------------------------------------------------


@pytest.fixture(scope="module")
def cog(shared_data) -> CommuneIndex:
    return CommuneIndex.from_cog(shared_data / "etalab_decoupage-administratif" / "communes.json")


def test_cog_index_holds_every_current_commune(cog):
    assert len(cog) == 34969
    assert cog.name("36044") == "Châteauroux"
    assert cog.departement("36044") == "36"


@pytest.mark.parametrize(
    ("text", "dep", "insee"),
    [
        ("Saint Georges/Arnon", "36", "36195"),
        ("Sacierges st Martin", "36", "36177"),
        ("Badecon Le Pin", "36", "36158"),
        ("Sury-Prés-Léré", "18", "18257"),
        ("Chilleurs aux Bois", "45", "45095"),
        ("Chantôme", "36", "36070"),  # commune associée of Éguzon-Chantôme
    ],
)
def test_cog_index_resolves_real_spellings(cog, text, dep, insee):
    assert cog.match(text, dep).insee == insee


def test_cog_index_does_not_force_avail(cog):
    m = cog.match("Avail", "36")
    assert m.insee is None and m.reason == "no match"
    assert m.candidates[0][:2] == ("36235", "Veuil") and m.candidates[0][2] < FUZZY_PLAUSIBLE


def test_cog_misspelt_sens_beaujeu_is_a_reported_fuzzy_match(cog):
    m = cog.match("Sens-Beaulieu", "18")
    assert (m.insee, m.reason) == ("18249", "fuzzy")
    assert m.confidence < 0.9


def test_from_cog_reports_a_missing_file(tmp_path):
    with pytest.raises(DataError, match="communes.json: file not found"):
        CommuneIndex.from_cog(tmp_path / "communes.json")


def test_from_cog_reports_invalid_json_and_missing_fields(tmp_path):
    bad = tmp_path / "communes.json"
    bad.write_text('[{"code": "36044", "nom": "Châteauroux"', encoding="utf-8")
    with pytest.raises(DataError, match="not valid JSON"):
        CommuneIndex.from_cog(bad)
    bad.write_text(
        json.dumps([{"type": "commune-actuelle", "code": "36044", "nom": "Châteauroux"}])
    )
    with pytest.raises(DataError, match="object 0 .* lacks field 'departement'"):
        CommuneIndex.from_cog(bad)
    bad.write_text(json.dumps([{"type": "epci", "code": "1"}]))
    with pytest.raises(DataError, match="no object of type 'commune-actuelle'"):
        CommuneIndex.from_cog(bad)
