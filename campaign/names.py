"""Matching the names the UN prints for States to ISO 3166-1 alpha-3 codes."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping

import pycountry

from .un_data import AMBIGUOUS, FORMER_NAMES, MEMBERS, OBSERVERS

_QUOTES = str.maketrans(
    {
        "\u2019": "'",  # ’
        "\u2018": "'",  # ‘
        "\u201b": "'",  # ‛
        "\u02bc": "'",  # ʼ
        "\u2032": "'",  # ′
        "`": "'",
        "\u00b4": "'",  # ´
        "\u201c": '"',  # “
        "\u201d": '"',  # ”
        "\u201e": '"',  # „
    }
)

# Footnote marks as UN documents print them ("*", "†", "[1]", "a/", a superscript
# digit, which NFKD has turned into a plain one), and the stray punctuation left
# when a name is cut out of a sentence or a comma-separated voting list.
_TRAILING_MARKS = re.compile(
    r"(?:\s*(?:[*\u2020\u2021\u00a7]+|\[\w{1,3}\]|\d+|\([a-z]\)|\b[a-z]/)|[\s.,;:]+)+$"
)

# "Bolivia (Plurinational State of)", "Korea, Republic of": the inverted forms used
# by the UN and by ISO 3166, read back in natural order.
_INVERTED = (
    re.compile(r"(.+?)\s*\((.+\bof(?: the)?)\)"),
    re.compile(r"(.+?),\s*(.+\bof(?: the)?)"),
)

_UN_NAMES: dict[str, str] = {
    code: name for code, (name, _) in (MEMBERS | OBSERVERS).items()
}


def normalise(name: str) -> str:
    """Reduce a State's name to a form in which spelling variants compare equal."""
    text = name.translate(_QUOTES).casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    # Press releases wrap "Guinea-\nBissau" at the hyphen; no name has "- " in it.
    text = re.sub(r"-\s+", "-", text)
    text = " ".join(text.split())
    text = _TRAILING_MARKS.sub("", text)
    return text.removeprefix("the ")


def sort_key(name: str) -> tuple[str, str]:
    """A name's place in an alphabetical list as readers expect it: case and
    accents aside first ("Égypte" among the E's, not after "Zambie"), then
    exactly."""
    text = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in text if not unicodedata.combining(char)), name


def _key(name: str) -> str:
    """The index key of a name: normalised, natural order, spelling variants merged."""
    text = normalise(name)
    for pattern in _INVERTED:
        if match := pattern.fullmatch(text):
            text = f"{match[2]} {match[1]}".removeprefix("the ")
            break
    text = re.sub(r"\b[a-z](?:\.[a-z]\b)+\.?", lambda m: m[0].replace(".", ""), text)
    text = re.sub(r"\bst\b\.?", "saint", text)
    text = text.replace("&", " and ").replace("-", " ")
    return " ".join(text.split())


class AmbiguousName(ValueError):
    """A name that fits more than one State, so it must not be matched to either."""

    def __init__(
        self,
        name: str,
        candidates: Iterable[str],
        labels: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.candidates = tuple(candidates)
        labels = _UN_NAMES if labels is None else labels
        self.labels = {code: labels.get(code, code) for code in self.candidates}
        described = " or ".join(
            f"{self.labels[code]} ({code})" for code in self.candidates
        )
        super().__init__(
            f"{name!r} is ambiguous: it could be {described}; use the full name"
        )

    # ValueError pickles with self.args, which here is the message, not the
    # constructor's arguments; Celery pickles exceptions raised in tasks.
    def __reduce__(self):
        return (type(self), (self.name, self.candidates, self.labels))


class NameIndex:
    """Maps the names and ISO codes of States to their ISO 3166-1 alpha-3 codes."""

    def __init__(
        self,
        entries: Iterable[tuple[str, Iterable[str]]],
        ambiguous: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        """Index (iso3, names) pairs; a name given for two codes is ambiguous."""
        self._codes: dict[str, str] = {}
        self._names: dict[str, list[str]] = {}
        self._labels: dict[str, str] = {}
        for iso3, names in entries:
            iso3 = iso3.upper()
            self._codes[iso3] = iso3
            country = pycountry.countries.get(alpha_3=iso3)
            if country is not None:
                self._codes[country.alpha_2] = iso3
            for name in [names] if isinstance(names, str) else names:
                self._labels.setdefault(iso3, name)
                codes = self._names.setdefault(_key(name), [])
                if iso3 not in codes:
                    codes.append(iso3)
        for name, codes in (ambiguous or {}).items():
            self._names[_key(name)] = [code.upper() for code in codes]

    @classmethod
    @functools.cache
    def default(cls) -> NameIndex:
        """The UN Member and observer States, by UN, former and ISO 3166 names.

        The UN's names come first; an ISO 3166 name (from pycountry) is added only
        where no other State already has it, so pycountry never overrides the UN or
        makes a name ambiguous. The index is built once and shared.
        """
        un_names = {
            code: [name, *FORMER_NAMES.get(code, ())]
            for code, name in _UN_NAMES.items()
        }
        owner = {_key(name): code for code, names in un_names.items() for name in names}
        blocked = {_key(name) for name in AMBIGUOUS}

        iso_names: list[tuple[str, str]] = []
        iso_owners: dict[str, set[str]] = {}
        for code in un_names:
            country = pycountry.countries.get(alpha_3=code)
            for attribute in ("name", "official_name", "common_name"):
                if value := getattr(country, attribute, None):
                    iso_names.append((code, value))
                    iso_owners.setdefault(_key(value), set()).add(code)
        for code, value in iso_names:
            key = _key(value)
            if key in blocked or owner.get(key, code) != code:
                continue
            if iso_owners[key] == {code}:
                un_names[code].append(value)

        return cls(un_names.items(), AMBIGUOUS)

    def match(self, name: str) -> str | None:
        """The alpha-3 code for a name or an alpha-2/alpha-3 code, or None.

        Raises AmbiguousName for a name that fits more than one State.
        """
        stripped = name.strip()
        if (
            len(stripped) in (2, 3)
            and stripped.isascii()
            and stripped.isalpha()
            and (code := self._codes.get(stripped.upper()))
        ):
            return code
        codes = self._names.get(_key(name))
        if not codes:
            return None
        if len(codes) > 1:
            raise AmbiguousName(name, codes, self._labels)
        return codes[0]
