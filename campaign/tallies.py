"""Vote totals and the rules by which each body decides an outcome."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Permanent members of the Security Council, whose "no" is a veto.
PERMANENT_MEMBERS = frozenset({"CHN", "FRA", "GBR", "RUS", "USA"})
SECURITY_COUNCIL_MAJORITY = 9


@dataclass(frozen=True)
class Tally:
    yes: int = 0
    no: int = 0
    abstain: int = 0
    non_voting: int = 0

    FIELDS_BY_POSITION = {"yes": "Y", "no": "N", "abstain": "A", "non_voting": "X"}

    @classmethod
    def from_positions(cls, positions: Iterable[str]) -> Tally:
        counts = dict.fromkeys(cls.FIELDS_BY_POSITION, 0)
        field_for = {v: k for k, v in cls.FIELDS_BY_POSITION.items()}
        for position in positions:
            counts[field_for[position]] += 1
        return cls(**counts)

    @property
    def total(self) -> int:
        return self.yes + self.no + self.abstain + self.non_voting

    def as_dict(self) -> dict[str, int]:
        return {
            "yes": self.yes,
            "no": self.no,
            "abstain": self.abstain,
            "non_voting": self.non_voting,
        }

    def __str__(self) -> str:
        return f"{self.yes}-{self.no}-{self.abstain}"


def decide(body: str, tally: Tally, *, vetoed_by: Iterable[str] = ()) -> str:
    """The outcome of a recorded vote under the rules of ``body``.

    General Assembly, its committees and the Human Rights Council: adopted when
    yes outnumbers no (abstentions and non-voting members are not counted).
    Security Council: nine yes votes and no "no" from a permanent member.
    """
    from .models import Body, Outcome

    if body == Body.SECURITY_COUNCIL:
        vetoes = PERMANENT_MEMBERS.intersection(vetoed_by)
        adopted = tally.yes >= SECURITY_COUNCIL_MAJORITY and not vetoes
    else:
        adopted = tally.yes > tally.no
    return Outcome.ADOPTED if adopted else Outcome.REJECTED


def differences(
    computed: Tally, reported: Mapping[str, int | None] | None
) -> dict[str, tuple[int, int]]:
    """Fields where the officially reported totals differ from the computed ones.

    A total the UN did not report (often non-voting) is not a difference.
    """
    if reported is None:
        return {}
    return {
        field: (getattr(computed, field), reported[field])
        for field in Tally.FIELDS_BY_POSITION
        if reported.get(field) is not None
        and getattr(computed, field) != reported[field]
    }


@dataclass(frozen=True)
class Forecast:
    """The tally the coalition's stances predict, leanings counted as votes."""

    body: str
    committed_yes: int = 0
    leaning_yes: int = 0
    undecided: int = 0
    leaning_no: int = 0
    no: int = 0
    permanent_against: tuple[str, ...] = ()

    @classmethod
    def from_counts(cls, body: str, counts: Mapping[str, int], **kwargs) -> Forecast:
        """``counts`` is keyed by stance ("committed-yes", ..., "no")."""
        return cls(
            body=body,
            **{name.replace("-", "_"): counts.get(name, 0) for name in _STANCES},
            **kwargs,
        )

    @property
    def tally(self) -> Tally:
        return Tally(
            yes=self.committed_yes + self.leaning_yes, no=self.leaning_no + self.no
        )

    @property
    def outcome(self) -> str:
        return decide(self.body, self.tally, vetoed_by=self.permanent_against)

    @property
    def margin(self) -> int:
        """Yes over no; under the General Assembly's rule it must stay above zero."""
        return self.tally.yes - self.tally.no

    @property
    def swing(self) -> int:
        """How many undecided States voting no would defeat the text (GA rule)."""
        return max(self.margin, 0)

    @property
    def secure(self) -> bool:
        """Adopted even if every undecided State votes no."""
        if self.body == _SECURITY_COUNCIL:
            majority = self.committed_yes >= SECURITY_COUNCIL_MAJORITY
            return majority and not self.permanent_against
        return self.margin > self.undecided


_STANCES = ("committed-yes", "leaning-yes", "undecided", "leaning-no", "no")
_SECURITY_COUNCIL = "SC"
