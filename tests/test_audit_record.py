"""Changes to the UN record in the audit log of the right organisations."""

import pytest
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, Role
from campaign import services
from campaign.models import MemberState
from campaign.vote_import import import_votes

from .factories import BallotFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_recording_votes_is_logged_for_each_organisation_of_the_person():
    first, second = OrganisationFactory(), OrganisationFactory()
    drafter = MembershipFactory(organisation=first, role=Role.DRAFTER).user
    MembershipFactory(user=drafter, organisation=second, role=Role.SENDER)
    ballot = BallotFactory()
    services.record_votes(ballot=ballot, positions={"FRA": "Y", "CUB": "N"}, by=drafter)
    events = AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED)
    assert {e.organisation for e in events} == {first, second}
    event = events.first()
    assert event.actor == drafter
    assert event.target_id == str(ballot.pk)
    assert event.data["change"] == "votes recorded" and event.data["changes"] == 2


def test_saving_the_same_positions_again_logs_nothing_more():
    drafter = MembershipFactory(role=Role.DRAFTER).user
    ballot = BallotFactory()
    services.record_votes(ballot=ballot, positions={"FRA": "Y"}, by=drafter)
    services.record_votes(ballot=ballot, positions={"FRA": "Y"}, by=drafter)
    assert AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED).count() == 1


def test_cosponsors_stances_and_imports_are_logged(tmp_path):
    member = MembershipFactory(role=Role.DRAFTER)
    ballot = BallotFactory()
    services.add_cosponsors(
        document=ballot.document,
        names_or_states=["France", "Japan"],
        since=ballot.date,
        source="document",
        by=member.user,
    )
    import_votes(
        data=f"ballot,state,vote\n{ballot.pk},DEU,Y\n", by=member.user, source="t.csv"
    )
    changes = [
        e.data["change"]
        for e in AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED).order_by(
            "pk"
        )
    ]
    assert changes == ["cosponsors added", "votes imported"]


def test_an_organisation_admin_reads_record_changes_in_its_log(client):
    admin = MembershipFactory(role=Role.ADMIN)
    drafter = MembershipFactory(organisation=admin.organisation, role=Role.DRAFTER)
    services.record_votes(
        ballot=BallotFactory(), positions={"FRA": "A"}, by=drafter.user
    )
    client.force_login(admin.user)
    page = client.get(
        reverse("organisations:audit", args=[admin.organisation.slug]),
        {"action": AuditAction.RECORD_CHANGED},
    ).content.decode()
    assert "UN record changed" in page
    assert drafter.user.email in page
    assert MemberState.objects.filter(iso3="FRA").exists()
