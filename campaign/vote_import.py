"""Writing a checked vote file to the record: what it would change, then all at once."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from . import pagecache, signals
from .imports import (
    BallotRows,
    ImportFailed,
    RowError,
    StateFacts,
    UNDLRecord,
    VoteFile,
    parse_votes,
)
from .models import Ballot, Body, Document, Outcome, ResolutionSeries, Vote
from .tallies import Tally, decide, differences

VOTE_BATCH = 2000
# On PostgreSQL new votes and their history rows are written with COPY.
COPY_VOTES = True
# Query parameters per IN (...) list, well under every backend's limit.
_CHUNK = 500


@dataclass
class BallotChange:
    """What importing one ballot's rows does to it."""

    key: str
    line: int
    label: str
    date: datetime.date
    ballot: Ballot | None
    rows: BallotRows
    is_new: bool = False
    ballot_fields: list[str] = field(default_factory=list)
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    file_tally: Tally = field(default_factory=Tally)
    totals: dict[str, int | None] | None = None
    totals_source: str = ""
    disagreements: dict[str, tuple[int, int]] = field(default_factory=dict)
    absent: list[str] = field(default_factory=list)
    # The writes, worked out in advance: (iso3, position), and votes as changed.
    new_votes: list[tuple[str, str]] = field(default_factory=list, repr=False)
    changed_votes: list[Vote] = field(default_factory=list, repr=False)
    values: dict[str, object] = field(default_factory=dict, repr=False)

    @property
    def is_changed(self) -> bool:
        return self.is_new or bool(self.ballot_fields or self.new or self.changed)

    @property
    def agrees(self) -> bool | None:
        """Whether the rows agree with the totals; None when there are none."""
        if self.totals is None:
            return None
        return not self.disagreements


@dataclass
class VotesImport:
    """The outcome of checking (and perhaps committing) one vote file."""

    kind: str
    rows: int
    ballots: list[BallotChange]
    skipped: dict[str, int]
    committed: bool = False

    @property
    def new_ballots(self) -> int:
        return sum(c.is_new for c in self.ballots)

    @property
    def changed_ballots(self) -> int:
        return sum(c.is_changed and not c.is_new for c in self.ballots)

    @property
    def new_votes(self) -> int:
        return sum(c.new for c in self.ballots)

    @property
    def changed_votes(self) -> int:
        return sum(c.changed for c in self.ballots)

    @property
    def unchanged_votes(self) -> int:
        return sum(c.unchanged for c in self.ballots)

    @property
    def disagreeing(self) -> list[BallotChange]:
        return [c for c in self.ballots if c.agrees is False]


def plan_votes_import(
    *, data: bytes | str | Iterable[str], lock: bool = False
) -> VotesImport:
    """Check a vote file against the record and work out what importing it changes.

    Writes nothing; raises ImportFailed naming every bad row.
    """
    states = StateFacts.registry()
    parsed = parse_votes(data, states=states)
    existing = (
        _undl_ballots(parsed, lock=lock)
        if parsed.kind == "undl"
        else _ballots_by_id(parsed, lock=lock)
    )
    votes = _existing_votes([b.pk for b in existing.values()])
    iso3_of = {facts.pk: iso3 for iso3, facts in states.items()}
    members = sorted(
        (facts.member_since, iso3)
        for iso3, facts in states.items()
        if not facts.is_observer and facts.member_since
    )
    changes = []
    for rows in parsed.ballots:
        ballot = existing.get(rows.key)
        current = {
            iso3_of[state_id]: vote
            for state_id, vote in votes.get(ballot.pk if ballot else None, {}).items()
        }
        changes.append(_change(rows, ballot, current, members))
    return VotesImport(parsed.kind, parsed.rows, changes, parsed.skipped)


def import_votes(
    *,
    data: bytes | str | Iterable[str],
    by=None,
    source: str = "",
) -> VotesImport:
    """Import a vote file: every row, or nothing if any row is bad.

    Importing the same file again changes nothing. Each new or changed ballot and
    vote gets a history row naming ``by``; a changed ballot's version is bumped.
    """
    try:
        with transaction.atomic():
            result = plan_votes_import(data=data, lock=True)
            _apply(result, by=by, reason=f"Imported from {source or 'a vote file'}")
            _announce(result)
            _audit(result, by=by, source=source)
    except IntegrityError as exc:
        raise ImportFailed(
            [RowError(0, "the record changed while importing; import again")]
        ) from exc
    result.committed = True
    return result


def _audit(result: VotesImport, *, by, source: str) -> None:
    """The import in the audit log of the organisations ``by`` acts for."""
    changed = [c for c in result.ballots if c.new or c.changed or c.is_new]
    if not changed:
        return
    from accounts.models import AuditAction
    from accounts.services import record_staff_change

    record_staff_change(
        action=AuditAction.RECORD_CHANGED,
        by=by,
        data={
            "change": "votes imported",
            "source": source,
            "ballots": [c.ballot.pk for c in changed],
        },
    )


def _announce(result: VotesImport) -> None:
    """Tell the record's listeners which ballots changed and which were decided."""
    recorded = [c.ballot for c in result.ballots if c.new or c.changed]
    if recorded:
        signals.votes_recorded.send(sender=Ballot, ballots=recorded)
    decided = [
        c.ballot
        for c in result.ballots
        if not c.is_new
        and "outcome" in c.ballot_fields
        and c.values["outcome"] != Outcome.PENDING
    ]
    if decided:
        signals.outcome_decided.send(sender=Ballot, ballots=decided)


def _chunks(items: list, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _locked(queryset, lock: bool):
    return queryset.select_for_update() if lock else queryset


def _undl_ballots(parsed: VoteFile, *, lock: bool) -> dict[str, Ballot]:
    """Existing ballots by UNDL record number; a plenary ballot on the resolution
    that has no record number yet is taken to be the record's."""
    keys = [rows.key for rows in parsed.ballots]
    found: dict[str, Ballot] = {}
    for chunk in _chunks(keys):
        for ballot in _locked(Ballot.objects.filter(undl_id__in=chunk), lock):
            found[ballot.undl_id] = ballot
    unmatched = {
        rows.record.resolution: rows for rows in parsed.ballots if rows.key not in found
    }
    candidates: dict[str, list[Ballot]] = {}
    symbols = list(unmatched)
    for chunk in _chunks(symbols):
        document_ids = dict(
            Document.objects.filter(symbol__in=chunk).values_list("pk", "symbol")
        )
        queryset = Ballot.objects.filter(
            body=Body.PLENARY,
            undl_id="",
            question=Ballot.Question.DRAFT,
            document_id__in=document_ids,
        )
        for ballot in _locked(queryset, lock):
            candidates.setdefault(document_ids[ballot.document_id], []).append(ballot)
    errors = []
    for symbol, ballots in candidates.items():
        rows = unmatched[symbol]
        if len(ballots) == 1:
            found[rows.key] = ballots[0]
        else:
            ids = ", ".join(str(b.pk) for b in ballots)
            errors.append(
                RowError(
                    rows.line,
                    f"{symbol} has {len(ballots)} plenary ballots (ids {ids}) and "
                    f"none is record {rows.key}; set the record number on one",
                )
            )
    if errors:
        raise ImportFailed(errors)
    return found


def _ballots_by_id(parsed: VoteFile, *, lock: bool) -> dict[str, Ballot]:
    ids = [rows.ballot_id for rows in parsed.ballots]
    found = {}
    for chunk in _chunks(ids):
        for ballot in _locked(Ballot.objects.filter(pk__in=chunk), lock):
            found[str(ballot.pk)] = ballot
    return found


def _existing_votes(ballot_ids: list[int]) -> dict[int, dict[int, tuple]]:
    """Each ballot's votes by state: (id, ballot id, state id, position, note)."""
    votes: dict[int, dict[int, tuple]] = {}
    fields = ("pk", "ballot_id", "state_id", "position", "note")
    for chunk in _chunks(ballot_ids):
        for row in (
            Vote.objects.filter(ballot_id__in=chunk).order_by().values_list(*fields)
        ):
            votes.setdefault(row[1], {})[row[2]] = row
    return votes


def _change(
    rows: BallotRows,
    ballot: Ballot | None,
    current: dict[str, tuple],
    members: list[tuple[datetime.date, str]],
) -> BallotChange:
    record = rows.record
    change = BallotChange(
        key=rows.key,
        line=rows.line,
        label=record.resolution if record else "",
        date=rows.date,
        ballot=ballot,
        rows=rows,
        is_new=ballot is None,
        file_tally=Tally.from_positions(rows.positions.values()),
    )
    if ballot is not None and not change.label:
        change.label = ballot.subject or f"ballot {ballot.pk}"
    final = {iso3: vote[3] for iso3, vote in current.items()}
    for iso3, position in rows.positions.items():
        vote = current.get(iso3)
        if vote is None:
            change.new_votes.append((iso3, position))
        elif vote[3] != position:
            pk, ballot_id, state_id, _, note = vote
            change.changed_votes.append(
                Vote(
                    pk=pk,
                    ballot_id=ballot_id,
                    state_id=state_id,
                    position=position,
                    note=note,
                )
            )
        else:
            change.unchanged += 1
        final[iso3] = position
    change.new = len(change.new_votes)
    change.changed = len(change.changed_votes)
    change.absent = [
        iso3
        for since, iso3 in members
        if since <= rows.date and iso3 not in rows.positions
    ]
    values = _undl_values(record) if record else {}
    if record:
        values["date"] = rows.date
    if final:
        tally = Tally.from_positions(final.values())
        vetoed_by = [iso3 for iso3, position in final.items() if position == "N"]
        body = ballot.body if ballot else Body.PLENARY
        values["outcome"] = decide(body, tally, vetoed_by=vetoed_by)
    if record:
        change.totals, change.totals_source = record.reported, "file"
        counted = change.file_tally
    else:
        change.totals, change.totals_source = ballot.reported_tally, "reported"
        counted = Tally.from_positions(final.values())
    change.disagreements = differences(counted, change.totals)
    if ballot is None:
        change.values = values
    else:
        change.ballot_fields = [
            name for name, value in values.items() if getattr(ballot, name) != value
        ]
        change.values = {name: values[name] for name in change.ballot_fields}
    return change


def _undl_values(record: UNDLRecord) -> dict[str, object]:
    """A plenary ballot's fields from its UNDL record; what the file leaves
    empty is left as it is."""
    values = {
        "undl_id": record.undl_id,
        "body": Body.PLENARY,
        "is_recorded": True,
        "meeting": record.meeting,
        "committee_report": record.committee_report,
        "agenda_title": record.agenda_title,
        "subjects": record.subjects,
        "vote_note": record.vote_note,
        "reported_source": record.link,
    }
    if record.reported is not None:
        values.update(
            {f"reported_{key}": value for key, value in record.reported.items()}
        )
    return {k: v for k, v in values.items() if v not in ("", None)}


def _apply(result: VotesImport, *, by, reason: str) -> None:
    now = timezone.now()
    history = {"default_user": by, "default_change_reason": reason, "default_date": now}
    new = [c for c in result.ballots if c.ballot is None]
    changed = [c for c in result.ballots if c.ballot is not None and c.is_changed]
    documents = _documents_for([c.rows for c in new])
    created = [
        Ballot(
            document=documents[c.rows.record.resolution],
            question=Ballot.Question.DRAFT,
            subject=_subject(c.rows.record),
            version=1,
            **c.values,
        )
        for c in new
    ]
    bulk_create_with_history(created, Ballot, batch_size=_CHUNK, **history)
    for change, ballot in zip(new, created, strict=True):
        change.ballot = ballot
    fields = {"version"}
    for change in changed:
        for name, value in change.values.items():
            setattr(change.ballot, name, value)
            fields.add(name)
        change.ballot.version += 1
    if changed:
        bulk_update_with_history(
            [c.ballot for c in changed],
            Ballot,
            fields=sorted(fields),
            batch_size=_CHUNK,
            **history,
        )
    states = {iso3: facts.pk for iso3, facts in StateFacts.registry().items()}
    new_votes = [
        (c.ballot.pk, states[iso3], position)
        for c in result.ballots
        for iso3, position in c.new_votes
    ]
    _create_votes(new_votes, **history)
    changed_votes = [vote for c in result.ballots for vote in c.changed_votes]
    if changed_votes:
        bulk_update_with_history(
            changed_votes, Vote, fields=["position"], batch_size=_CHUNK, **history
        )
    if created or changed or new_votes or changed_votes:
        pagecache.record_changed()


def _create_votes(
    votes: list[tuple[int, int, str]],
    *,
    default_user,
    default_change_reason: str,
    default_date: datetime.datetime,
) -> None:
    """Insert (ballot id, state id, position) votes, each with its history row."""
    if not votes:
        return
    if connection.vendor == "postgresql" and COPY_VOTES:
        _copy_votes(
            votes, user=default_user, reason=default_change_reason, when=default_date
        )
        return
    bulk_create_with_history(
        [Vote(ballot_id=b, state_id=s, position=p) for b, s, p in votes],
        Vote,
        batch_size=VOTE_BATCH,
        default_user=default_user,
        default_change_reason=default_change_reason,
        default_date=default_date,
    )


def _copy_votes(votes, *, user, reason: str, when: datetime.datetime) -> None:
    """PostgreSQL's COPY, several times as fast as INSERT for a whole UNDL file.

    The ids are drawn from the table's sequence first, so that the history rows,
    which carry the vote's id, can be copied too.
    """
    vote_table = Vote._meta.db_table
    history_table = Vote.history.model._meta.db_table
    user_id = getattr(user, "pk", None)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
            "FROM generate_series(1, %s)",
            [vote_table, len(votes)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        raw = cursor.cursor
        with raw.copy(
            f"COPY {vote_table} (id, ballot_id, state_id, position, note) FROM STDIN"
        ) as copy:
            for pk, (ballot_id, state_id, position) in zip(ids, votes, strict=True):
                copy.write_row((pk, ballot_id, state_id, position, ""))
        with raw.copy(
            f"COPY {history_table} (id, ballot_id, state_id, position, note, "
            "history_date, history_change_reason, history_type, history_user_id) "
            "FROM STDIN"
        ) as copy:
            for pk, (ballot_id, state_id, position) in zip(ids, votes, strict=True):
                copy.write_row(
                    (pk, ballot_id, state_id, position, "", when, reason, "+", user_id)
                )


_TITLE_TAIL = re.compile(r"\s*:\s*resolution\s*/\s*adopted by the .*$", re.I | re.S)


def clean_title(text: str) -> str:
    """A UNDL title without its catalogue tail (": resolution / adopted by ...")."""
    return _TITLE_TAIL.sub("", text).strip().rstrip(".").strip()


def _subject(record: UNDLRecord) -> str:
    title = clean_title(record.title) or record.agenda_title
    return f"{record.resolution}: {title}"[:300] if title else record.resolution


def _series_title(record: UNDLRecord) -> str:
    return clean_title(record.title) or record.agenda_title or record.resolution


def series_key(title: str) -> str:
    """The slug a resolution series is known by: its title's, at most 100 long."""
    return slugify(title)[:100].rstrip("-") or "resolution"


def _draft_body(symbol: str) -> str:
    if match := re.match(r"A/C\.([1-6])/", symbol):
        return f"C{match[1]}"
    return Body.PLENARY


def _documents_for(new: list[BallotRows]) -> dict[str, Document]:
    """The resolution document of each new ballot, creating what is missing.

    A resolution joins the series of its document or draft if either exists;
    otherwise the series whose title makes the same slug as its own (UNDL titles
    repeat word for word each session), or a new series with that title.
    """
    if not new:
        return {}
    symbols = {r.record.resolution for r in new} | {
        r.record.draft for r in new if r.record.draft
    }
    documents: dict[str, Document] = {}
    for chunk in _chunks(sorted(symbols)):
        documents.update(
            (d.symbol, d) for d in Document.objects.filter(symbol__in=chunk)
        )
    series: dict[str, ResolutionSeries] = {}
    for each in ResolutionSeries.objects.all():
        series.setdefault(series_key(each.title), each)
        series.setdefault(each.slug, each)
    taken = set(ResolutionSeries.objects.values_list("slug", flat=True))

    def series_for(record: UNDLRecord) -> ResolutionSeries:
        for symbol in (record.resolution, record.draft):
            if symbol in documents:
                return documents[symbol].series
        title = _series_title(record)
        key = series_key(title)
        if key not in series:
            slug, n = key, 1
            while slug in taken:
                n += 1
                slug = f"{key[:95]}-{n}"
            taken.add(slug)
            series[key] = ResolutionSeries(title=title[:300], slug=slug)
        return series[key]

    missing = [r for r in new if r.record.resolution not in documents]
    records = [r.record for r in missing]
    wanted = {record.resolution: series_for(record) for record in records}
    ResolutionSeries.objects.bulk_create(
        {id(s): s for s in wanted.values() if s.pk is None}.values()
    )
    drafts = {}
    for record in records:
        draft = record.draft
        if draft and draft not in documents and draft not in drafts:
            drafts[record.draft] = Document(
                series=wanted[record.resolution],
                symbol=record.draft,
                kind=Document.Kind.REVISION
                if "/Rev." in record.draft
                else Document.Kind.DRAFT,
                body=_draft_body(record.draft),
                session=record.session,
                title=_series_title(record)[:400],
            )
    Document.objects.bulk_create(drafts.values())
    documents.update(drafts)
    resolutions = {}
    for rows in missing:
        record = rows.record
        resolutions.setdefault(
            record.resolution,
            Document(
                series=wanted[record.resolution],
                symbol=record.resolution,
                kind=Document.Kind.RESOLUTION,
                body=Body.PLENARY,
                session=record.session,
                title=_series_title(record)[:400],
                date=rows.date,
                parent=documents.get(record.draft),
            ),
        )
    Document.objects.bulk_create(resolutions.values())
    documents.update(resolutions)
    return documents
