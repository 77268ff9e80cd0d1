"""Cosponsor entry: pasting names, withdrawing, the timeline and its history."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Role
from campaign import services
from campaign.models import Cosponsorship, MemberState

from .factories import DocumentFactory, MembershipFactory

pytestmark = pytest.mark.django_db

D1, D2, D3 = (datetime.date(2014, 11, d) for d in (3, 10, 17))


@pytest.fixture
def clerk():
    return MembershipFactory(role=Role.DRAFTER).user


def current(document):
    return set(document.cosponsorships.current().values_list("state__iso3", flat=True))


def test_names_as_printed_are_added_and_existing_ones_kept(clerk):
    document = DocumentFactory()
    report = services.add_cosponsors(
        document=document,
        names_or_states=["Japan", "Republic of Korea", "Côte d’Ivoire"],
        since=D1,
        source=Cosponsorship.Source.DOCUMENT,
        by=clerk,
    )
    assert [s.iso3 for s in report.added] == ["JPN", "KOR", "CIV"]
    report = services.add_cosponsors(
        document=document,
        names_or_states=["Japan", MemberState.objects.get(iso3="FRA")],
        since=D2,
        source=Cosponsorship.Source.ORAL,
        by=clerk,
    )
    assert [s.iso3 for s in report.already] == ["JPN"]
    assert current(document) == {"JPN", "KOR", "CIV", "FRA"}
    assert document.cosponsorships.get(state__iso3="JPN").since == D1


def test_one_bad_name_and_nothing_is_added(clerk):
    document = DocumentFactory()
    with pytest.raises(services.EntryRejected) as exc:
        services.add_cosponsors(
            document=document,
            names_or_states=["Japan", "Korea", "Narnia"],
            since=D1,
            source=Cosponsorship.Source.DOCUMENT,
            by=clerk,
        )
    assert len(exc.value.problems) == 2
    assert "KOR or PRK" in exc.value.problems[0]
    assert current(document) == set()


def test_a_state_that_had_not_joined_cannot_cosponsor(clerk):
    with pytest.raises(services.EntryRejected, match="South Sudan"):
        services.add_cosponsors(
            document=DocumentFactory(),
            names_or_states=["South Sudan"],
            since=datetime.date(2010, 1, 1),
            source=Cosponsorship.Source.DOCUMENT,
            by=clerk,
        )


def test_withdrawal_ends_a_cosponsorship_and_the_timeline_counts(clerk):
    document = DocumentFactory()
    services.add_cosponsors(
        document=document,
        names_or_states=["Japan", "France"],
        since=D1,
        source="document",
        by=clerk,
    )
    services.add_cosponsors(
        document=document, names_or_states=["Chile"], since=D2, source="oral", by=clerk
    )
    japan = document.cosponsorships.get(state__iso3="JPN")
    services.withdraw_cosponsor(cosponsorship=japan, on=D3, by=clerk)
    assert current(document) == {"FRA", "CHL"}
    timeline = document.cosponsorships.timeline()
    assert [
        (e.date, e.cosponsorship.state.iso3, e.joined, e.count) for e in timeline
    ] == [
        (D1, "FRA", True, 1),
        (D1, "JPN", True, 2),
        (D2, "CHL", True, 3),
        (D3, "JPN", False, 2),
    ]
    assert document.cosponsorships.on(D2).count() == 3
    assert document.cosponsorships.on(D3).count() == 2
    with pytest.raises(services.EntryRejected, match="already withdrawn"):
        services.withdraw_cosponsor(cosponsorship=japan, on=D3, by=clerk)
    # Japan may join again after withdrawing.
    services.add_cosponsors(
        document=document, names_or_states=["Japan"], since=D3, source="oral", by=clerk
    )
    assert current(document) == {"FRA", "CHL", "JPN"}


def test_cosponsor_page_adds_a_pasted_list_and_shows_the_timeline(client, clerk):
    document = DocumentFactory()
    client.force_login(clerk)
    url = reverse("campaign:cosponsors", args=[document.pk])
    response = client.post(
        url,
        {
            "names": "Albania, Bosnia and\nHerzegovina and Saint Vincent and the "
            "Grenadines.",
            "since": "2014-11-03",
            "role": "cosponsor",
            "source": "document",
            "source_ref": document.symbol,
        },
    )
    assert response.status_code == 302
    assert current(document) == {"ALB", "BIH", "VCT"}
    page = client.get(url).content.decode()
    assert "Saint Vincent and the Grenadines" in page
    assert "3 current sponsors and cosponsors" in page
    changes = client.get(url).context["changes"]
    assert {c.who for c in changes} == {clerk}


def test_cosponsor_page_reports_a_bad_name_and_adds_nothing(client, clerk):
    document = DocumentFactory()
    client.force_login(clerk)
    response = client.post(
        reverse("campaign:cosponsors", args=[document.pk]),
        {"names": "Japan, Korea", "since": "2014-11-03", "source": "document",
         "role": "cosponsor"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "use the full name" in response.content.decode()
    assert current(document) == set()


def test_withdraw_from_the_page(client, clerk):
    document = DocumentFactory()
    services.add_cosponsors(
        document=document, names_or_states=["Japan"], since=D1, source="oral", by=clerk
    )
    client.force_login(clerk)
    japan = document.cosponsorships.get()
    client.post(reverse("campaign:cosponsor_withdraw", args=[japan.pk]), {"on": D2})
    japan.refresh_from_db()
    assert japan.withdrawn_on == D2
    assert japan.history.latest().history_user == clerk


def test_cosponsor_entry_needs_the_record_edit_right(client):
    document = DocumentFactory()
    client.force_login(MembershipFactory(role=Role.VIEWER).user)
    url = reverse("campaign:cosponsors", args=[document.pk])
    assert client.post(url, {"names": "Japan"}).status_code == 403
    assert current(document) == set()
