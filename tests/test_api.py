"""The public JSON API: states, ballots with tallies, votes, cosponsors, OpenAPI.

Ballots here are test-only; their positions are made up for the tests.
"""

import datetime

import pytest

from campaign.models import (
    Ballot,
    Body,
    Cosponsorship,
    Document,
    MemberState,
    Vote,
)

from .factories import BallotFactory, DocumentFactory, SeriesFactory

pytestmark = pytest.mark.django_db


def record(ballot, positions):
    states = {s.iso3: s for s in MemberState.objects.filter(iso3__in=positions)}
    Vote.objects.bulk_create(
        Vote(ballot=ballot, state=states[iso3], position=position)
        for iso3, position in positions.items()
    )


@pytest.fixture
def dprk_like():
    """A draft, its revision, an amendment, and the resolution, with a ballot each
    (the way the 2014 DPRK resolution went), under test symbols."""
    series = SeriesFactory(slug="testland")
    draft = DocumentFactory(series=series, symbol="A/C.3/69/L.928")
    revision = DocumentFactory(
        series=series,
        symbol="A/C.3/69/L.928/Rev.1",
        kind=Document.Kind.REVISION,
        parent=draft,
    )
    amendment = DocumentFactory(
        series=series,
        symbol="A/C.3/69/L.965",
        kind=Document.Kind.AMENDMENT,
        parent=revision,
    )
    resolution = DocumentFactory(
        series=series,
        symbol="A/RES/69/988",
        kind=Document.Kind.RESOLUTION,
        body=Body.PLENARY,
        parent=revision,
    )
    ballots = {
        "amendment": BallotFactory(
            document=amendment, question=Ballot.Question.AMENDMENT
        ),
        "draft": BallotFactory(document=revision),
        "plenary": BallotFactory(
            document=resolution,
            body=Body.PLENARY,
            date=datetime.date(2014, 12, 18),
            reported_yes=3,
            reported_no=1,
            reported_abstain=1,
        ),
    }
    record(ballots["plenary"], {"FRA": "Y", "DEU": "Y", "CUB": "N", "NGA": "A"})
    BallotFactory()  # another series
    return ballots


def test_states_lists_members_and_observers(client):
    response = client.get("/api/states")
    assert response.status_code == 200
    states = {s["iso3"]: s for s in response.json()}
    assert len(states) == 195
    assert states["FRA"] == {
        "iso3": "FRA",
        "name": "France",
        "regional_group": "WEOG",
        "member_since": "1945-10-24",
        "observer": False,
    }
    assert states["VAT"]["observer"] is True
    assert states["VAT"]["member_since"] is None


def test_ballots_for_a_resolution_include_the_committee_votes_on_its_draft(
    client, dprk_like
):
    response = client.get("/api/ballots", {"resolution": "A/RES/69/988"})
    assert response.status_code == 200
    page = response.json()
    ids = {b["id"] for b in page["items"]}
    assert ids == {b.pk for b in dprk_like.values()}
    assert page["count"] == 3
    plenary = next(b for b in page["items"] if b["id"] == dprk_like["plenary"].pk)
    assert plenary["url"] == f"http://testserver/ballots/{dprk_like['plenary'].pk}/"
    assert plenary["body"] == "GA"
    assert plenary["date"] == "2014-12-18"
    assert plenary["document"] == "A/RES/69/988"
    assert plenary["tally"] == {"yes": 2, "no": 1, "abstain": 1, "non_voting": 0}
    assert plenary["reported_tally"] == {
        "yes": 3,
        "no": 1,
        "abstain": 1,
        "non_voting": None,
    }
    assert plenary["by_group"]["WEOG"] == {
        "yes": 2,
        "no": 0,
        "abstain": 0,
        "non_voting": 0,
    }
    assert plenary["by_group"]["GRULAC"]["no"] == 1
    assert plenary["by_group"]["AFR"]["abstain"] == 1
    assert plenary["by_group"]["EEG"] == {
        "yes": 0,
        "no": 0,
        "abstain": 0,
        "non_voting": 0,
    }
    draft = next(b for b in page["items"] if b["id"] == dprk_like["draft"].pk)
    assert draft["reported_tally"] is None


def test_ballots_filter_by_draft_and_by_series(client, dprk_like):
    by_draft = client.get("/api/ballots", {"draft": "A/C.3/69/L.965"}).json()
    assert {b["id"] for b in by_draft["items"]} == {b.pk for b in dprk_like.values()}
    by_series = client.get("/api/ballots", {"series": "testland"}).json()
    assert by_series["count"] == 3
    everything = client.get("/api/ballots").json()
    assert everything["count"] == Ballot.objects.count()


def test_ballot_detail_lists_every_position(client, dprk_like):
    ballot = dprk_like["plenary"]
    response = client.get(f"/api/ballots/{ballot.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["votes"] == [
        {"iso3": "CUB", "vote": "no"},
        {"iso3": "DEU", "vote": "yes"},
        {"iso3": "FRA", "vote": "yes"},
        {"iso3": "NGA", "vote": "abstain"},
    ]
    assert body["outcome"] == ballot.outcome
    assert body["tally"]["yes"] == 2


@pytest.mark.parametrize(
    ("url", "status", "reason"),
    [
        ("/api/ballots?resolution=69/188", 400, "is not a resolution symbol"),
        ("/api/ballots?resolution=A/C.3/69/L.28", 400, "is not a resolution symbol"),
        ("/api/ballots?resolution=A/RES/69/999", 404, "No document has the symbol"),
        ("/api/ballots?resolution=A/RES/%00", 400, "is not a resolution symbol"),
        ("/api/ballots?draft=A/RES/69/188", 400, "is not a draft symbol"),
        ("/api/ballots?series=no%20such", 400, "is not a series slug"),
        ("/api/ballots?series=nothing-here", 404, "No resolution series"),
        ("/api/ballots?limit=0", 422, ""),
        ("/api/ballots?limit=abc", 422, ""),
        ("/api/ballots?offset=-1", 422, ""),
        ("/api/ballots/abc", 422, ""),
        ("/api/ballots/0", 422, ""),
        ("/api/ballots/99999999999999999999", 422, ""),
        ("/api/ballots/987654321", 404, "No ballot has the id 987654321"),
        ("/api/resolutions/A/RES/69/999/cosponsors", 404, "No document"),
        ("/api/resolutions/nonsense/cosponsors", 400, "is not a resolution"),
    ],
)
def test_bad_parameters_answer_4xx_with_a_reason(client, url, status, reason):
    response = client.get(url)
    assert response.status_code == status
    detail = response.json()["detail"]
    assert detail
    assert reason in str(detail)


def test_cosponsor_timeline_in_the_order_states_joined(client, dprk_like):
    draft = Document.objects.get(symbol="A/C.3/69/L.928")
    revision = Document.objects.get(symbol="A/C.3/69/L.928/Rev.1")
    amendment = Document.objects.get(symbol="A/C.3/69/L.965")
    wanted = ["JPN", "FRA", "CUB"]
    states = {s.iso3: s for s in MemberState.objects.filter(iso3__in=wanted)}
    Cosponsorship.objects.create(
        document=draft,
        state=states["JPN"],
        role=Cosponsorship.Role.SPONSOR,
        since=datetime.date(2014, 10, 30),
    )
    Cosponsorship.objects.create(
        document=revision,
        state=states["FRA"],
        since=datetime.date(2014, 11, 14),
        withdrawn_on=datetime.date(2014, 11, 16),
    )
    Cosponsorship.objects.create(
        document=amendment, state=states["CUB"], since=datetime.date(2014, 11, 15)
    )
    response = client.get("/api/resolutions/A/RES/69/988/cosponsors")
    assert response.status_code == 200
    body = response.json()
    assert body["symbol"] == "A/RES/69/988"
    assert [(c["iso3"], c["document"], c["role"]) for c in body["cosponsors"]] == [
        ("JPN", "A/C.3/69/L.928", "sponsor"),
        ("FRA", "A/C.3/69/L.928/Rev.1", "cosponsor"),
    ]
    assert body["cosponsors"][1]["withdrawn_on"] == "2014-11-16"
    assert "A/C.3/69/L.965" not in body["documents"]
    by_draft = client.get("/api/resolutions/A/C.3/69/L.928/cosponsors").json()
    assert by_draft["cosponsors"] == body["cosponsors"]


@pytest.mark.parametrize("size", [2, 20])
def test_ballot_list_query_count_does_not_grow_with_the_ballots(
    client, django_assert_max_num_queries, size
):
    series = SeriesFactory(slug="many")
    for _ in range(size):
        ballot = BallotFactory(document=DocumentFactory(series=series))
        record(ballot, {"FRA": "Y", "CUB": "N", "NGA": "A", "JPN": "X"})
    with django_assert_max_num_queries(4):
        response = client.get("/api/ballots", {"series": "many"})
    items = response.json()["items"]
    assert len(items) == size
    assert all(item["tally"]["non_voting"] == 1 for item in items)
    assert all(item["by_group"]["APG"]["non_voting"] == 1 for item in items)


@pytest.mark.parametrize("size", [1, 15])
def test_resolution_query_count_does_not_grow_with_the_ballots(
    client, django_assert_max_num_queries, dprk_like, size
):
    revision = Document.objects.get(symbol="A/C.3/69/L.928/Rev.1")
    for _ in range(size):
        amendment = DocumentFactory(
            series=revision.series, kind=Document.Kind.AMENDMENT, parent=revision
        )
        record(BallotFactory(document=amendment), {"FRA": "N", "CUB": "Y"})
    # The resolution, its two ancestors, three levels of descendants, then the
    # ballots, their count and their tallies.
    with django_assert_max_num_queries(9):
        response = client.get("/api/ballots", {"resolution": "A/RES/69/988"})
    assert response.json()["count"] == 3 + size


def test_openapi_document_describes_every_endpoint(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert {
        "/api/states",
        "/api/ballots",
        "/api/ballots/{ballot_id}",
        "/api/resolutions/{symbol}/cosponsors",
    } <= set(document["paths"])
    parameters = {
        p["name"] for p in document["paths"]["/api/ballots"]["get"]["parameters"]
    }
    assert {"resolution", "draft", "series", "limit", "offset"} <= parameters
    ballot = document["components"]["schemas"]["BallotOut"]["properties"]
    assert {"id", "url", "tally", "reported_tally", "by_group"} <= set(ballot)


@pytest.mark.parametrize("extra_states", [0, 150])
def test_ballot_detail_lists_changes_since_last_year_and_dissent_from_the_group(
    client, django_assert_max_num_queries, extra_states
):
    series = SeriesFactory(slug="yearly")
    last = BallotFactory(
        document=DocumentFactory(series=series, session=68),
        date=datetime.date(2013, 11, 19),
    )
    this = BallotFactory(
        document=DocumentFactory(series=series, session=69),
        date=datetime.date(2014, 11, 18),
    )
    others = list(
        MemberState.objects.members()
        .exclude(iso3__in=["FRA", "DEU", "ITA", "CUB", "NGA"])
        .values_list("iso3", flat=True)[:extra_states]
    )
    record(last, {"FRA": "Y", "DEU": "A", "CUB": "N", **dict.fromkeys(others, "Y")})
    record(
        this,
        {
            "FRA": "Y",
            "DEU": "Y",
            "ITA": "N",
            "CUB": "N",
            "NGA": "A",
            **dict.fromkeys(others, "Y"),
        },
    )
    with django_assert_max_num_queries(10):
        body = client.get(f"/api/ballots/{this.pk}").json()
    assert body["previous_ballot"] == last.pk
    assert body["changed_since_previous"] == [
        {"iso3": "DEU", "before": "abstain", "after": "yes"}
    ]
    dissent = {d["iso3"]: d for d in body["against_group_majority"]}
    assert dissent["ITA"] == {"iso3": "ITA", "vote": "no", "group_majority": "yes"}
    assert "FRA" not in dissent and "DEU" not in dissent
