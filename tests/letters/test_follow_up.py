"""A follow-up appeal reaches mission contacts as ledger rows tied to each contact."""

import time_machine

from campaign.models import MemberState, Mission, MissionContact, Stance
from letters import schedule
from letters.ledger import Mailing
from letters.reminders import ReminderRule

from ..factories import ReminderRuleFactory
from .conftest import sign_all


def test_a_follow_up_appeal_is_one_delivery_per_contact_with_its_state(
    letter, coalition
):
    sign_all(letter, coalition)
    campaign = coalition.campaign
    indonesia = MemberState.objects.get(iso3="IDN")
    Stance.objects.create(
        campaign=campaign, state=indonesia, position=Stance.Position.UNDECIDED
    )
    contact = MissionContact.objects.create(
        mission=Mission.objects.get(state=indonesia, city="new-york"),
        name="Counsellor",
        email="counsellor@idn.example",
        preferred_language="fr",
    )
    rule = schedule.save_reminder_rule(
        rule=ReminderRuleFactory(
            campaign=campaign,
            audience=ReminderRule.Audience.MISSIONS_FOLLOW_UP,
            mission_filter=ReminderRule.MissionFilter.UNDECIDED,
            letter_id=letter.pk,
            created_by=coalition.drafter,
        )
    )

    with time_machine.travel(rule.reminders.get().due_at, tick=False):
        assert schedule.dispatch_due_reminders().sent == 1

    mailing = Mailing.objects.get()
    assert (mailing.kind, mailing.campaign, mailing.launched_by) == (
        Mailing.Kind.APPEAL,
        campaign,
        coalition.drafter,
    )
    row = mailing.deliveries.get()
    assert (row.contact, row.state, row.language) == (contact, indonesia, "fr")
    assert row.subject == letter.latest_version("en").subject
