"""Vote-day drill: the whole stack under a crowd, live entry and faults, in one command.

Starts, on this machine and with the production files in deploy/: PostgreSQL
(a scratch database on DATABASE_URL, or SQLite with a warning), its own
redis-server, the site under gunicorn (2 workers), 2 Celery workers, beat and
an SMTP server that records every message. Then, for DRILL_SECONDS (300; 60
with --quick): 200 wrk connections on the ballot page, the JSON API and the
embed card; a drafter entering the ballot by paste and grid, then cosponsors;
an appeal to 3 contacts at each of the 193 missions; a result reminder to
2,000 subscribers fired by beat; two SIGKILLed workers and a Redis restart.
Prints one table and a final line; exits 1 if a page answered 5xx, a save took
more than 5 s to show, or a message was lost.

Run: make drill (or .venv/bin/python -m bench.drill [--quick]).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import json
import math
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import textwrap
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.drill_staff import StaffSession, Step
from bench.harness import ROOT, Stack

VAR = ROOT / "var" / "drill"
VISIBLE_LIMIT = 5.0
# Timings shortened so that a crash is noticed within the drill, in the
# production proportions (tests/test_ledger.py): the send task's limit is under
# the lease, the broker's visibility timeout ten leases.
LEASE = 12
TIME_LIMIT = 8
VISIBILITY = 120
# The provider throttles: this share of SMTP attempts is answered 451.
THROTTLED = 0.03
WORKERS = ("worker-1", "worker-2")
WORKER_CONCURRENCY = 2
WEB_WORKERS = 2
ENDPOINTS = [
    ("ballot page", "/ballots/{id}/", 100),
    ("JSON API", "/api/ballots/{id}", 60),
    ("embed", "/ballots/{id}/embed/", 40),
]
CONTACTS_PER_MISSION = 3
SUBSCRIBERS = 2000


# The database


def _admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)


@contextlib.contextmanager
def scratch_database(workdir: Path):
    """A database of the drill's own, dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print(
            "WARNING: DATABASE_URL names no PostgreSQL server; the drill runs on "
            "SQLite, production uses PostgreSQL: its figures are not production's.",
            file=sys.stderr,
        )
        yield f"sqlite:///{workdir / 'drill.sqlite3'}", "SQLite"
        return
    name = f"drill_{os.getpid()}"
    _admin(url, f'DROP DATABASE IF EXISTS "{name}"')
    _admin(url, f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(url)._replace(path=f"/{name}")), "PostgreSQL"
    finally:
        _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# What the day holds, written before the stack starts


@dataclass
class Plan:
    ballot_id: int
    document_id: int
    symbol: str
    campaign_id: int
    drafter: str
    password: str
    steps: list[Step]
    appeal_contacts: list[int]
    appeal_addresses: set[str]
    subscriber_addresses: set[str]
    reminder_rule_id: int


def prepare(*, grid_batch: int) -> Plan:
    import django

    django.setup()
    from django.core.management import call_command

    quiet = io.StringIO()
    call_command("migrate", verbosity=0, stdout=quiet)
    call_command("load_demo", stdout=quiet)
    call_command("collectstatic", "--noinput", verbosity=0, stdout=quiet)

    from campaign.demo import DEMO_PASSWORD, EXERCISE_SERIES, demo_email
    from campaign.models import Ballot, Body, Campaign, Document

    today = datetime.date.today()
    draft = Document.objects.filter(series__slug=EXERCISE_SERIES, session=2).get(
        kind=Document.Kind.DRAFT
    )
    # The exercise's plenary vote, still ahead in the demo, happens today.
    ballot = Ballot.objects.get(
        document=draft, body=Body.PLENARY, question=Ballot.Question.DRAFT
    )
    Ballot.objects.filter(pk=ballot.pk).update(date=today)
    committee = Ballot.objects.get(
        document=draft, body=Body.THIRD_COMMITTEE, question=Ballot.Question.DRAFT
    )
    campaign = Campaign.objects.get(slug=EXERCISE_SERIES)
    contacts = mission_contacts()
    subscribers = public_subscribers(series=campaign.series)
    rule = result_reminder(campaign=campaign, ballot=committee)
    return Plan(
        ballot_id=ballot.pk,
        document_id=draft.pk,
        symbol=draft.symbol,
        campaign_id=campaign.pk,
        drafter=demo_email("AI", "drafter"),
        password=DEMO_PASSWORD,
        steps=entry_steps(ballot=ballot, document=draft, grid_batch=grid_batch),
        appeal_contacts=[c.pk for c in contacts],
        appeal_addresses={c.email for c in contacts},
        subscriber_addresses=subscribers,
        reminder_rule_id=rule.pk,
    )


def mission_contacts():
    """Three contacts at each member's New York mission (the demo has one)."""
    from campaign.models import MemberState, Mission, MissionContact

    missions = Mission.objects.filter(
        city=Mission.City.NEW_YORK, state__in=MemberState.objects.members()
    ).select_related("state")
    new = []
    for mission in missions:
        have = mission.contacts.count()
        for n in range(have, CONTACTS_PER_MISSION):
            iso3 = mission.state.iso3.lower()
            new.append(
                MissionContact(
                    mission=mission,
                    name=f"Drill contact {n} for {mission.state.name}",
                    title="Counsellor (drill)",
                    email=f"drill-{iso3}-{n}@missions.example.org",
                )
            )
    MissionContact.objects.bulk_create(new)
    contacts = list(
        MissionContact.objects.filter(mission__in=missions).order_by("pk")[
            : CONTACTS_PER_MISSION * len(missions)
        ]
    )
    if len(missions) != 193 or len(contacts) != 3 * 193:
        raise RuntimeError(f"{len(missions)} missions, {len(contacts)} contacts")
    return contacts


def public_subscribers(*, series) -> set[str]:
    from django.utils import timezone

    from letters.reminders import Subscription

    now = timezone.now()
    rows = [
        Subscription(
            email=f"reader-{i:04d}@public.example.org",
            series=series,
            token=secrets.token_urlsafe(32),
            confirmation_sent_at=now,
            confirmed_at=now,
        )
        for i in range(SUBSCRIBERS)
    ]
    Subscription.objects.bulk_create(rows, batch_size=500)
    return {row.email for row in rows}


def result_reminder(*, campaign, ballot):
    """A result reminder to public subscribers due a minute ago: beat fires it."""
    from zoneinfo import ZoneInfo

    from letters import schedule
    from letters.reminders import ReminderRule

    due = datetime.datetime.now(ZoneInfo(campaign.time_zone)) - datetime.timedelta(
        minutes=1
    )
    rule = ReminderRule(
        campaign=campaign,
        name="Third Committee result to subscribers (drill)",
        anchor=ReminderRule.Anchor.BALLOT,
        ballot=ballot,
        offset_days=(due.date() - ballot.date).days,
        local_time=due.time().replace(second=0, microsecond=0),
        audience=ReminderRule.Audience.SUBSCRIBERS_RESULT,
        subject="The Third Committee has voted (fictional exercise)",
    )
    return schedule.save_reminder_rule(rule=rule)


def entry_steps(*, ballot, document, grid_batch: int) -> list[Step]:
    """Half the members pasted as two annexes, the rest typed into the grid in
    batches, then a cosponsor list; positions invented, seeded."""
    from campaign.annex import parse_annex
    from campaign.models import Cosponsorship, MemberState

    members = list(MemberState.objects.members_on(ballot.date).order_by("name"))
    chooser = random.Random(69188)
    positions = {
        s.iso3: chooser.choices("YNAX", weights=(60, 10, 25, 5))[0] for s in members
    }
    half = len(members) // 2
    steps, typed = [], members[half:]
    for number, chunk in enumerate((members[: half // 2], members[half // 2 : half])):
        annex = annex_text(chunk, positions, title=document.symbol)
        read = parse_annex(annex).positions
        # A name the reader does not take is typed into the grid instead.
        pasted = {s.iso3: positions[s.iso3] for s in chunk if s.iso3 in read}
        if any(read.get(k) != v for k, v in pasted.items()):
            raise RuntimeError("the annex reads back differently")
        typed += [s for s in chunk if s.iso3 not in pasted]
        steps.append(Step("paste", f"paste {number + 1}", pasted, annex=annex))
    for start in range(0, len(typed), grid_batch):
        batch = typed[start : start + grid_batch]
        codes = {s.iso3: positions[s.iso3] for s in batch}
        steps.append(Step("grid", f"grid {batch[0].iso3}..{batch[-1].iso3}", codes))
    current = set(
        Cosponsorship.objects.filter(document=document, withdrawn_on=None).values_list(
            "state__iso3", flat=True
        )
    )
    joining = [
        s for s in members if s.regional_group == "GRULAC" and s.iso3 not in current
    ][:10]
    steps.insert(
        len(steps) // 2,
        Step(
            "cosponsors",
            "cosponsors",
            names=[s.name for s in joining],
            codes=[s.iso3 for s in joining],
        ),
    )
    return steps


def annex_text(states, positions, *, title: str) -> str:
    words = {"Y": "In favour", "N": "Against", "A": "Abstain", "X": "Absent"}
    lines = [f"Vote on {title} (drill, fictional)"]
    for code, heading in words.items():
        names = [s.name for s in states if positions[s.iso3] == code]
        lines.append(f"{heading}: {', '.join(names) if names else 'None'}.")
    return "\n\n".join(lines) + "\n"


def launch_drill_appeal(plan: Plan):
    """The appeal to every member's New York mission, 3 contacts each.

    The way staff send one: a letter drafted by the lead organisation, its
    version marked ready and signed off, an appeal targeting every member, and
    ``launch_appeal`` through the sign-off gate.
    """
    from accounts.models import Organisation, User
    from campaign.demo import demo_email
    from campaign.models import Campaign
    from letters import appeal_services, services
    from letters.targeting import Criteria

    campaign = Campaign.objects.get(pk=plan.campaign_id)
    lead = Organisation.objects.get(short_name="AI")
    letter = services.create_letter(
        campaign=campaign,
        lead=lead,
        title="Vote-day appeal (drill)",
        subject="Exercise (fictional): vote yes today — {{ state }}",
        body_source=DRILL_LETTER,
        by=User.objects.get(email=plan.drafter),
    )
    version = services.set_version_status(
        version=letter.latest_version(), status="ready"
    )
    services.sign_off(
        version=version,
        organisation=lead,
        by=User.objects.get(email=demo_email("AI", "signatory")),
    )
    sender = User.objects.get(email=demo_email("AI", "sender"))
    appeal = appeal_services.create_appeal(
        campaign=campaign,
        letter=letter,
        name="Vote-day appeal (drill)",
        criteria=Criteria(),
        by=sender,
    )
    appeal = appeal_services.launch_appeal(appeal=appeal, by=sender)
    return appeal.mailing


DRILL_LETTER = """Excellency,

Today the General Assembly votes on the draft resolution of this fictional
exercise. We urge {{ state }} to vote yes, and to vote no on any amendment that
would remove its accountability paragraphs.

With respect,
The coalition (drill)
"""


# What the SMTP server received


class SinkLog:
    """Reads the sink's log as it grows: message ids accepted per address."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = 0
        self.by_address: defaultdict[str, Counter] = defaultdict(Counter)
        self.first_at: dict[str, float] = {}
        self.refused = 0

    def read(self) -> None:
        if not self.path.exists():
            return
        with self.path.open("rb") as stream:
            stream.seek(self.offset)
            data = stream.read()
        end = data.rfind(b"\n") + 1
        self.offset += end
        now = time.monotonic()
        for line in data[:end].splitlines():
            parts = line.decode().split()
            if parts[0] == "R":
                self.refused += 1
            elif parts[0] == "A" and len(parts) == 3:
                for address in parts[2].split(","):
                    self.by_address[address.lower()][parts[1]] += 1
                    self.first_at.setdefault(address.lower(), now)

    def received(self, addresses) -> int:
        return sum(1 for a in addresses if self.by_address.get(a))


@dataclass
class Stream:
    name: str
    addresses: set[str]
    launched_at: float | None = None
    sent: int = 0
    lost: int = 0
    duplicates: int = 0
    dead: int = 0
    failed: int = 0
    drain_s: float | None = None
    note: str = ""

    def settle(self, sink: SinkLog) -> bool:
        """Count it up; True once every address has mail or a final ledger row."""
        from letters.ledger import Delivery, DeliveryStatus

        rows = Counter(
            Delivery.objects.filter(to_email__in=self.addresses)
            .exclude(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING])
            .values_list("status", flat=True)
        )
        self.dead = rows[DeliveryStatus.DEAD]
        self.failed = rows[DeliveryStatus.FAILED]
        got = [a for a in self.addresses if sink.by_address.get(a)]
        self.sent = len(got)
        self.duplicates = sum(
            n - 1 for a in got for n in sink.by_address[a].values() if n > 1
        )
        self.lost = max(len(self.addresses) - self.sent - self.dead - self.failed, 0)
        if got and self.launched_at is not None:
            # Until the last address had its message; late copies are duplicates.
            self.drain_s = max(sink.first_at[a] for a in got) - self.launched_at
        pending = Delivery.objects.filter(
            to_email__in=self.addresses,
            status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING],
        ).exists()
        return self.launched_at is not None and self.lost == 0 and not pending


# Load


def start_wrk(base: str, ballot_id: int, seconds: int, workdir: Path):
    runs = []
    for name, path, connections in ENDPOINTS:
        out = open(workdir / f"wrk-{name.replace(' ', '-')}.txt", "w")  # noqa: SIM115
        process = subprocess.Popen(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout=10s",
                "-s",
                str(ROOT / "bench" / "drill.lua"),
                base + path.format(id=ballot_id),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        runs.append((name, connections, process, out))
    return runs


def read_wrk(runs) -> list[dict]:
    rows = []
    for name, connections, process, out in runs:
        process.wait()
        out.close()
        text = Path(out.name).read_text()
        found = re.search(r"^DRILL (.*)$", text, re.MULTILINE)
        if not found:
            rows.append({"name": name, "connections": connections, "broken": text})
            continue
        values = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", found[1])}
        values["rps"] = values["requests"] / (values["duration_us"] / 1e6)
        values["socket"] = sum(values[k] for k in ("connect", "read", "write"))
        rows.append({"name": name, "connections": connections, **values})
    return rows


def statuses(web_log: Path, ballot_id: int) -> dict[str, Counter]:
    """5xx and 4xx per endpoint, from gunicorn's JSON access lines."""
    paths = {path.format(id=ballot_id): name for name, path, _ in ENDPOINTS}
    found: defaultdict[str, Counter] = defaultdict(Counter)
    for line in web_log.read_text(errors="replace").splitlines():
        if '"gunicorn.access"' not in line:
            continue
        entry = json.loads(line)
        status = entry.get("status") or 0
        name = paths.get(entry["path"], "staff and polls")
        found[name]["5xx" if status >= 500 else "4xx" if status >= 400 else "ok"] += 1
    return found


# The run


@dataclass
class Faults:
    done: list[tuple[float, str]] = field(default_factory=list)

    def log(self, t: float, what: str) -> None:
        self.done.append((t, what))
        print(f"  +{t:5.1f} s  {what}", file=sys.stderr, flush=True)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)] if ordered else 0.0


def run(stack: Stack, plan: Plan, *, seconds: int, database: str, workdir: Path):
    import requests

    from letters.reminders import Reminder

    sink = SinkLog(workdir / "smtp.log")
    for name in WORKERS:
        stack.start_worker(name, concurrency=WORKER_CONCURRENCY, queues="celery,email")
    stack.start_beat()
    base = stack.start_web(workers=WEB_WORKERS)
    for _ in range(3):  # the first renders fill the page cache
        requests.get(f"{base}/ballots/{plan.ballot_id}/", timeout=60)
    time.sleep(2)

    appeal = Stream("appeal to missions", plan.appeal_addresses)
    readers = Stream("result to subscribers", plan.subscriber_addresses)
    faults = Faults()
    print(f"Load for {seconds} s ...", file=sys.stderr, flush=True)
    t0 = time.monotonic()
    wall0 = time.time()
    wrk = start_wrk(base, plan.ballot_id, seconds, workdir)
    staff = StaffSession(
        base=base,
        email=plan.drafter,
        password=plan.password,
        ballot_id=plan.ballot_id,
        document_id=plan.document_id,
        symbol=plan.symbol,
        steps=plan.steps,
        start=t0 + 0.05 * seconds,
        spread=0.75 * seconds,
        today=datetime.date.today().isoformat(),
    )
    staff.start()

    reminder = None
    kills, restarted, last_fault, last_note = 0, False, 0.0, 0.0
    end = t0 + seconds
    while time.monotonic() < end:
        now = time.monotonic()
        t = now - t0
        sink.read()
        if appeal.launched_at is None and t >= 2:
            mailing = launch_drill_appeal(plan)
            appeal.launched_at = time.monotonic()
            faults.log(t, f"appeal launched: {mailing.deliveries.count()} deliveries")
        if readers.launched_at is None:
            reminder = Reminder.objects.filter(rule_id=plan.reminder_rule_id).first()
            if reminder is not None and reminder.status == Reminder.Status.SENT:
                readers.launched_at = t0 + (reminder.sent_at.timestamp() - wall0)
                faults.log(
                    t,
                    f"beat fired the reminder at +{readers.launched_at - t0:.0f} s: "
                    f"{reminder.recipient_count} messages",
                )
        appeal_share = sink.received(appeal.addresses) / len(appeal.addresses)
        readers_share = sink.received(readers.addresses) / len(readers.addresses)
        # Faults land while mail flows, or by a fixed share of the run.
        if kills == 0 and (appeal_share >= 0.25 or t >= 0.25 * seconds):
            kill(stack, WORKERS[0])
            kills, last_fault = 1, now
            faults.log(t, f"SIGKILL {WORKERS[0]} (restarted at once)")
        elif (
            kills == 1
            and not restarted
            and now - last_fault >= 5
            and (readers_share >= 0.25 or t >= 0.5 * seconds)
        ):
            pause = stack.restart_redis()
            restarted, last_fault = True, now
            faults.log(t, f"Redis restarted ({pause:.1f} s without it)")
        elif (
            restarted
            and kills == 1
            and now - last_fault >= 5
            and (readers_share >= 0.6 or t >= 0.75 * seconds)
        ):
            kill(stack, WORKERS[1])
            kills, last_fault = 2, now
            faults.log(t, f"SIGKILL {WORKERS[1]} (restarted at once)")
        if now - last_note >= 15:
            last_note = now
            print(
                f"  +{t:5.1f} s  appeal {appeal_share:4.0%}  subscribers "
                f"{readers_share:4.0%}  staff saves {len(staff.saves)}/"
                f"{len(plan.steps)}",
                file=sys.stderr,
                flush=True,
            )
        time.sleep(0.25)

    pages = read_wrk(wrk)
    load_ended = time.monotonic()
    staff.join(timeout=120)
    print("Load over; waiting for the mail to drain ...", file=sys.stderr, flush=True)
    deadline = time.monotonic() + VISIBILITY + 60
    while time.monotonic() < deadline:
        sink.read()
        if reminder is None or reminder.status != Reminder.Status.SENT:
            reminder = Reminder.objects.filter(rule_id=plan.reminder_rule_id).first()
            if reminder and reminder.status == Reminder.Status.SENT:
                readers.launched_at = t0 + (reminder.sent_at.timestamp() - wall0)
        settled = [stream.settle(sink) for stream in (appeal, readers)]
        if all(settled):
            break
        time.sleep(1)
    sink.read()
    appeal.settle(sink)
    readers.settle(sink)
    if reminder is None or reminder.status != Reminder.Status.SENT:
        readers.note = f"reminder {reminder.status if reminder else 'missing'}"
        if reminder is not None and reminder.note:
            readers.note += f": {reminder.note}"
    return report(
        pages=pages,
        logged=statuses(workdir / "web.log", plan.ballot_id),
        staff=staff,
        streams=[appeal, readers],
        faults=faults,
        sink=sink,
        seconds=seconds,
        database=database,
        load_ended=load_ended,
    )


def kill(stack: Stack, name: str) -> None:
    stack.kill_worker(name)
    stack.start_worker(name, concurrency=WORKER_CONCURRENCY, queues="celery,email")


def report(
    *, pages, logged, staff, streams, faults, sink, seconds, database, load_ended
) -> int:
    print()
    print(
        f"Vote-day drill, {seconds} s on {database}: {sum(c for *_, c in ENDPOINTS)} "
        f"visitors, gunicorn {WEB_WORKERS} workers (deploy/gunicorn.conf.py), "
        f"{len(WORKERS)} Celery workers x {WORKER_CONCURRENCY}, beat, Redis "
        "(deploy/redis.conf)"
    )
    print("Faults: " + "; ".join(f"+{t:.0f} s {what}" for t, what in faults.done))
    print()
    print(
        f"{'endpoint':15} {'conns':>5} {'requests':>9} {'req/s':>7} {'5xx':>5} "
        f"{'4xx':>5} {'sock err':>8} {'timeouts':>8} {'p50 ms':>7} {'p99 ms':>8}"
    )
    broken = []
    for row in pages:
        if "broken" in row:
            broken.append(f"wrk on {row['name']} printed no figures: {row['broken']}")
            continue
        codes = logged.get(row["name"], Counter())
        print(
            f"{row['name']:15} {row['connections']:5} {int(row['requests']):9} "
            f"{row['rps']:7.1f} {codes['5xx']:5} {codes['4xx']:5} "
            f"{int(row['socket']):8} {int(row['timeout']):8} {row['p50_ms']:7.0f} "
            f"{row['p99_ms']:8.0f}"
        )
    codes = logged.get("staff and polls", Counter())
    print(
        f"{'staff and polls':15} {1:5} {staff.requests:9} {'':>7} {codes['5xx']:5} "
        f"{codes['4xx']:5} {staff.statuses[0]:8}"
    )
    pages_5xx = sum(c["5xx"] for c in logged.values())
    if not logged:
        broken.append("gunicorn wrote no access lines: statuses unknown")
    visible = [s.visible_s for s in staff.saves]
    page = [s.page_s for s in staff.saves if s.page_s is not None]
    api = [s.api_s for s in staff.saves]
    stale = sum(staff.stale.values())
    print()
    print(
        f"Staff saves: {len(staff.saves)} of {len(staff.steps)} (ballot by paste "
        "and grid, a cosponsor list). Seconds from a save to its showing:"
    )
    print(
        f"  public page (live fragment): max {max(page, default=0):.2f}, "
        f"p95 {p95(page):.2f}; API: max {max(api, default=0):.2f}, "
        f"p95 {p95(api):.2f}; answers asked after a save still showing the old "
        f"count: {stale}"
    )
    each = [
        f"{save.label} "
        + (f"{save.page_s:.1f}/" if save.page_s is not None else "-/")
        + f"{save.api_s:.1f}"
        for save in staff.saves
    ]
    late = sum(1 for save in staff.saves if save.at > load_ended)
    if late:
        print(f"  ({late} saves were shown after the load had ended)")
    print(
        textwrap.fill(
            "  each (page/API s): " + ", ".join(each), 100, subsequent_indent="    "
        )
    )
    print()
    print(
        f"{'mail':24} {'expected':>8} {'sent':>6} {'lost':>5} {'dup':>4} "
        f"{'dead':>5} {'failed':>6} {'drain s':>8}"
    )
    for s in streams:
        drain = f"{s.drain_s:8.0f}" if s.drain_s is not None else f"{'-':>8}"
        print(
            f"{s.name:24} {len(s.addresses):8} {s.sent:6} {s.lost:5} "
            f"{s.duplicates:4} {s.dead:5} {s.failed:6} {drain}"
            + (f"  ({s.note})" if s.note else "")
        )
    print(f"(the SMTP server refused {sink.refused} attempts with 451, as a throttle)")
    sent = sum(s.sent for s in streams)
    lost = sum(s.lost for s in streams)
    duplicates = sum(s.duplicates for s in streams)
    dead = sum(s.dead for s in streams)
    drains = [s.drain_s for s in streams if s.drain_s is not None]
    drain_s = max(drains) if drains else -1

    reasons = list(broken)
    if pages_5xx:
        reasons.append(f"{pages_5xx} page requests answered 5xx")
    if len(staff.saves) < len(staff.steps):
        reasons.append(f"only {len(staff.saves)} of {len(staff.steps)} saves completed")
    if max(visible, default=0) > VISIBLE_LIMIT:
        reasons.append(f"a save took more than {VISIBLE_LIMIT:.0f} s to show")
    if stale:
        reasons.append(f"{stale} answers showed a count older than a finished save")
    if lost:
        reasons.append(f"{lost} messages lost")
    reasons += [f"staff: {p}" for p in staff.problems[:10]]
    failed = bool(
        broken
        or pages_5xx
        or len(staff.saves) < len(staff.steps)
        or max(visible, default=0) > VISIBLE_LIMIT
        or stale
        or lost
    )
    print()
    for reason in reasons:
        print(f"- {reason}")
    print(
        f"drill: pages_5xx={pages_5xx} max_visible_s={max(visible, default=0):.2f} "
        f"p95_visible_s={p95(visible):.2f} emails_sent={sent} lost={lost} "
        f"duplicates={duplicates} dead={dead} drain_s={drain_s:.0f} "
        f"result={'FAIL' if failed else 'PASS'}",
        flush=True,
    )
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="60 s of load instead of DRILL_SECONDS"
    )
    parser.add_argument("--seconds", type=int)
    args = parser.parse_args()
    seconds = args.seconds or (
        60 if args.quick else int(os.environ.get("DRILL_SECONDS", "300"))
    )
    for tool, package in (("wrk", "wrk"), ("redis-server", "redis-server")):
        if not shutil.which(tool):
            print(f"{tool} is not installed (apt-get install -y {package}).")
            return 2
    workdir = VAR / time.strftime("run-%Y%m%d-%H%M%S")
    workdir.mkdir(parents=True)
    with scratch_database(workdir) as (database_url, database):
        os.environ["DATABASE_URL"] = database_url
        stack = Stack(
            workdir,
            lease=LEASE,
            time_limit=TIME_LIMIT,
            redis_config=ROOT / "deploy" / "redis.conf",
        )
        stack.env.update(
            {
                "DEBUG": "false",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SITE_URL": f"http://127.0.0.1:{stack.web_port}",
                "SECURE_SSL_REDIRECT": "false",
                "SECURE_HSTS_SECONDS": "0",
                "LOG_FORMAT": "json",
                "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
                "EMAIL_SWEEP_EVERY_SECONDS": "5",
                "EMAIL_SWEEP_GRACE_SECONDS": "5",
                "EMAIL_RETRY_BASE_SECONDS": "0.5",
                "EMAIL_RETRY_MAX_SECONDS": "5",
                "EMAIL_COUNTDOWN_MAX_SECONDS": "10",
                "EMAIL_MAX_ATTEMPTS": "25",
            }
        )
        stack.apply_env()
        try:
            stack.start_redis()
            stack.start_sink(refuse=THROTTLED, log=workdir / "smtp.log")
            print(f"Preparing {database} and the demo ...", file=sys.stderr, flush=True)
            plan = prepare(grid_batch=12 if seconds < 120 else 6)
            return run(stack, plan, seconds=seconds, database=database, workdir=workdir)
        finally:
            stack.stop()
            from django.db import connections

            connections.close_all()
            print(f"logs: {workdir}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
