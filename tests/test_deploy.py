"""The production files in deploy/ and the settings they rely on hold together."""

import datetime
import gc
import json
import logging
import os
import runpy
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import requests
from django.core.checks import run_checks

from bench.harness import free_port, wait_port
from campaign.celery import app
from letters import tasks

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def clean_env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    return {**env, **extra}


def production_env(tmp_path, **extra) -> dict[str, str]:
    return clean_env(
        DEBUG="false",
        SECRET_KEY="k8#Qz!w2@Lr5^Tn0&Yp7*Vb4(Hs1)Gd9-Jm3+Xc6=Fa" * 2,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **extra,
    )


def test_broker_redis_keeps_every_write_and_evicts_nothing(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (apt-get install -y redis-server)")
    port = free_port()
    server = subprocess.Popen(
        [
            "redis-server",
            str(DEPLOY / "redis.conf"),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_port(port)
        client = redis.Redis(port=port)
        config = client.config_get("appendonly") | client.config_get("maxmemory-policy")
        assert config == {"appendonly": "yes", "maxmemory-policy": "noeviction"}
        client.lpush("email", "a task")
        server.terminate()
        server.wait(timeout=10)
        server = subprocess.Popen(server.args, stdout=subprocess.DEVNULL)
        wait_port(port)
        assert redis.Redis(port=port).lrange("email", 0, -1) == [b"a task"]
    finally:
        server.terminate()
        server.wait(timeout=10)


def gunicorn(env: dict, **output) -> subprocess.Popen:
    """The site under gunicorn with the production settings file."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--config",
            str(DEPLOY / "gunicorn.conf.py"),
        ],
        cwd=ROOT,
        env=env,
        **output,
    )


def test_gunicorn_serves_with_threads_and_logs_json_lines(tmp_path):
    port = free_port()
    env = production_env(
        tmp_path,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_THREADS="3",
        LOG_LEVEL="INFO",
    )
    log = tmp_path / "web.log"
    with log.open("wb") as out:
        server = gunicorn(env, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_port(port, timeout=60)
            answer = requests.get(
                f"http://127.0.0.1:{port}/api/openapi.json?x=1", timeout=30
            )
            time.sleep(0.5)
        finally:
            server.terminate()
            server.wait(timeout=30)
    # Every line, from stdout and stderr, is one JSON object.
    lines = [json.loads(line) for line in log.read_text().splitlines() if line]
    assert any(line["message"] == "Using worker: gthread" for line in lines)
    [access] = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert access["path"] == "/api/openapi.json"
    assert access["query"] == "x=1"
    assert access["status"] == answer.status_code == 200
    assert isinstance(access["duration_ms"], int)


def log_line(tmp_path, **extra) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "import logging; logging.getLogger('letters.delivery').warning("
            "'replaying %d', 3, extra={'mailing': 7})",
        ],
        cwd=ROOT,
        env=production_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_production_logs_are_json_lines_on_stdout(tmp_path):
    line = json.loads(log_line(tmp_path))
    assert line["level"] == "WARNING"
    assert line["logger"] == "letters.delivery"
    assert line["message"] == "replaying 3"
    assert line["mailing"] == 7
    assert "time" in line


def test_log_format_plain_gives_text(tmp_path):
    line = log_line(tmp_path, LOG_FORMAT="plain")
    assert line.endswith("WARNING letters.delivery replaying 3")


def test_send_task_limit_lease_and_visibility_fit_together():
    from django.conf import settings

    lease = settings.EMAIL_LEASE_SECONDS
    task = tasks.send_delivery
    assert task.time_limit == settings.EMAIL_TASK_TIME_LIMIT < lease
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout")
    if visibility is not None:  # Redis (or another broker with the option)
        assert app.conf.broker_transport_options["visibility_timeout"] == visibility
        assert visibility >= 10 * lease
    assert [
        m for m in run_checks(include_deployment_checks=True) if "letters" in m.id
    ] == []


def test_mail_timings_that_do_not_fit_are_reported(settings):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 300}
    settings.EMAIL_LEASE_SECONDS = 120
    settings.EMAIL_TASK_TIME_LIMIT = 120
    found = {
        m.id
        for m in run_checks(include_deployment_checks=True)
        if m.id.startswith("letters")
    }
    assert found == {"letters.W001", "letters.W002"}


def test_gunicorn_workers_keep_the_loaded_site_out_of_the_collectors_passes():
    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    threshold = gc.get_threshold()
    try:
        settings["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == settings["GC_THRESHOLD"] >= 10_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
    assert settings["max_requests"] >= 100_000


def test_an_empty_gunicorn_access_log_setting_turns_access_lines_off(monkeypatch):
    monkeypatch.setenv("GUNICORN_ACCESS_LOG", "")
    quiet = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    monkeypatch.setenv("GUNICORN_ACCESS_LOG", "-")
    logged = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    level = {
        name: settings["logconfig_dict"]["loggers"]["gunicorn.access"]["level"]
        for name, settings in (("quiet", quiet), ("logged", logged))
    }
    assert level == {"quiet": "WARNING", "logged": "INFO"}


@pytest.mark.parametrize("access_log, lines", [("", 0), ("-", 1)])
def test_gunicorn_builds_an_access_line_only_for_an_access_log(
    monkeypatch, access_log, lines
):
    """Gunicorn builds each request's access line whenever a logging dict is
    given: the site's logger builds none when the log is off."""
    from gunicorn.config import Config

    monkeypatch.setenv("GUNICORN_ACCESS_LOG", access_log)
    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    cfg = Config()
    for name in ("accesslog", "logconfig_dict", "logger_class"):
        cfg.set(name, settings[name])
    built = []
    logger_class = cfg.logger_class
    monkeypatch.setattr(
        logger_class, "atoms", lambda self, *args: built.append(args) or {"s": "200"}
    )
    # Not set up: that would point this process's logging at stdout.
    logger = logger_class.__new__(logger_class)
    logger.cfg = cfg
    logger.access_log = logging.getLogger("tests.gunicorn.access")
    logger.access(object(), object(), {}, datetime.timedelta(milliseconds=3))
    assert len(built) == lines


def _listening_sockets(port: int) -> set[str]:
    """The inodes of the sockets listening on ``port`` (/proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == port:
            found.add(fields[9])
    return found


def _sockets_of(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")
def test_each_gunicorn_worker_listens_on_a_socket_of_its_own(tmp_path):
    """So that the kernel spreads connections between workers, rather than
    one worker taking a whole burst from a shared socket."""
    port = free_port()
    env = production_env(
        tmp_path,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="2",
    )
    server = gunicorn(env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, timeout=60)
        deadline = time.monotonic() + 60
        while len(_listening_sockets(port)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        listening = _listening_sockets(port)
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
        workers = [int(pid) for pid in children.read_text().split()]
        assert len(workers) == 2
        owned = [_sockets_of(pid) & listening for pid in workers]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert len(listening) == 2
    assert all(len(sockets) == 1 for sockets in owned)
    assert owned[0] != owned[1]
