"""An approved letter appealed to 193 missions: real worker, Redis, SMTP, database."""

import time

import pytest
from django.conf import settings

from accounts.models import Role
from campaign.models import Mission, MissionContact, Participation
from letters import appeal_services, services
from letters.ledger import Delivery, DeliveryStatus
from letters.targeting import Criteria

from .factories import CampaignFactory, MembershipFactory, OrganisationFactory

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]

ENGLISH = (
    "Vote yes — {{ state }}",
    "{{ salutation }},\n\nWe ask {{ state }} to vote yes.",
)
FRENCH = (
    "Votez oui — {{ state }}",
    "{{ salutation }},\n\nNous demandons à {{ state }} de voter pour.",
)


def approved_letter():
    """A letter in English and French, ready, signed off by both co-signers."""
    campaign = CampaignFactory()
    lead = campaign.lead
    lead.email = "replies@lead.example.org"
    lead.save()
    partner = OrganisationFactory()
    Participation.objects.create(
        campaign=campaign, organisation=partner, status="accepted"
    )
    drafter = MembershipFactory(organisation=lead, role=Role.DRAFTER).user
    sender = MembershipFactory(organisation=lead, role=Role.SENDER).user
    signatories = {
        org: MembershipFactory(organisation=org, role=Role.SIGNATORY).user
        for org in (lead, partner)
    }
    letter = services.create_letter(
        campaign=campaign,
        lead=lead,
        title="Before the vote",
        subject=ENGLISH[0],
        body_source=ENGLISH[1],
        by=drafter,
    )
    cosigner = services.invite_cosigner(letter=letter, organisation=partner, by=drafter)
    services.respond_to_invitation(
        cosigner=cosigner, accept=True, by=signatories[partner]
    )
    for language, (subject, body) in (("en", ENGLISH), ("fr", FRENCH)):
        version, _ = services.save_version(
            letter=letter,
            language=language,
            subject=subject,
            body_source=body,
            by=drafter,
            status="ready",
        )
        for organisation, signatory in signatories.items():
            services.sign_off(version=version, organisation=organisation, by=signatory)
    return letter, sender


def test_an_appeal_reaches_each_of_the_193_missions_once_merged_in_its_language(
    smtp_server, email_worker
):
    letter, sender = approved_letter()
    missions = Mission.objects.filter(
        state__is_observer=False, city=Mission.City.NEW_YORK
    ).select_related("state")
    # Every third contact prefers French; the rest English, Spanish (no Spanish
    # text: they get the original) or Arabic (likewise).
    preferences = ["fr", "en", "es", "fr", "en", "ar"]
    contacts = MissionContact.objects.bulk_create(
        MissionContact(
            mission=mission,
            name=f"Delegate of {mission.state.iso3}",
            email=f"{mission.state.iso3.lower()}@missions.example.org",
            preferred_language=preferences[i % len(preferences)],
        )
        for i, mission in enumerate(missions)
    )
    assert len(contacts) == 193

    appeal = appeal_services.create_appeal(
        campaign=letter.campaign,
        letter=letter,
        name="Appeal to every mission",
        criteria=Criteria(),
        languages=["fr"],
        by=sender,
    )
    appeal = appeal_services.launch_appeal(appeal=appeal, by=sender)
    mailing = appeal.mailing

    deadline = time.monotonic() + 180
    while mailing.deliveries.pending().exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not mailing.deliveries.pending().exists(), "the worker did not drain"

    rows = {
        row.message_id: row
        for row in Delivery.objects.filter(mailing=mailing).select_related(
            "state", "contact"
        )
    }
    assert len(rows) == 193
    assert {row.status for row in rows.values()} == {DeliveryStatus.SENT}
    received = [message["Message-ID"] for _, message in smtp_server.messages]
    assert len(received) == 193
    assert len(set(received)) == 193
    assert set(received) == set(rows)
    for rcpt_tos, message in smtp_server.messages:
        row = rows[message["Message-ID"]]
        language = "fr" if row.contact.preferred_language == "fr" else "en"
        state_name = row.state.localised_name(language)
        body = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        assert rcpt_tos == [row.contact.email]
        assert message["Content-Language"] == language
        # A long encoded subject is folded onto the next line; the fold is no text.
        subject = str(message["Subject"]).strip()
        if language == "fr":
            assert subject == f"Votez oui — {state_name}"
            assert body.startswith("Excellence,")
            assert f"Nous demandons à {state_name} de voter pour." in body
        else:
            assert subject == f"Vote yes — {state_name}"
            assert body.startswith("Your Excellency,")
            assert f"We ask {state_name} to vote yes." in body
        assert letter.lead.name in body and letter.lead.name in html
        assert message["Reply-To"] == "replies@lead.example.org"
        assert message["From"] == settings.DEFAULT_FROM_EMAIL
        assert message["List-Id"] == (
            f"<{letter.campaign.slug}.appeals.{settings.EMAIL_DOMAIN}>"
        )
    languages = [m["Content-Language"] for _, m in smtp_server.messages]
    assert languages.count("fr") == sum(
        1 for c in contacts if c.preferred_language == "fr"
    )
    assert sorted(s.iso3 for s in letter.recipient_states()) == sorted(
        m.state.iso3 for m in missions
    )
