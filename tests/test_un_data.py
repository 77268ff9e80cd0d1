"""Tests for the UN Member State facts in campaign.un_data."""

from datetime import date

import pycountry
import pytest
from countrygroups import UN_REGIONAL_GROUPS

from campaign.un_data import AMBIGUOUS, FORMER_NAMES, MEMBERS, OBSERVERS

GROUP_SIZES = {
    "AFRICAN_GROUP": 54,
    "ASIA_PACIFIC_GROUP": 54,
    "EASTERN_EUROPEAN_GROUP": 23,
    "GRULAC": 33,
    "WEOG": 29,
}


def test_there_are_193_members_and_2_observers():
    assert len(MEMBERS) == 193
    assert len(OBSERVERS) == 2
    assert set(OBSERVERS) == {"VAT", "PSE"}
    assert not set(MEMBERS) & set(OBSERVERS)


def test_codes_are_iso_alpha3():
    for code in [*MEMBERS, *OBSERVERS]:
        assert pycountry.countries.get(alpha_3=code) is not None, code


def test_names_are_unique():
    names = [name for name, _ in [*MEMBERS.values(), *OBSERVERS.values()]]
    assert len({name.casefold() for name in names}) == len(names)


def test_names_are_clean():
    for name, _ in [*MEMBERS.values(), *OBSERVERS.values()]:
        assert name == " ".join(name.split()), name
        assert "\u2019" not in name, name


def test_admission_dates_are_dates_within_un_history():
    for code, (_, admitted) in MEMBERS.items():
        assert type(admitted) is date, code
        assert date(1945, 10, 24) <= admitted <= date(2011, 7, 14), code


def test_49_current_members_date_from_1945():
    # 51 original Members, less Czechoslovakia and Yugoslavia, which dissolved.
    assert sum(admitted.year == 1945 for _, admitted in MEMBERS.values()) == 49


def test_members_fall_in_exactly_one_regional_group():
    groups = {name: set(getattr(UN_REGIONAL_GROUPS, name)) for name in GROUP_SIZES}
    # countrygroups lists Türkiye in Asia-Pacific as well; it votes in WEOG.
    groups["ASIA_PACIFIC_GROUP"].discard("TUR")
    assert {name: len(codes) for name, codes in groups.items()} == GROUP_SIZES
    assert set().union(*groups.values()) == set(MEMBERS)
    assert sum(GROUP_SIZES.values()) == len(MEMBERS)


@pytest.mark.parametrize(
    ("code", "admitted"),
    [
        ("SSD", date(2011, 7, 14)),
        ("MNE", date(2006, 6, 28)),
        ("PRK", date(1991, 9, 17)),
        ("KOR", date(1991, 9, 17)),
        ("CHE", date(2002, 9, 10)),
        ("TLS", date(2002, 9, 27)),
        ("USA", date(1945, 10, 24)),
        ("POL", date(1945, 10, 24)),
        ("DEU", date(1973, 9, 18)),
        ("SRB", date(2000, 11, 1)),
        ("TUV", date(2000, 9, 5)),
        ("CZE", date(1993, 1, 19)),
        ("SVK", date(1993, 1, 19)),
        ("ERI", date(1993, 5, 28)),
        ("MCO", date(1993, 5, 28)),
        ("MKD", date(1993, 4, 8)),
        ("AND", date(1993, 7, 28)),
        ("PLW", date(1994, 12, 15)),
        ("KIR", date(1999, 9, 14)),
        ("NRU", date(1999, 9, 14)),
        ("TON", date(1999, 9, 14)),
    ],
)
def test_admission_date(code, admitted):
    assert MEMBERS[code][1] == admitted


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("BOL", "Bolivia (Plurinational State of)"),
        ("PRK", "Democratic People's Republic of Korea"),
        ("KOR", "Republic of Korea"),
        ("TUR", "Türkiye"),
        ("CIV", "Côte d'Ivoire"),
        ("NLD", "Netherlands (Kingdom of the)"),
        ("GBR", "United Kingdom of Great Britain and Northern Ireland"),
        ("COG", "Congo"),
        ("COD", "Democratic Republic of the Congo"),
        ("VNM", "Viet Nam"),
    ],
)
def test_un_short_name(code, name):
    assert MEMBERS[code][0] == name


def test_observers():
    assert OBSERVERS["VAT"] == ("Holy See", date(1964, 4, 6))
    assert OBSERVERS["PSE"] == ("State of Palestine", date(2012, 11, 29))


def test_former_names_refer_to_indexed_states_and_differ_from_current():
    for code, names in FORMER_NAMES.items():
        assert code in MEMBERS or code in OBSERVERS, code
        current = (MEMBERS | OBSERVERS)[code][0]
        assert current not in names, code
        assert len(set(names)) == len(names), code


def test_ambiguous_names_list_known_states():
    for name, codes in AMBIGUOUS.items():
        assert len(codes) >= 2, name
        assert set(codes) <= set(MEMBERS) | set(OBSERVERS), name
    assert set(AMBIGUOUS["Korea"]) == {"KOR", "PRK"}
