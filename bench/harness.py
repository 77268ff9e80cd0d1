"""Processes the drill and the benchmark start: Redis, an SMTP sink, Celery workers."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


class Stack:
    """Everything one run starts; stops only what it started."""

    def __init__(
        self,
        workdir: Path,
        *,
        lease: int,
        time_limit: int,
        extra_env=None,
        redis_config: Path | None = None,
    ):
        self.workdir = workdir
        self.redis_port = free_port()
        self.smtp_port = free_port()
        self.web_port = free_port()
        self.redis_config = redis_config
        self.redis: subprocess.Popen | None = None
        self.sink: subprocess.Popen | None = None
        self.workers: dict[str, subprocess.Popen] = {}
        self.services: list[subprocess.Popen] = []
        database_url = os.environ.get("DATABASE_URL") or (
            f"sqlite:///{workdir / 'ledger.sqlite3'}"
        )
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"},
            "DJANGO_SETTINGS_MODULE": "campaign.settings",
            "DEBUG": "true",
            "VAR_DIR": str(workdir / "var"),
            "DATABASE_URL": database_url,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp_port}",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_LEASE_SECONDS": str(lease),
            "EMAIL_TASK_TIME_LIMIT": str(time_limit),
            "LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
        self.env.pop("CELERY_BROKER_URL", None)
        self.env.pop("CELERY_RESULT_BACKEND", None)

    def apply_env(self) -> None:
        """Configure this process (before Django starts) like the workers."""
        os.environ.clear()
        os.environ.update(self.env)
        sys.path.insert(0, str(ROOT))

    def start_redis(self) -> None:
        (self.workdir / "redis").mkdir(exist_ok=True)
        # The production file first (deploy/redis.conf), then this run's place.
        config = [str(self.redis_config)] if self.redis_config else []
        self.redis = subprocess.Popen(
            [
                "redis-server",
                *config,
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--dir",
                str(self.workdir / "redis"),
                "--logfile",
                str(self.workdir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_port(self.redis_port)

    def restart_redis(self) -> float:
        """Stop Redis (it writes its append-only file) and start it again."""
        started = time.monotonic()
        self.redis.terminate()
        self.redis.wait(timeout=30)
        self.start_redis()
        return time.monotonic() - started

    def start_sink(self, *, refuse: float = 0.0, log: Path | None = None) -> None:
        command = [
            sys.executable,
            "-m",
            "bench.smtp_sink",
            "--port",
            str(self.smtp_port),
            "--refuse",
            str(refuse),
        ]
        if log:
            command += ["--log", str(log)]
        self.sink = subprocess.Popen(command, cwd=ROOT, env=self.env)
        wait_port(self.smtp_port)

    def start_worker(
        self, name: str, *, concurrency: int, queues: str = "email"
    ) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "campaign",
                "worker",
                "-Q",
                queues,
                "--pool",
                "prefork",
                "--concurrency",
                str(concurrency),
                "--prefetch-multiplier",
                "1",
                "--hostname",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group, so a kill reaches its pool and nothing else.
            start_new_session=True,
        )
        self.workers[name] = process
        return process

    def _service(self, name: str, command: list[str], **extra) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**self.env, **extra},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.services.append(process)
        return process

    def start_beat(self) -> subprocess.Popen:
        return self._service(
            "beat",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "campaign",
                "beat",
                "--loglevel",
                "WARNING",
                "--schedule",
                str(self.workdir / "celerybeat-schedule"),
            ],
        )

    def start_web(self, *, workers: int = 2) -> str:
        """The site under gunicorn with deploy/gunicorn.conf.py; returns its URL."""
        self._service(
            "web",
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "--config",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
            ],
            GUNICORN_BIND=f"127.0.0.1:{self.web_port}",
            GUNICORN_WORKERS=str(workers),
        )
        wait_port(self.web_port, timeout=60)
        return f"http://127.0.0.1:{self.web_port}"

    def pool_children(self, name: str) -> list[int]:
        pid = self.workers[name].pid
        try:
            text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def kill_worker(self, name: str) -> None:
        """SIGKILL a worker's whole process group (one this run started)."""
        process = self.workers[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self) -> None:
        for process in self.services:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        for name, process in self.workers.items():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=10)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    self.kill_worker(name)
        for process in (self.sink, self.redis):
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from campaign.models import MemberState
    from campaign.services import load_registry

    if MemberState.objects.members().count() < 193:
        load_registry()


def recipients(count: int):
    """Drill recipients: addresses at example.org, spread over the member states."""
    from campaign.models import MemberState, UNLanguage
    from letters.delivery import Recipient

    states = list(MemberState.objects.members().order_by("iso3"))
    languages = list(UNLanguage.values)
    return [
        Recipient(
            email=f"drill-{i}@missions.example.org",
            language=languages[i % len(languages)],
            state=states[i % len(states)],
        )
        for i in range(count)
    ]


SUBJECT = "{{ state_name }}: please vote yes on A/C.3/69/L.28/Rev.1"
TEXT = (
    "Your Excellency,\n\n{{ state_name }} ({{ state_iso3 }}, {{ language }}): "
    "the coalition asks you to vote yes.\n"
)
HTML = "<p>Your Excellency,</p><p>{{ state_name }}: please vote yes.</p>"
