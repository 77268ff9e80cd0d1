import datetime

import pytest

from campaign.models import Bloc, MemberState, Mission, RegionalGroup
from campaign.services import load_registry

pytestmark = pytest.mark.django_db


def test_registry_holds_193_members_and_2_observers():
    assert MemberState.objects.members().count() == 193
    observers = MemberState.objects.observers()
    assert sorted(observers.values_list("iso3", flat=True)) == ["PSE", "VAT"]
    assert set(observers.values_list("name", flat=True)) == {
        "Holy See",
        "State of Palestine",
    }


def test_regional_groups_partition_the_members():
    counts = {
        group: MemberState.objects.members().in_group(group).count()
        for group in RegionalGroup.values
    }
    assert counts == {"AFR": 54, "APG": 54, "EEG": 23, "GRULAC": 33, "WEOG": 29}
    assert not MemberState.objects.members().filter(regional_group="").exists()
    assert not MemberState.objects.observers().exclude(regional_group="").exists()


@pytest.mark.parametrize(
    ("iso3", "group"), [("TUR", "WEOG"), ("USA", "WEOG"), ("KIR", "APG")]
)
def test_special_cases_count_in_one_group(iso3, group):
    assert MemberState.objects.get(iso3=iso3).regional_group == group


def test_codes_and_names_are_unique_and_complete():
    states = list(MemberState.objects.all())
    assert len({s.iso3 for s in states}) == 195
    assert len({s.iso2 for s in states}) == 195
    assert all(len(s.iso3) == 3 and len(s.iso2) == 2 for s in states)
    assert MemberState.objects.get(iso3="NAM").iso2 == "NA"


@pytest.mark.parametrize(
    ("iso3", "name"),
    [
        ("BOL", "Bolivia (Plurinational State of)"),
        ("PRK", "Democratic People's Republic of Korea"),
        ("KOR", "Republic of Korea"),
        ("TUR", "Türkiye"),
    ],
)
def test_states_carry_the_un_short_name(iso3, name):
    assert MemberState.objects.get(iso3=iso3).name == name


def test_members_on_a_date_answers_who_could_vote():
    before = MemberState.objects.members_on(datetime.date(2010, 12, 21))
    after = MemberState.objects.members_on(datetime.date(2014, 12, 18))
    assert not before.filter(iso3="SSD").exists()
    assert after.filter(iso3="SSD").exists()
    assert after.count() == 193
    assert before.count() == 192
    assert (
        not MemberState.objects.members_on(datetime.date(2006, 6, 27))
        .filter(iso3="MNE")
        .exists()
    )
    assert (
        MemberState.objects.members_on(datetime.date(2006, 6, 28))
        .filter(iso3="MNE")
        .exists()
    )
    assert not after.filter(iso3__in=["VAT", "PSE"]).exists()


def test_blocs_come_from_countrygroups():
    eu = Bloc.objects.get(code="eu")
    assert eu.states.count() == 27
    assert Bloc.objects.get(code="arab-group").states.filter(iso3="PSE").exists()
    assert MemberState.objects.get(iso3="FRA").blocs.filter(code="eu").exists()


def test_names_in_other_un_languages_come_from_pycountry():
    germany = MemberState.objects.get(iso3="DEU")
    assert germany.names["fr"] == "Allemagne"
    assert germany.names["es"] == "Alemania"
    assert germany.localised_name("fr") == "Allemagne"
    assert germany.localised_name("xx") == germany.name


def test_every_member_has_a_new_york_mission():
    assert (
        Mission.objects.filter(city=Mission.City.NEW_YORK, state__is_observer=False)
        .values("state")
        .distinct()
        .count()
        == 193
    )


def test_loading_the_registry_twice_changes_nothing():
    missions = Mission.objects.count()
    report = load_registry()
    assert (report.created, report.updated, report.unchanged) == (0, 0, 195)
    assert MemberState.objects.count() == 195
    assert Mission.objects.count() == missions


def test_loading_the_registry_repairs_an_edited_state():
    MemberState.objects.filter(iso3="TUR").update(name="Turkey", regional_group="APG")
    report = load_registry()
    assert report.updated == 1
    turkiye = MemberState.objects.get(iso3="TUR")
    assert (turkiye.name, turkiye.regional_group) == ("Türkiye", "WEOG")
