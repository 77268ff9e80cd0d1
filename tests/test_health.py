import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from campaign.celery import app
from campaign.views import health

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_reports_every_part_alive_through_a_worker_round_trip(client, request):
    if settings.REDIS_URL:
        request.getfixturevalue("redis_url")
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        response = client.get("/healthz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["broker"]["ok"]
    assert body["worker"]["ok"] and body["worker"]["round_trip_ms"] >= 0


def test_healthz_answers_503_when_no_worker_answers(client, monkeypatch):
    monkeypatch.setattr(health, "WORKER_TIMEOUT", 0.5)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["worker"]["ok"] is False
    assert "no worker answered" in body["worker"]["error"]
    assert body["database"]["ok"] is True


def test_healthz_answers_503_when_the_database_fails(client, monkeypatch):
    def broken():
        raise RuntimeError("database is down")

    monkeypatch.setattr(health, "_check_database", broken)
    monkeypatch.setattr(health, "WORKER_TIMEOUT", 0.2)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == {
        "ok": False,
        "error": "RuntimeError: database is down",
    }
