"""The production configuration passes Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="k8#Qz!w2@Lr5^Tn0&Yp7*Vb4(Hs1)Gd9-Jm3+Xc6=Fa" * 2,
        ALLOWED_HOSTS="votes.example.org",
        SITE_URL="https://votes.example.org",
        VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {"DEBUG": "false", "SECRET_KEY": "", "VAR_DIR": str(tmp_path)}
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_development_check_deploy_would_warn(tmp_path):
    """The deploy check is not vacuous: development settings fail it."""
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="true",
        VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0


def test_unit_tests_never_use_the_filesystem_broker_of_make_run():
    assert not settings.CELERY_BROKER_URL.startswith("filesystem")
    assert settings.CELERY_TASK_ALWAYS_EAGER is False


@pytest.mark.parametrize("name", ["DATABASE_URL", "REDIS_URL"])
def test_services_are_used_when_configured(name):
    value = os.environ.get(name)
    if not value:
        pytest.skip(f"{name} is not set")
    if name == "DATABASE_URL":
        expected = value.split("://")[0]
        assert expected.startswith(("postgres", "sqlite"))
        if expected.startswith("postgres"):
            assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    else:
        assert value == settings.CELERY_BROKER_URL


def procfile_worker_queues() -> set[str]:
    line = next(
        line
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line.startswith("worker:")
    )
    words = line.split()
    return set(words[words.index("-Q") + 1].split(","))


def test_the_procfile_worker_consumes_every_queue_a_task_is_routed_to():
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed  # the ledger's sends have a queue of their own
    assert routed | {"celery"} <= procfile_worker_queues()


def test_every_beat_entry_names_a_task_the_worker_knows():
    from campaign.celery import app

    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {
        "worker-heartbeat",
        "dispatch-due-reminders",
        "send-alert-digests",
        "sweep-deliveries",
    } <= set(schedule)
    assert {entry["task"] for entry in schedule.values()} <= set(app.tasks)
