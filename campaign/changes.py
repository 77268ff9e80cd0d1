"""Who changed position since the last ballot, and who voted against their group."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .models import POSITION_LETTERS, Ballot, MemberState, Position, Vote

# A regional group "has a majority" when more than half of its members who
# voted yes, no or abstained chose the same position; non-voting members are
# not counted, as the General Assembly does not count them.
CAST = (Position.YES.value, Position.NO.value, Position.ABSTAIN.value)


@dataclass(frozen=True)
class PositionChange:
    state: MemberState
    before: str
    after: str


@dataclass(frozen=True)
class Dissent:
    state: MemberState
    position: str
    group_majority: str


def changed_positions(
    before: Mapping[int, str], after: Mapping[int, str]
) -> list[tuple[int, str, str]]:
    """(state id, old, new) for states on both ballots whose position differs.

    A state absent from one of the ballots (not yet a member) has no change.
    """
    return [
        (state_id, before[state_id], position)
        for state_id, position in after.items()
        if state_id in before and before[state_id] != position
    ]


def group_majorities(
    positions: Mapping[int, str], groups: Mapping[int, str]
) -> dict[str, str | None]:
    """Each regional group's majority position, or None where there is none."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for state_id, position in positions.items():
        group = groups.get(state_id)
        if group and position in CAST:
            counts[group][position] += 1
    return {group: majority(counter) for group, counter in counts.items()}


def majority(counts: Mapping[str, int]) -> str | None:
    """The position more than half of those voting yes, no or abstain chose."""
    cast = sum(counts.get(position, 0) for position in CAST)
    for position in CAST:
        if counts.get(position, 0) * 2 > cast:
            return position
    return None


def against_majority(
    positions: Mapping[int, str], groups: Mapping[int, str]
) -> list[tuple[int, str, str]]:
    """(state id, position, group majority) for states that voted otherwise.

    Only yes, no and abstain count as voting otherwise: a non-voting member is
    not listed.
    """
    majorities = group_majorities(positions, groups)
    return [
        (state_id, position, majorities[groups[state_id]])
        for state_id, position in positions.items()
        if position in CAST
        and majorities.get(groups.get(state_id))
        and position != majorities[groups[state_id]]
    ]


def crosstab(
    first: Mapping[int, str], second: Mapping[int, str]
) -> dict[str, dict[str, int]]:
    """How states that took each position on ``first`` then voted on ``second``."""
    table = {p: dict.fromkeys(POSITION_LETTERS, 0) for p in POSITION_LETTERS}
    for state_id, position in first.items():
        if state_id in second:
            table[position][second[state_id]] += 1
    return table


def previous_ballot(ballot: Ballot, candidates: Iterable[Ballot]) -> Ballot | None:
    """The last earlier recorded ballot of the same series, body and question.

    ``candidates`` are the series' ballots (one query for the caller).
    """
    earlier = [
        b
        for b in candidates
        if b.pk != ballot.pk
        and b.is_recorded
        and b.body == ballot.body
        and b.question == ballot.question
        and b.document.session < ballot.document.session
    ]
    return max(earlier, key=lambda b: (b.date, b.pk), default=None)


def _positions(ballot: Ballot) -> dict[int, str]:
    return dict(Vote.objects.for_ballot(ballot).values_list("state_id", "position"))


def since_previous(ballot: Ballot) -> tuple[Ballot | None, list[PositionChange]]:
    """The previous ballot of the series and every state that changed since.

    Four queries whatever the number of states and ballots.
    """
    candidates = Ballot.objects.filter(
        document__series_id=ballot.document.series_id
    ).select_related("document")
    previous = previous_ballot(ballot, candidates)
    if previous is None:
        return None, []
    rows = changed_positions(_positions(previous), _positions(ballot))
    states = MemberState.objects.in_bulk([state_id for state_id, _, _ in rows])
    changes = [PositionChange(states[s], before, after) for s, before, after in rows]
    return previous, sorted(changes, key=lambda c: c.state.name)


def against_group_majority(ballot: Ballot) -> list[Dissent]:
    """States whose position differs from their regional group's majority.

    One query whatever the number of states.
    """
    votes = list(Vote.objects.for_ballot(ballot).select_related("state"))
    positions = {v.state_id: v.position for v in votes}
    groups = {v.state_id: v.state.regional_group for v in votes}
    states = {v.state_id: v.state for v in votes}
    return sorted(
        (
            Dissent(states[s], position, majority)
            for s, position, majority in against_majority(positions, groups)
        ),
        key=lambda d: (d.state.regional_group, d.state.name),
    )
