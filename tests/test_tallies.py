import pytest

from campaign.models import Body, Outcome
from campaign.tallies import Tally, decide, differences


@pytest.mark.parametrize(
    ("tally", "outcome"),
    [
        (Tally(yes=111, no=19, abstain=55), Outcome.ADOPTED),
        (Tally(yes=40, no=77, abstain=50), Outcome.REJECTED),
        (Tally(yes=20, no=20, abstain=150), Outcome.REJECTED),
        (Tally(yes=2, no=1, abstain=180, non_voting=10), Outcome.ADOPTED),
    ],
)
def test_general_assembly_adopts_when_yes_outnumbers_no(tally, outcome):
    assert decide(Body.PLENARY, tally) == outcome
    assert decide(Body.THIRD_COMMITTEE, tally) == outcome
    assert decide(Body.HUMAN_RIGHTS_COUNCIL, tally) == outcome


def test_security_council_needs_nine_votes():
    assert decide(Body.SECURITY_COUNCIL, Tally(yes=9, no=0, abstain=6)) == "adopted"
    assert decide(Body.SECURITY_COUNCIL, Tally(yes=8, no=0, abstain=7)) == "rejected"


def test_security_council_permanent_member_no_is_a_veto():
    tally = Tally(yes=13, no=2, abstain=0)
    assert decide(Body.SECURITY_COUNCIL, tally, vetoed_by=["RUS", "CHN"]) == "rejected"
    assert decide(Body.SECURITY_COUNCIL, tally, vetoed_by=["BOL", "VEN"]) == "adopted"


def test_tally_counts_positions():
    tally = Tally.from_positions(["Y", "Y", "N", "A", "X", "Y"])
    assert tally.as_dict() == {"yes": 3, "no": 1, "abstain": 1, "non_voting": 1}
    assert tally.total == 6


def test_differences_name_each_total_that_disagrees():
    computed = Tally(yes=111, no=19, abstain=54, non_voting=9)
    reported = {"yes": 111, "no": 19, "abstain": 55, "non_voting": None}
    assert differences(computed, reported) == {"abstain": (54, 55)}
    assert differences(computed, None) == {}


@pytest.mark.django_db
def test_tally_by_group_counts_each_regional_group():
    from campaign.models import MemberState, Vote

    from .factories import BallotFactory

    ballot = BallotFactory()
    for iso3, position in [("FRA", "Y"), ("DEU", "Y"), ("CUB", "N"), ("NGA", "A")]:
        Vote.objects.create(
            ballot=ballot, state=MemberState.objects.get(iso3=iso3), position=position
        )
    by_group = Vote.objects.for_ballot(ballot).tally_by_group()
    assert by_group["WEOG"] == Tally(yes=2)
    assert by_group["GRULAC"] == Tally(no=1)
    assert by_group["AFR"] == Tally(abstain=1)
    assert by_group["APG"] == Tally()
    assert set(by_group) == {"AFR", "APG", "EEG", "GRULAC", "WEOG"}
