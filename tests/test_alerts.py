import datetime

import pytest
import time_machine
from django.core import mail

from accounts.models import Role
from campaign.models import Cosponsorship, MemberState, Stance
from letters import alerts
from letters.reminders import AlertEvent, Follow

from .factories import (
    CampaignFactory,
    DocumentFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
MORNING = datetime.datetime(2014, 11, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def sent(eager_tasks, django_capture_on_commit_callbacks):
    """Run a callable with on-commit publishing executed; return new messages."""

    def run(fn, *args, **kwargs):
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            fn(*args, **kwargs)
        return mail.outbox[before:]

    return run


def cosponsor(document, iso3, at):
    Cosponsorship.objects.create(
        document=document,
        state=MemberState.objects.get(iso3=iso3),
        since=at.date(),
    )
    return alerts.record_alert_event(
        kind=AlertEvent.Kind.COSPONSOR_ADDED,
        summary=f"{iso3} cosponsors {document.symbol}",
        document=document,
        state=MemberState.objects.get(iso3=iso3),
        at=at,
    )


def test_an_immediate_follower_hears_of_a_new_cosponsor_with_counts_by_group(sent):
    document = DocumentFactory()
    user = UserFactory()
    alerts.follow(user=user, series=document.series, frequency="immediate")
    Cosponsorship.objects.create(
        document=document,
        state=MemberState.objects.get(iso3="JPN"),
        since=datetime.date(2014, 11, 1),
    )

    [message] = sent(cosponsor, document, "FRA", MORNING)

    assert message.to == [user.email]
    assert "FRA cosponsors" in message.subject
    assert f"Cosponsors of {document.symbol} now: 2" in message.body
    assert "APG 1" in message.body and "WEOG 1" in message.body


def test_following_a_state_hears_of_it_on_any_resolution(sent):
    user = UserFactory()
    alerts.follow(
        user=user, state=MemberState.objects.get(iso3="FRA"), frequency="immediate"
    )
    assert len(sent(cosponsor, DocumentFactory(), "FRA", MORNING)) == 1
    assert sent(cosponsor, DocumentFactory(), "JPN", MORNING) == []


def test_a_stance_change_reaches_only_the_coalitions_staff(sent):
    campaign = CampaignFactory()
    insider = MembershipFactory(organisation=campaign.lead, role=Role.VIEWER).user
    outsider = MembershipFactory(role=Role.ADMIN).user
    for user in (insider, outsider):
        alerts.follow(user=user, series=campaign.series, frequency="immediate")
    Stance.objects.create(
        campaign=campaign,
        state=MemberState.objects.get(iso3="IDN"),
        position=Stance.Position.LEANING_YES,
    )

    messages = sent(
        alerts.record_alert_event,
        kind=AlertEvent.Kind.STANCE_CHANGED,
        summary="Indonesia: leaning yes",
        campaign=campaign,
        state=MemberState.objects.get(iso3="IDN"),
    )

    assert [m.to for m in messages] == [[insider.email]]
    assert "leaning-yes 1" in messages[0].body


def test_the_daily_digest_gathers_each_event_once_however_often_it_runs(sent):
    document = DocumentFactory()
    user = UserFactory()
    with time_machine.travel(MORNING - datetime.timedelta(days=1), tick=False):
        alerts.follow(user=user, series=document.series, frequency="daily")
        alerts.follow(
            user=user, state=MemberState.objects.get(iso3="FRA"), frequency="daily"
        )
    assert sent(cosponsor, document, "FRA", MORNING) == []  # not immediate
    cosponsor(document, "DEU", MORNING + datetime.timedelta(hours=1))

    run = MORNING + datetime.timedelta(hours=3)
    [digest] = sent(alerts.send_alert_digests, now=run)
    again = sent(alerts.send_alert_digests, now=run + datetime.timedelta(minutes=1))

    assert again == []
    assert digest.to == [user.email]
    assert digest.subject == "[Daily alerts] 2 change(s)"
    assert digest.body.count("FRA cosponsors") == 1
    assert "DEU cosponsors" in digest.body
    later = cosponsor(document, "ITA", run + datetime.timedelta(hours=1))
    [next_day] = sent(alerts.send_alert_digests, now=run + datetime.timedelta(days=1))
    assert later.summary in next_day.body
    assert "FRA cosponsors" not in next_day.body


def test_following_twice_changes_the_frequency_not_the_count():
    user = UserFactory()
    series = DocumentFactory().series
    alerts.follow(user=user, series=series, frequency="immediate")
    alerts.follow(user=user, series=series, frequency="daily")
    assert list(Follow.objects.values_list("frequency", flat=True)) == ["daily"]
