"""Reading CSV files into checked rows, reporting every bad row by its line."""

from __future__ import annotations

import csv
import datetime
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .models import Ballot, Document, MemberState, Mission, Position, UNLanguage
from .names import AmbiguousName, NameIndex, normalise
from .un_data import FORMER_MEMBERS


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ImportFailed(Exception):
    """Raised with every bad row; nothing was written."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors[:20]))


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)


def read_rows(
    data: bytes | str | Iterable[str],
) -> tuple[list[str] | None, Iterator[tuple[int, list[str]]]]:
    """The header and then each non-blank record with the line it starts on."""
    if isinstance(data, bytes):
        data = data.decode("utf-8-sig")
    if isinstance(data, str):
        data = io.StringIO(data)
    reader = csv.reader(data)
    header = next(reader, None)
    if header is not None and header:
        header[0] = header[0].removeprefix("\ufeff")

    def records() -> Iterator[tuple[int, list[str]]]:
        start = reader.line_num + 1
        for values in reader:
            if values:
                yield start, values
            start = reader.line_num + 1

    return header, records()


def read_csv(data: bytes | str | Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows as dicts with stripped, lower-cased keys, each with its line number."""
    header, records = read_rows(data)
    if header is None:
        return
    names = [name.strip().lower() for name in header]
    for line, values in records:
        values = values + [""] * (len(names) - len(values))
        pairs = zip(names, values, strict=False)
        yield line, {key: value.strip() for key, value in pairs}


def match_state(index: NameIndex, text: str) -> tuple[str | None, str | None]:
    """(iso3, None) for a known state, or (None, reason)."""
    if not text:
        return None, "no state given"
    try:
        iso3 = index.match(text)
    except AmbiguousName as exc:
        return None, str(exc)
    if iso3 is None:
        return None, f"unknown state {text!r}"
    return iso3, None


_CITIES = {
    "": Mission.City.NEW_YORK,
    "new york": Mission.City.NEW_YORK,
    "new-york": Mission.City.NEW_YORK,
    "geneva": Mission.City.GENEVA,
}
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"", "no", "n", "false", "0"}


@dataclass(frozen=True)
class ContactRow:
    line: int
    iso3: str
    city: str
    name: str
    title: str
    email: str
    language: str
    is_head: bool


def parse_contacts(data, *, index: NameIndex | None = None) -> list[ContactRow]:
    """Check a whole contacts CSV; raise ImportFailed naming every bad row."""
    index = index or NameIndex.default()
    rows: list[ContactRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str, str], int] = {}
    lines = read_csv(data)
    for line, row in lines:
        missing = [c for c in ("state", "name", "email") if c not in row]
        if missing:
            errors.append(RowError(1, f"missing column(s): {', '.join(missing)}"))
            break
        problems = []
        iso3, reason = match_state(index, row["state"])
        if reason:
            problems.append(reason)
        city = _CITIES.get(row.get("city", "").lower())
        if city is None:
            problems.append(f"unknown city {row['city']!r} (New York or Geneva)")
        if not row["name"]:
            problems.append("no name")
        email = row["email"].lower()
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"invalid email address {row['email']!r}")
        language = (row.get("language") or "en").lower()[:2]
        if language not in UNLanguage.values:
            problems.append(
                f"language {row.get('language')!r} is not a UN language "
                f"({', '.join(UNLanguage.values)})"
            )
        head = row.get("head", "").lower()
        if head not in _YES | _NO:
            problems.append(f"head must be yes or no, not {row.get('head')!r}")
        key = (iso3 or "", city or "", email)
        if not problems and key in seen:
            problems.append(f"same contact as line {seen[key]}")
        if problems:
            errors.extend(RowError(line, p) for p in problems)
            continue
        seen[key] = line
        rows.append(
            ContactRow(
                line=line,
                iso3=iso3,
                city=city,
                name=row["name"],
                title=row.get("title", ""),
                email=email,
                language=language,
                is_head=head in _YES,
            )
        )
    if errors:
        raise ImportFailed(errors)
    if not rows:
        raise ImportFailed([RowError(1, "the file has no contact rows")])
    return rows


# Vote files ------------------------------------------------------------------

UNDL_COLUMNS = (
    "undl_id",
    "ms_code",
    "ms_name",
    "ms_vote",
    "date",
    "session",
    "resolution",
    "draft",
    "committee_report",
    "meeting",
    "title",
    "agenda_title",
    "subjects",
    "vote_note",
    "total_yes",
    "total_no",
    "total_abstentions",
    "total_non_voting",
    "total_ms",
    "undl_link",
)
_UNDL_REQUIRED = ("undl_id", "ms_code", "ms_name", "ms_vote", "date", "resolution")
# The columns that describe the voting record, repeated on each of its rows.
_UNDL_RECORD_COLUMNS = tuple(c for c in UNDL_COLUMNS if not c.startswith("ms_"))[1:]
SIMPLE_COLUMNS = ("ballot", "state", "vote")

_UNDL_POSITIONS = {"Y": "Y", "N": "N", "A": "A", "X": "X", "NV": "X", "": "X"}
_SIMPLE_POSITIONS = {
    **dict.fromkeys(("y", "yes", "in favour", "in favor"), Position.YES),
    **dict.fromkeys(("n", "no", "against"), Position.NO),
    **dict.fromkeys(("a", "abstain", "abstention", "abstained"), Position.ABSTAIN),
    **dict.fromkeys(
        ("x", "nv", "non-voting", "non voting", "not voting", "absent"),
        Position.NON_VOTING,
    ),
}
_REPORTED_COLUMNS = {
    "yes": "total_yes",
    "no": "total_no",
    "abstain": "total_abstentions",
    "non_voting": "total_non_voting",
}
_SMALLINT_MAX = 32767


@dataclass(frozen=True)
class StateFacts:
    """What a vote file is checked against: a state's code and membership."""

    iso3: str
    pk: int
    member_since: datetime.date | None
    is_observer: bool

    def member_on(self, day: datetime.date) -> bool:
        return (
            not self.is_observer
            and self.member_since is not None
            and self.member_since <= day
        )

    @classmethod
    def registry(cls) -> dict[str, StateFacts]:
        return {
            iso3: cls(iso3, pk, since, observer)
            for iso3, pk, since, observer in MemberState.objects.values_list(
                "iso3", "pk", "member_since", "is_observer"
            )
        }


@dataclass(frozen=True)
class UNDLRecord:
    """The columns of a Digital Library voting record other than the states'."""

    undl_id: str
    resolution: str
    draft: str
    committee_report: str
    meeting: str
    session: int
    title: str
    agenda_title: str
    subjects: str
    vote_note: str
    reported: dict[str, int | None] | None
    total_ms: int | None
    link: str


@dataclass
class BallotRows:
    """One ballot's rows in a vote file: each state's position and its line."""

    key: str
    line: int
    date: datetime.date
    ballot_id: int | None = None
    record: UNDLRecord | None = None
    positions: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class VoteFile:
    """A checked vote file: every row good, grouped by ballot."""

    kind: str
    ballots: list[BallotRows]
    rows: int
    skipped: dict[str, int] = field(default_factory=dict)


def parse_votes(
    data: bytes | str | Iterable[str],
    *,
    states: dict[str, StateFacts] | None = None,
    index: NameIndex | None = None,
) -> VoteFile:
    """Check a whole vote file, UN Digital Library or ``ballot,state,vote``.

    Raises ImportFailed naming every bad row; the file is told apart by its header.
    """
    states = StateFacts.registry() if states is None else states
    index = index or NameIndex.default()
    header, records = read_rows(data)
    names = [name.strip().lower() for name in header or []]
    try:
        if "ms_vote" in names:
            result = _parse_undl(names, records, states, index)
        elif set(SIMPLE_COLUMNS) <= set(names):
            result = _parse_simple(names, records, states, index)
        elif not names:
            raise ImportFailed([RowError(1, "the file is empty")])
        else:
            raise ImportFailed(
                [
                    RowError(
                        1,
                        "unrecognised header: expected the UN Digital Library "
                        "voting data columns or ballot,state,vote",
                    )
                ]
            )
    except UnicodeDecodeError as exc:
        raise ImportFailed([RowError(0, f"the file is not UTF-8 text: {exc}")]) from exc
    except csv.Error as exc:
        raise ImportFailed([RowError(0, f"the file is not valid CSV: {exc}")]) from exc
    if not result.rows and not result.skipped:
        raise ImportFailed([RowError(1, "the file has no vote rows")])
    return result


def _parse_undl(names, records, states, index) -> VoteFile:
    missing = [c for c in _UNDL_REQUIRED if c not in names]
    if missing:
        raise ImportFailed([RowError(1, f"missing column(s): {', '.join(missing)}")])
    column = {name: i for i, name in enumerate(names)}
    record_columns = [c for c in _UNDL_RECORD_COLUMNS if c in column]
    indices = [column[c] for c in record_columns]
    i_id, i_code, i_name, i_vote = (column[c] for c in _UNDL_REQUIRED[:4])
    width = len(names)
    ballots: dict[str, BallotRows] = {}
    seen: dict[str, tuple[tuple[str, ...], list[str]]] = {}
    errors: list[RowError] = []
    skipped: Counter[str] = Counter()
    count = 0
    for line, values in records:
        if len(values) != width:
            errors.append(
                RowError(line, f"{len(values)} columns where the header has {width}")
            )
            continue
        undl_id = values[i_id].strip()
        if not undl_id:
            errors.append(RowError(line, "no undl_id"))
            continue
        described = tuple(values[i] for i in indices)
        ballot = ballots.get(undl_id)
        if ballot is None:
            ballot, problems = _undl_ballot(
                undl_id, line, dict(zip(record_columns, described, strict=True))
            )
            ballots[undl_id] = ballot
            seen[undl_id] = (described, problems)
        else:
            first, problems = seen[undl_id]
            if described != first:
                differing = [
                    name
                    for name, a, b in zip(record_columns, described, first, strict=True)
                    if a != b
                ]
                errors.append(
                    RowError(
                        line,
                        f"{', '.join(differing)} differ from line {ballot.line}, "
                        f"the first row of record {undl_id}",
                    )
                )
                continue
        if problems:
            errors.extend(RowError(line, problem) for problem in problems)
            continue
        code = values[i_code].strip().upper()
        name = values[i_name].strip()
        state = states.get(code)
        if state is None:
            if former := _former_member(code, name, ballot.date):
                skipped[former] += 1
                continue
            iso3, reason = match_state(index, name)
            if reason:
                errors.append(RowError(line, f"unknown state code {code!r}: {reason}"))
                continue
            state = states[iso3]
        if not state.member_on(ballot.date):
            if former := _former_member("", name, ballot.date):
                skipped[former] += 1
                continue
            errors.append(RowError(line, _not_a_member(state, name, ballot.date)))
            continue
        position = _UNDL_POSITIONS.get(values[i_vote].strip().upper())
        if position is None:
            errors.append(
                RowError(
                    line,
                    f"unknown vote {values[i_vote]!r} (Y, N, A, X or empty)",
                )
            )
            continue
        if state.iso3 in ballot.positions:
            errors.append(
                RowError(
                    line,
                    f"a second row for {state.iso3} in record {undl_id} "
                    f"(first at line {ballot.lines[state.iso3]})",
                )
            )
            continue
        ballot.positions[state.iso3] = position
        ballot.lines[state.iso3] = line
        count += 1
    if errors:
        raise ImportFailed(errors)
    return VoteFile("undl", list(ballots.values()), count, dict(skipped))


def _undl_ballot(
    undl_id: str, line: int, values: dict[str, str]
) -> tuple[BallotRows, list[str]]:
    values = {key: value.strip() for key, value in values.items()}
    problems = []
    day = _parse_date(values["date"])
    if day is None:
        problems.append(f"date {values['date']!r} is not a date (YYYY-MM-DD)")
        day = datetime.date.min
    if len(undl_id) > 20:
        problems.append(f"undl_id {undl_id!r} is longer than 20 characters")
    for column, limit in (
        ("resolution", 60),
        ("draft", 60),
        ("committee_report", 60),
        ("meeting", 100),
    ):
        if len(values.get(column, "")) > limit:
            problems.append(f"{column} is longer than {limit} characters")
    if not values["resolution"]:
        problems.append("no resolution symbol")
    counts = {}
    for column in (*_REPORTED_COLUMNS.values(), "total_ms"):
        counts[column], problem = _parse_count(column, values.get(column, ""))
        if problem:
            problems.append(problem)
    reported = {key: counts[column] for key, column in _REPORTED_COLUMNS.items()}
    session = values.get("session", "")
    record = UNDLRecord(
        undl_id=undl_id,
        resolution=values["resolution"],
        draft=values.get("draft", ""),
        committee_report=values.get("committee_report", ""),
        meeting=values.get("meeting", ""),
        session=int(session) if session.isdigit() else session_on(day),
        title=values.get("title", ""),
        agenda_title=values.get("agenda_title", ""),
        subjects=values.get("subjects", ""),
        vote_note=values.get("vote_note", ""),
        reported=None if all(v is None for v in reported.values()) else reported,
        total_ms=counts["total_ms"],
        link=values.get("undl_link", "")[:300],
    )
    return BallotRows(key=undl_id, line=line, date=day, record=record), problems


def session_on(day: datetime.date) -> int:
    """The regular session of the General Assembly in progress on a day.

    A session opens in the second half of September; used for the special and
    emergency special sessions, whose own numbers are not regular sessions.
    """
    return day.year - (1945 if (day.month, day.day) >= (9, 15) else 1946)


def _parse_date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _parse_count(column: str, text: str) -> tuple[int | None, str | None]:
    if not text:
        return None, None
    try:
        number = float(text)
    except ValueError:
        return None, f"{column} {text!r} is not a number"
    if not number.is_integer() or not 0 <= number <= _SMALLINT_MAX:
        return None, f"{column} {text!r} is not a count"
    return int(number), None


_FORMER_BY_CODE = {code: entry for entry in FORMER_MEMBERS if (code := entry[0])}
_FORMER_BY_NAME = {normalise(entry[1]): entry for entry in FORMER_MEMBERS}


def _former_member(code: str, name: str, day: datetime.date) -> str | None:
    """The name of a former Member a row belongs to, if it was one on that day."""
    entry = _FORMER_BY_CODE.get(code) or _FORMER_BY_NAME.get(normalise(name))
    if entry and entry[2] <= day <= entry[3]:
        return entry[1]
    return None


def _not_a_member(state: StateFacts, name: str, day: datetime.date) -> str:
    label = f"{name} ({state.iso3})" if name else state.iso3
    if state.is_observer:
        return f"{label} is an observer State and cannot vote"
    return (
        f"{label} was not a UN member on {day} (member since {state.member_since}); "
        "a State that had not joined cannot be non-voting"
    )


@dataclass(frozen=True)
class _BallotRef:
    pk: int
    date: datetime.date


def _find_ballot(text: str) -> tuple[_BallotRef | None, str | None]:
    """The ballot a simple file's ``ballot`` names: an id, or an unambiguous symbol."""
    if not text:
        return None, "no ballot given"
    fields = ("pk", "date", "is_recorded")
    if text.isdigit():
        if len(text) > 18:
            return None, f"no ballot has the id {text}"
        found = list(Ballot.objects.filter(pk=int(text)).values(*fields))
        if not found:
            return None, f"no ballot has the id {text}"
    else:
        found = list(
            Ballot.objects.filter(document__symbol=text).order_by("pk").values(*fields)
        )
        if not found:
            if Document.objects.filter(symbol=text).exists():
                return None, f"document {text} has no ballot"
            return None, f"no ballot id or document symbol {text!r}"
        if len(found) > 1:
            ids = ", ".join(str(b["pk"]) for b in found)
            return None, (
                f"document {text} has {len(found)} ballots (ids {ids}); "
                "give the ballot's id"
            )
    ballot = found[0]
    if not ballot["is_recorded"]:
        return None, f"ballot {ballot['pk']} was adopted without a vote"
    return _BallotRef(ballot["pk"], ballot["date"]), None


def _parse_simple(names, records, states, index) -> VoteFile:
    ballots: dict[int, BallotRows] = {}
    found: dict[str, tuple[_BallotRef | None, str | None]] = {}
    matched: dict[str, tuple[str | None, str | None]] = {}
    errors: list[RowError] = []
    count = 0
    for line, values in records:
        row = dict(zip(names, (v.strip() for v in values), strict=False))
        problems = []
        text = row.get("ballot", "")
        if text not in found:
            found[text] = _find_ballot(text)
        ref, reason = found[text]
        if reason:
            problems.append(reason)
        text = row.get("state", "")
        if text not in matched:
            matched[text] = match_state(index, text)
        iso3, reason = matched[text]
        if reason:
            problems.append(reason)
        position = _SIMPLE_POSITIONS.get(row.get("vote", "").lower())
        if position is None:
            problems.append(
                f"unknown vote {row.get('vote', '')!r} "
                "(yes, no, abstain or non-voting; or Y, N, A, X)"
            )
        if ref and iso3:
            state = states[iso3]
            ballot = ballots.get(ref.pk)
            if not state.member_on(ref.date):
                problems.append(_not_a_member(state, row["state"], ref.date))
            elif ballot and iso3 in ballot.positions:
                problems.append(
                    f"a second row for {iso3} on ballot {ref.pk} "
                    f"(first at line {ballot.lines[iso3]})"
                )
        if problems:
            errors.extend(RowError(line, problem) for problem in problems)
            continue
        ballot = ballots.get(ref.pk)
        if ballot is None:
            ballot = ballots[ref.pk] = BallotRows(
                key=str(ref.pk), line=line, date=ref.date, ballot_id=ref.pk
            )
        ballot.positions[iso3] = position
        ballot.lines[iso3] = line
        count += 1
    if errors:
        raise ImportFailed(errors)
    return VoteFile("simple", list(ballots.values()), count)
