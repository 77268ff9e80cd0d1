"""Appeals: targeting, the sign-off gate, launching, headers, scheduling, pausing."""

import datetime

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role
from campaign.models import (
    Ballot,
    Body,
    Cosponsorship,
    MemberState,
    Mission,
    MissionContact,
    Stance,
    Vote,
)
from letters import appeal_services, delivery, services, tasks, transport
from letters.appeal_services import AppealError
from letters.ledger import Delivery, DeliveryStatus, Mailing, Suppression
from letters.models import Appeal
from letters.targeting import COSPONSOR, NO_STANCE, NOT_COSPONSOR, Criteria, target

from ..factories import BallotFactory, DocumentFactory, MembershipFactory
from .conftest import sign_all

pytestmark = pytest.mark.django_db

FRENCH_SUBJECT = "Votez oui — {{ state }}"
FRENCH_BODY = "{{ salutation }},\n\nNous demandons à {{ state }} de voter pour.\n"


@pytest.fixture(autouse=True)
def mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    transport.close()
    yield
    transport.close()


@pytest.fixture
def published(monkeypatch):
    """Task publications, captured instead of sent to the broker."""
    calls = []
    monkeypatch.setattr(
        tasks.send_delivery,
        "apply_async",
        lambda args, countdown=None, retry=True: calls.append(args[0]),
    )
    return calls


def contact(iso3: str, language: str = "en", city: str = Mission.City.NEW_YORK):
    mission, _ = Mission.objects.get_or_create(
        state=MemberState.objects.get(iso3=iso3), city=city
    )
    return MissionContact.objects.create(
        mission=mission,
        name=f"Delegate of {iso3}",
        email=f"{iso3.lower()}-{language}-{city}@missions.example.org",
        preferred_language=language,
    )


def iso3s(targeting) -> set[str]:
    return {row.state.iso3 for row in targeting.included_states}


@pytest.fixture
def lead_email(coalition):
    coalition.lead.email = "replies@lead.example.org"
    coalition.lead.save()
    return coalition.lead.email


@pytest.fixture
def sender(coalition):
    return MembershipFactory(
        organisation=coalition.lead, role=Role.SENDER, user__first_name="Sam Sender"
    ).user


def ready(letter, language="en"):
    services.set_version_status(version=letter.latest_version(language), status="ready")


def approved(letter, coalition, language="en"):
    ready(letter, language)
    return sign_all(letter, coalition, language)


def add_french(letter, coalition):
    version, _ = services.save_version(
        letter=letter,
        language="fr",
        subject=FRENCH_SUBJECT,
        body_source=FRENCH_BODY,
        by=coalition.drafter,
        status="ready",
    )
    return version


def draft(coalition, letter, sender, **criteria):
    criteria.setdefault("city", Mission.City.NEW_YORK)
    languages = criteria.pop("languages", [])
    return appeal_services.create_appeal(
        campaign=coalition.campaign,
        letter=letter,
        name="Before the Third Committee vote",
        criteria=Criteria(**criteria),
        languages=languages,
        by=sender,
    )


# Targeting


def test_targeting_by_regional_group(coalition):
    for iso3 in ("FRA", "DEU", "CUB", "PRK"):
        contact(iso3)
    found = target(campaign=coalition.campaign, criteria=Criteria(groups=["WEOG"]))
    assert iso3s(found) == {"FRA", "DEU"}
    both = target(
        campaign=coalition.campaign, criteria=Criteria(groups=["WEOG", "GRULAC"])
    )
    assert iso3s(both) == {"FRA", "DEU", "CUB"}


def test_targeting_by_bloc(coalition):
    for iso3 in ("FRA", "DEU", "NOR", "EGY"):
        contact(iso3)
    eu = target(campaign=coalition.campaign, criteria=Criteria(blocs=["eu"]))
    assert iso3s(eu) == {"FRA", "DEU"}
    either = target(
        campaign=coalition.campaign, criteria=Criteria(blocs=["eu", "arab-group"])
    )
    assert iso3s(either) == {"FRA", "DEU", "EGY"}


def test_targeting_by_position_on_a_past_ballot(coalition):
    ballot = BallotFactory(
        document__series=coalition.campaign.series,
        document__session=68,
        body=Body.PLENARY,
    )
    positions = {"FRA": "Y", "CUB": "N", "IND": "A", "NGA": "A", "ZAF": "X"}
    for iso3, position in positions.items():
        contact(iso3)
        Vote.objects.create(
            ballot=ballot, state=MemberState.objects.get(iso3=iso3), position=position
        )
    contact("DEU")  # no recorded position
    abstained = target(
        campaign=coalition.campaign,
        criteria=Criteria(ballot=ballot.pk, positions=["A"]),
    )
    assert iso3s(abstained) == {"IND", "NGA"}
    against_or_absent = target(
        campaign=coalition.campaign,
        criteria=Criteria(ballot=ballot.pk, positions=["N", "X"]),
    )
    assert iso3s(against_or_absent) == {"CUB", "ZAF"}


def test_targeting_by_cosponsor_status_on_the_current_draft(coalition):
    draft_now = DocumentFactory(series=coalition.campaign.series, session=69)
    last_year = DocumentFactory(series=coalition.campaign.series, session=68)
    for iso3 in ("FRA", "DEU", "JPN", "CUB"):
        contact(iso3)
    states = {s.iso3: s for s in MemberState.objects.filter(iso3__in=["FRA", "DEU"])}
    Cosponsorship.objects.create(
        document=draft_now, state=states["FRA"], since=datetime.date(2014, 10, 1)
    )
    Cosponsorship.objects.create(  # withdrew: no longer a cosponsor
        document=draft_now,
        state=states["DEU"],
        since=datetime.date(2014, 10, 1),
        withdrawn_on=datetime.date(2014, 11, 1),
    )
    Cosponsorship.objects.create(  # last session's draft does not count
        document=last_year,
        state=MemberState.objects.get(iso3="JPN"),
        since=datetime.date(2013, 10, 1),
    )
    cosponsors = target(
        campaign=coalition.campaign, criteria=Criteria(cosponsor=COSPONSOR)
    )
    assert iso3s(cosponsors) == {"FRA"}
    others = target(
        campaign=coalition.campaign, criteria=Criteria(cosponsor=NOT_COSPONSOR)
    )
    assert {"DEU", "JPN", "CUB"} <= iso3s(others)
    assert "FRA" not in iso3s(others)


def test_targeting_by_the_coalitions_stance(coalition):
    for iso3 in ("FRA", "DEU", "CUB", "IND"):
        contact(iso3)
    for iso3, position in (
        ("FRA", Stance.Position.COMMITTED_YES),
        ("DEU", Stance.Position.LEANING_YES),
        ("CUB", Stance.Position.NO),
    ):
        Stance.objects.create(
            campaign=coalition.campaign,
            state=MemberState.objects.get(iso3=iso3),
            position=position,
        )
    leaning = target(
        campaign=coalition.campaign,
        criteria=Criteria(stances=[Stance.Position.LEANING_YES]),
    )
    assert iso3s(leaning) == {"DEU"}
    unread = target(
        campaign=coalition.campaign,
        criteria=Criteria(stances=[Stance.Position.NO, NO_STANCE]),
    )
    assert iso3s(unread) == {"CUB", "IND"}


def test_filters_combine_and_geneva_contacts_stay_out_of_a_new_york_appeal(coalition):
    contact("FRA")
    contact("DEU", city=Mission.City.GENEVA)
    contact("CUB")
    found = target(
        campaign=coalition.campaign, criteria=Criteria(groups=["WEOG"], blocs=["eu"])
    )
    assert iso3s(found) == {"FRA"}
    assert "DEU" in {row.state.iso3 for row in found.without_contacts}
    assert "CUB" not in {row.state.iso3 for row in found.states}


def test_held_contacts_are_shown_and_not_sent_to(coalition):
    good = contact("FRA")
    held = contact("FRA", "fr")
    Suppression.objects.create(email=held.email, reason="bounce")
    found = target(campaign=coalition.campaign, criteria=Criteria(groups=["WEOG"]))
    assert good in found.contacts
    assert held not in found.contacts
    assert found.held == [held]


def test_states_appealed_to_within_the_window_are_flagged_and_left_out(
    coalition, letter, sender, lead_email, published
):
    approved(letter, coalition)
    contact("FRA")
    contact("DEU")
    first = draft(coalition, letter, sender, groups=["WEOG"], blocs=["g7"])
    contact("ITA")
    appeal_services.launch_appeal(appeal=first, by=sender)

    found = target(
        campaign=coalition.campaign, criteria=Criteria(blocs=["eu"], window_days=30)
    )
    flagged = {row.state.iso3: row for row in found.flagged}
    assert set(flagged) == {"FRA", "DEU", "ITA"}
    assert flagged["FRA"].recent.name == first.name
    assert iso3s(found) == set()

    included = target(
        campaign=coalition.campaign,
        criteria=Criteria(blocs=["eu"], window_days=30, include_recent=True),
    )
    assert iso3s(included) == {"FRA", "DEU", "ITA"}

    # The window is in days: a month and a half later nothing is flagged.
    later = timezone.now() + datetime.timedelta(days=45)
    assert not target(
        campaign=coalition.campaign, criteria=Criteria(blocs=["eu"]), now=later
    ).flagged
    # A message that never went out does not count as an appeal made.
    first.mailing.deliveries.filter(state__iso3="ITA").update(
        status=DeliveryStatus.FAILED
    )
    again = target(campaign=coalition.campaign, criteria=Criteria(blocs=["eu"]))
    assert {row.state.iso3 for row in again.flagged} == {"FRA", "DEU"}


# The gate


def test_launch_is_refused_until_every_cosigner_signs_off_the_exact_version(
    coalition, letter, sender, lead_email, published
):
    contact("FRA")
    appeal = draft(coalition, letter, sender, groups=["WEOG"])
    ready(letter)
    with pytest.raises(AppealError, match="not signed off by"):
        appeal_services.launch_appeal(appeal=appeal, by=sender)
    services.sign_off(
        version=letter.latest_version(),
        organisation=coalition.lead,
        by=coalition.lead_signatory,
    )
    with pytest.raises(AppealError, match=coalition.partner.short_name):
        appeal_services.launch_appeal(appeal=appeal, by=sender)
    assert not Mailing.objects.exists() and not Delivery.objects.exists()
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.DRAFT

    services.sign_off(
        version=letter.latest_version(),
        organisation=coalition.partner,
        by=coalition.partner_signatory,
    )
    appeal_services.launch_appeal(appeal=appeal, by=sender)
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.SENDING
    version = letter.latest_version()
    assert appeal.versions == {
        "en": {"id": version.pk, "hash": version.text_hash, "number": version.number}
    }


def test_an_edit_after_sign_off_shuts_the_gate_again(
    coalition, letter, sender, lead_email
):
    contact("FRA")
    approved(letter, coalition)
    appeal = draft(coalition, letter, sender, groups=["WEOG"])
    assert appeal_services.gate(appeal).is_open
    services.save_version(
        letter=letter,
        language="en",
        subject="Please vote yes — {{ state }}",
        body_source="A different text.",
        by=coalition.drafter,
        status="ready",
    )
    with pytest.raises(AppealError, match="version 2 is not signed off"):
        appeal_services.launch_appeal(appeal=appeal, by=sender)
    assert not Delivery.objects.exists()


def test_a_translation_sent_must_be_signed_off_too(
    coalition, letter, sender, lead_email
):
    contact("FRA", "fr")
    approved(letter, coalition)
    add_french(letter, coalition)
    appeal = draft(coalition, letter, sender, groups=["WEOG"], languages=["fr"])
    with pytest.raises(AppealError, match="French version 1 is not signed off"):
        appeal_services.launch_appeal(appeal=appeal, by=sender)
    # Sent in English only, the unsigned French text is no obstacle.
    english_only = draft(coalition, letter, sender, groups=["WEOG"])
    appeal_services.launch_appeal(appeal=english_only, by=sender)
    assert english_only.mailing.deliveries.get().language == "en"


def test_a_letter_changed_since_the_page_was_shown_is_not_sent(
    coalition, letter, sender, lead_email
):
    contact("FRA")
    shown = approved(letter, coalition)
    appeal = draft(coalition, letter, sender, groups=["WEOG"])
    with pytest.raises(AppealError, match="changed after the page was shown"):
        appeal_services.launch_appeal(
            appeal=appeal, by=sender, expected_versions={"en": shown.pk + 1000}
        )
    assert not Delivery.objects.exists()


def test_no_reply_address_or_an_unsafe_subject_keeps_the_gate_shut(
    coalition, letter, sender
):
    contact("FRA")
    approved(letter, coalition)
    appeal = draft(coalition, letter, sender, groups=["WEOG"])
    assert any("reply address" in p for p in appeal_services.gate(appeal).problems)
    coalition.lead.email = "replies@lead.example.org"
    coalition.lead.save()
    assert appeal_services.gate(appeal).is_open
    services.save_version(
        letter=letter,
        language="en",
        subject="Vote yes %0d%0aBcc: everyone@example.org",
        body_source="Text.",
        by=coalition.drafter,
        status="ready",
    )
    sign_all(letter, coalition)
    problems = appeal_services.gate(appeal).problems
    assert problems == [
        "English: Subject may not contain a line break (raw or encoded)."
    ]


def test_launch_writes_one_delivery_per_contact_and_publishes_after_commit(
    coalition, letter, sender, lead_email, published, django_capture_on_commit_callbacks
):
    approved(letter, coalition)
    add_french(letter, coalition)
    sign_all(letter, coalition, "fr")
    english, french = contact("FRA", "en"), contact("FRA", "fr")
    spanish = contact("DEU", "es")
    appeal = draft(coalition, letter, sender, groups=["WEOG"], languages=["fr"])
    with django_capture_on_commit_callbacks(execute=True):
        appeal_services.launch_appeal(appeal=appeal, by=sender)
        assert published == []
    rows = {row.contact_id: row for row in appeal.mailing.deliveries.all()}
    assert set(rows) == {english.pk, french.pk, spanish.pk}
    assert rows[french.pk].language == "fr"
    # No Spanish text was chosen: the original goes.
    assert rows[spanish.pk].language == rows[english.pk].language == "en"
    assert len({row.idempotency_key for row in rows.values()}) == 3
    # One hint for the batch its task works through, from the first row.
    assert published == [min(row.pk for row in rows.values())]
    mailing = appeal.mailing
    assert (mailing.kind, mailing.reply_to, mailing.launched_by) == (
        Mailing.Kind.APPEAL,
        lead_email,
        sender,
    )
    event = AuditEvent.objects.get(action="appeal.send", organisation=coalition.lead)
    assert event.data["recipients"] == 3 and event.actor == sender
    assert AuditEvent.objects.filter(
        action="appeal.send", organisation=coalition.partner
    ).exists()
    with pytest.raises(AppealError, match="sending"):
        appeal_services.launch_appeal(appeal=appeal, by=sender)
    assert Delivery.objects.count() == 3


def test_a_sent_appeal_is_the_merged_letter_with_safe_headers(
    coalition, letter, sender, lead_email, published, record
):
    approved(letter, coalition)
    add_french(letter, coalition)
    sign_all(letter, coalition, "fr")
    dprk = contact("PRK", "en")
    appeal = draft(coalition, letter, sender, languages=["fr"], groups=["WEOG", "APG"])
    appeal = appeal_services.launch_appeal(appeal=appeal, by=sender)
    for row in appeal.mailing.deliveries.all():
        assert delivery.send_delivery(delivery_id=row.pk) == DeliveryStatus.SENT
    messages = {m.to[0]: m for m in mail.outbox}
    to_dprk = messages[dprk.email]
    row = Delivery.objects.get(contact=dprk)
    assert to_dprk.subject == "Please vote yes — Democratic People's Republic of Korea"
    assert "voted no. Please reconsider." in to_dprk.body
    assert coalition.partner.name in to_dprk.body  # the signatories close it
    assert to_dprk.from_email == django_settings.DEFAULT_FROM_EMAIL
    assert to_dprk.reply_to == [lead_email]
    assert to_dprk.extra_headers["List-Id"] == (
        f"<{coalition.campaign.slug}.appeals.{django_settings.EMAIL_DOMAIN}>"
    )
    assert to_dprk.extra_headers["Message-ID"] == row.message_id
    assert to_dprk.metadata == {"delivery": str(row.idempotency_key)}
    to_france = messages[record["head"].email]  # prefers French
    assert to_france.subject == "Votez oui — France"
    assert to_france.extra_headers["Content-Language"] == "fr"
    assert "Excellence" in to_france.body


def test_a_pdf_addressed_to_the_state_is_attached_when_asked(
    coalition, letter, sender, lead_email, published
):
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        pytest.skip(f"WeasyPrint cannot load here: {exc}")
    approved(letter, coalition)
    contact("FRA")
    appeal = draft(coalition, letter, sender, groups=["WEOG"])
    Appeal.objects.filter(pk=appeal.pk).update(attach_pdf=True)
    appeal_services.launch_appeal(appeal=Appeal.objects.get(pk=appeal.pk), by=sender)
    row = Delivery.objects.get()
    assert delivery.send_delivery(delivery_id=row.pk) == DeliveryStatus.SENT
    [(name, content, mimetype)] = mail.outbox[0].attachments
    assert (name, mimetype) == (f"{letter.slug}-fra.pdf", "application/pdf")
    assert content.startswith(b"%PDF")


# Scheduling


def test_a_scheduled_appeal_is_launched_once_by_the_beat_task_when_due(
    coalition, letter, sender, lead_email, published
):
    approved(letter, coalition)
    contact("FRA")
    appeal = draft(coalition, letter, sender, groups=["WEOG"])
    with time_machine.travel(datetime.datetime(2014, 11, 10, 12, tzinfo=datetime.UTC)):
        at = timezone.now() + datetime.timedelta(hours=2)
        appeal_services.schedule_appeal(appeal=appeal, at=at, by=sender)
        assert tasks.launch_due_appeals() == 0
        assert not Mailing.objects.exists()
    with time_machine.travel(at + datetime.timedelta(seconds=30)):
        assert tasks.launch_due_appeals() == 1
        assert tasks.launch_due_appeals() == 0
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.SENDING
    assert appeal.mailing.launched_by == sender
    assert appeal.mailing.deliveries.count() == 1
    assert "launch-due-appeals" in django_settings.CELERY_BEAT_SCHEDULE


def test_a_scheduled_appeal_whose_letter_changed_returns_to_draft(
    coalition, letter, sender, lead_email, published, django_capture_on_commit_callbacks
):
    approved(letter, coalition)
    contact("FRA")
    appeal = draft(coalition, letter, sender, groups=["WEOG"])
    at = timezone.now() + datetime.timedelta(hours=1)
    appeal_services.schedule_appeal(appeal=appeal, at=at, by=sender)
    services.save_version(
        letter=letter,
        language="en",
        subject="Please vote yes — {{ state }}",
        body_source="New text, signed again.",
        by=coalition.drafter,
        status="ready",
    )
    sign_all(letter, coalition)  # approved, but not the version scheduled
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert appeal_services.launch_due_appeals(now=at) == 0
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.DRAFT
    assert "changed" in appeal.note and appeal.versions == {}
    assert not Delivery.objects.filter(mailing__kind="appeal").exists()
    assert callbacks, "whoever scheduled it is told"


def test_a_paused_scheduled_appeal_waits_until_resumed(
    coalition, letter, sender, lead_email, published
):
    approved(letter, coalition)
    contact("FRA")
    appeal = draft(coalition, letter, sender, groups=["WEOG"])
    at = timezone.now() + datetime.timedelta(minutes=5)
    appeal_services.schedule_appeal(appeal=appeal, at=at, by=sender)
    appeal_services.set_appeal_status(appeal=appeal, action="pause", by=sender)
    assert appeal_services.launch_due_appeals(now=at) == 0
    appeal = appeal_services.set_appeal_status(
        appeal=appeal, action="resume", by=sender
    )
    assert appeal.status == Appeal.Status.SCHEDULED
    assert appeal_services.launch_due_appeals(now=at) == 1


def test_scheduling_in_the_past_or_behind_the_gate_is_refused(
    coalition, letter, sender, lead_email
):
    appeal = draft(coalition, letter, sender, groups=["WEOG"])
    with pytest.raises(AppealError, match="future"):
        appeal_services.schedule_appeal(
            appeal=appeal, at=timezone.now() - datetime.timedelta(1), by=sender
        )
    with pytest.raises(AppealError, match="not signed off"):
        appeal_services.schedule_appeal(
            appeal=appeal, at=timezone.now() + datetime.timedelta(1), by=sender
        )
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.DRAFT


# Pausing, resuming, cancelling


def test_pause_resume_and_cancel_follow_through_to_the_ledger(
    coalition, letter, sender, lead_email, published, django_capture_on_commit_callbacks
):
    approved(letter, coalition)
    contact("FRA")
    contact("DEU")
    contact("ITA")
    appeal = draft(coalition, letter, sender, groups=["WEOG"])
    appeal_services.launch_appeal(appeal=appeal, by=sender)
    first, second, third = appeal.mailing.deliveries.order_by("pk")
    assert delivery.send_delivery(delivery_id=first.pk) == DeliveryStatus.SENT

    appeal = appeal_services.set_appeal_status(appeal=appeal, action="pause", by=sender)
    assert appeal.mailing.status == Mailing.Status.PAUSED
    assert delivery.send_delivery(delivery_id=second.pk) == "not-claimable"
    assert delivery.sweep_deliveries() == 0

    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        appeal = appeal_services.set_appeal_status(
            appeal=appeal, action="resume", by=sender
        )
    assert appeal.status == Appeal.Status.SENDING
    # At once, not after the sweep: one task for the rows still due.
    assert published == [second.pk]
    assert delivery.send_delivery(delivery_id=second.pk) == DeliveryStatus.SENT

    appeal = appeal_services.set_appeal_status(
        appeal=appeal, action="cancel", by=sender
    )
    statuses = dict(appeal.mailing.deliveries.values_list("pk", "status"))
    assert statuses == {
        first.pk: DeliveryStatus.SENT,
        second.pk: DeliveryStatus.SENT,
        third.pk: DeliveryStatus.CANCELLED,
    }
    assert delivery.send_delivery(delivery_id=third.pk) == "not-claimable"
    with pytest.raises(AppealError, match="cancelled appeal cannot be resumed"):
        appeal_services.set_appeal_status(appeal=appeal, action="resume", by=sender)


def test_an_appeal_is_done_once_its_mailing_drained(
    coalition, letter, sender, lead_email, published
):
    approved(letter, coalition)
    contact("FRA")
    appeal = draft(coalition, letter, sender, groups=["WEOG"])
    appeal_services.launch_appeal(appeal=appeal, by=sender)
    delivery.send_delivery(delivery_id=appeal.mailing.deliveries.get().pk)
    delivery.sweep_deliveries()
    appeal = Appeal.objects.select_related("mailing").get(pk=appeal.pk)
    assert appeal.current_status == Appeal.Status.DONE
    with pytest.raises(AppealError, match="done appeal cannot be paused"):
        appeal_services.set_appeal_status(appeal=appeal, action="pause", by=sender)
    assert appeal_services.settle_appeals() == 1
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.DONE


def test_the_letter_lists_the_states_its_appeals_reached(
    coalition, letter, sender, lead_email, published, client
):
    approved(letter, coalition)
    contact("FRA")
    contact("DEU")
    appeal = draft(coalition, letter, sender, groups=["WEOG"])
    appeal_services.launch_appeal(appeal=appeal, by=sender)
    assert list(letter.recipient_states()) == []
    france = appeal.mailing.deliveries.get(state__iso3="FRA")
    delivery.send_delivery(delivery_id=france.pk)
    assert [s.iso3 for s in letter.recipient_states()] == ["FRA"]
    services.publish(letter=letter)
    page = client.get(letter.get_public_url()).content.decode()
    assert "France" in page and "Germany" not in page


# Screens


@pytest.fixture
def signed_in(client, sender, sign_in):
    return sign_in(client, sender)


def test_new_appeal_previews_the_list_count_and_flags_then_saves_a_draft(
    coalition, letter, signed_in, sender
):
    contact("FRA")
    contact("DEU")
    contact("CUB")
    url = reverse("letters:appeal_new", args=[coalition.campaign.slug])
    form = {
        "name": "Appeal to WEOG",
        "letter": letter.pk,
        "groups": ["WEOG"],
        "city": "new-york",
        "window_days": "30",
    }
    response = signed_in.post(url, {**form, "preview": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 recipients, 2 States" in page
    assert 'data-iso3="FRA"' in page and 'data-iso3="CUB"' not in page
    assert not Appeal.objects.exists()

    response = signed_in.post(url, {**form, "save": "1"})
    appeal = Appeal.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == appeal.get_absolute_url()
    )
    assert appeal.criteria["groups"] == ["WEOG"] and appeal.created_by == sender


def test_a_name_with_a_line_break_is_refused_with_a_message(
    coalition, letter, signed_in
):
    url = reverse("letters:appeal_new", args=[coalition.campaign.slug])
    response = signed_in.post(
        url,
        {
            "name": "Appeal\r\nBcc: all@example.org",
            "letter": letter.pk,
            "city": "new-york",
            "window_days": "30",
            "save": "1",
        },
    )
    assert response.status_code == 400
    assert "Name may not contain a line break" in response.content.decode()
    assert not Appeal.objects.exists()


def test_detail_shows_who_must_still_sign_and_launch_sends_the_versions_shown(
    coalition, letter, signed_in, sender, lead_email, published
):
    contact("FRA")
    appeal = draft(coalition, letter, sender, groups=["WEOG"])
    ready(letter)
    services.sign_off(
        version=letter.latest_version(),
        organisation=coalition.lead,
        by=coalition.lead_signatory,
    )
    page = signed_in.get(appeal.get_absolute_url()).content.decode()
    assert 'id="gate-closed"' in page
    assert f"not signed off by {coalition.partner.short_name}" in page
    assert "1 recipient, 1 State" in page

    version = sign_all(letter, coalition)
    page = signed_in.get(appeal.get_absolute_url()).content.decode()
    assert 'id="gate-open"' in page
    assert f'name="version_en" value="{version.pk}"' in page
    response = signed_in.post(
        reverse("letters:appeal_launch", args=[appeal.pk]),
        {"version_en": version.pk},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.SENDING

    progress = signed_in.get(reverse("letters:appeal_progress", args=[appeal.pk]))
    fragment = progress.content.decode()
    assert 'hx-trigger="every 2s"' in fragment
    assert '<progress class="w-100" max="1" value="0"' in fragment
    delivery.send_delivery(delivery_id=appeal.mailing.deliveries.get().pk)
    delivery.sweep_deliveries()
    fragment = signed_in.get(
        reverse("letters:appeal_progress", args=[appeal.pk])
    ).content.decode()
    assert 'value="1"' in fragment and "hx-trigger" not in fragment


def test_scheduling_from_the_page_reads_the_campaigns_time_zone(
    coalition, letter, signed_in, sender, lead_email
):
    approved(letter, coalition)
    appeal = draft(coalition, letter, sender, groups=["WEOG"])
    version = letter.latest_version()
    url = reverse("letters:appeal_schedule", args=[appeal.pk])
    response = signed_in.post(url, {"at": "2000-01-01T09:00", "version_en": version.pk})
    assert response.status_code == 400
    assert "Choose a time in the future" in response.content.decode()
    next_year = timezone.now().year + 1
    response = signed_in.post(
        url, {"at": f"{next_year}-01-15T09:00", "version_en": version.pk}
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.SCHEDULED
    # 09:00 in New York in January is 14:00 UTC.
    assert appeal.scheduled_at == datetime.datetime(
        next_year, 1, 15, 14, tzinfo=datetime.UTC
    )


def test_the_dashboard_shows_appeals_and_letters_awaiting_sign_off(
    coalition, letter, signed_in, sender, lead_email, published
):
    contact("FRA")
    url = coalition.campaign.get_absolute_url()
    page = signed_in.get(url).content.decode()
    assert 'id="slot-signoffs"' in page and letter.title in page
    assert "waiting for" in page
    approved(letter, coalition)
    appeal = draft(coalition, letter, sender, groups=["WEOG"])
    appeal_services.launch_appeal(appeal=appeal, by=sender)
    page = signed_in.get(url).content.decode()
    assert 'id="slot-appeals"' in page and appeal.name in page
    assert "<progress" in page
    assert "Every letter is signed off." in page


def test_a_viewer_sees_appeals_but_cannot_send(coalition, letter, client, sign_in):
    appeal = Appeal.objects.create(campaign=coalition.campaign, letter=letter, name="A")
    sign_in(client, coalition.viewer)
    assert client.get(appeal.get_absolute_url()).status_code == 200
    launch = client.post(reverse("letters:appeal_launch", args=[appeal.pk]))
    assert launch.status_code == 403
    assert "Send now" not in client.get(appeal.get_absolute_url()).content.decode()


def test_the_appeal_list_guards_its_query_count(
    coalition, letter, signed_in, sender, django_assert_max_num_queries
):
    for n in range(5):
        Appeal.objects.create(campaign=coalition.campaign, letter=letter, name=f"A{n}")
    url = reverse("letters:appeal_list", args=[coalition.campaign.slug])
    with django_assert_max_num_queries(20):
        assert signed_in.get(url).status_code == 200


def test_ballot_choice_labels_name_the_symbol(coalition):
    ballot = Ballot.objects.create(
        document=DocumentFactory(symbol="A/C.3/68/L.99"),
        body=Body.PLENARY,
        date=datetime.date(2013, 12, 18),
    )
    Vote.objects.create(
        ballot=ballot, state=MemberState.objects.get(iso3="FRA"), position="A"
    )
    from letters.appeal_forms import AppealForm

    form = AppealForm(letters=coalition.campaign.letters.all())
    labels = [label for _, label in form.fields["ballot"].choices]
    assert any(label.startswith("A/C.3/68/L.99 — ") for label in labels)
