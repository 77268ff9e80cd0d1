"""Letter text: Markdown to sanitised HTML, the hash that sign-offs approve, diffs."""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser

import markdown
import nh3

ALLOWED_TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "strong",
    "sub",
    "sup",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def sanitise(html: str) -> str:
    """Only the tags of a letter survive; links only to http, https and mailto."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(source: str) -> str:
    """The author's Markdown as sanitised HTML (raw HTML in it is sanitised too)."""
    html = markdown.markdown(source, extensions=["sane_lists"], output_format="html")
    return sanitise(html)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


def text_hash(*, subject: str, body_source: str, body_html: str) -> str:
    """sha256 of exactly what a signatory reads: subject, text and HTML, normalised."""
    payload = "\x00".join(
        [normalise(subject), normalise(body_source), normalise(body_html)]
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


_BLANK_RUNS = re.compile(r"\n{3,}")
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>\n?")


def tidy_html(html: str) -> str:
    return _EMPTY_PARAGRAPH.sub("", sanitise(html)).strip()


class _TextWriter(HTMLParser):
    BLOCKS = {"p", "h2", "h3", "h4", "blockquote", "ul", "ol", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[list[int]] = []
        self.href: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.out.append("\n\n")
        if tag == "hr":
            self.out.append("----\n\n")
        elif tag == "br":
            self.out.append("\n")
        elif tag in ("ul", "ol"):
            self.lists.append([0 if tag == "ol" else -1])
        elif tag == "li":
            marker = "-"
            if self.lists and self.lists[-1][0] >= 0:
                self.lists[-1][0] += 1
                marker = f"{self.lists[-1][0]}."
            self.out.append(f"\n{'  ' * (len(self.lists) - 1)}{marker} ")
        elif tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag):
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        if tag in self.BLOCKS:
            self.out.append("\n\n")
        if tag == "a" and self.href:
            self.out.append(f" <{self.href}>")
            self.href = None

    def handle_data(self, data):
        self.out.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """A plain-text rendering of sanitised letter HTML, for the text/plain part."""
    writer = _TextWriter()
    writer.feed(html)
    writer.close()
    lines = [line.strip() for line in "".join(writer.out).split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip() + "\n"


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed", "changed"
    old: str = ""
    new: str = ""
    old_no: int | None = None
    new_no: int | None = None
    # For changed lines: (kind, text) pieces, kind "same", "added" or "removed".
    pieces: tuple[tuple[str, str], ...] = ()


def _lines(subject: str, body: str) -> list[str]:
    return [f"Subject: {normalise(subject)}", "", *normalise(body).split("\n")]


def _word_pieces(old: str, new: str) -> tuple[tuple[str, str], ...]:
    a, b = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
        if op == "equal":
            pieces.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("removed", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("added", "".join(b[j1:j2])))
    return tuple(pieces)


def diff(old_subject: str, old_body: str, new_subject: str, new_body: str):
    """Line by line, with changed lines also compared word by word."""
    a, b = _lines(old_subject, old_body), _lines(new_subject, new_body)
    rows: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows += [
                DiffLine("same", a[i], b[j], i + 1, j + 1)
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            continue
        paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(paired):
            rows.append(
                DiffLine(
                    "changed",
                    a[i1 + k],
                    b[j1 + k],
                    i1 + k + 1,
                    j1 + k + 1,
                    _word_pieces(a[i1 + k], b[j1 + k]),
                )
            )
        rows += [
            DiffLine("removed", old=a[i], old_no=i + 1) for i in range(i1 + paired, i2)
        ]
        rows += [
            DiffLine("added", new=b[j], new_no=j + 1) for j in range(j1 + paired, j2)
        ]
    return rows


def change_summary(rows: list[DiffLine]) -> list[str]:
    """The changed lines as plain text, for a notice by email."""
    out = []
    for row in rows:
        if row.kind in ("removed", "changed") and row.old.strip():
            out.append(f"- {row.old}")
        if row.kind in ("added", "changed") and row.new.strip():
            out.append(f"+ {row.new}")
    return out
