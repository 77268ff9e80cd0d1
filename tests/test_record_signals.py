"""Changes to the record reach alerts and result reminders, only when they commit."""

import datetime
import logging

import pytest
import time_machine
from django.core import mail
from django.db import transaction

from accounts.models import Role
from campaign import services
from campaign.models import Cosponsorship, MemberState, Outcome, Stance
from campaign.vote_import import import_votes
from letters import alerts, schedule
from letters.ledger import Delivery, Mailing
from letters.reminders import AlertEvent, Reminder, ReminderRule

from .factories import (
    BallotFactory,
    CampaignFactory,
    DocumentFactory,
    MembershipFactory,
    ReminderRuleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

D1 = datetime.date(2014, 11, 3)
UTC = datetime.UTC


class Undone(Exception):
    """Raised to roll back the transaction around a change."""


def state(iso3):
    return MemberState.objects.get(iso3=iso3)


@pytest.fixture
def clerk():
    return MembershipFactory(role=Role.DRAFTER).user


@pytest.fixture
def committed(eager_tasks, django_capture_on_commit_callbacks):
    """Run a change as a request would: commit, publish, let the worker send."""

    def run(fn, /, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def rolled_back(change, /, **kwargs):
    with pytest.raises(Undone), transaction.atomic():
        change(**kwargs)
        raise Undone


def follower_of(series, frequency="immediate"):
    user = UserFactory()
    alerts.follow(user=user, series=series, frequency=frequency)
    return user


# Votes


def test_recording_votes_alerts_the_series_followers_through_the_ledger(
    clerk, committed
):
    ballot = BallotFactory()
    user = follower_of(ballot.document.series)

    committed(
        services.record_votes,
        ballot=ballot,
        positions={"FRA": "Y", "JPN": "Y", "CUB": "N"},
        by=clerk,
    )

    event = AlertEvent.objects.get()
    assert event.kind == AlertEvent.Kind.VOTE_RECORDED
    assert "2 in favour, 1 against, 0 abstentions (Adopted)" in event.summary
    assert event.context["tally"]["yes"] == 2
    row = Delivery.objects.get()
    assert row.mailing.kind == Mailing.Kind.ALERT
    assert row.to_email == user.email and row.contact is None
    assert row.headers["X-Campaign-Kind"] == "alert"
    [message] = mail.outbox
    assert message.to == [user.email]
    assert message.extra_headers["Message-ID"] == row.message_id
    assert "Recorded: 2-1-0" in message.body
    assert Delivery.objects.get().status == "sent"


def test_votes_rolled_back_leave_no_event_and_no_mail(clerk, committed):
    ballot = BallotFactory()
    follower_of(ballot.document.series)

    committed(
        rolled_back,
        services.record_votes,
        ballot=ballot,
        positions={"FRA": "Y"},
        by=clerk,
    )

    assert not ballot.votes.exists()
    assert not AlertEvent.objects.exists()
    assert not Delivery.objects.exists()
    assert mail.outbox == []


def test_a_ballot_nobody_follows_records_no_vote_event(clerk):
    services.record_votes(ballot=BallotFactory(), positions={"FRA": "Y"}, by=clerk)
    assert not AlertEvent.objects.exists()


def test_saving_the_same_positions_again_alerts_nobody_again(clerk, committed):
    ballot = BallotFactory()
    follower_of(ballot.document.series)
    for _ in range(2):
        committed(
            services.record_votes, ballot=ballot, positions={"FRA": "Y"}, by=clerk
        )
    assert AlertEvent.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_failing_alert_is_logged_and_the_votes_stand(clerk, monkeypatch, caplog):
    ballot = BallotFactory()
    follower_of(ballot.document.series)

    def broken(**kwargs):
        AlertEvent.objects.create(
            kind="vote-recorded", summary="half", created_at=datetime.datetime.now(UTC)
        )
        raise RuntimeError("template missing")

    monkeypatch.setattr(alerts, "alert_votes_recorded", broken)
    with caplog.at_level(logging.ERROR, logger="letters.receivers"):
        report = services.record_votes(ballot=ballot, positions={"FRA": "Y"}, by=clerk)

    assert report.created == 1 and ballot.votes.count() == 1
    assert not AlertEvent.objects.exists()  # its half-done writes went with it
    assert "the change to the record stands" in caplog.text


def test_an_import_alerts_followers_of_the_changed_ballots_series(committed):
    followed, other = BallotFactory(), BallotFactory()
    user = follower_of(followed.document.series)
    data = (
        "ballot,state,vote\n"
        f"{followed.pk},France,yes\n"
        f"{followed.pk},Cuba,no\n"
        f"{other.pk},Japan,yes\n"
    )

    committed(import_votes, data=data)
    committed(import_votes, data=data)  # unchanged the second time

    event = AlertEvent.objects.get()
    assert event.context["ballot"] == str(followed)
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_an_import_rolled_back_records_nothing():
    ballot = BallotFactory()
    follower_of(ballot.document.series)
    rolled_back(import_votes, data=f"ballot,state,vote\n{ballot.pk},France,yes\n")
    assert not ballot.votes.exists()
    assert not AlertEvent.objects.exists()
    assert not Delivery.objects.exists()


# Results awaited by subscribers


@pytest.fixture
def awaiting_result():
    """A result reminder due and deferred: the ballot's result is not in yet."""
    rule = ReminderRuleFactory(
        audience=ReminderRule.Audience.SUBSCRIBERS_RESULT, offset_days=0
    )
    schedule.save_reminder_rule(rule=rule)
    due = rule.reminders.get().due_at
    with time_machine.travel(due, tick=False):
        assert schedule.dispatch_due_reminders().deferred == 1
    reminder = rule.reminders.get()
    assert reminder.deferred_until is not None
    return reminder


def woken(reminder) -> bool:
    reminder.refresh_from_db()
    return (
        reminder.status == Reminder.Status.PENDING and reminder.deferred_until is None
    )


def test_recording_the_deciding_votes_wakes_the_result_reminder(awaiting_result, clerk):
    ballot = awaiting_result.rule.ballot
    services.record_votes(ballot=ballot, positions={"FRA": "Y"}, by=clerk)
    assert woken(awaiting_result)


def test_votes_rolled_back_leave_the_result_reminder_waiting(awaiting_result, clerk):
    ballot = awaiting_result.rule.ballot
    rolled_back(services.record_votes, ballot=ballot, positions={"FRA": "Y"}, by=clerk)
    assert not woken(awaiting_result)


def test_adoption_without_a_vote_wakes_the_result_reminder(awaiting_result, clerk):
    services.adopt_without_vote(ballot=awaiting_result.rule.ballot, by=clerk)
    assert woken(awaiting_result)


def test_an_import_deciding_the_ballot_wakes_the_result_reminder(awaiting_result):
    ballot = awaiting_result.rule.ballot
    import_votes(data=f"ballot,state,vote\n{ballot.pk},France,no\n")
    ballot.refresh_from_db()
    assert ballot.outcome == Outcome.REJECTED
    assert woken(awaiting_result)


# Cosponsors


def test_new_cosponsors_make_one_event_each_and_reach_state_followers(clerk, committed):
    document = DocumentFactory()
    series_follower = follower_of(document.series)
    state_follower = UserFactory()
    alerts.follow(user=state_follower, state=state("JPN"), frequency="immediate")

    committed(
        services.add_cosponsors,
        document=document,
        names_or_states=["France", "Japan"],
        since=D1,
        source=Cosponsorship.Source.DOCUMENT,
        by=clerk,
    )

    assert sorted(AlertEvent.objects.values_list("summary", flat=True)) == [
        f"France cosponsors {document.symbol}",
        f"Japan cosponsors {document.symbol}",
    ]
    received = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert received == sorted(
        [
            (series_follower.email, f"[Alert] France cosponsors {document.symbol}"),
            (series_follower.email, f"[Alert] Japan cosponsors {document.symbol}"),
            (state_follower.email, f"[Alert] Japan cosponsors {document.symbol}"),
        ]
    )
    assert all(f"Cosponsors of {document.symbol} now: 2" in m.body for m in mail.outbox)


def test_cosponsors_rolled_back_make_no_event(clerk):
    document = DocumentFactory()
    follower_of(document.series)
    rolled_back(
        services.add_cosponsors,
        document=document,
        names_or_states=["France"],
        since=D1,
        source=Cosponsorship.Source.DOCUMENT,
        by=clerk,
    )
    assert not AlertEvent.objects.exists()


def test_a_withdrawal_is_an_event_with_the_count_after_it(clerk, committed):
    document = DocumentFactory()
    user = follower_of(document.series)
    services.add_cosponsors(
        document=document,
        names_or_states=["France", "Japan"],
        since=D1,
        source=Cosponsorship.Source.DOCUMENT,
        by=clerk,
    )
    AlertEvent.objects.all().delete()
    cosponsorship = document.cosponsorships.get(state__iso3="FRA")

    committed(
        services.withdraw_cosponsor,
        cosponsorship=cosponsorship,
        on=datetime.date(2014, 11, 10),
        by=clerk,
    )

    event = AlertEvent.objects.get()
    assert event.kind == AlertEvent.Kind.COSPONSOR_WITHDRAWN
    assert event.state == state("FRA")
    assert event.context["cosponsors"] == 1
    [message] = [m for m in mail.outbox if "withdrew" in m.subject]
    assert message.to == [user.email]


def test_a_withdrawal_rolled_back_makes_no_event(clerk):
    document = DocumentFactory()
    follower_of(document.series)
    services.add_cosponsors(
        document=document,
        names_or_states=["France"],
        since=D1,
        source=Cosponsorship.Source.DOCUMENT,
        by=clerk,
    )
    AlertEvent.objects.all().delete()
    rolled_back(
        services.withdraw_cosponsor,
        cosponsorship=document.cosponsorships.get(),
        on=datetime.date(2014, 11, 10),
        by=clerk,
    )
    assert not AlertEvent.objects.exists()
    assert document.cosponsorships.get().withdrawn_on is None


# Stances


def test_a_stance_change_is_a_private_event_for_the_coalition(committed):
    campaign = CampaignFactory()
    insider = MembershipFactory(organisation=campaign.lead, role=Role.VIEWER).user
    outsider = MembershipFactory(role=Role.ADMIN).user
    for user in (insider, outsider):
        alerts.follow(user=user, series=campaign.series, frequency="immediate")

    committed(
        services.set_stance,
        campaign=campaign,
        state=state("IDN"),
        position=Stance.Position.LEANING_YES,
        by=insider,
    )
    # Same position, other notes: not a change followers hear of.
    committed(
        services.set_stance,
        campaign=campaign,
        state=state("IDN"),
        position=Stance.Position.LEANING_YES,
        notes="Met the deputy on Tuesday.",
        by=insider,
    )

    event = AlertEvent.objects.get()
    assert (event.kind, event.campaign, event.state) == (
        AlertEvent.Kind.STANCE_CHANGED,
        campaign,
        state("IDN"),
    )
    assert [m.to for m in mail.outbox] == [[insider.email]]
    assert Delivery.objects.get().mailing.kind == Mailing.Kind.ALERT


def test_a_stance_rolled_back_makes_no_event():
    campaign = CampaignFactory()
    insider = MembershipFactory(organisation=campaign.lead, role=Role.VIEWER).user
    alerts.follow(user=insider, series=campaign.series, frequency="immediate")
    rolled_back(
        services.set_stance,
        campaign=campaign,
        state=state("IDN"),
        position=Stance.Position.UNDECIDED,
        by=insider,
    )
    assert not AlertEvent.objects.exists()
    assert not Stance.objects.exists()


def test_alerts_are_written_in_the_sites_language_whatever_the_editors(
    clerk, committed
):
    from django.utils import translation

    ballot = BallotFactory()
    follower_of(ballot.document.series)
    # A Spanish-speaking clerk's request has Spanish active when votes are saved.
    with translation.override("es"):
        committed(
            services.record_votes,
            ballot=ballot,
            positions={"FRA": "Y", "JPN": "Y", "CUB": "N"},
            by=clerk,
        )
    event = AlertEvent.objects.get()
    assert "(Adopted)" in event.summary
    [message] = mail.outbox
    assert "Aprobado" not in message.body
