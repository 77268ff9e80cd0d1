"""A real Celery worker, on the configured broker (Redis in CI), doing real work."""

import pytest
from django.conf import settings

from campaign.celery import app
from campaign.models import Ballot, MemberState, Vote
from campaign.tasks import refresh_ballot_outcome

from .factories import BallotFactory
from .mail_helpers import wait_for

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]


def test_a_queued_task_runs_in_a_real_worker_and_changes_the_database(worker):
    ballot = BallotFactory()
    for iso3, position in [("FRA", "Y"), ("JPN", "Y"), ("CUB", "N")]:
        Vote.objects.create(
            ballot=ballot, state=MemberState.objects.get(iso3=iso3), position=position
        )
    assert ballot.outcome == "pending"

    refresh_ballot_outcome.delay(ballot.pk)

    assert wait_for(lambda: Ballot.objects.get(pk=ballot.pk).outcome == "adopted")
    assert Ballot.objects.get(pk=ballot.pk).version == 1


def test_the_broker_in_ci_is_redis(request):
    if not settings.REDIS_URL:
        pytest.skip("Redis is not configured (set REDIS_URL)")
    request.getfixturevalue("redis_url")
    assert app.conf.broker_url.startswith("redis://")
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
