"""Reading the voting annex of a UN press release, and pasted lists of State names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .models import Position
from .names import AmbiguousName, NameIndex
from .tallies import Tally

# The list headings as press releases of the General Assembly, its committees and
# the Security Council print them. "Absent" and "did not vote" are non-voting.
_HEADINGS = {
    "in favour": Position.YES,
    "in favor": Position.YES,
    "against": Position.NO,
    "abstain": Position.ABSTAIN,
    "abstaining": Position.ABSTAIN,
    "abstentions": Position.ABSTAIN,
    "absent": Position.NON_VOTING,
    "did not vote": Position.NON_VOTING,
    "not voting": Position.NON_VOTING,
    "non-voting": Position.NON_VOTING,
}
_HEADING = re.compile(
    r"\b(in\s+favou?r|against|abstain(?:ing)?|abstentions|absent|did\s+not\s+vote"
    r"|not\s+voting|non-voting)\s*:",
    re.IGNORECASE,
)
# A list ends at its full stop; no UN name has one, but "St. Lucia" might be typed.
_LIST_END = re.compile(r"(?<!\bSt)\.(?=\s|$)", re.IGNORECASE)
_EMPTY_LIST = {"none", "nil", "-", "\u2013", "\u2014"}


@dataclass(frozen=True)
class Unmatched:
    """A piece of text that names no State, or more than one."""

    text: str
    position: str = ""
    candidates: tuple[str, ...] = ()

    @property
    def is_ambiguous(self) -> bool:
        return bool(self.candidates)


@dataclass(frozen=True)
class Duplicate:
    """A State named more than once; ``positions`` lists each list it was in."""

    iso3: str
    positions: tuple[str, ...]
    text: str = ""

    @property
    def conflicts(self) -> bool:
        return len(set(self.positions)) > 1


@dataclass
class NameList:
    """States found in a pasted list, in order, and the text that named none."""

    states: list[tuple[str, str]] = field(default_factory=list)  # (iso3, as written)
    unmatched: list[Unmatched] = field(default_factory=list)


@dataclass
class Annex:
    """Positions read from an annex: conflicting duplicates are left out."""

    positions: dict[str, str] = field(default_factory=dict)
    unmatched: list[Unmatched] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def tally(self) -> Tally:
        return Tally.from_positions(self.positions.values())

    @property
    def is_clean(self) -> bool:
        return not (self.unmatched or self.duplicates or self.ignored or self.problems)


def split_names(text: str) -> list[str]:
    """Cut a pasted list into names: by commas and semicolons, else one per line.

    Line breaks inside a comma-separated list are taken as spaces, since press
    releases and PDFs wrap long names ("Saint Vincent and the\\nGrenadines").
    """
    if re.search(r"[,;]", text):
        parts = re.split(r"[,;]", " ".join(text.splitlines()))
    else:
        parts = text.splitlines()
    names = []
    for part in parts:
        part = " ".join(part.split()).strip(" .")
        if part and part.casefold() not in _EMPTY_LIST:
            names.append(part)
    return names


def match_names(names: list[str], index: NameIndex | None = None) -> NameList:
    """Match each name to a State; "X and Y" is split when only its parts match."""
    index = index or NameIndex.default()
    result = NameList()
    for name in names:
        try:
            found = _match_with_and(name, index)
        except AmbiguousName as exc:
            result.unmatched.append(Unmatched(name, candidates=exc.candidates))
            continue
        if found is None:
            result.unmatched.append(Unmatched(name))
        else:
            result.states.extend(found)
    return result


def _match_with_and(name: str, index: NameIndex) -> list[tuple[str, str]] | None:
    # "Trinidad and Tobago" must stay whole; "Sweden and Trinidad and Tobago",
    # the end of a cosponsor list, must not.
    code = index.match(name)
    if code is not None:
        return [(code, name)]
    for found in re.finditer(r"\s+and\s+", name):
        head, tail = name[: found.start()], name[found.end() :]
        try:
            head_code = index.match(head)
            tail_found = _match_with_and(tail, index) if head_code else None
        except AmbiguousName:
            continue
        if head_code and tail_found:
            return [(head_code, head), *tail_found]
    return None


def parse_annex(text: str, index: NameIndex | None = None) -> Annex:
    """Read the "In favour: ... Against: ... Abstain: ... Absent: ..." lists.

    Text before the first heading (a "Vote on ..." title, the sentence giving the
    totals) is skipped; text after a list's closing full stop is reported as
    ignored rather than guessed at.
    """
    index = index or NameIndex.default()
    annex = Annex()
    headings = list(_HEADING.finditer(text))
    if not headings:
        annex.problems.append(
            'No list found: the text needs headings such as "In favour:", '
            '"Against:", "Abstain:" and "Absent:".'
        )
        return annex
    seen_headings: dict[str, str] = {}
    listed: dict[str, list[str]] = {}
    written: dict[str, str] = {}
    for number, heading in enumerate(headings):
        label = " ".join(heading[1].casefold().split())
        position = _HEADINGS[label]
        if position in seen_headings:
            annex.problems.append(
                f'"{heading[1]}:" appears twice: the text seems to hold more than '
                "one vote. Paste one vote at a time."
            )
            continue
        seen_headings[position] = heading[1]
        end = headings[number + 1].start() if number + 1 < len(headings) else None
        body = text[heading.end() : end]
        if stop := _LIST_END.search(body):
            body, rest = body[: stop.start()], body[stop.end() :]
            if rest.strip():
                annex.ignored.append(" ".join(rest.split()))
        found = match_names(split_names(body), index)
        for iso3, name in found.states:
            listed.setdefault(iso3, []).append(position)
            written.setdefault(iso3, name)
        annex.unmatched.extend(
            Unmatched(u.text, position, u.candidates) for u in found.unmatched
        )
    for iso3, positions in listed.items():
        if len(positions) > 1:
            duplicate = Duplicate(iso3, tuple(positions), written[iso3])
            annex.duplicates.append(duplicate)
            if duplicate.conflicts:
                continue
        annex.positions[iso3] = positions[0]
    return annex
