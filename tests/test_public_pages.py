import csv
import datetime
import html
import io
import json
import re

import pytest
from django.core.cache import cache
from django.db.models import F
from django.urls import reverse
from django.utils import translation

from campaign import changes, markup, pagecache, services
from campaign.models import Ballot, Cosponsorship, MemberState, Vote

from .factories import BallotFactory, DocumentFactory, SeriesFactory

pytestmark = pytest.mark.django_db

POSITIONS = "YNAX"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    pagecache._local.clear()


def record(ballot, positions):
    """Votes for ``{iso3: position}``."""
    states = MemberState.objects.in_bulk(list(positions), field_name="iso3")
    Vote.objects.bulk_create(
        Vote(ballot=ballot, state=states[iso3], position=p)
        for iso3, p in positions.items()
    )


def series_with_years(*, states, sessions=2):
    """A series with a draft ballot per session; votes for ``states`` members."""
    series = SeriesFactory()
    members = list(MemberState.objects.members().order_by("iso3")[:states])
    ballots = []
    for session in range(1, sessions + 1):
        document = DocumentFactory(series=series, session=68 + session)
        ballot = BallotFactory(
            document=document, date=datetime.date(2012 + session, 11, 18)
        )
        record(
            ballot,
            {s.iso3: POSITIONS[(i + session) % 4] for i, s in enumerate(members)},
        )
        ballots.append(ballot)
    return series, ballots


# Computations ---------------------------------------------------------------


def test_changed_positions_lists_only_states_on_both_ballots_that_moved():
    before = {1: "Y", 2: "N", 3: "A"}
    after = {1: "Y", 2: "A", 4: "N"}
    assert changes.changed_positions(before, after) == [(2, "N", "A")]


def test_against_majority_needs_more_than_half_and_ignores_non_voting():
    groups = {1: "AFR", 2: "AFR", 3: "AFR", 4: "AFR", 5: "WEOG", 6: "WEOG"}
    positions = {1: "Y", 2: "Y", 3: "N", 4: "X", 5: "Y", 6: "N"}
    # AFR: 2 of 3 voting said yes -> majority yes; member 4 did not vote.
    # WEOG: 1 yes, 1 no -> no majority, nobody listed.
    assert changes.against_majority(positions, groups) == [(3, "N", "Y")]


def test_crosstab_counts_how_amendment_voters_then_voted():
    amendment = {1: "Y", 2: "Y", 3: "N"}
    draft = {1: "N", 2: "A", 3: "Y"}
    table = changes.crosstab(amendment, draft)
    assert table["Y"] == {"Y": 0, "N": 1, "A": 1, "X": 0}
    assert table["N"]["Y"] == 1


def test_since_previous_compares_with_the_last_session_of_the_series():
    series = SeriesFactory()
    old = BallotFactory(
        document=DocumentFactory(series=series, session=68),
        date=datetime.date(2013, 11, 19),
    )
    new = BallotFactory(
        document=DocumentFactory(series=series, session=69),
        date=datetime.date(2014, 11, 18),
    )
    record(old, {"FRA": "A", "CUB": "N", "JPN": "Y"})
    record(new, {"FRA": "Y", "CUB": "N", "JPN": "Y", "BRA": "A"})
    previous, moved = changes.since_previous(new)
    assert previous == old
    assert [(c.state.iso3, c.before, c.after) for c in moved] == [("FRA", "A", "Y")]
    assert changes.since_previous(old) == (None, [])


def test_against_group_majority_names_the_dissenters():
    ballot = BallotFactory()
    # WEOG: France, Germany, Italy yes; Türkiye no.
    record(ballot, {"FRA": "Y", "DEU": "Y", "ITA": "Y", "TUR": "N", "CUB": "N"})
    dissents = changes.against_group_majority(ballot)
    assert [(d.state.iso3, d.position, d.group_majority) for d in dissents] == [
        ("TUR", "N", "Y")
    ]


# The ballot page --------------------------------------------------------------


def test_ballot_page_states_the_result_groups_map_and_every_state(client):
    series, (old, new) = series_with_years(states=20)
    new.outcome = "adopted"
    new.save()
    body = client.get(new.get_absolute_url()).content.decode()
    tally = Vote.objects.for_ballot(new).tally()
    assert "Adopted" in body
    assert f"{tally.yes} yes, {tally.no} no, {tally.abstain} abstentions" in body
    assert "African Group" in body and "Western European and Others Group" in body
    # The map colours each state by its position, and names it for tooltips.
    votes = Vote.objects.for_ballot(new).select_related("state")
    for vote in votes:
        assert f"{vote.state.name}: {vote.get_position_display()}" in body
        assert vote.state.get_absolute_url() in body
    assert body.count('class="map-Y"') == tally.yes
    assert body.count('class="map-N"') == tally.no
    assert 'role="img"' in body and '<desc id="map-desc">' in body
    # Changes since last session, and the previous position beside each state.
    assert "Changed position since the last vote" in body
    assert old.get_absolute_url() in body


def test_ballot_page_links_its_open_data_and_shares_its_result(client):
    _, (_, ballot) = series_with_years(states=5)
    body = client.get(ballot.get_absolute_url()).content.decode()
    head = body.split("</head>")[0]
    for kind, url in [
        ("text/csv", reverse("campaign:ballot_csv", args=[ballot.pk])),
        ("application/json", reverse("campaign:ballot_json", args=[ballot.pk])),
        ("application/atom+xml", ballot.document.series.get_absolute_url() + "feed/"),
        ("text/html+embed", reverse("campaign:ballot_embed", args=[ballot.pk])),
    ]:
        assert f'rel="alternate" type="{kind}" href="{url}"' in head
    assert '<meta property="og:title"' in head
    assert re.search(r'og:description" content="[^"]*\d+ yes, \d+ no', head)


def test_filter_by_group_and_position(client):
    ballot = BallotFactory()
    record(ballot, {"FRA": "Y", "DEU": "N", "CUB": "N", "BRA": "Y"})
    url = ballot.get_absolute_url()
    body = client.get(url, {"group": "WEOG", "position": "N"}).content.decode()
    table = body.split('id="states"')[1]
    assert ">Germany</a>" in table
    assert ">France</a>" not in table and ">Cuba</a>" not in table
    response = client.get(url, {"group": "NOPE"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert ">France</a>" in response.content.decode().split('id="states"')[1]


def test_amendment_shows_beside_the_draft_with_how_its_voters_then_voted(client):
    series = SeriesFactory()
    draft = DocumentFactory(series=series, session=69)
    amendment = DocumentFactory(series=series, session=69, kind="amendment")
    on_amendment = BallotFactory(document=amendment, question="amendment")
    on_draft = BallotFactory(document=draft)
    record(on_amendment, {"CUB": "Y", "VEN": "Y", "FRA": "N"})
    record(on_draft, {"CUB": "N", "VEN": "A", "FRA": "Y"})
    body = client.get(on_draft.get_absolute_url()).content.decode()
    assert on_amendment.get_absolute_url() in body
    assert "and then on" in body
    crosstab = body.split('class="table table-sm table-bordered crosstab"')[1]
    yes_row = re.search(r"<th scope=\"row\">Yes</th>(.*?)</tr>", crosstab).group(1)
    assert re.findall(r"<td>(\d+)</td>", yes_row) == ["0", "1", "1", "0"]


def test_reported_totals_only_are_shown_without_inventing_positions(client):
    ballot = BallotFactory(
        reported_yes=111, reported_no=19, reported_abstain=55, outcome="adopted"
    )
    body = client.get(ballot.get_absolute_url()).content.decode()
    assert "111 yes, 19 no, 55 abstentions" in body
    assert "as reported" in body
    assert "world-map" not in body


def test_ballot_page_queries_do_not_grow_with_states_or_ballots(
    client, settings, django_assert_max_num_queries
):
    settings.PUBLIC_PAGE_CACHE = False
    _, small = series_with_years(states=5, sessions=1)
    _, large = series_with_years(states=193, sessions=4)
    for ballot in (small[-1], large[-1]):
        # The series' ballots with the stamp, then one statement for the
        # votes, the states and the cosponsors; that one alone while the
        # series is kept (tests/test_ballot_records.py).
        with django_assert_max_num_queries(2):
            assert client.get(ballot.get_absolute_url()).status_code == 200
        with django_assert_max_num_queries(2):
            assert client.get(f"/ballots/{ballot.pk}.json").status_code == 200


def test_state_and_series_pages_queries_do_not_grow(
    client, settings, django_assert_max_num_queries
):
    settings.PUBLIC_PAGE_CACHE = False
    series_with_years(states=5, sessions=1)
    series, _ = series_with_years(states=193, sessions=5)
    for url in ("/states/fra/", "/states/afg/", series.get_absolute_url()):
        with django_assert_max_num_queries(6):
            assert client.get(url).status_code == 200


def test_cached_ballot_page_costs_no_query_and_is_never_stale(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    ballot = BallotFactory()
    record(ballot, {"FRA": "Y", "DEU": "Y", "CUB": "N"})
    url = ballot.get_absolute_url()
    first = client.get(url)
    assert "2 yes, 1 no" in first.content.decode()
    with django_assert_num_queries(0):
        again = client.get(url)
    assert again.content == first.content
    # A vote-day write through the service staff use.
    with django_capture_on_commit_callbacks(execute=True):
        services.record_votes(ballot=ballot, positions={"CUB": "Y"}, by=None)
    assert "3 yes, 0 no" in client.get(url).content.decode()


def test_shared_copy_is_keyed_by_the_record_stamp(client, settings):
    """Below the memory copy, a process renders anew when the stamp moves."""
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "campaign.pagecache.PublicPageMiddleware"
    ]
    ballot = BallotFactory()
    record(ballot, {"FRA": "Y", "DEU": "Y", "CUB": "N"})
    url = ballot.get_absolute_url()
    assert "2 yes, 1 no" in client.get(url).content.decode()
    Vote.objects.filter(ballot=ballot, state__iso3="CUB").update(position="Y")
    Ballot.objects.filter(pk=ballot.pk).update(version=F("version") + 1)
    assert "3 yes, 0 no" in client.get(url).content.decode()


def test_cached_page_answers_not_modified_to_a_matching_etag(client):
    ballot = BallotFactory()
    record(ballot, {"FRA": "Y"})
    first = client.get(ballot.get_absolute_url())
    again = client.get(ballot.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_signed_in_staff_never_get_the_anonymous_cached_page(client, admin_user):
    ballot = BallotFactory()
    record(ballot, {"FRA": "Y"})
    client.get(ballot.get_absolute_url())
    client.force_login(admin_user)
    assert admin_user.email in client.get(ballot.get_absolute_url()).content.decode()


def test_live_fragment_is_empty_while_current_and_new_after_a_change(
    client, django_capture_on_commit_callbacks
):
    ballot = BallotFactory(date=datetime.date.today(), outcome="pending")
    record(ballot, {"FRA": "Y", "CUB": "N"})
    page = client.get(ballot.get_absolute_url()).content.decode()
    poll = re.search(r'hx-get="([^"]+)" hx-trigger="every (\d)s"', page)
    assert poll and int(poll.group(2)) <= 5
    url = poll.group(1).replace("&amp;", "&")
    assert client.get(url).status_code == 204
    with django_capture_on_commit_callbacks(execute=True):
        services.record_votes(ballot=ballot, positions={"DEU": "Y"}, by=None)
    fragment = client.get(url)
    assert fragment.status_code == 200
    text = fragment.content.decode()
    assert "2 yes, 1 no" in text
    assert "the map and the list of states below are not" in text
    # The new fragment polls with the new version, which is current again.
    next_url = re.search(r'hx-get="([^"]+)"', text).group(1).replace("&amp;", "&")
    assert client.get(next_url).status_code == 204


def test_decided_old_ballots_do_not_poll(client):
    ballot = BallotFactory(outcome="adopted", date=datetime.date(2014, 11, 18))
    record(ballot, {"FRA": "Y"})
    assert "hx-get" not in client.get(ballot.get_absolute_url()).content.decode()


def test_ballot_page_uses_a_real_redis_cache(client, redis_url, settings):
    import redis

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "test-public",
        }
    }
    ballot = BallotFactory()
    record(ballot, {"FRA": "Y"})
    client.get(ballot.get_absolute_url())
    connection = redis.Redis.from_url(redis_url)
    keys = connection.keys(f"test-public:*:public:*ballot:{ballot.pk}:*")
    assert keys
    connection.delete(*keys)


# Open data --------------------------------------------------------------------


def test_ballot_csv_lists_positions_and_neutralises_formulas(client):
    ballot = BallotFactory()
    record(ballot, {"FRA": "Y", "CUB": "N"})
    Vote.objects.filter(state__iso3="CUB").update(note='=HYPERLINK("http://x")')
    response = client.get(f"/ballots/{ballot.pk}.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["iso3", "state", "regional_group", "position"]
    by_state = {row[0]: row for row in rows[1:]}
    assert by_state["FRA"][3] == "Yes"
    assert by_state["CUB"][4] == '\'=HYPERLINK("http://x")'


def test_series_csv_gives_totals_year_by_year(client):
    series, ballots = series_with_years(states=8, sessions=2)
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/series/{series.slug}/totals.csv").content.decode()
            )
        )
    )
    assert [int(r["ballot_id"]) for r in rows] == [b.pk for b in ballots]
    tally = Vote.objects.for_ballot(ballots[0]).tally()
    assert int(rows[0]["yes"]) == tally.yes and rows[0]["source_of_totals"] == "record"


def test_ballot_json_has_changes_and_dissents(client):
    series, (old, new) = series_with_years(states=30)
    data = json.loads(client.get(f"/ballots/{new.pk}.json").content)
    assert data["totals"] == Vote.objects.for_ballot(new).tally().as_dict()
    assert data["previous_ballot"] == old.pk
    _, moved = changes.since_previous(new)
    assert {c["iso3"] for c in data["changed_since_previous"]} == {
        c.state.iso3 for c in moved
    }
    assert {d["iso3"] for d in data["against_group_majority"]} == {
        d.state.iso3 for d in changes.against_group_majority(new)
    }
    assert len(data["positions"]) == 30


def test_only_the_embed_route_may_be_framed(client):
    ballot = BallotFactory()
    record(ballot, {"FRA": "Y"})
    embed = client.get(reverse("campaign:ballot_embed", args=[ballot.pk]))
    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed
    assert "frame-ancestors *" in embed["Content-Security-Policy"]
    page = client.get(ballot.get_absolute_url())
    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]


def test_atom_feed_lists_ballots_and_cosponsor_changes(client):
    ballot = BallotFactory(subject="Draft on Ruritania")
    Cosponsorship.objects.create(
        document=ballot.document,
        state=MemberState.objects.get(iso3="FRA"),
        since=datetime.date(2014, 11, 1),
    )
    response = client.get(
        reverse("campaign:series_feed", args=[ballot.document.series.slug])
    )
    assert response["Content-Type"].startswith("application/atom+xml")
    text = response.content.decode()
    assert "Draft on Ruritania" in text
    assert "France joined" in text


# Series and state pages --------------------------------------------------------


def test_series_page_shows_the_trend_and_years_without_a_vote(client):
    series, ballots = series_with_years(states=10, sessions=2)
    BallotFactory(
        document=DocumentFactory(series=series, session=71),
        date=datetime.date(2016, 12, 19),
        is_recorded=False,
        outcome="adopted-without-vote",
    )
    body = client.get(series.get_absolute_url()).content.decode()
    assert "Year by year" in body and 'class="chart"' in body
    assert "Adopted without a vote: 2016" in body
    for ballot in ballots:
        assert ballot.get_absolute_url() in body


def test_state_page_gives_positions_cosponsorships_and_group(client):
    _, (old, new) = series_with_years(states=193)
    body = client.get("/states/fra/").content.decode()
    assert "Western European and Others Group" in body
    for ballot in (old, new):
        vote = Vote.objects.get(ballot=ballot, state__iso3="FRA")
        assert ballot.get_absolute_url() in body
        assert f"badge-{vote.position}" in body


def test_state_names_and_labels_follow_the_language(client):
    ballot = BallotFactory()
    record(ballot, {"DEU": "Y"})
    body = client.get(ballot.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content
    assert "Alemania" in body.decode()
    arabic = client.get("/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in arabic and "bootstrap.rtl.min.css" in arabic


def test_pages_written_in_turn_each_speak_their_visitors_language(client, settings):
    # Each page looks its language up once (markup.page_language); the next
    # page, in another language, must not inherit it.
    settings.PUBLIC_PAGE_CACHE = False
    ballot = BallotFactory()
    record(ballot, {"DEU": "Y"})
    url = ballot.get_absolute_url()
    for language, name, heading in [
        ("fr", "Allemagne", "Le vote de chaque État"),
        ("es", "Alemania", "Cómo votó cada Estado"),
        ("en", "Germany", "How each state voted"),
        ("fr", "Allemagne", "Le vote de chaque État"),
    ]:
        body = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert name in body and heading in body, language
        assert "Cómo votó" not in body or language == "es"
    with translation.override("es"):
        assert markup.gettext("How each state voted") == "Cómo votó cada Estado"


def test_states_are_listed_in_the_alphabetical_order_of_the_visitors_language(
    client, settings
):
    """Accents aside, then exactly: "Égypte" among the E's in French, not after
    "Zambie" (code-point order), and Germany ("Allemagne") first in its group."""
    settings.PUBLIC_PAGE_CACHE = False
    ballot = BallotFactory()
    record(ballot, {"ZMB": "Y", "ESP": "Y", "EGY": "N", "EST": "A", "ECU": "Y"})
    body = client.get(ballot.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content
    table = body.decode().split('id="states"')[1]
    order = ["Égypte", "Équateur", "Espagne", "Estonie", "Zambie"]
    assert sorted(order, key=table.index) == order
    states = client.get("/states/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert states.index("Allemagne") < states.index("Autriche")
    assert states.index("Égypte") < states.index("Zambie")


def test_cosponsors_are_named_in_the_visitors_language(client, settings):
    settings.PUBLIC_PAGE_CACHE = False
    ballot = BallotFactory()
    record(ballot, {"DEU": "Y"})
    for iso3, day in (("ESP", 2), ("DEU", 1), ("AUT", 1)):
        Cosponsorship.objects.create(
            document=ballot.document,
            state=MemberState.objects.get(iso3=iso3),
            since=datetime.date(2014, 11, day),
        )
    body = client.get(ballot.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content
    cosponsors = body.decode().split('id="cosponsors-h"')[1]
    # By date, then by name in French: Allemagne (Germany) before Autriche.
    order = ['/states/deu/">Allemagne', '/states/aut/">Autriche', "Espagne"]
    assert sorted(order, key=cosponsors.index) == order
    assert "Germany" not in cosponsors and "Spain" not in cosponsors


def test_language_switcher_posts_without_a_per_visitor_token(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert strict.cookies["django_language"].value == "fr"
    assert 'action="/i18n/setlang/"' in client.get("/").content.decode()


def test_the_ballot_page_frame_is_each_visitors_own(client, sign_in):
    """Visitors without a session share a prebuilt frame; staff get theirs."""
    from .factories import UserFactory

    first, second = BallotFactory(), BallotFactory()
    record(first, {"DEU": "Y"})
    record(second, {"FRA": "N"})
    for ballot in (first, second):
        page = client.get(ballot.get_absolute_url()).content.decode()
        # The language switcher returns to this page, not the first one built.
        assert f'name="next" value="{ballot.get_absolute_url()}"' in page
        assert "Staff sign-in" in page and "Sign out" not in page
    assert "Germany" in client.get(first.get_absolute_url()).content.decode()
    assert (
        'lang="fr"'
        in client.get(
            first.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr"
        ).content.decode()
    )

    staff = UserFactory(email="drafter@example.org")
    sign_in(client, staff)
    page = client.get(second.get_absolute_url()).content.decode()
    assert "drafter@example.org" in page and "Sign out" in page
    assert "Staff sign-in" not in page
    assert "France" in page and f'value="{second.get_absolute_url()}"' in page


def test_a_renamed_state_shows_at_once_on_the_next_page_built(client, settings):
    settings.PUBLIC_PAGE_CACHE = False
    ballot = BallotFactory()
    record(ballot, {"DEU": "Y"})
    url = ballot.get_absolute_url()
    assert "Alemania" in client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    germany = MemberState.objects.get(iso3="DEU")
    MemberState.objects.filter(pk=germany.pk).update(
        names={**germany.names, "es": "República Federal de Alemania"}
    )
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "República Federal de Alemania" in page


def test_markup_escape_is_htmls_escape_kept_within_bounds(monkeypatch):
    from django.utils.translation import gettext_lazy

    monkeypatch.setattr(markup, "_escaped", {})
    monkeypatch.setattr(markup, "ESCAPED_ENTRIES", 3)
    values = ['<a href="x">', "Côte d'Ivoire & co", 42, gettext_lazy("Yes"), "plain"]
    for _ in range(2):
        for value in values:
            assert markup.escape(value) == html.escape(str(value))
            assert len(markup._escaped) <= 3


def test_each_row_of_the_table_of_states_says_what_sets_the_state_apart(client):
    series = SeriesFactory()
    last_year = BallotFactory(
        document=DocumentFactory(series=series, session=68),
        date=datetime.date(2013, 11, 19),
    )
    record(last_year, {"FRA": "Y", "DEU": "Y", "GBR": "Y", "CUB": "N"})
    ballot = BallotFactory(document=DocumentFactory(series=series, session=69))
    record(ballot, {"FRA": "N", "DEU": "Y", "GBR": "Y", "CUB": "N"})
    Vote.objects.filter(ballot=ballot, state__iso3="CUB").update(
        note="<b>Explained</b> its vote"
    )
    body = client.get(ballot.get_absolute_url()).content.decode()
    head = '<tr><th scope="row" class="fw-normal"><a href="/states/'
    rows = {
        match[1]: match[0]
        for match in re.findall(f"({re.escape(head)}" + r'(\w+)/">.*?</tr>)', body)
    }
    assert set(rows) == {"fra", "deu", "gbr", "cub"}
    # Against its group's majority, and changed since last year.
    assert rows["fra"] == (
        '<tr><th scope="row" class="fw-normal"><a href="/states/fra/">France</a></th>'
        "<td>Western European and Others Group</td>"
        '<td><span class="badge badge-N">No</span> '
        '<span class="small text-body-secondary">against group</span></td>'
        '<td><span class="badge badge-Y">Yes</span> '
        '<span class="small">changed</span></td></tr>'
    )
    assert "against group" not in rows["deu"] and "changed" not in rows["deu"]
    # A note, escaped.
    assert (
        '<span class="small text-body-secondary">'
        "(&lt;b&gt;Explained&lt;/b&gt; its vote)</span></td>"
    ) in rows["cub"]
    # In the order of the names.
    assert list(rows) == ["cub", "fra", "deu", "gbr"]
