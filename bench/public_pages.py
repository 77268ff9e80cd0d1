"""Requests per second for the public ballot page, cached and not, against static.

Starts the site as production runs it (gunicorn with deploy/gunicorn.conf.py,
2 workers x 4 threads, DEBUG off; no access log, no worker recycling) on a
free loopback port, over the demo loaded into DATABASE_URL if set or a scratch
SQLite database under var/bench/, and loads it with wrk at 200 connections:

- the ballot page of the fictional exercise (193 states, map, group table),
  served from the page cache ("cached": after the first request each worker
  answers in front of Django, from memory, checking the record's generation,
  which on Redis is read again only when Redis pushes word that it changed;
  campaign/pagecache.py, FrontCache);
- the same page with the page cache off (PUBLIC_PAGE_CACHE=false, a second
  server: "uncached"): no whole-page copy and no fragment of this ballot is
  kept anywhere, so every request runs the page's queries (on PostgreSQL,
  statements planned once per connection; the positions read as the
  database's triggers keep them per ballot, BallotPositions, not aggregated
  from the votes on each request) and builds all of it; only what
  does not depend on the votes is prepared once per process: compiled
  templates, the map's outlines, the URL prefix of state pages and, while the
  tokens read in the page's statement are unchanged, each state's name, link
  and group as markup per language (the registry's token) and the ballots of
  the page's series (the record's token; campaign/pages.py, pagecache.py);
- the ballot as JSON (/ballots/<id>.json), cached like the page;
- a static file of the same size as the page, served by the same server
  (WhiteNoise; the front cache lets static paths by without a look at the
  generation).

After a warm-up of BENCH_WARM_UP (3s) per target, not counted, the four take
turns for BENCH_ROUNDS rounds (5) of BENCH_DURATION (10s) each, so that every
ratio compares rates measured moments apart: a target's ratio is the median of
its rate over the static file's rate in the same round (on a shared machine
the speed drifts from round to round), and each rate printed is the median of
its rounds.

The cache is Redis when REDIS_URL is set, as in production; otherwise the
file cache under var/bench/.

Run: make bench-public (or .venv/bin/python bench/public_pages.py).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
PYTHON = sys.executable
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "200"))
DURATION = os.environ.get("BENCH_DURATION", "10s")
TIMEOUT = os.environ.get("BENCH_TIMEOUT", "5s")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
WARM_UP = os.environ.get("BENCH_WARM_UP", "3s")
TARGETS = {"cached": 0.8, "uncached": 0.15}
TARGET_ORDER = ("static", "cached", "uncached", "json")


def environment(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "VAR_DIR": str(VAR),
        "LOG_LEVEL": "WARNING",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{VAR / 'bench.sqlite3'}")
    env.update(extra)
    return env


def manage(*args: str, **extra: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=environment(**extra),
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, **extra: str):
        self.port = free_port()
        # Production's gunicorn settings (deploy/gunicorn.conf.py: gthread,
        # 2 workers x 4 threads, its collector settings), without the access
        # log (a line per request would go to this terminal) and without
        # recycling workers mid-measurement (each restart re-imports the site).
        self.process = subprocess.Popen(
            [
                str(Path(PYTHON).with_name("gunicorn")),
                "--config",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "--graceful-timeout",
                "5",
            ],
            cwd=ROOT,
            env=environment(
                GUNICORN_BIND=f"127.0.0.1:{self.port}",
                GUNICORN_WORKERS="2",
                GUNICORN_THREADS="4",
                GUNICORN_ACCESS_LOG="",
                GUNICORN_MAX_REQUESTS="0",
                **extra,
            ),
        )
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(self.url + "/static/css/site.css", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        sys.exit("gunicorn did not start")

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return response.read()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wrk(url: str, duration: str = DURATION) -> dict[str, float]:
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{duration}",
            f"--timeout={TIMEOUT}",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    latency = re.search(r"Latency\s+(\S+)", output).group(1)
    return {
        "rps": rps,
        "errors": sum(int(errors.group(i)) for i in (1, 2, 3)) if errors else 0,
        "timeouts": int(errors.group(4)) if errors else 0,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "latency": latency,
    }


def summarise(rounds: list[dict]) -> dict:
    """The median rate of the rounds, and each round's in turn; errors and
    timeouts of all of them."""
    rates = [r["rps"] for r in rounds]
    return {
        "rps": statistics.median(rates),
        "rounds": rates,
        "errors": sum(r["errors"] for r in rounds),
        "timeouts": sum(r["timeouts"] for r in rounds),
        "non_2xx": sum(r["non_2xx"] for r in rounds),
        "latency": "/".join(r["latency"] for r in rounds),
    }


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install -y wrk): cannot measure.")
        return 1
    VAR.mkdir(parents=True, exist_ok=True)
    print("Preparing the database and static files ...", flush=True)
    manage("migrate", "--noinput")
    manage("load_demo")
    # The planner's statistics, as a production server's autovacuum would have
    # gathered them after the load (a server may run with it off, as CI's does).
    manage(
        "shell",
        "-c",
        "from django.db import connection\n"
        "if connection.vendor == 'postgresql':\n"
        "    connection.cursor().execute('ANALYZE')",
    )
    manage("collectstatic", "--noinput")
    ballot_id = manage(
        "shell",
        "-c",
        "from campaign.models import Ballot; print(Ballot.objects.filter("
        "document__series__slug='exercise-ruritania', question='draft', "
        "votes__isnull=False).distinct().order_by('-date').first().pk)",
    ).split()[-1]
    page_path = f"/ballots/{ballot_id}/"

    # A static file exactly the size of the page, in place before the server
    # starts (whitenoise indexes static files at start-up).
    server = Server()
    page = server.get(page_path)
    server.stop()
    static_dir = VAR / "staticfiles" / "bench"
    static_dir.mkdir(parents=True, exist_ok=True)
    (static_dir / "same-size.html").write_bytes(page)

    # Both servers run throughout; the targets take turns, ROUNDS times, so
    # that each ratio compares measurements taken moments apart on a machine
    # whose speed drifts. Each figure is the median of its rounds.
    cached_server = Server()
    uncached_server = Server(PUBLIC_PAGE_CACHE="false")
    runs: dict[str, list[dict]] = {name: [] for name in TARGET_ORDER}
    try:
        cached_server.get(page_path)
        json_size = len(cached_server.get(f"/ballots/{ballot_id}.json"))
        print(f"Ballot page: {len(page)} bytes; JSON: {json_size} bytes.")
        paths = {
            "static": (cached_server, "/static/bench/same-size.html"),
            "cached": (cached_server, page_path),
            "uncached": (uncached_server, page_path),
            "json": (cached_server, f"/ballots/{ballot_id}.json"),
        }
        # Not counted: by the end every worker of both servers has booted
        # and answered each target (a worker still importing the site made
        # the first round's figures a third of the others').
        print(f"warm-up ({WARM_UP} per target) ...", flush=True)
        for name in TARGET_ORDER:
            server, path = paths[name]
            wrk(server.url + path, WARM_UP)
        for round_number in range(1, ROUNDS + 1):
            print(f"round {round_number} of {ROUNDS} ...", flush=True)
            for name in TARGET_ORDER:
                server, path = paths[name]
                runs[name].append(wrk(server.url + path))
    finally:
        cached_server.stop()
        uncached_server.stop()
    results = {name: summarise(rounds) for name, rounds in runs.items()}

    database = environment()["DATABASE_URL"].split(":", 1)[0]
    cache = "redis" if environment().get("REDIS_URL") else "file cache"
    print(
        f"\n{CONNECTIONS} connections, {ROUNDS} rounds of {DURATION} per target "
        f"(medians shown), wrk timeout {TIMEOUT}, gunicorn (deploy/gunicorn.conf.py) "
        "2 workers x 4 threads; "
        f"database {database}, cache {cache}\n"
        "uncached: no page or fragment of the ballot is kept; every request "
        "reads the votes and builds the page\n"
    )
    print(
        f"{'':10} {'req/s':>9} {'x static':>9} {'rounds (req/s)':>30} "
        f"{'rounds (x static)':>30} {'errors':>7} {'timeouts':>9} {'non-2xx':>8}"
    )
    failed = False
    for name in TARGET_ORDER:
        r = results[name]
        # Each round's rate over the static file's in the same round.
        ratios = [
            rate / base
            for rate, base in zip(r["rounds"], results["static"]["rounds"], strict=True)
        ]
        ratio = statistics.median(ratios)
        rounds = "/".join(f"{rate:.0f}" for rate in r["rounds"])
        by_round = "/".join(f"{x:.2f}" for x in ratios)
        print(
            f"{name:10} {r['rps']:9.0f} {ratio:9.2f} {rounds:>30} {by_round:>30} "
            f"{r['errors']:7} {r['timeouts']:9} {r['non_2xx']:8}"
        )
        if r["errors"] or r["timeouts"] or r["non_2xx"]:
            failed = True
        if name in TARGETS and ratio < TARGETS[name]:
            failed = True
    print(
        "\nTargets: cached >= 0.80 x static, uncached >= 0.15 x static; "
        "no errors, timeouts or non-2xx."
    )
    print("All targets met." if not failed else "Some targets missed.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
