"""Stances and the campaign dashboard: privacy, quick edit, forecast, history."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.policy import can
from campaign import services
from campaign.models import Body, MemberState, Participation, Stance
from campaign.tallies import Forecast

from .factories import (
    BallotFactory,
    CampaignFactory,
    DocumentFactory,
    MembershipFactory,
    OrganisationFactory,
    StanceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    return CampaignFactory()


@pytest.fixture
def drafter(campaign):
    return MembershipFactory(organisation=campaign.lead, role=Role.DRAFTER).user


def state(iso3):
    return MemberState.objects.get(iso3=iso3)


def dashboard_url(campaign):
    return reverse("campaign:dashboard", args=[campaign.slug])


def edit_url(campaign, iso3):
    return reverse("campaign:stance_edit", args=[campaign.slug, iso3])


def test_set_stance_creates_then_changes_and_keeps_history(campaign, drafter):
    services.set_stance(
        campaign=campaign, state=state("BRA"), position="undecided", by=drafter
    )
    services.set_stance(
        campaign=campaign,
        state=state("BRA"),
        position="leaning-yes",
        owner_organisation=campaign.lead,
        owner=drafter,
        notes="Met the deputy PR on 3 November.",
        by=drafter,
    )
    stance = Stance.objects.get(campaign=campaign, state__iso3="BRA")
    assert stance.position == "leaning-yes" and stance.owner == drafter
    history = stance.history.order_by("history_date")
    assert [(h.position, h.history_user) for h in history] == [
        ("undecided", drafter),
        ("leaning-yes", drafter),
    ]


def test_owners_must_belong_to_the_coalition(campaign, drafter):
    outsider = MembershipFactory(role=Role.ADMIN)
    with pytest.raises(services.EntryRejected) as exc:
        services.set_stance(
            campaign=campaign,
            state=state("BRA"),
            position="no",
            owner_organisation=outsider.organisation,
            owner=outsider.user,
            by=drafter,
        )
    assert len(exc.value.problems) == 2
    assert not Stance.objects.exists()


def test_observers_have_no_stance(campaign, drafter):
    with pytest.raises(services.EntryRejected, match="no vote"):
        services.set_stance(
            campaign=campaign, state=state("VAT"), position="no", by=drafter
        )


def test_stances_are_visible_only_to_the_coalition(client, campaign):
    StanceFactory(campaign=campaign, state=state("BRA"), notes="secret read")
    outsider = MembershipFactory(role=Role.ADMIN).user
    invited = MembershipFactory(role=Role.ADMIN).user
    Participation.objects.create(
        campaign=campaign,
        organisation=invited.memberships.get().organisation,
        status=Participation.Status.INVITED,
    )
    for user in (outsider, invited):
        assert not can(user, "stances.view", campaign)
        client.force_login(user)
        assert client.get(dashboard_url(campaign)).status_code == 404
        assert (
            client.post(edit_url(campaign, "BRA"), {"position": "no"}).status_code
            == 404
        )
        history = reverse("campaign:stance_history", args=[campaign.slug])
        assert client.get(history).status_code == 404
    assert Stance.objects.get().position == "undecided"
    # Public pages never show it.
    client.logout()
    assert (
        "secret read"
        not in client.get(state("BRA").get_absolute_url()).content.decode()
    )


def test_a_viewer_sees_stances_but_cannot_edit(client, campaign):
    viewer = MembershipFactory(organisation=campaign.lead, role=Role.VIEWER).user
    StanceFactory(campaign=campaign, state=state("BRA"))
    client.force_login(viewer)
    page = client.get(dashboard_url(campaign)).content.decode()
    assert "Brazil" in page and "Edit" not in page
    assert client.post(edit_url(campaign, "BRA"), {"position": "no"}).status_code == 403
    assert Stance.objects.get().position == "undecided"


def test_quick_edit_with_htmx_returns_the_saved_row(client, campaign, drafter):
    client.force_login(drafter)
    response = client.post(
        edit_url(campaign, "bra"),
        {"position": "committed-yes", "owner_organisation": campaign.lead.pk,
         "owner": drafter.pk, "notes": "Capital confirmed"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.templates[0].name == "campaign/staff/includes/_stance_row.html"
    row = response.content.decode()
    assert row.startswith('<tr id="stance-BRA">') and "Committed yes" in row
    stance = Stance.objects.get(campaign=campaign, state__iso3="BRA")
    assert stance.owner_organisation == campaign.lead
    assert stance.history.latest().history_user == drafter


def test_quick_edit_without_javascript_redirects_to_the_row(client, campaign, drafter):
    client.force_login(drafter)
    response = client.post(edit_url(campaign, "BRA"), {"position": "no"})
    assert response.status_code == 302
    assert response["Location"].endswith("#stance-BRA")
    bad = client.post(edit_url(campaign, "BRA"), {"position": "perhaps"})
    assert bad.status_code == 400
    assert Stance.objects.get().position == "no"


def test_dashboard_forecast_deciding_states_and_days_to_ballot(
    client, campaign, drafter
):
    today = timezone.localdate()
    document = DocumentFactory(series=campaign.series, session=campaign.session)
    BallotFactory(
        document=document, body=Body.PLENARY, date=today + datetime.timedelta(days=9)
    )
    for iso3 in ["FRA", "DEU", "GBR"]:
        StanceFactory(campaign=campaign, state=state(iso3), position="committed-yes")
    StanceFactory(campaign=campaign, state=state("CUB"), position="no")
    StanceFactory(
        campaign=campaign,
        state=state("BRA"),
        position="leaning-no",
        owner_organisation=campaign.lead,
        owner=drafter,
    )
    client.force_login(drafter)
    response = client.get(dashboard_url(campaign))
    forecast = response.context["forecast"]
    assert forecast.body == Body.PLENARY
    assert (forecast.tally.yes, forecast.tally.no) == (3, 2)
    assert forecast.undecided == 193 - 5  # no read counts as undecided
    deciding = {s.iso3: stance for s, stance in response.context["deciding"]}
    assert "FRA" not in deciding and "CUB" not in deciding
    assert deciding["BRA"].owner == drafter
    page = response.content.decode()
    assert "in 9 days" in page
    for slot in ("Letters awaiting sign-off", "Appeal delivery", "Next reminders"):
        assert slot in page


def test_dashboard_filters_the_stance_table(client, campaign, drafter):
    StanceFactory(campaign=campaign, state=state("FRA"), position="no")
    StanceFactory(campaign=campaign, state=state("CUB"), position="no",
                  owner_organisation=campaign.lead)  # fmt: skip
    client.force_login(drafter)
    rows = client.get(dashboard_url(campaign), {"position": "no", "group": "GRULAC"})
    assert [s.iso3 for s, _ in rows.context["rows"]] == ["CUB"]
    owned = client.get(dashboard_url(campaign), {"owner": campaign.lead.pk})
    assert [s.iso3 for s, _ in owned.context["rows"]] == ["CUB"]
    unread = client.get(dashboard_url(campaign), {"position": "none"})
    assert len(unread.context["rows"]) == 191


def test_dashboard_cosponsor_count_and_weekly_change(client, campaign, drafter):
    today = timezone.localdate()
    document = DocumentFactory(series=campaign.series, session=campaign.session)
    services.add_cosponsors(document=document, names_or_states=["Japan"],
                            since=today - datetime.timedelta(days=20),
                            source="document", by=drafter)  # fmt: skip
    services.add_cosponsors(document=document, names_or_states=["France", "Chile"],
                            since=today - datetime.timedelta(days=2),
                            source="oral", by=drafter)  # fmt: skip
    client.force_login(drafter)
    [(shown, trend)] = client.get(dashboard_url(campaign)).context["cosponsors"]
    assert shown == document
    assert trend["count"] == 3 and trend["week"] == 2
    assert trend["points"]


def test_dashboard_query_count_does_not_grow_with_stances(
    client, campaign, drafter, django_assert_max_num_queries
):
    organisation = OrganisationFactory()
    Participation.objects.create(campaign=campaign, organisation=organisation,
                                 status=Participation.Status.ACCEPTED)  # fmt: skip
    for i, member in enumerate(MemberState.objects.members()):
        owner = organisation if i % 2 else campaign.lead
        StanceFactory(campaign=campaign, state=member, owner_organisation=owner)
    client.force_login(drafter)
    with django_assert_max_num_queries(25):
        assert client.get(dashboard_url(campaign)).status_code == 200


def test_stance_history_page_shows_who_and_old_and_new(client, campaign, drafter):
    services.set_stance(campaign=campaign, state=state("BRA"), position="undecided",
                        by=drafter)  # fmt: skip
    services.set_stance(campaign=campaign, state=state("BRA"), position="no",
                        by=drafter)  # fmt: skip
    client.force_login(drafter)
    response = client.get(reverse("campaign:stance_history", args=[campaign.slug]))
    latest = response.context["page"].object_list[0]
    assert latest.who == drafter and latest.subject == "Brazil"
    assert latest.fields == [("position", "Undecided", "No")]


def test_forecast_under_each_rule():
    counts = {"committed-yes": 80, "leaning-yes": 20, "undecided": 30,
              "leaning-no": 40, "no": 23}  # fmt: skip
    ga = Forecast.from_counts(Body.PLENARY, counts)
    assert (ga.tally.yes, ga.tally.no, ga.margin) == (100, 63, 37)
    assert ga.outcome == "adopted" and ga.secure  # 37 > 30 undecided
    close = Forecast.from_counts(Body.THIRD_COMMITTEE, counts | {"undecided": 40})
    assert close.outcome == "adopted" and not close.secure
    council = {"committed-yes": 9, "leaning-yes": 2, "no": 1}
    assert Forecast.from_counts(Body.SECURITY_COUNCIL, council).secure
    vetoed = Forecast.from_counts(
        Body.SECURITY_COUNCIL, council, permanent_against=("RUS",)
    )
    assert vetoed.outcome == "rejected" and not vetoed.secure
