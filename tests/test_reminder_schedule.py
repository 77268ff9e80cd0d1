import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from letters import schedule
from letters.reminders import Reminder, ReminderRule

from .factories import CampaignFactory, ReminderRuleFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def test_nine_in_new_york_is_fourteen_utc_in_winter_and_thirteen_in_summer():
    # Daylight-saving time ended in the United States on 2014-11-02.
    before = schedule.local_due_time(
        anchor_date=datetime.date(2014, 11, 3),
        offset_days=-7,
        local_time=datetime.time(9, 0),
        zone="America/New_York",
    )
    on_the_day = schedule.local_due_time(
        anchor_date=datetime.date(2014, 11, 3),
        offset_days=0,
        local_time=datetime.time(9, 0),
        zone="America/New_York",
    )
    assert before == utc(2014, 10, 27, 13, 0)
    assert on_the_day == utc(2014, 11, 3, 14, 0)


def test_geneva_time_crosses_the_european_change_a_week_earlier():
    # Geneva keeps Zurich time (Europe/Geneva is only a legacy alias);
    # Central European Summer Time ended on 2014-10-26.
    zone = "Europe/Zurich"
    nine = datetime.time(9, 0)
    day = datetime.date(2014, 10, 28)
    assert schedule.local_due_time(
        anchor_date=day, offset_days=-3, local_time=nine, zone=zone
    ) == utc(2014, 10, 25, 7, 0)
    assert schedule.local_due_time(
        anchor_date=day, offset_days=0, local_time=nine, zone=zone
    ) == utc(2014, 10, 28, 8, 0)


def test_skipped_and_repeated_local_times_have_one_defined_moment():
    zone = "America/New_York"
    # 02:30 never happened on 2015-03-08: read with the offset before the change.
    assert schedule.local_due_time(
        anchor_date=datetime.date(2015, 3, 8),
        offset_days=0,
        local_time=datetime.time(2, 30),
        zone=zone,
    ) == utc(2015, 3, 8, 7, 30)
    # 01:30 happened twice on 2014-11-02: the first time.
    assert schedule.local_due_time(
        anchor_date=datetime.date(2014, 11, 2),
        offset_days=0,
        local_time=datetime.time(1, 30),
        zone=zone,
    ) == utc(2014, 11, 2, 5, 30)


def test_a_rule_schedules_one_row_in_the_campaigns_time_zone():
    rule = ReminderRuleFactory(
        campaign=CampaignFactory(time_zone="Europe/Zurich"),
        ballot__date=datetime.date(2014, 10, 28),
        offset_days=-3,
    )
    schedule.save_reminder_rule(rule=rule)
    schedule.save_reminder_rule(rule=rule)
    assert list(rule.reminders.values_list("due_at", "status")) == [
        (utc(2014, 10, 25, 7, 0), "pending")
    ]


def test_moving_the_ballot_reschedules_the_pending_row():
    rule = schedule.save_reminder_rule(rule=ReminderRuleFactory())
    assert rule.reminders.get().due_at == utc(2014, 11, 11, 14, 0)
    rule.ballot.date = datetime.date(2014, 11, 20)
    rule.ballot.save()

    schedule.schedule_reminders()

    assert list(rule.reminders.values_list("due_at", flat=True)) == [
        utc(2014, 11, 13, 14, 0)
    ]


def test_editing_a_rule_after_it_was_sent_neither_moves_nor_repeats_it():
    rule = schedule.save_reminder_rule(rule=ReminderRuleFactory())
    rule.reminders.update(status=Reminder.Status.SENT)
    rule.offset_days = -1
    schedule.save_reminder_rule(rule=rule)
    rule.ballot.date = datetime.date(2014, 12, 1)
    rule.ballot.save()
    schedule.schedule_reminders()
    assert list(rule.reminders.values_list("due_at", "status")) == [
        (utc(2014, 11, 11, 14, 0), "sent")
    ]


def test_a_skipped_moment_is_not_made_again_but_a_new_moment_is_scheduled():
    rule = schedule.save_reminder_rule(rule=ReminderRuleFactory())
    rule.reminders.update(status=Reminder.Status.SKIPPED)
    schedule.schedule_reminders()
    assert rule.reminders.count() == 1
    rule.local_time = datetime.time(15, 0)
    schedule.save_reminder_rule(rule=rule)
    assert rule.reminders.get(status="pending").due_at == utc(2014, 11, 11, 20, 0)


def test_cancelling_a_rule_cancels_its_pending_row_and_pausing_keeps_it():
    rule = schedule.save_reminder_rule(rule=ReminderRuleFactory())
    schedule.set_rule_status(rule=rule, status=ReminderRule.Status.PAUSED)
    assert rule.reminders.get().status == "pending"
    schedule.set_rule_status(rule=rule, status=ReminderRule.Status.CANCELLED)
    assert rule.reminders.get().status == "cancelled"
    schedule.schedule_reminders()
    assert rule.reminders.filter(status="pending").count() == 0


def test_a_rule_missing_what_its_anchor_or_audience_needs_is_refused():
    rule = ReminderRuleFactory.build(
        campaign=CampaignFactory(),
        ballot=None,
        anchor=ReminderRule.Anchor.BALLOT,
        audience=ReminderRule.Audience.COSIGNERS_PENDING,
    )
    with pytest.raises(ValidationError) as refused:
        schedule.save_reminder_rule(rule=rule)
    assert set(refused.value.message_dict) == {"ballot", "letter_id"}
    assert not ReminderRule.objects.exists()
    assert not Reminder.objects.exists()


def _admin_form(rule_or_none, **fields):
    rule = rule_or_none
    data = {
        "campaign": rule.campaign_id,
        "name": "From the admin",
        "anchor": rule.anchor,
        "ballot": rule.ballot_id or "",
        "letter_id": "",
        "offset_days": rule.offset_days,
        "local_time": "09:00",
        "audience": rule.audience,
        "mission_filter": rule.mission_filter,
        "subject": rule.subject,
        "message": "",
        "skip_if_late_by": "",
        "status": rule.status,
        "created_by": "",
        "reminders-TOTAL_FORMS": 0,
        "reminders-INITIAL_FORMS": 0,
        "reminders-MIN_NUM_FORMS": 0,
        "reminders-MAX_NUM_FORMS": 1000,
    }
    data.update(fields)
    return data


def test_a_rule_changed_in_the_admin_is_rescheduled_at_once(admin_client):
    rule = ReminderRuleFactory()  # saved without a schedule
    url = reverse("admin:letters_reminderrule_change", args=[rule.pk])
    response = admin_client.post(url, _admin_form(rule, offset_days=-3))
    assert response.status_code == 302, response.content.decode()[:2000]
    rule.refresh_from_db()
    expected = schedule.local_due_time(
        anchor_date=rule.ballot.date,
        offset_days=-3,
        local_time=datetime.time(9, 0),
        zone=rule.campaign.time_zone,
    )
    assert list(rule.reminders.values_list("due_at", "status")) == [
        (expected, "pending")
    ]


def test_the_admin_refuses_a_result_message_not_counted_from_its_ballot(
    admin_client,
):
    template = ReminderRuleFactory()
    response = admin_client.post(
        reverse("admin:letters_reminderrule_add"),
        _admin_form(
            template,
            anchor=ReminderRule.Anchor.LETTER_DEADLINE,
            audience=ReminderRule.Audience.SUBSCRIBERS_RESULT,
            letter_id=7,
        ),
    )
    assert response.status_code == 200
    assert "A result message counts from its ballot." in response.content.decode()
    assert ReminderRule.objects.count() == 1
