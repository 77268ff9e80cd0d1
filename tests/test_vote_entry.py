"""Vote-day entry: recording positions, adoption without a vote, the entry page."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Role
from campaign import services
from campaign.models import Ballot, Body, MemberState, Outcome, Vote

from .factories import BallotFactory, MembershipFactory, UserFactory, VoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk():
    return MembershipFactory(role=Role.DRAFTER).user


def positions(ballot):
    return dict(Vote.objects.for_ballot(ballot).values_list("state__iso3", "position"))


def test_recording_upserts_decides_and_bumps_the_version(clerk):
    ballot = BallotFactory()
    VoteFactory(ballot=ballot, state=MemberState.objects.get(iso3="FRA"), position="A")
    report = services.record_votes(
        ballot=ballot,
        positions={"FRA": "Y", "DEU": "Y", "CUB": "N", "NGA": "A"},
        by=clerk,
    )
    assert positions(ballot) == {"FRA": "Y", "DEU": "Y", "CUB": "N", "NGA": "A"}
    assert (report.created, report.changed, report.removed) == (3, 1, 0)
    ballot.refresh_from_db()
    assert ballot.outcome == Outcome.ADOPTED
    assert ballot.version == 1 == report.version
    services.record_votes(ballot=ballot, positions={"DEU": "N", "GBR": "N"}, by=clerk)
    ballot.refresh_from_db()
    assert ballot.outcome == Outcome.REJECTED  # 1 yes, 3 no
    assert ballot.version == 2


def test_an_empty_position_clears_a_vote_and_no_votes_is_pending(clerk):
    ballot = BallotFactory()
    services.record_votes(ballot=ballot, positions={"FRA": "Y"}, by=clerk)
    report = services.record_votes(ballot=ballot, positions={"FRA": ""}, by=clerk)
    assert report.removed == 1
    assert positions(ballot) == {}
    ballot.refresh_from_db()
    assert ballot.outcome == Outcome.PENDING


def test_saving_nothing_new_keeps_the_version(clerk):
    ballot = BallotFactory()
    services.record_votes(ballot=ballot, positions={"FRA": "Y"}, by=clerk)
    report = services.record_votes(ballot=ballot, positions={"FRA": "Y"}, by=clerk)
    assert report.touched == 0 and report.unchanged == 1
    assert Ballot.objects.get(pk=ballot.pk).version == 1


@pytest.mark.parametrize(
    ("iso3", "date"),
    [
        ("SSD", datetime.date(2011, 7, 13)),  # South Sudan joined on 14 July 2011
        ("MNE", datetime.date(2006, 6, 1)),  # Montenegro on 28 June 2006
        ("CHE", datetime.date(2001, 12, 1)),  # Switzerland on 10 September 2002
        ("VAT", datetime.date(2014, 11, 18)),  # an observer never votes
        ("PSE", datetime.date(2014, 11, 18)),
    ],
)
def test_a_state_that_could_not_vote_is_refused_never_non_voting(clerk, iso3, date):
    ballot = BallotFactory(date=date)
    with pytest.raises(services.EntryRejected) as exc:
        services.record_votes(
            ballot=ballot, positions={"FRA": "Y", iso3: "X"}, by=clerk
        )
    assert "cannot vote" in exc.value.problems[0]
    assert positions(ballot) == {}  # the whole entry was refused
    assert Ballot.objects.get(pk=ballot.pk).version == 0


def test_a_state_is_counted_from_the_day_it_joined(clerk):
    ballot = BallotFactory(date=datetime.date(2011, 7, 14))
    services.record_votes(ballot=ballot, positions={"SSD": "Y"}, by=clerk)
    assert positions(ballot) == {"SSD": "Y"}


def test_an_unknown_position_is_refused(clerk):
    ballot = BallotFactory()
    with pytest.raises(services.EntryRejected, match="not a position"):
        services.record_votes(ballot=ballot, positions={"FRA": "Q"}, by=clerk)


def test_security_council_permanent_member_no_vetoes(clerk):
    ballot = BallotFactory(body=Body.SECURITY_COUNCIL)
    council = ["USA", "GBR", "FRA", "CHN", "RUS", "ALB", "BRA", "GAB", "GHA", "IND"]
    entry = dict.fromkeys(council, "Y") | {"ARE": "A", "IRL": "A", "KEN": "Y"}
    services.record_votes(ballot=ballot, positions=entry, by=clerk)
    assert Ballot.objects.get(pk=ballot.pk).outcome == Outcome.ADOPTED
    services.record_votes(ballot=ballot, positions={"RUS": "N"}, by=clerk)
    assert Ballot.objects.get(pk=ballot.pk).outcome == Outcome.REJECTED
    services.record_votes(ballot=ballot, positions={"RUS": "A", "IND": "N"}, by=clerk)
    assert Ballot.objects.get(pk=ballot.pk).outcome == Outcome.ADOPTED


def test_every_change_keeps_who_when_old_and_new(clerk):
    ballot = BallotFactory()
    services.record_votes(ballot=ballot, positions={"FRA": "Y"}, by=clerk)
    other = UserFactory()
    services.record_votes(ballot=ballot, positions={"FRA": "A"}, by=other)
    services.record_votes(ballot=ballot, positions={"FRA": ""}, by=clerk)
    history = list(Vote.history.filter(ballot_id=ballot.pk).order_by("history_date"))
    assert [(h.history_type, h.position, h.history_user) for h in history] == [
        ("+", "Y", clerk),
        ("~", "A", other),
        ("-", "A", clerk),
    ]
    assert Ballot.history.filter(id=ballot.pk).first().history_user == clerk


def test_adoption_without_a_vote_is_an_outcome_with_no_positions(clerk):
    ballot = BallotFactory()
    services.adopt_without_vote(ballot=ballot, by=clerk)
    ballot.refresh_from_db()
    assert ballot.outcome == Outcome.ADOPTED_WITHOUT_VOTE
    assert not ballot.is_recorded
    assert ballot.version == 1
    recorded = BallotFactory()
    services.record_votes(ballot=recorded, positions={"FRA": "Y"}, by=clerk)
    with pytest.raises(services.EntryRejected):
        services.adopt_without_vote(ballot=recorded, by=clerk)
    assert Ballot.objects.get(pk=recorded.pk).outcome == Outcome.ADOPTED


# The page


def entry_url(ballot):
    return reverse("campaign:vote_entry", args=[ballot.pk])


def test_entry_page_needs_sign_in_and_the_record_edit_right(client):
    ballot = BallotFactory()
    assert client.get(entry_url(ballot)).status_code == 302
    client.force_login(MembershipFactory(role=Role.VIEWER).user)
    assert client.get(entry_url(ballot)).status_code == 403
    assert client.post(entry_url(ballot), {"pos-FRA": "Y"}).status_code == 403
    assert positions(ballot) == {}


def test_grid_lists_exactly_the_members_on_the_ballot_date(client, clerk):
    client.force_login(clerk)
    ballot = BallotFactory(date=datetime.date(2006, 6, 1))
    page = client.get(entry_url(ballot)).content.decode()
    assert 'name="pos-SRB"' in page
    assert 'name="pos-MNE"' not in page  # joined 28 June 2006
    assert 'name="pos-SSD"' not in page
    assert 'name="pos-VAT"' not in page
    # 193 today, less Montenegro and South Sudan
    assert page.count('class="form-control form-control-sm pos-input') == 191


def test_saving_the_grid_records_only_the_rows_that_changed(client, clerk):
    ballot = BallotFactory()
    services.record_votes(ballot=ballot, positions={"FRA": "Y", "DEU": "Y"}, by=clerk)
    client.force_login(clerk)
    response = client.post(
        entry_url(ballot),
        {
            "action": "save",
            "version": 1,
            # shown as Y, now N: a change
            "pos-FRA": "n", "was-FRA": "Y",
            # shown empty while a colleague saved Y: left alone
            "pos-DEU": "", "was-DEU": "",
            # new
            "pos-CUB": "A", "was-CUB": "",
        },
    )  # fmt: skip
    assert response.status_code == 302
    assert positions(ballot) == {"FRA": "N", "DEU": "Y", "CUB": "A"}
    assert Vote.history.filter(ballot_id=ballot.pk).latest().history_user == clerk


def test_fill_blank_records_empty_rows_as_non_voting(client, clerk):
    ballot = BallotFactory(date=datetime.date(2014, 11, 18))
    client.force_login(clerk)
    client.post(entry_url(ballot), {"pos-FRA": "Y", "fill_blank": "on"})
    recorded = positions(ballot)
    assert len(recorded) == 193
    assert recorded["FRA"] == "Y" and recorded["CUB"] == "X"


def test_a_bad_box_re_renders_with_errors_and_saves_nothing(client, clerk):
    ballot = BallotFactory()
    client.force_login(clerk)
    response = client.post(entry_url(ballot), {"pos-FRA": "Y", "pos-DEU": "Q"})
    assert response.status_code == 400
    assert "Type Y, N, A or X." in response.content.decode()
    assert positions(ballot) == {}


def test_reading_the_annex_fills_the_grid_and_shows_what_did_not_match(client, clerk):
    ballot = BallotFactory(date=datetime.date(2014, 11, 18))
    client.force_login(clerk)
    text = (
        "In favour: Afghanistan, Republic of\nKorea, Holy See.\n"
        "Against: Democratic People's Republic of\nKorea, Korea.\nAbstain: Cuba."
    )
    response = client.post(entry_url(ballot), {"action": "parse", "annex": text})
    assert response.status_code == 200
    page = response.content.decode()
    assert positions(ballot) == {}  # read, not saved
    assert 'name="pos-KOR" id="id_pos-KOR" value="Y"' in page
    assert 'name="pos-PRK" id="id_pos-PRK" value="N"' in page
    assert "could be KOR or PRK" in page
    assert "Holy See" in page.split("Not voting members on this date")[1]
    assert response.context["tally"].yes == 2


def test_marking_adopted_without_a_vote_from_the_page(client, clerk):
    ballot = BallotFactory()
    client.force_login(clerk)
    response = client.post(entry_url(ballot), {"action": "without-vote"})
    assert response.status_code == 302
    assert Ballot.objects.get(pk=ballot.pk).outcome == Outcome.ADOPTED_WITHOUT_VOTE


def test_ballot_history_page_shows_who_and_old_and_new(client, clerk):
    ballot = BallotFactory()
    services.record_votes(ballot=ballot, positions={"CUB": "Y"}, by=clerk)
    services.record_votes(ballot=ballot, positions={"CUB": "N"}, by=clerk)
    client.force_login(clerk)
    response = client.get(reverse("campaign:ballot_history", args=[ballot.pk]))
    rows = [(c.subject, c.who, c.fields) for c in response.context["page"].object_list]
    assert rows[0] == ("Cuba", clerk, [("position", "Yes", "No")])
    assert rows[1] == ("Cuba", clerk, [("position", "", "Yes")])


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_once_both_land_and_both_bump_the_version():
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for concurrent writers (set DATABASE_URL)")
    ballot = BallotFactory()
    clerk = MembershipFactory(role=Role.DRAFTER).user
    codes = ["FRA", "DEU", "GBR", "USA", "CUB", "CHN", "RUS", "IRN"]
    lists = [{code: "Y" if i < 4 else "N"} for i, code in enumerate(codes)]

    def save(entry):
        try:
            return services.record_votes(ballot=ballot, positions=entry, by=clerk)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(save, lists))
    ballot.refresh_from_db()
    assert len(positions(ballot)) == 8
    assert ballot.version == 8  # no save lost another's increment
    assert ballot.outcome == Outcome.REJECTED  # 4 yes, 4 no
