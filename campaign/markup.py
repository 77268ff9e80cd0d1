"""HTML for a ballot page's tables, lists and filter form, built in Python for speed."""

# Rendering 193 table rows through the template engine costs ten times more
# than the rest of the page; the smaller tables and the form, as much again.
# These functions give the same markup, escaped.

from __future__ import annotations

import html
import threading
from contextlib import contextmanager
from functools import cache, lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import reverse
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as django_gettext

# The language of the page being written, while one is (see page_language).
_page = threading.local()


@contextmanager
def page_language():
    """Within, the active language is looked up once, not once per string.

    Django's lookup of the active language costs a microsecond; a page writes
    two hundred translated strings, labels and dates. The page must not switch
    language while it is being written.
    """
    previous = getattr(_page, "language", None)
    _page.language = get_language()
    try:
        yield
    finally:
        _page.language = previous


def _language() -> str | None:
    return getattr(_page, "language", None) or get_language()


# Translations already looked up, by language and message: a page asks for a
# hundred strings, and Django's lookup of each costs more than writing it out.
_translations: dict[tuple[str | None, str], str] = {}


def gettext(message: str) -> str:
    """Django's gettext of a literal message, kept per language."""
    key = (_language(), message)
    try:
        return _translations[key]
    except KeyError:
        value = _translations[key] = django_gettext(message)
        return value


_ = gettext


@lru_cache(maxsize=64)
def _labels(
    choices, language: str | None, escaped: bool
) -> tuple[tuple[str, str], ...]:
    return tuple(
        (value, html.escape(str(label)) if escaped else str(label))
        for value, label in choices.choices
    )


def labels(choices, *, escaped: bool = False) -> tuple[tuple[str, str], ...]:
    """(value, label) of each of ``choices`` in the active language, in order."""
    return _labels(choices, _language(), escaped)


# Escaped text by text: a page escapes a hundred labels and headings, the
# same on every page in a language. Bounded: emptied when full.
_escaped: dict[str, str] = {}
ESCAPED_ENTRIES = 4096


def escape(value) -> str:
    """Django's escape, the same characters, without its lazy-text wrapper.

    That wrapper costs more than the escaping on a page of a thousand values;
    each text is escaped once and looked up after.
    """
    text = value if type(value) is str else str(value)
    try:
        return _escaped[text]
    except KeyError:
        if len(_escaped) >= ESCAPED_ENTRIES:
            _escaped.clear()
        escaped = _escaped[text] = html.escape(text)
        return escaped


@lru_cache(maxsize=4096)
def _date(value, language: str) -> str:
    return escape(formats.date_format(value))


def date(value) -> str:
    """A date as Django's templates write it in the active language."""
    return _date(value, _language())


@lru_cache(maxsize=1024)
def _choice(choices, value: str, language: str) -> str:
    return escape(dict(_labels(choices, language, False)).get(value, value))


def choice(choices, value: str) -> str:
    """The escaped label of ``value`` among ``choices`` in the active language.

    ``get_FOO_display`` hashes the field's choices on every call: a page names
    a dozen outcomes, bodies and questions.
    """
    return _choice(choices, value, _language())


@receiver(setting_changed)
def _forget_formats(**kwargs) -> None:
    _date.cache_clear()
    _choice.cache_clear()
    _labels.cache_clear()
    _blank_filter_fields.cache_clear()
    _url_parts.cache_clear()
    _translations.clear()


@lru_cache(maxsize=256)
def _badge(letter: str, label: str) -> str:
    return f'<span class="badge badge-{letter}">{escape(label)}</span>'


def badge(letter: str | None, label: str) -> str:
    return _badge(letter, str(label)) if letter else ""


@lru_cache(maxsize=64)
def _url_parts(name: str, kind: type) -> tuple[str, str]:
    marker = 987_654_321 if kind is int else "zz-marker-zz"
    head, tail = reverse(name, args=[marker]).split(str(marker))
    return head, tail


def url(name: str, arg: int | str) -> str:
    """``reverse(name, args=[arg])`` for a route of one int or slug argument.

    The route is reversed once; a page links a dozen ballots and series.
    """
    head, tail = _url_parts(name, type(arg))
    return f"{head}{arg}{tail}"


@cache
def _state_url_prefix() -> str:
    # reverse() per state would be a fifth of the page's rendering time.
    return reverse("campaign:state_detail", args=["xxx"])[: -len("xxx/")]


def _state_url(iso3: str) -> str:
    return f"{_state_url_prefix()}{iso3.lower()}/"


def state_link(iso3: str, name: str) -> str:
    """A link to a state's page, its name escaped."""
    return f'<a href="{_state_url(iso3)}">{escape(name)}</a>'


def state_row_head(link: str, group_html: str) -> bytes:
    """A state's own cells in the table of states, up to its position's, as
    UTF-8: made with the table of states (pages.StateRef), once per state."""
    return (
        f'<tr><th scope="row" class="fw-normal">{link}</th><td>{group_html}</td><td>'
    ).encode()


def state_rows(rows, *, with_previous: bool) -> bytes:
    """The rows of the table of states, as UTF-8.

    Each row is its state's head (``state_row_head``), its position's cell
    and the rest of the row, the last two made once per combination of
    positions: a page encodes only the notes.
    """
    against = (
        f' <span class="small text-body-secondary">{escape(_("against group"))}</span>'
    )
    changed = f' <span class="small">{escape(_("changed"))}</span>'
    labels = rows[0].labels if rows else {}
    # Each badge once per page, not once per row.
    badges = {letter: badge(letter, label) for letter, label in labels.items()}
    badges[None] = ""
    cells = {letter: f"<td>{html}</td>" for letter, html in badges.items()}
    positions: dict[tuple, bytes] = {}
    tails: dict[tuple, bytes] = {}
    out: list[bytes] = []
    extend = out.extend
    for row in rows:
        key = (row.position, row.against_group)
        cell = positions.get(key)
        if cell is None:
            text = badges[row.position] + (against if row.against_group else "")
            cell = positions[key] = text.encode()
        key = (row.beside, row.before, row.changed) if with_previous else row.beside
        tail = tails.get(key)
        if tail is None:
            previous = ""
            if with_previous:
                previous = badges[row.before]
                if row.changed:
                    previous += changed
                previous = f"<td>{previous}</td>"
            beside = "".join([cells[letter] for letter in row.beside])
            tail = tails[key] = f"</td>{beside}{previous}</tr>".encode()
        if row.note:
            note = (
                f' <span class="small text-body-secondary">({escape(row.note)})</span>'
            )
            extend((row.state.row_head, cell, note.encode(), tail))
        else:
            extend((row.state.row_head, cell, tail))
    return b"".join(out)


def group_table(groups) -> SafeString:
    """The body of the table of totals by regional group."""
    none = f'<span class="text-body-secondary">{escape(_("none"))}</span>'
    out = []
    for group in groups:
        tally = group.tally
        majority = badge(group.majority, group.majority_label) or none
        out.append(
            f'<tr><th scope="row" class="fw-normal">{escape(group.label)}</th>'
            f'<td class="text-end">{tally.yes}</td>'
            f'<td class="text-end">{tally.no}</td>'
            f'<td class="text-end">{tally.abstain}</td>'
            f'<td class="text-end">{tally.non_voting}</td><td>{majority}</td></tr>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def crosstab_rows(table) -> SafeString:
    """Rows of a table of how states voted on one question, then the next."""
    return mark_safe(  # noqa: S308 - labels are escaped, counts are numbers
        "".join(
            f'<tr><th scope="row">{escape(label)}</th>'
            + "".join(f"<td>{count}</td>" for count in counts)
            + "</tr>"
            for label, counts in table
        )
    )


def filter_fields(form) -> SafeString:
    """The state list's filter form: a labelled select for each field."""
    out = []
    for field in form:
        value = field.value()
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if v == value else ""}>'
            f"{escape(text)}</option>"
            for v, text in field.field.choices
        )
        out.append(
            f'<div class="col-auto"><label class="form-label small mb-0" '
            f'for="{field.id_for_label}">{escape(field.label)}</label>'
            # An empty error list still renders a template: skip it.
            f"{field.errors if field.errors else ''}"
            f'<select name="{field.html_name}" id="{field.id_for_label}" '
            f'class="form-select form-select-sm">{options}</select></div>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@lru_cache(maxsize=16)
def _blank_filter_fields(form_class, language: str | None) -> SafeString:
    return filter_fields(form_class())


def blank_filter_fields(form_class) -> SafeString:
    """``filter_fields`` of an unbound ``form_class``, made once per language."""
    return _blank_filter_fields(form_class, _language())


def cosponsor_rows(cosponsorships) -> SafeString:
    out = []
    for c in cosponsorships:
        withdrawn = date(c.withdrawn_on) if c.withdrawn_on else ""
        out.append(
            f"<tr><td>{c.state.link}</td><td>{escape(c.role_label)}</td>"
            f"<td>{escape(c.symbol)}</td>"
            f"<td>{date(c.since)}</td><td>{withdrawn}</td></tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def moves(groups) -> SafeString:
    """Changes grouped by move: '<dt>Abstain → Yes (12)</dt><dd>states</dd>'."""
    out = []
    for first, rows in groups:
        out.append(
            f"<dt>{badge(first.before, first.before_label)} → "
            f"{badge(first.position, first.position_label)} "
            f'<span class="fw-normal">({len(rows)})</span></dt>'
            f"<dd>{', '.join(r.state.link for r in rows)}</dd>"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def dissents(groups) -> SafeString:
    majority = escape(_("majority"))
    lowered = {}
    out = []
    for first, rows in groups:
        for r in rows:
            if r.position not in lowered:
                lowered[r.position] = escape(r.position_label.lower())
        states = ", ".join(f"{r.state.link} ({lowered[r.position]})" for r in rows)
        out.append(
            f"<dt>{first.state.group_html} "
            f'<span class="fw-normal">— {majority}: {escape(first.majority_label)}'
            f"</span></dt><dd>{states}</dd>"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
