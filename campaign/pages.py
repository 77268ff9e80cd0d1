"""What each public page shows, read in a fixed number of queries."""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection
from django.db.models import Count, Func, Q, TextField
from django.db.models.fields.json import KT

from . import changes, charts, markup, worldmap
from .markup import gettext as _
from .models import (
    POSITION_LETTERS,
    Ballot,
    BallotPositions,
    Cosponsorship,
    Document,
    MemberState,
    Outcome,
    Position,
    RecordRevision,
    RegionalGroup,
    RegistryRevision,
    ResolutionSeries,
    Vote,
)
from .names import sort_key
from .prepared import Slots, one_json_value, statement_cursor
from .tallies import Tally, differences

# Amendments and paragraphs are voted on before the draft as a whole.
QUESTION_ORDER = {
    Ballot.Question.AMENDMENT: 0,
    Ballot.Question.PARAGRAPH: 1,
    Ballot.Question.DRAFT: 2,
}
# Plain strings: the database driver looks up how to send an enum member on
# every query, and that costs more than the query's other parameters together.
DRAFT_KINDS = tuple(
    str(kind.value)
    for kind in (Document.Kind.DRAFT, Document.Kind.REVISION, Document.Kind.RESOLUTION)
)


def ballot_label(ballot: Ballot) -> str:
    return ballot.subject or ballot.document.symbol


def position_labels() -> dict[str, str]:
    """Each position's label in the active language, translated once per page."""
    return dict(markup.labels(Position))


@dataclass(frozen=True, slots=True)
class StateRef:
    """What a ballot page shows of a state: read as plain values, not a model.

    ``local`` is the name in the page's language; ``link`` (to the state's
    page), ``group_html`` and ``local_html`` are that name and the group's
    label as escaped HTML, made once per state rather than once per mention.
    """

    pk: int
    iso3: str
    iso2: str
    name: str
    regional_group: str
    local: str
    link: str
    group_html: str
    local_html: str
    # Its cells in the table of states (markup.state_row_head).
    row_head: bytes


# Per language: the registry token read with the table, and the table
# (see _page_data).
_state_tables: dict[str, tuple[int, dict[str, StateRef]]] = {}


def _states_query(code: str):
    """The registry, with each state's name in language ``code``."""
    return MemberState.objects.order_by("pk").values_list(
        "pk", "iso3", "iso2", "name", KT(f"names__{code}"), "regional_group"
    )


def _state_table(rows: list[list]) -> dict[str, StateRef]:
    """Every state by its id as text (as the page's positions name them),
    from ``_states_query`` rows, with its markup, in the order of their names
    in the language (the order of a page's table of states)."""
    groups = dict(markup.labels(RegionalGroup, escaped=True))
    table = {}
    for pk, iso3, iso2, name, local, group in sorted(
        rows, key=lambda row: sort_key(row[4] or row[3])
    ):
        local = local or name
        link = markup.state_link(iso3, local)
        group_html = groups.get(group, "")
        table[str(pk)] = StateRef(
            pk,
            iso3,
            iso2,
            name,
            group,
            local,
            link,
            group_html,
            markup.escape(local),
            markup.state_row_head(link, group_html),
        )
    return table


def _code(language: str | None) -> str:
    return (language or "en").split("-")[0]


@dataclass(slots=True)
class StateRow:
    state: StateRef
    name: str
    position: str
    note: str
    beside: tuple[str | None, ...]
    labels: dict[str, str]
    before: str | None = None
    group_majority: str | None = None
    # Whether the position differs from ``before`` and from a group majority:
    # set by the page as it builds the rows (see ballot_page).
    changed: bool = False
    against_group: bool = False

    @property
    def position_label(self) -> str:
        return self.labels[self.position]

    @property
    def before_label(self) -> str:
        return self.labels[self.before] if self.before else ""

    @property
    def majority_label(self) -> str:
        return self.labels[self.group_majority] if self.group_majority else ""

    @property
    def beside_labelled(self) -> list[tuple[str, str]]:
        return [(p or "", self.labels[p] if p else "") for p in self.beside]


@dataclass
class GroupRow:
    code: str
    label: str
    tally: Tally
    majority: str | None

    @property
    def majority_label(self) -> str:
        return position_labels().get(self.majority, "")


@dataclass
class Summary:
    """The live part of a ballot page: outcome, totals, and totals by group."""

    ballot: Ballot
    tally: Tally
    reported: dict | None
    differences: dict
    groups: list[GroupRow]
    group_chart: str = ""

    @property
    def has_record(self) -> bool:
        return self.tally.total > 0

    @property
    def headline_tally(self) -> Tally | None:
        """The totals to state in one line: the record, else the UN's report."""
        if self.has_record:
            return self.tally
        if self.reported:
            return Tally(**{k: v or 0 for k, v in self.reported.items()})
        return None


def summarise(ballot: Ballot, votes: Iterable[tuple[str, str]]) -> Summary:
    """``votes`` are (regional group, position) pairs of the ballot."""
    by_group: dict[str, dict[str, int]] = {}
    for group, position in votes:
        counts = by_group.get(group)
        if counts is None:
            counts = by_group[group] = dict.fromkeys(POSITION_LETTERS, 0)
        counts[position] += 1
    fields = Tally.FIELDS_BY_POSITION.items()
    tally = Tally(
        **{
            field: sum(counts[letter] for counts in by_group.values())
            for field, letter in fields
        }
    )
    groups = []
    for code, label in markup.labels(RegionalGroup):
        counts = by_group.get(code) or dict.fromkeys(POSITION_LETTERS, 0)
        groups.append(
            GroupRow(
                code,
                label,
                Tally(**{field: counts[letter] for field, letter in fields}),
                changes.majority(counts),
            )
        )
    reported = ballot.reported_tally
    summary = Summary(
        ballot=ballot,
        tally=tally,
        reported=reported,
        differences=differences(tally, reported) if tally.total else {},
        groups=groups,
    )
    if summary.has_record:
        summary.group_chart = charts.stacked_bars(
            [(g.label, g.tally) for g in groups],
            label=_(
                "Bar chart of positions by regional group; the table gives the "
                "same numbers."
            ),
        )
    return summary


def live_summary(ballot: Ballot) -> Summary:
    """One query: the ballot's positions with each state's group."""
    return summarise(
        ballot,
        list(
            Vote.objects.for_ballot(ballot)
            .order_by()
            .values_list("state__regional_group", "position")
        ),
    )


@dataclass(frozen=True, slots=True)
class CosponsorRow:
    """A cosponsorship as a ballot page lists it."""

    state: StateRef
    role_label: str
    symbol: str
    since: datetime.date
    withdrawn_on: datetime.date | None


@dataclass
class BallotPage:
    ballot: Ballot
    summary: Summary
    rows: list[StateRow]
    beside: list[Ballot]
    previous: Ballot | None
    changes: list[StateRow]
    dissents: list[StateRow]
    crosstabs: list[tuple[Ballot, Ballot, list[tuple[str, list[int]]]]]
    cosponsorships: list[CosponsorRow]
    cosponsor_steps: list[tuple[datetime.date, int]]
    # UTF-8 already: see worldmap.Outlines.
    map_svg: bytes = b""
    cosponsor_chart: str = ""
    # The record's token read with the votes (RecordRevision; None: unknown).
    record_token: int | None = None

    @property
    def tally(self) -> Tally:
        return self.summary.tally

    @property
    def changes_by_move(self) -> list[tuple[StateRow, list[StateRow]]]:
        """Changes grouped by move (abstain to yes ...), the commonest first."""
        moves: dict[tuple[str, str], list[StateRow]] = defaultdict(list)
        for row in self.changes:
            moves[(row.before, row.position)].append(row)
        return sorted(
            ((rows[0], rows) for rows in moves.values()), key=lambda m: -len(m[1])
        )

    @property
    def dissents_by_group(self) -> list[tuple[StateRow, list[StateRow]]]:
        groups: dict[str, list[StateRow]] = defaultdict(list)
        for row in self.dissents:
            groups[row.state.regional_group].append(row)
        return [(rows[0], rows) for rows in groups.values()]


def _cosponsors_query(series_id, session):
    return (
        Cosponsorship.objects.filter(
            document__series_id=series_id,
            document__session=session,
            document__kind__in=DRAFT_KINDS,
        )
        # In the order of the names in the page's language: ballot_page.
        .order_by()
        .values_list("state_id", "role", "document__symbol", "since", "withdrawn_on")
    )


def _per_table(kept: dict, code: str, states: dict[str, StateRef], make):
    """``make()``, made once per table of states (so anew whenever the
    registry's token changes) and kept per language in ``kept``."""
    hit = kept.get(code)
    if hit is not None and hit[0] is states:
        return hit[1]
    made = make()
    kept[code] = (states, made)
    return made


# Per language: the table of states the outlines were made for, and them.
_outline_tables: dict[str, tuple[dict[str, StateRef], worldmap.Outlines]] = {}


def _outlines(code: str, states: dict[str, StateRef]) -> worldmap.Outlines:
    """The map's outlines in the active language for ``states``."""
    return _per_table(
        _outline_tables,
        code,
        states,
        lambda: worldmap.Outlines(
            {state.iso2: state.local_html for state in states.values()},
            dict(markup.labels(Position, escaped=True)),
        ),
    )


@dataclass(frozen=True, slots=True)
class TableOrder:
    """Of a table of states: each state's regional group by its key, and its
    place in the table by its id."""

    groups: dict[str, str]
    order: dict[int, int]


# Per language: the table of states the order was made for, and it.
_table_orders: dict[str, tuple[dict[str, StateRef], TableOrder]] = {}


def _table_order(code: str, states: dict[str, StateRef]) -> TableOrder:
    return _per_table(
        _table_orders,
        code,
        states,
        lambda: TableOrder(
            {key: state.regional_group for key, state in states.items()},
            {state.pk: place for place, state in enumerate(states.values())},
        ),
    )


def token_sql(revision) -> str:
    """A subquery for the token of ``revision`` (RegistryRevision or
    RecordRevision): NULL when there is none."""
    quote = connection.ops.quote_name
    return (
        f"(SELECT {quote('token')} FROM {quote(revision._meta.db_table)} "
        f"WHERE {quote('id')} = 1)"
    )


class StoredJSON(Func):
    """A text column holding JSON, read as JSON on PostgreSQL: a statement
    that answers in JSON then takes it in as it is, not as a string to escape
    and decode a second time. SQLite loses the JSON type across a subquery
    anyway: there it stays text."""

    template = "%(expressions)s"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s)::json", **extra_context
        )


# Keys no real row has (a session number within its column's range).
_SERIES_KEY, _SESSION_KEY, _TOKEN_KEY = -7_654_321, 32_101, -7_654_322


@lru_cache(maxsize=64)
def _page_data_sql(vendor: str, code: str, count: int) -> tuple[str, Slots]:
    """One statement for a ballot page's data, built by the ORM once.

    It answers: the positions on ``count`` ballots, one object per ballot
    from state id to position ({"12": "Y", ...}), with the notes of the
    ballot's votes that have one (null when none has), as the database's
    triggers keep them (BallotPositions: cheaper than aggregating the votes
    on every page); the registry's token; the registry with names in language
    ``code``, unless the token is the one the page passes (it has the table
    already); the cosponsors of a series' session; and the record's token
    (RecordRevision), which says whether what the page kept of the series is
    still true.
    """
    ballot_keys = tuple(-(i + 1) for i in range(count))
    joined = (
        BallotPositions.objects.filter(ballot_id__in=ballot_keys)
        .order_by()
        .annotate(by_state=StoredJSON("positions"), noted=StoredJSON("notes"))
        .values_list("ballot_id", "by_state", "noted")
    )
    params = []

    def as_json(queryset) -> str:
        sql, compiled = queryset.query.sql_with_params()
        params.extend(compiled)
        return f"({one_json_value(queryset, sql)})"

    token = token_sql(RegistryRevision)
    parts = [as_json(joined), token]
    params.append(_TOKEN_KEY)
    parts.append(
        f"CASE WHEN {token} = %s THEN NULL ELSE {as_json(_states_query(code))} END"
    )
    parts.append(as_json(_cosponsors_query(_SERIES_KEY, _SESSION_KEY)))
    parts.append(token_sql(RecordRevision))
    sql = f"SELECT {', '.join(parts)}"
    return sql, Slots(params, (*ballot_keys, _TOKEN_KEY, _SERIES_KEY, _SESSION_KEY))


@dataclass
class PageData:
    """What ``_page_data`` reads, states named by their id as text: positions
    by ballot (state to letter), notes by ballot (state to note), the registry,
    the cosponsor rows ([state id, role, symbol, since, withdrawn on]), and
    the record's token (None: unknown)."""

    positions: dict[int, dict[str, str]]
    notes: dict[int, dict[str, str]]
    states: dict[str, StateRef]
    cosponsors: list[list]
    record_token: int | None


def _page_data(
    ballot_ids: list[int], language: str, series_id: int, session: int
) -> PageData:
    """One round trip. The registry comes back only when its token differs
    from that of the table kept for the language: a renamed state (however
    renamed, see RegistryRevision) shows on the next page built."""
    code = _code(language)
    kept = _state_tables.get(code)
    sql, slots = _page_data_sql(connection.vendor, code, len(ballot_ids))
    with statement_cursor(connection) as cursor:
        cursor.execute(
            sql,
            slots.fill((*ballot_ids, kept[0] if kept else None, series_id, session)),
        )
        joined, token, registry, cosponsors, record_token = cursor.fetchone()
    if registry is None:
        states = kept[1]
    else:
        states = _state_table(json.loads(registry))
        if token is not None:
            _state_tables[code] = (token, states)
    positions = {}
    notes = {}
    for ballot_id, by_state, noted in json.loads(joined):
        # SQLite hands the stored objects over as text, PostgreSQL as JSON
        # (see StoredJSON).
        positions[ballot_id] = (
            json.loads(by_state) if isinstance(by_state, str) else by_state
        )
        if noted:
            notes[ballot_id] = json.loads(noted) if isinstance(noted, str) else noted
    return PageData(positions, notes, states, json.loads(cosponsors), record_token)


def ballot_page(
    ballot: Ballot,
    *,
    language: str,
    figures: bool = True,
    series_ballots: list[Ballot] | None = None,
) -> BallotPage:
    """Two queries: the series' ballots; their positions and notes, the
    registry, the cosponsors and the record's token (one statement). One with
    ``series_ballots`` (see ``pagecache.ballot_view``).

    Positions come back as one object per ballot, state id to letter
    (``_page_data``), and the states from the table kept per language:
    building hundreds of model instances would cost more than the rest of the
    page. ``figures`` False leaves out the map and charts (for the CSV and
    JSON downloads); ``series_ballots`` from ``pagecache.ballot_record`` saves
    the first query.
    """
    if series_ballots is None:
        series_ballots = list(
            Ballot.objects.filter(document__series_id=ballot.document.series_id)
            .select_related("document")
            .order_by("date", "pk")
        )
    beside = sorted(
        (
            b
            for b in series_ballots
            if b.document.session == ballot.document.session
            and b.body == ballot.body
            and b.is_recorded
        ),
        key=lambda b: (b.date, QUESTION_ORDER.get(b.question, 9), b.pk),
    )
    previous = changes.previous_ballot(ballot, series_ballots)
    wanted = {b.pk for b in beside} | {ballot.pk}
    if previous:
        wanted.add(previous.pk)
    data = _page_data(
        sorted(wanted),
        language or "en",
        ballot.document.series_id,
        ballot.document.session,
    )
    states, this = data.states, ballot.pk
    by_ballot = defaultdict(dict, data.positions)
    cosponsor_rows = data.cosponsors
    positions = by_ballot[this]
    # The counts by group first: each row says whether it is against its
    # group's majority.
    code = _code(language)
    ordering = _table_order(code, states)
    group_of = ordering.groups.__getitem__
    summary = summarise(
        ballot, zip(map(group_of, positions), positions.values(), strict=True)
    )
    majorities = {g.code: g.majority for g in summary.groups}
    before = by_ballot[previous.pk] if previous else {}
    others = [b for b in beside if b.pk != ballot.pk]
    other_positions = [by_ballot[b.pk] for b in others]

    labels = position_labels()
    cast = changes.CAST
    # A state's positions on the other ballots of the meeting (most often one).
    if len(other_positions) == 1:
        other = other_positions[0].get

        def beside_of(pk):
            return (other(pk),)
    else:

        def beside_of(pk):
            return tuple([p.get(pk) for p in other_positions])

    # The table of states is in the order of their names already; the
    # changes, dissents and map colours are gathered on the way.
    rows, changed, against, colours = [], [], [], {}
    append = rows.append
    position_of = positions.get
    note_of = data.notes.get(this, {}).get
    was_of = before.get
    for key, state in states.items():
        position = position_of(key)
        if position is None:
            continue
        was = was_of(key)
        majority = majorities.get(state.regional_group)
        row = StateRow(
            state,
            state.local,
            position,
            note_of(key, ""),
            beside_of(key),
            labels,
            was,
            majority,
            was is not None and was != position,
            majority is not None and position in cast and position != majority,
        )
        append(row)
        colours[state.iso2] = position
        if row.changed:
            changed.append(row)
        if row.against_group:
            against.append(row)
    tally = summary.tally

    crosstabs = []
    for other, other_pos in zip(others, other_positions, strict=True):
        if not other_pos or not positions:
            continue
        first, second = (
            (other, ballot)
            if QUESTION_ORDER.get(other.question, 9)
            < QUESTION_ORDER.get(ballot.question, 9)
            else (ballot, other)
        )
        table = changes.crosstab(
            other_pos if first is other else positions,
            positions if first is other else other_pos,
        )
        crosstabs.append(
            (
                first,
                second,
                [
                    (labels[p], [table[p][q] for q in POSITION_LETTERS])
                    for p in POSITION_LETTERS
                ],
            )
        )

    roles = dict(markup.labels(Cosponsorship.Role))
    day = datetime.date.fromisoformat
    # By date, then in the order of the table of states (their names in the
    # page's language).
    order = ordering.order
    cosponsor_rows.sort(key=lambda row: (row[3], order[row[0]]))
    cosponsorships = [
        CosponsorRow(
            states[str(state_id)],
            str(roles.get(role, role)),
            symbol,
            day(since),
            day(withdrawn) if withdrawn else None,
        )
        for state_id, role, symbol, since, withdrawn in cosponsor_rows
    ]
    page = BallotPage(
        ballot=ballot,
        summary=summary,
        rows=rows,
        beside=beside if len(beside) > 1 else [],
        previous=previous,
        changes=changed,
        # By group; within each in the table's order (that of the names).
        dissents=sorted(against, key=lambda r: r.state.regional_group),
        crosstabs=crosstabs,
        cosponsorships=cosponsorships,
        cosponsor_steps=cosponsor_steps(cosponsorships),
        record_token=data.record_token,
    )
    if figures and summary.has_record:
        page.map_svg = _outlines(code, states).render(
            colours,
            title=_("World map of positions on %(ballot)s")
            % {"ballot": ballot_label(ballot)},
            description=_(
                "Each member state is coloured by its position: %(summary)s. "
                "The table of states below lists the same positions."
            )
            % {"summary": tally_sentence(tally)},
        )
    if figures and len(page.cosponsor_steps) > 1:
        page.cosponsor_chart = charts.step_line(
            page.cosponsor_steps,
            label=_("Number of cosponsors over time: %(steps)s")
            % {
                "steps": "; ".join(
                    f"{day.isoformat()}: {count}" for day, count in page.cosponsor_steps
                )
            },
        )
    return page


def tally_sentence(tally: Tally) -> str:
    return (
        _("%(yes)s yes, %(no)s no, %(abstain)s abstentions, %(non_voting)s non-voting")
        % tally.as_dict()
    )


def cosponsor_steps(
    cosponsorships: list[CosponsorRow] | list[Cosponsorship],
) -> list[tuple[datetime.date, int]]:
    """The count of current cosponsors after each day on which it changed."""
    deltas: dict[datetime.date, int] = defaultdict(int)
    for c in cosponsorships:
        deltas[c.since] += 1
        if c.withdrawn_on:
            deltas[c.withdrawn_on] -= 1
    steps, count = [], 0
    for day in sorted(deltas):
        count += deltas[day]
        steps.append((day, count))
    return steps


@dataclass
class SeriesRow:
    ballot: Ballot
    tally: Tally | None
    from_record: bool


def series_page(series: ResolutionSeries) -> dict:
    """Every decision of a series with its totals: two queries."""
    ballots = list(
        Ballot.objects.filter(document__series=series)
        .select_related("document")
        .order_by("date", "document__session", "pk")
    )
    counts = {
        row.pop("ballot_id"): Tally(**row)
        for row in Vote.objects.filter(ballot__document__series=series)
        .values("ballot_id")
        .annotate(
            **{
                name: Count("pk", filter=Q(position=letter))
                for name, letter in Tally.FIELDS_BY_POSITION.items()
            }
        )
    }
    rows = []
    for b in ballots:
        if b.pk in counts:
            rows.append(SeriesRow(b, counts[b.pk], True))
        elif b.reported_tally:
            rows.append(
                SeriesRow(
                    b, Tally(**{k: v or 0 for k, v in b.reported_tally.items()}), False
                )
            )
        else:
            rows.append(SeriesRow(b, None, False))
    trend = [r for r in rows if r.tally and r.ballot.question == Ballot.Question.DRAFT]
    chart = charts.stacked_bars(
        [
            (
                f"{r.ballot.date.year} · {r.ballot.get_body_display()}"
                + ("" if r.from_record else " · " + _("reported")),
                r.tally,
            )
            for r in trend
        ],
        label=_(
            "Bar chart of the totals on the draft as a whole, year by year; "
            "the table gives the same numbers."
        ),
        scale=max((r.tally.total for r in trend), default=0) or None,
    )
    return {
        "rows": rows,
        "trend_chart": chart if trend else "",
        "without_vote": [
            r
            for r in rows
            if r.ballot.outcome == Outcome.ADOPTED_WITHOUT_VOTE
            or not r.ballot.is_recorded
        ],
    }


def state_page(state: MemberState) -> dict:
    """A state's positions on every tracked ballot, and its cosponsorships."""
    votes = list(
        Vote.objects.filter(state=state)
        .select_related("ballot__document__series")
        .order_by("ballot__document__series__title", "-ballot__date", "ballot__pk")
    )
    by_series: dict[int, list[Vote]] = defaultdict(list)
    series = {}
    for v in votes:
        s = v.ballot.document.series
        series[s.pk] = s
        by_series[s.pk].append(v)
    cosponsorships = list(
        Cosponsorship.objects.filter(state=state)
        .select_related("document__series")
        .order_by("-since")
    )
    tally = Tally.from_positions(v.position for v in votes)
    return {
        "series_votes": [(series[pk], by_series[pk]) for pk in by_series],
        "cosponsorships": cosponsorships,
        "tally": tally,
    }
