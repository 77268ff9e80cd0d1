"""The vote-day drill's own reading of the site: annexes, forms, the SMTP log."""

import pytest
from django.urls import reverse

from accounts.models import Role
from bench.drill import SinkLog, annex_text
from bench.drill_staff import FormFields
from campaign.annex import parse_annex
from campaign.models import MemberState

from .factories import BallotFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_drills_annex_reads_back_as_the_positions_it_was_built_from():
    states = list(MemberState.objects.members().order_by("name"))
    positions = {s.iso3: "YNAX"[i % 4] for i, s in enumerate(states)}
    annex = parse_annex(annex_text(states, positions, title="A/C.3/1/L.1"))
    assert annex.positions == positions
    assert not annex.problems


def test_the_drill_posts_every_field_of_the_vote_entry_form(client):
    ballot = BallotFactory()
    client.force_login(MembershipFactory(role=Role.DRAFTER).user)
    page = client.get(reverse("campaign:vote_entry", args=[ballot.pk]))
    fields = FormFields.of(page.content.decode(), "vote-entry-form")
    members = MemberState.objects.members_on(ballot.date)
    assert {f"pos-{s.iso3}" for s in members} <= set(fields)
    assert fields["version"] == str(ballot.version)
    assert "csrfmiddlewaretoken" in fields
    assert "annex" in fields
    assert "fill_blank" not in fields  # an unticked box posts nothing
    fields.update({"pos-FRA": "Y", "action": "save"})
    answer = client.post(reverse("campaign:vote_entry", args=[ballot.pk]), fields)
    assert answer.status_code == 302
    assert ballot.votes.get().state.iso3 == "FRA"


def test_sink_log_counts_messages_per_address_and_refusals(tmp_path):
    log = tmp_path / "smtp.log"
    log.write_bytes(
        b"A <1@x> a@example.org\nR rcpt\nA <1@x> a@example.org\nA <2@x> B@example.org"
    )
    sink = SinkLog(log)
    sink.read()
    assert sink.by_address["a@example.org"] == {"<1@x>": 2}
    assert "b@example.org" not in sink.by_address  # its line is not finished
    with log.open("ab") as stream:
        stream.write(b"\n")
    sink.read()
    assert sink.received({"a@example.org", "b@example.org", "c@example.org"}) == 2
    assert sink.refused == 1


def test_the_drills_appeal_goes_through_the_sign_off_gate_to_3_contacts_a_mission(
    settings, monkeypatch
):
    from types import SimpleNamespace

    from django.core.management import call_command

    from bench.drill import launch_drill_appeal, mission_contacts
    from campaign.demo import EXERCISE_SERIES, demo_email
    from campaign.models import Campaign
    from letters import tasks
    from letters.models import Appeal

    monkeypatch.setattr(tasks.send_delivery, "apply_async", lambda *a, **k: None)
    call_command("load_demo")
    contacts = mission_contacts()
    plan = SimpleNamespace(
        campaign_id=Campaign.objects.get(slug=EXERCISE_SERIES).pk,
        drafter=demo_email("AI", "drafter"),
    )
    mailing = launch_drill_appeal(plan)
    appeal = Appeal.objects.get(mailing=mailing)
    assert appeal.status == Appeal.Status.SENDING
    assert appeal.versions  # the signed-off version it sends, recorded
    deliveries = mailing.deliveries.all()
    assert {d.contact_id for d in deliveries} == {c.pk for c in contacts}
    assert deliveries.count() == 3 * 193
