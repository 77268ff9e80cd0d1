"""Tests for matching UN names of States to ISO codes in campaign.names."""

import pickle

import pycountry
import pytest

from campaign.names import AmbiguousName, NameIndex, normalise
from campaign.un_data import FORMER_NAMES, MEMBERS, OBSERVERS

# As printed in the voting annex of General Assembly press releases, line wraps
# and typographic apostrophes included.
PRESS_RELEASE_NAMES = {
    "Bolivia (Plurinational State of)": "BOL",
    "Iran (Islamic Republic of)": "IRN",
    "Venezuela (Bolivarian Republic of)": "VEN",
    "Micronesia (Federated States of)": "FSM",
    "Côte d'Ivoire": "CIV",
    "Cote d\u2019Ivoire": "CIV",
    "Democratic People's\nRepublic of Korea": "PRK",
    "Republic of\nKorea": "KOR",
    "United Kingdom of Great\nBritain and Northern Ireland": "GBR",
    "Türkiye": "TUR",
    "Turkey": "TUR",
    "Lao People\u2019s Democratic Republic": "LAO",
    "Netherlands (Kingdom of\nthe)": "NLD",
    "United Republic of\nTanzania": "TZA",
    "Saint Vincent and the\nGrenadines": "VCT",
    "Guinea-\nBissau": "GNB",
    "Congo": "COG",
    "Democratic Republic of the Congo": "COD",
    "Gambia": "GMB",
    "Holy See": "VAT",
    "State of Palestine": "PSE",
}

KOREA_NAMES = {
    "KOR": [
        "Republic of Korea",
        "REPUBLIC OF KOREA",
        "Republic of\nKorea",
        "Korea, Republic of",
        "Korea (Republic of)",
        "South Korea",
        "KOR",
        "kr",
    ],
    "PRK": [
        "Democratic People's Republic of Korea",
        "DEMOCRATIC PEOPLE'S REPUBLIC OF KOREA",
        "Democratic People\u2019s\r\nRepublic of Korea",
        "Korea, Democratic People's Republic of",
        "Korea (Democratic People's Republic of)",
        "North Korea",
        "DPRK",
        "prk",
        "KP",
    ],
}


@pytest.fixture(scope="module")
def index():
    return NameIndex.default()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Côte d'Ivoire", "cote d'ivoire"),
        ("Cote d\u2019Ivoire", "cote d'ivoire"),
        ("Cote d\u2018Ivoire", "cote d'ivoire"),
        ("Cote d`Ivoire", "cote d'ivoire"),
        ("Cote d\u00b4Ivoire", "cote d'ivoire"),
        ("Türkiye", "turkiye"),
        ("TÜRKIYE", "turkiye"),
        (
            "Democratic People's\nRepublic of Korea",
            "democratic people's republic of korea",
        ),
        ("  Republic of \r\n  Korea  ", "republic of korea"),
        ("Viet\u00a0Nam", "viet nam"),
        ("Bolivia*", "bolivia"),
        ("Belarus\u00b9", "belarus"),
        ("Ukraine [1]", "ukraine"),
        (
            "The former Yugoslav Republic of Macedonia",
            "former yugoslav republic of macedonia",
        ),
        ("the Gambia", "gambia"),
        ("Zimbabwe.", "zimbabwe"),
        ("Netherlands (Kingdom of the)", "netherlands (kingdom of the)"),
    ],
)
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_every_member_and_observer_name_matches_its_code(index):
    for code, (name, _) in (MEMBERS | OBSERVERS).items():
        assert index.match(name) == code, name


def test_every_former_name_matches_its_code(index):
    for code, names in FORMER_NAMES.items():
        for name in names:
            assert index.match(name) == code, name


@pytest.mark.parametrize(("name", "code"), PRESS_RELEASE_NAMES.items())
def test_press_release_names_match(index, name, code):
    assert index.match(name) == code


def test_undl_uppercase_names_match(index):
    for code, (name, _) in (MEMBERS | OBSERVERS).items():
        assert index.match(name.upper()) == code, name.upper()
    assert index.match("DEMOCRATIC PEOPLE'S REPUBLIC OF KOREA") == "PRK"
    assert index.match("TÜRKIYE") == "TUR"
    assert index.match("TURKIYE") == "TUR"


@pytest.mark.parametrize(
    ("code", "expected"),
    [("PRK", "PRK"), ("prk", "PRK"), ("kp", "PRK"), ("KP", "PRK"), (" usa ", "USA")],
)
def test_iso_codes_match(index, code, expected):
    assert index.match(code) == expected


def test_observer_codes_match(index):
    assert index.match("VA") == "VAT"
    assert index.match("VAT") == "VAT"
    assert index.match("PS") == "PSE"
    assert index.match("pse") == "PSE"


def test_codes_of_non_members_do_not_match(index):
    assert index.match("TWN") is None
    assert index.match("XK") is None


def test_korea_is_ambiguous(index):
    with pytest.raises(AmbiguousName) as raised:
        index.match("Korea")
    assert set(raised.value.candidates) == {"KOR", "PRK"}
    message = str(raised.value)
    assert "Republic of Korea" in message
    assert "Democratic People's Republic of Korea" in message
    with pytest.raises(AmbiguousName):
        index.match("  KOREA\n")


def test_ambiguous_name_is_a_value_error_and_pickles():
    error = AmbiguousName("Korea", ("KOR", "PRK"))
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.name, copy.candidates, str(copy)) == (
        error.name,
        error.candidates,
        str(error),
    )


@pytest.mark.parametrize("name", ["Narnia", "", "   ", "Yugoslavia", "Republic"])
def test_unknown_names_do_not_match(index, name):
    assert index.match(name) is None


@pytest.mark.parametrize(
    ("code", "name"),
    [(code, name) for code, names in KOREA_NAMES.items() for name in names],
)
def test_the_two_koreas_are_never_confused(index, code, name):
    assert index.match(name) == code


def test_pycountry_names_match_their_own_code(index):
    for code in [*MEMBERS, *OBSERVERS]:
        country = pycountry.countries.get(alpha_3=code)
        for attribute in ("name", "official_name", "common_name"):
            if value := getattr(country, attribute, None):
                assert index.match(value) == code, value


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Congo, The Democratic Republic of the", "COD"),
        ("Republic of the Congo", "COG"),
        ("Palestine, State of", "PSE"),
        ("Holy See (Vatican City State)", "VAT"),
        ("Tanzania, United Republic of", "TZA"),
        ("Kingdom of the Netherlands", "NLD"),
        ("Plurinational State of Bolivia", "BOL"),
        ("St. Kitts & Nevis", "KNA"),
        ("Guinea Bissau", "GNB"),
        ("U.K.", "GBR"),
    ],
)
def test_other_spellings_match(index, name, code):
    assert index.match(name) == code


def test_a_name_given_for_two_codes_is_ambiguous():
    index = NameIndex([("AAA", ["Freedonia"]), ("BBB", ["Sylvania", "Freedonia"])])
    assert index.match("Sylvania") == "BBB"
    with pytest.raises(AmbiguousName) as raised:
        index.match("freedonia")
    assert raised.value.candidates == ("AAA", "BBB")
    assert "Freedonia (AAA)" in str(raised.value)


def test_default_index_is_shared():
    assert NameIndex.default() is NameIndex.default()
