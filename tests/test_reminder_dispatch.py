import datetime
import sys
import threading
import types

import pytest
import time_machine
from django.core import mail
from django.db import connection

from accounts.models import Role
from campaign.models import (
    Cosponsorship,
    MemberState,
    Mission,
    Outcome,
    Stance,
    Vote,
)
from letters import audiences, schedule
from letters.reminders import Reminder, ReminderRule

from .factories import (
    CampaignFactory,
    DocumentFactory,
    MembershipFactory,
    MissionContactFactory,
    ReminderRuleFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
# 7 days before the 2014-11-18 Third Committee vote, 09:00 New York (EST).
DUE = datetime.datetime(2014, 11, 11, 14, 0, tzinfo=UTC)


@pytest.fixture
def dispatch(eager_tasks, django_capture_on_commit_callbacks):
    def run(at: datetime.datetime, **kwargs):
        with (
            time_machine.travel(at, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return schedule.dispatch_due_reminders(**kwargs)

    return run


@pytest.fixture
def digest_rule():
    campaign = CampaignFactory()
    for role in (Role.DRAFTER, Role.VIEWER):
        MembershipFactory(organisation=campaign.lead, role=role)
    Stance.objects.create(
        campaign=campaign,
        state=MemberState.objects.get(iso3="IDN"),
        position=Stance.Position.UNDECIDED,
        owner_organisation=campaign.lead,
    )
    return schedule.save_reminder_rule(rule=ReminderRuleFactory(campaign=campaign))


def test_a_due_reminder_goes_once_to_each_of_its_audience(digest_rule, dispatch):
    assert dispatch(DUE - datetime.timedelta(minutes=1)).sent == 0
    assert mail.outbox == []

    report = dispatch(DUE + datetime.timedelta(seconds=30))
    dispatch(DUE + datetime.timedelta(minutes=1))
    dispatch(DUE + datetime.timedelta(minutes=2))

    assert report.sent == 1
    assert len(mail.outbox) == 2
    assert {m.to[0] for m in mail.outbox} == {
        r.email for r in audiences.campaign_staff(campaign=digest_rule.campaign)
    }
    reminder = digest_rule.reminders.get()
    assert reminder.status == Reminder.Status.SENT
    assert reminder.recipient_count == 2
    assert reminder.sent_at == DUE + datetime.timedelta(seconds=30)


def test_the_staff_digest_lists_undecided_states_and_their_owners(
    digest_rule, dispatch
):
    dispatch(DUE)
    body = mail.outbox[0].body
    assert "Indonesia: Undecided; owner: " + digest_rule.campaign.lead.short_name in (
        body
    )
    assert "Letters awaiting sign-off (0)" in body


def test_after_downtime_a_missed_reminder_is_sent_once_on_return(digest_rule, dispatch):
    back = DUE + datetime.timedelta(days=3)
    dispatch(back)
    dispatch(back + datetime.timedelta(minutes=1))
    assert len(mail.outbox) == 2
    assert digest_rule.reminders.get().status == Reminder.Status.SENT


def test_a_reminder_later_than_its_rule_allows_is_skipped_with_the_reason(
    digest_rule, dispatch
):
    digest_rule.skip_if_late_by = datetime.timedelta(hours=2)
    schedule.save_reminder_rule(rule=digest_rule)

    report = dispatch(DUE + datetime.timedelta(hours=3))

    assert report.skipped == 1
    assert mail.outbox == []
    reminder = digest_rule.reminders.get()
    assert reminder.status == Reminder.Status.SKIPPED
    assert reminder.note == "Missed its moment by 3 h (the rule allows 2 h)."


def test_a_paused_rule_waits_and_goes_once_resumed(digest_rule, dispatch):
    schedule.set_rule_status(rule=digest_rule, status=ReminderRule.Status.PAUSED)
    dispatch(DUE + datetime.timedelta(minutes=5))
    assert mail.outbox == []
    schedule.set_rule_status(rule=digest_rule, status=ReminderRule.Status.ACTIVE)
    dispatch(DUE + datetime.timedelta(minutes=6))
    assert len(mail.outbox) == 2


def test_a_row_claimed_elsewhere_is_left_alone_until_its_lease_lapses(
    digest_rule, dispatch
):
    reminder = digest_rule.reminders.get()
    assert schedule.claim_reminder(reminder_id=reminder.pk, worker="other", now=DUE)
    assert not schedule.claim_reminder(reminder_id=reminder.pk, worker="me", now=DUE)

    dispatch(DUE + datetime.timedelta(minutes=5))
    assert mail.outbox == []

    # The other dispatcher died before committing: nothing of it was queued.
    dispatch(DUE + schedule.CLAIM_LEASE + datetime.timedelta(minutes=1))
    assert len(mail.outbox) == 2
    dispatch(DUE + 2 * schedule.CLAIM_LEASE + datetime.timedelta(minutes=1))
    assert len(mail.outbox) == 2


def test_an_error_while_sending_rolls_back_and_retries_then_fails(
    digest_rule, dispatch, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr(schedule, "send_reminder", broken)
    for minute in range(schedule.MAX_ATTEMPTS):
        dispatch(DUE + datetime.timedelta(minutes=minute))
    reminder = digest_rule.reminders.get()
    assert reminder.status == Reminder.Status.FAILED
    assert "template missing" in reminder.note
    assert mail.outbox == []


def result_rule(**kwargs):
    campaign = CampaignFactory()
    return schedule.save_reminder_rule(
        rule=ReminderRuleFactory(
            campaign=campaign,
            audience=ReminderRule.Audience.SUBSCRIBERS_RESULT,
            offset_days=0,
            local_time=datetime.time(18, 0),
            **kwargs,
        )
    )


def test_the_result_waits_for_the_ballot_then_reaches_subscribers_once(dispatch):
    rule = result_rule()
    series = rule.campaign.series
    confirmed = SubscriptionFactory(series=series)
    SubscriptionFactory(series=series, confirmed_at=None)
    SubscriptionFactory(
        series=series, unsubscribed_at=datetime.datetime(2014, 11, 2, tzinfo=UTC)
    )
    due = datetime.datetime(2014, 11, 18, 23, 0, tzinfo=UTC)

    assert dispatch(due).deferred == 1
    assert mail.outbox == []
    assert "Waiting for the ballot" in rule.reminders.get().note

    ballot = rule.ballot
    for iso3, position in [("FRA", "Y"), ("JPN", "Y"), ("CUB", "N")]:
        Vote.objects.create(
            ballot=ballot, state=MemberState.objects.get(iso3=iso3), position=position
        )
    ballot.outcome = Outcome.ADOPTED
    ballot.save()
    # Still inside the recheck interval: the dispatcher leaves it.
    dispatch(due + datetime.timedelta(minutes=1))
    assert mail.outbox == []
    assert schedule.notify_subscribers_of_result(ballot=ballot) == 1
    dispatch(due + datetime.timedelta(minutes=2))
    dispatch(due + datetime.timedelta(minutes=10))

    assert [m.to for m in mail.outbox] == [[confirmed.email]]
    message = mail.outbox[0]
    assert message.subject.startswith("Adopted: ")
    assert "2 in favour, 1 against" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith(
        f"<http://127.0.0.1:8000/unsubscribe/{confirmed.token}/>, <mailto:"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )


def test_a_result_never_recorded_is_skipped_once_too_late(dispatch):
    rule = result_rule(skip_if_late_by=datetime.timedelta(days=2))
    SubscriptionFactory(series=rule.campaign.series)
    due = datetime.datetime(2014, 11, 18, 23, 0, tzinfo=UTC)
    dispatch(due)
    dispatch(due + datetime.timedelta(days=3))
    assert rule.reminders.get().status == Reminder.Status.SKIPPED
    assert mail.outbox == []


def persuadable_campaign():
    campaign = CampaignFactory()
    draft = DocumentFactory(series=campaign.series, session=campaign.session)
    for iso3, position in [
        ("IDN", Stance.Position.UNDECIDED),
        ("BRA", Stance.Position.LEANING_YES),
        ("FRA", Stance.Position.COMMITTED_YES),
    ]:
        Stance.objects.create(
            campaign=campaign,
            state=MemberState.objects.get(iso3=iso3),
            position=position,
        )
    Cosponsorship.objects.create(
        document=draft,
        state=MemberState.objects.get(iso3="FRA"),
        since=datetime.date(2014, 10, 30),
    )
    for iso3 in ("IDN", "BRA", "FRA"):
        MissionContactFactory(
            mission=Mission.objects.get(state__iso3=iso3, city="new-york"),
            email=f"{iso3.lower()}@missions.example",
        )
    return campaign


def test_missions_audiences_follow_stances_and_cosponsorships():
    campaign = persuadable_campaign()
    undecided = audiences.missions_to_follow_up(
        campaign=campaign, mission_filter="undecided"
    )
    persuadable = audiences.missions_to_follow_up(
        campaign=campaign, mission_filter="persuadable"
    )
    not_cosponsoring = audiences.missions_to_follow_up(
        campaign=campaign, mission_filter="not-cosponsoring"
    )
    assert [r.email for r in undecided] == ["idn@missions.example"]
    assert [r.email for r in persuadable] == [
        "bra@missions.example",
        "idn@missions.example",
    ]
    assert persuadable[0].reason == "Brazil: leaning yes"
    assert [r.email for r in not_cosponsoring] == [
        "bra@missions.example",
        "idn@missions.example",
    ]


def test_a_follow_up_appeal_without_an_approved_letter_is_skipped(dispatch):
    campaign = persuadable_campaign()
    rule = schedule.save_reminder_rule(
        rule=ReminderRuleFactory(
            campaign=campaign, audience=ReminderRule.Audience.MISSIONS_FOLLOW_UP
        )
    )
    assert len(audiences.audience_for(rule)) == 2
    dispatch(DUE)
    reminder = rule.reminders.get()
    assert reminder.status == Reminder.Status.SKIPPED
    assert "sign-off gate" in reminder.note
    assert mail.outbox == []


def test_letter_audiences_are_empty_with_a_warning_while_letters_are_absent(
    caplog, monkeypatch
):
    # A letters.models without Letter, CoSigner and SignOff, as on this branch.
    monkeypatch.setitem(sys.modules, "letters.models", types.ModuleType("m"))
    with caplog.at_level("WARNING"):
        assert audiences.pending_cosigners(letter_id=1) == []
    assert "Joint letters are not installed" in caplog.text
    assert audiences.letter_deadline(letter_id=1) is None


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_on_postgresql_send_each_reminder_once(eager_tasks):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    campaign = CampaignFactory()
    MembershipFactory(organisation=campaign.lead, role=Role.DRAFTER)
    rules = [
        schedule.save_reminder_rule(
            rule=ReminderRuleFactory(campaign=campaign, name=f"Rule {n}")
        )
        for n in range(20)
    ]
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def run(name):
        try:
            barrier.wait()
            reports.append(
                schedule.dispatch_due_reminders(
                    now=DUE + datetime.timedelta(minutes=1), worker=name
                )
            )
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(f"d{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sum(r.sent for r in reports) == 20
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == sorted(r.subject for r in rules)
    claimed_by = set(Reminder.objects.values_list("claimed_by", flat=True))
    assert claimed_by <= {"d0", "d1"}
    assert Reminder.objects.filter(status="sent").count() == 20
