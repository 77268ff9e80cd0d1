"""Follow-ups to appealed missions that have not replied; the reminders slot."""

import datetime

import pytest
from django.utils import timezone

from campaign.models import MemberState, Mission
from letters.audiences import states_to_follow_up
from letters.delivery import Recipient, launch_mailing
from letters.ledger import Delivery, DeliveryStatus, InboundReply, Mailing
from letters.reminders import ReminderRule

from .factories import CampaignFactory, MembershipFactory, ReminderRuleFactory

pytestmark = pytest.mark.django_db


def appeal_reached(campaign, iso3s, *, sent_at):
    mailing = launch_mailing(
        name="Appeal",
        kind=Mailing.Kind.APPEAL,
        campaign=campaign,
        subject_template="Please vote yes",
        text_template="Please vote yes.",
        recipients=[
            Recipient(
                email=f"mission-{iso3.lower()}@example.org",
                state=MemberState.objects.get(iso3=iso3),
            )
            for iso3 in iso3s
        ],
    )
    mailing.deliveries.update(status=DeliveryStatus.SENT, sent_at=sent_at)
    return mailing


def test_no_reply_selects_appealed_states_whose_missions_stayed_silent():
    campaign = CampaignFactory()
    sent = timezone.now() - datetime.timedelta(days=3)
    appeal_reached(campaign, ["FRA", "NGA", "BRA"], sent_at=sent)
    InboundReply.objects.create(
        mission=Mission.objects.get(state__iso3="NGA", city="new-york"),
        from_email="mission-nga@example.org",
        subject="Re: Please vote yes",
        received_at=sent + datetime.timedelta(hours=5),
    )
    # A reply from before the appeal answers nothing.
    InboundReply.objects.create(
        mission=Mission.objects.get(state__iso3="BRA", city="new-york"),
        from_email="mission-bra@example.org",
        subject="An older message",
        received_at=sent - datetime.timedelta(days=30),
    )
    selected = states_to_follow_up(
        campaign=campaign, mission_filter=ReminderRule.MissionFilter.NO_REPLY
    )
    assert [(s.iso3, why) for s, why in selected] == [
        ("BRA", "no reply"),
        ("FRA", "no reply"),
    ]


def test_no_reply_ignores_other_campaigns_and_unsent_rows():
    campaign, other = CampaignFactory(), CampaignFactory()
    appeal_reached(other, ["FRA"], sent_at=timezone.now())
    queued = appeal_reached(campaign, ["DEU"], sent_at=timezone.now())
    Delivery.objects.filter(mailing=queued).update(status=DeliveryStatus.QUEUED)
    assert (
        states_to_follow_up(
            campaign=campaign, mission_filter=ReminderRule.MissionFilter.NO_REPLY
        )
        == []
    )


def test_dashboard_lists_the_next_reminders_in_the_campaign_time_zone(client):
    rule = ReminderRuleFactory(
        name="A week before the vote",
        ballot__date=timezone.localdate() + datetime.timedelta(days=10),
    )
    campaign = rule.campaign
    from letters import schedule

    schedule.schedule_rule(rule=rule)
    member = MembershipFactory(organisation=campaign.lead, role="drafter")
    client.force_login(member.user)
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert 'id="slot-reminders"' in page
    assert "A week before the vote" in page
    assert "America/New_York" in page
