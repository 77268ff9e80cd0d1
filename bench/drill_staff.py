"""The drill's staff member: enters a ballot by paste and grid, times the public."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser

import requests

# How long the drill waits for a save to show before calling it never seen.
GIVE_UP_SECONDS = 30.0
TALLY_NUMBER = re.compile(r'tally-number pos-([YNAX]) mb-0">(\d+)<')
FIELD_OF = {"Y": "yes", "N": "no", "A": "abstain", "X": "non_voting"}


class FormFields(HTMLParser):
    """The fields one form posts: inputs (not buttons, unticked boxes), textareas."""

    def __init__(self, form_id: str | None = None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = self.form_id is None or attrs.get("id") == self.form_id
        elif not self.inside:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("submit", "button") or (
                kind in ("checkbox", "radio") and "checked" not in attrs
            ):
                return
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self.fields[self._textarea] = ""
        elif tag == "select" and attrs.get("name"):
            self.fields.setdefault(attrs["name"], "")

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea":
            self._textarea = None

    @classmethod
    def of(cls, html: str, form_id: str | None = None) -> dict[str, str]:
        parser = cls(form_id)
        parser.feed(html)
        return parser.fields


@dataclass
class Step:
    kind: str  # "paste", "grid" or "cosponsors"
    label: str
    positions: dict[str, str] = field(default_factory=dict)  # iso3 -> Y/N/A/X
    annex: str = ""
    names: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


@dataclass
class Save:
    """One save, and the seconds until the public page (the live fragment every
    ballot page polls) and the API showed it; None where not polled."""

    label: str
    page_s: float | None
    api_s: float
    requests: int
    at: float = field(default_factory=time.monotonic)

    @property
    def visible_s(self) -> float:
        return max(self.api_s, self.page_s or 0.0)


class StaffSession(threading.Thread):
    """Vote-day entry by one drafter against the live site, each save timed to view."""

    def __init__(
        self,
        *,
        base: str,
        email: str,
        password: str,
        ballot_id: int,
        document_id: int,
        symbol: str,
        steps: list[Step],
        start: float,
        spread: float,
        today: str,
    ):
        super().__init__(name="staff", daemon=True)
        self.base = base
        self.email, self.password = email, password
        self.ballot_id, self.document_id, self.symbol = ballot_id, document_id, symbol
        self.steps, self.start_at, self.spread, self.today = steps, start, spread, today
        self.client = requests.Session()
        self.public = requests.Session()
        self.lock = threading.Lock()
        self.entered: dict[str, str] = {}
        self.saves: list[Save] = []
        self.statuses: Counter[int] = Counter()
        self.problems: list[str] = []
        self.requests = 0
        self.stale: Counter[str] = Counter()

    # HTTP with bookkeeping

    def _send(self, session, method, path, **kwargs) -> requests.Response | None:
        kwargs.setdefault("timeout", 30)
        if session is self.client:
            # The site's cookies are Secure; over loopback HTTP they are sent by
            # hand, as they would be through the TLS proxy.
            jar = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
            kwargs["headers"] = {"Cookie": jar} if jar else {}
        try:
            response = session.request(method, self.base + path, **kwargs)
        except requests.RequestException as exc:
            with self.lock:
                self.requests += 1
                self.statuses[0] += 1
                self.problems.append(f"{method} {path}: {type(exc).__name__}")
            return None
        with self.lock:
            self.requests += 1
            self.statuses[response.status_code] += 1
            if response.status_code >= 500:
                self.problems.append(f"{method} {path}: {response.status_code}")
        return response

    def _expect(self, response, status: int, what: str) -> bool:
        if response is None or response.status_code != status:
            got = "no answer" if response is None else response.status_code
            self.problems.append(f"{what}: expected {status}, got {got}")
            return False
        return True

    # The session

    def run(self) -> None:
        try:
            if not self.sign_in():
                return
            entry = f"/staff/ballots/{self.ballot_id}/entry/"
            page = self._send(self.client, "GET", entry)
            if not self._expect(page, 200, "entry page"):
                return
            form = FormFields.of(page.text, "vote-entry-form")
            pause = self.spread / max(len(self.steps), 1)
            for number, step in enumerate(self.steps):
                wait = self.start_at + number * pause - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                if step.kind == "cosponsors":
                    self.add_cosponsors(step)
                    continue
                form = self.enter(step, form, entry)
                if form is None:
                    return
        except Exception as exc:  # the report says what broke, the drill goes on
            self.problems.append(f"staff session stopped: {type(exc).__name__}: {exc}")

    def sign_in(self) -> bool:
        page = self._send(self.client, "GET", "/accounts/login/")
        if not self._expect(page, 200, "sign-in page"):
            return False
        fields = FormFields.of(page.text)
        fields.update(username=self.email, password=self.password)
        answer = self._send(
            self.client, "POST", "/accounts/login/", data=fields, allow_redirects=False
        )
        return self._expect(answer, 302, "sign-in")

    def enter(self, step: Step, form: dict[str, str], entry: str):
        if step.kind == "paste":
            read = self._send(
                self.client,
                "POST",
                entry,
                data={**form, "annex": step.annex, "action": "parse"},
            )
            if not self._expect(read, 200, f"{step.label}: read the annex"):
                return None
            form = FormFields.of(read.text, "vote-entry-form")
            form["annex"] = ""
        else:
            form = dict(form)
            for iso3, position in step.positions.items():
                form[f"pos-{iso3}"] = position
        before = self.requests
        saved = self._send(
            self.client,
            "POST",
            entry,
            data={**form, "action": "save"},
            allow_redirects=False,
        )
        if not self._expect(saved, 302, f"{step.label}: save"):
            return None
        saved_at = time.monotonic()
        self.entered.update(step.positions)
        expected = Counter(FIELD_OF[p] for p in self.entered.values())
        page_s, api_s = self.wait_for_tally(expected, saved_at)
        self.saves.append(Save(step.label, page_s, api_s, self.requests - before))
        page = self._send(self.client, "GET", entry)
        if not self._expect(page, 200, "entry page after saving"):
            return None
        return FormFields.of(page.text, "vote-entry-form")

    def wait_for_tally(self, expected: Counter, saved_at: float) -> list[float]:
        """Seconds until the live fragment and the API show the new tally, each
        polled side by side as a visitor's browser would."""
        want = {name: expected.get(name, 0) for name in FIELD_OF.values()}
        polls = [
            (f"/ballots/{self.ballot_id}/live/", self._fragment_tally),
            (f"/api/ballots/{self.ballot_id}", self._api_tally),
        ]
        with ThreadPoolExecutor(len(polls)) as pool:
            return list(
                pool.map(
                    lambda poll: self._poll(*poll, want=want, saved_at=saved_at),
                    polls,
                )
            )

    def _poll(self, path, read, *, want, saved_at) -> float:
        session = requests.Session()
        while True:
            answer = self._send(session, "GET", path)
            if answer is not None and answer.status_code == 200:
                if read(answer) == want:
                    return time.monotonic() - saved_at
                # Asked after the save had committed, yet showing the old count.
                with self.lock:
                    self.stale[path] += 1
            if time.monotonic() - saved_at > GIVE_UP_SECONDS:
                self.problems.append(f"{path} never showed {want}")
                return GIVE_UP_SECONDS
            time.sleep(0.05)

    @staticmethod
    def _fragment_tally(answer) -> dict[str, int]:
        return {FIELD_OF[k]: int(v) for k, v in TALLY_NUMBER.findall(answer.text)}

    @staticmethod
    def _api_tally(answer) -> dict[str, int]:
        return answer.json().get("tally") or {}

    def add_cosponsors(self, step: Step) -> None:
        path = f"/staff/documents/{self.document_id}/cosponsors/"
        page = self._send(self.client, "GET", path)
        if not self._expect(page, 200, "cosponsor page"):
            return
        fields = FormFields.of(page.text)
        fields.update(
            names=", ".join(step.names),
            since=self.today,
            role="cosponsor",
            source="oral",
            source_ref="drill",
        )
        before = self.requests
        saved = self._send(
            self.client, "POST", path, data=fields, allow_redirects=False
        )
        if not self._expect(saved, 302, "cosponsors: save"):
            return
        saved_at = time.monotonic()
        api = f"/api/resolutions/{self.symbol}/cosponsors"
        while True:
            answer = self._send(self.public, "GET", api)
            if answer is not None and answer.status_code == 200:
                current = {
                    row["iso3"]
                    for row in answer.json()["cosponsors"]
                    if not row["withdrawn_on"]
                }
                if set(step.codes) <= current:
                    break
            if time.monotonic() - saved_at > GIVE_UP_SECONDS:
                self.problems.append(f"{api} never showed the new cosponsors")
                break
            time.sleep(0.05)
        visible = time.monotonic() - saved_at
        self.saves.append(Save(step.label, None, visible, self.requests - before))
