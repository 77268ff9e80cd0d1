"""The ballot page's HTML, built in Python: the page a crowd reloads on vote day.

Through the template engine the page took longer to write out than to read from
the database; these functions give the same markup with every value escaped.
The page's frame (header, navigation, footer) still comes from base.html, by
way of campaign/shell.py. The live fragment and the embeddable card use the
same summary and totals as the page.
"""

from __future__ import annotations

from functools import cache, lru_cache

from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import ngettext

from . import markup
from .forms import StateFilterForm
from .markup import escape
from .markup import gettext as _
from .models import Ballot, Body, Outcome, Position
from .tallies import Tally

DASH = "–"


def label(ballot) -> str:
    return ballot.subject or ballot.document.symbol


_date = markup.date


def _outcome(ballot) -> str:
    return markup.choice(Outcome, ballot.outcome)


def _body(ballot) -> str:
    return markup.choice(Body, ballot.body)


def _question(ballot) -> str:
    return markup.choice(Ballot.Question, ballot.question)


def _positions() -> tuple[tuple[str, str], ...]:
    """Each position's letter and escaped label, in the order tables list them."""
    return markup.labels(Position, escaped=True)


def _or_dash(value) -> str:
    return DASH if value is None else str(value)


def headline_totals(tally) -> str:
    return _("%(yes)s yes, %(no)s no, %(abstain)s abstentions") % {
        "yes": tally.yes,
        "no": tally.no,
        "abstain": tally.abstain,
    }


def tally_html(*, ballot, tally, reported, differences) -> str:
    """The four totals, the officially reported ones, and where they differ."""
    counts = {
        letter: getattr(tally, field)
        for field, letter in Tally.FIELDS_BY_POSITION.items()
    }
    cells = "".join(
        f'<div class="col"><dt class="small text-body-secondary">{name}</dt>'
        f'<dd class="tally-number pos-{letter} mb-0">{counts[letter]}</dd></div>'
        for letter, name in _positions()
    )
    out = [f'<dl class="row text-center g-2 mb-2">{cells}</dl>']
    if reported:
        non_voting = ""
        if reported.get("non_voting") is not None:
            non_voting = f" ({reported['non_voting']} {escape(_('non-voting'))})"
        source = _source(ballot)
        out.append(
            f'<p class="small mb-0">{escape(_("Officially reported"))}: '
            f"{_or_dash(reported.get('yes'))}{DASH}{_or_dash(reported.get('no'))}"
            f"{DASH}{_or_dash(reported.get('abstain'))}{non_voting}{source}</p>"
        )
        if differences:
            recorded, said = escape(_("recorded")), escape(_("reported"))
            pairs = "; ".join(
                f"{escape(field)} {pair[0]} {recorded} / {pair[1]} {said}"
                for field, pair in differences.items()
            )
            differ = _("The positions recorded here differ from the reported totals")
            out.append(
                '<p class="small text-danger mb-0" role="note">'
                f"{escape(differ)}: {pairs}.</p>"
            )
    return "".join(out)


def _source(ballot) -> str:
    if not ballot.reported_source:
        return ""
    source = escape(ballot.reported_source)
    return f' <span class="text-body-secondary">({source})</span>'


def outcome_line(ballot, summary) -> str:
    """'Adopted 99 yes, 19 no, 62 abstentions' with where and when."""
    headline = summary.headline_tally
    totals = ""
    if headline:
        totals = escape(headline_totals(headline))
        totals = f' <span class="outcome-totals">{totals}</span>'
        if not summary.has_record:
            totals += (
                ' <span class="small text-body-secondary">'
                f"({escape(_('as reported'))})</span>"
            )
    meeting = f", {escape(ballot.meeting)}" if ballot.meeting else ""
    return (
        f'<p class="outcome outcome-{escape(ballot.outcome)}">'
        f'<strong class="outcome-word">{_outcome(ballot)}</strong>'
        f"{totals} "
        f'<span class="outcome-where">{_body(ballot)}, '
        f"{_date(ballot.date)}{meeting}</span></p>"
    )


def summary_html(
    *,
    ballot,
    summary,
    live: bool,
    shown: str,
    version: str,
    poll_seconds: int,
    behind: bool = False,
) -> str:
    """The live part of the page: outcome, totals, and totals by group.

    While ``live``, it asks for itself again every ``poll_seconds``, saying
    which version it shows (``shown``) and which the rest of the page shows.
    """
    poll = ""
    if live:
        url = markup.url("campaign:ballot_live", ballot.pk)
        poll = (
            f' hx-get="{url}?v={escape(shown)}&amp;p={escape(version)}" '
            f'hx-trigger="every {int(poll_seconds)}s" hx-swap="outerHTML"'
        )
    out = [f'<div id="ballot-summary"{poll}>', outcome_line(ballot, summary)]
    if live:
        out.append(
            '<p class="small mb-2"><span class="badge text-bg-dark">'
            f"{escape(_('Live'))}</span> "
            f"{escape(_('This count updates by itself every few seconds.'))}</p>"
        )
    if behind:
        message = _(
            "New positions have been recorded since this page loaded: the totals "
            "above are current; the map and the list of states below are not."
        )
        out.append(
            f'<div class="alert alert-info py-2" role="status">{escape(message)} '
            f'<a href="{_ballot_url(ballot)}">{escape(_("Reload the page"))}'
            "</a></div>"
        )
    if not ballot.is_recorded:
        out.append(
            "<p>"
            f"{escape(_('Adopted without a vote: no state-by-state positions exist.'))}"
            "</p>"
        )
    elif summary.has_record:
        out.append(
            tally_html(
                ballot=ballot,
                tally=summary.tally,
                reported=summary.reported,
                differences=summary.differences,
            )
        )
        out.append(_group_section(summary))
    else:
        none = _("No state-by-state record of this vote has been imported yet.")
        out.append(f"<p>{escape(none)}</p>")
        reported = summary.reported
        if reported:
            out.append(
                f"<p>{escape(_('Officially reported'))}: "
                f"<strong>{_or_dash(reported.get('yes'))}</strong> "
                f"{escape(_('in favour'))}, "
                f"<strong>{_or_dash(reported.get('no'))}</strong> "
                f"{escape(_('against'))}, "
                f"<strong>{_or_dash(reported.get('abstain'))}</strong> "
                f"{escape(_('abstentions'))}{_source(ballot)}.</p>"
            )
    out.append("</div>")
    return "".join(out)


def _group_section(summary) -> str:
    heads = "".join(
        f'<th scope="col" class="text-end">{name}</th>' for _, name in _positions()
    )
    return (
        f'<h2 class="h5 mt-4" id="groups-h">{escape(_("By regional group"))}</h2>'
        '<div class="row g-3 align-items-center">'
        '<div class="col-lg-6 table-responsive" tabindex="0" role="region" '
        'aria-labelledby="groups-h">'
        '<table class="table table-sm align-middle mb-0" aria-labelledby="groups-h">'
        f'<thead><tr><th scope="col">{escape(_("Regional group"))}</th>{heads}'
        f'<th scope="col">{escape(_("Majority"))}</th></tr></thead>'
        f"<tbody>{markup.group_table(summary.groups)}</tbody></table></div>"
        f'<div class="col-lg-6">{summary.group_chart}</div></div>'
    )


def fictional_banner(series) -> str:
    if not series.is_fictional:
        return ""
    invented = _(
        "These positions are invented for demonstration and are not the UN record."
    )
    return (
        '<div class="alert alert-warning fictional-banner" role="note">'
        f"<strong>{escape(_('Fictional exercise.'))}</strong> {escape(invented)}"
        "</div>"
    )


def map_legend() -> str:
    items = "".join(
        f'<li class="list-inline-item"><span class="swatch swatch-{code}"></span> '
        f"{name}</li>"
        for code, name in [
            *_positions(),
            ("none", escape(_("Not a voting member, or no record"))),
        ]
    )
    return (
        '<ul class="legend list-inline small mb-1" '
        f'aria-label="{escape(_("Map legend"))}">{items}</ul>'
    )


@lru_cache(maxsize=1024)
def _urls(pk: int, slug: str) -> dict[str, str]:
    """The page's links that depend only on the ballot and series, reversed once."""
    return {
        "csv": reverse("campaign:ballot_csv", args=[pk]),
        "json": reverse("campaign:ballot_json", args=[pk]),
        "feed": reverse("campaign:series_feed", args=[slug]),
        "embed": reverse("campaign:ballot_embed", args=[pk]),
    }


def _ballot_url(ballot) -> str:
    return markup.url("campaign:ballot_detail", ballot.pk)


def title(ballot) -> str:
    return f"{escape(label(ballot))} — {_outcome(ballot)}"


def head(*, ballot, series, summary, live: bool, site_url: str) -> str:
    """Description, Open Graph, canonical and alternate links."""
    headline = summary.headline_tally
    result = _outcome(ballot)
    if headline:
        result = f"{result}: {escape(headline_totals(headline))}"
    where = f"{_body(ballot)}, {_date(ballot.date)}"
    fictional = f" ({escape(_('fictional exercise'))})" if series.is_fictional else ""
    url = f"{site_url}{_ballot_url(ballot)}"
    links = _urls(ballot.pk, series.slug)
    description = f"{result} — {where}{fictional}"
    out = [
        f'<meta name="description" content="{description}">',
        '<meta property="og:type" content="website">',
        f'<meta property="og:site_name" content="{escape(_("UN Vote Campaigns"))}">',
        f'<meta property="og:title" content="{escape(label(ballot))}{fictional}">',
        f'<meta property="og:description" content="{result} — {where}">',
        f'<meta property="og:url" content="{escape(url)}">',
        '<meta name="twitter:card" content="summary">',
        f'<link rel="canonical" href="{escape(url)}">',
        f'<link rel="alternate" type="text/csv" href="{links["csv"]}" '
        f'title="{escape(_("Positions as CSV"))}">',
        f'<link rel="alternate" type="application/json" href="{links["json"]}" '
        f'title="{escape(_("Ballot as JSON"))}">',
        f'<link rel="alternate" type="application/atom+xml" href="{links["feed"]}" '
        f'title="{escape(_("Atom feed of this resolution"))}">',
        f'<link rel="alternate" type="text/html+embed" href="{links["embed"]}" '
        f'title="{escape(_("Embed"))}">',
    ]
    if live:
        out.append(
            '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>'
        )
    return "\n".join(out)


@cache
def _htmx_url() -> str:
    return static("vendor/htmx/htmx.min.js")


def scripts(*, live: bool) -> str:
    return f'<script src="{_htmx_url()}"></script>' if live else ""


def content(
    *,
    ballot,
    series,
    page,
    rows,
    form,
    filtered: bool,
    live: bool,
    version: str,
    poll_seconds: int,
    site_url: str,
) -> str:
    """Everything inside <main>: result, map, related votes, states, data, as
    pieces of markup (the map's in UTF-8 already; see shell.render_slots)."""
    links = _urls(ballot.pk, series.slug)
    series_url = markup.url("campaign:series_detail", series.slug)
    out = [
        f'<nav aria-label="{escape(_("Breadcrumb"))}"><ol class="breadcrumb">'
        f'<li class="breadcrumb-item"><a href="{series_url}">'
        f"{escape(series.title)}</a></li>"
        '<li class="breadcrumb-item active" aria-current="page">'
        f"{escape(ballot.document.symbol)}</li></ol></nav>",
        f'<h1 class="h2">{escape(label(ballot))}</h1>',
        fictional_banner(series),
        f'<section aria-label="{escape(_("Result"))}" class="mb-4">'
        '<div aria-live="polite">'
        + summary_html(
            ballot=ballot,
            summary=page.summary,
            live=live,
            shown=version,
            version=version,
            poll_seconds=poll_seconds,
        )
        + "</div></section>",
    ]
    if page.map_svg:
        out.append(
            [
                '<section aria-labelledby="map-h" class="mb-4">'
                f'<h2 class="h4" id="map-h">{escape(_("World map"))}</h2>'
                f"{map_legend()}"
                '<figure class="map-figure mb-1">',
                page.map_svg,
                "</figure>"
                '<p class="small text-body-secondary">'
                + escape(
                    _(
                        "Small states are shown as dots. Every state is in the "
                        "list below, so nothing depends on seeing the colours."
                    )
                )
                + f' <a href="#states">{escape(_("Go to the list of states"))}</a>'
                "</p></section>",
            ]
        )
    if page.beside:
        out.append(_beside(ballot, page))
    if page.previous or page.dissents:
        out.append(_changes(page))
    if page.summary.has_record:
        out.append(_states(ballot, page, rows, form, filtered))
    if page.cosponsorships:
        out.append(_cosponsors(page))
    embed_code = (
        f'<iframe src="{site_url}{links["embed"]}" width="420" height="260" '
        f'title="{escape(label(ballot))}"></iframe>'
    )
    data_links = "".join(
        f'<li class="list-inline-item"><a href="{links[key]}">{escape(text)}</a></li>'
        for key, text in (
            ("csv", _("CSV")),
            ("json", _("JSON")),
            ("feed", _("Atom feed")),
            ("embed", _("Embed")),
        )
    )
    out.append(
        '<section aria-labelledby="data-h" class="mb-4">'
        f'<h2 class="h4" id="data-h">{escape(_("Open data"))}</h2>'
        f'<ul class="list-inline">{data_links}</ul>'
        '<label class="form-label small" for="embed-code">'
        f"{escape(_('To embed the tally card on another site, copy this code:'))}"
        "</label>"
        '<input id="embed-code" class="form-control form-control-sm font-monospace" '
        f'readonly value="{escape(embed_code)}"></section>'
    )
    return _parts(out)


def _parts(sections: list) -> list[str | bytes]:
    """``sections`` (each markup, or a list of markup and UTF-8 pieces) one
    after the other, a line apart: a slot for shell.render_slots."""
    parts: list[str | bytes] = []
    for section in sections:
        if parts:
            parts.append("\n")
        if isinstance(section, list):
            parts.extend(section)
        else:
            parts.append(section)
    return parts


def _beside(ballot, page) -> str:
    items = []
    for other in page.beside:
        what = f"{_question(other)}, {_outcome(other)}"
        if other.pk == ballot.pk:
            items.append(
                '<li class="list-group-item active-ballot">'
                f"<strong>{escape(label(other))}</strong> "
                f'<span class="badge text-bg-secondary">{escape(_("this page"))}'
                f"</span> — {what}</li>"
            )
        else:
            items.append(
                f'<li class="list-group-item"><a href="{_ballot_url(other)}">'
                f"{escape(label(other))}</a> — {what}</li>"
            )
    out = [
        '<section aria-labelledby="beside-h" class="mb-4">'
        f'<h2 class="h4" id="beside-h">{escape(_("Votes at the same meeting"))}</h2>'
        f'<ul class="list-group mb-3">{"".join(items)}</ul>'
    ]
    heads = "".join(f'<th scope="col">{name}</th>' for _, name in _positions())
    region = escape(_("How states voted on one question, then the next"))
    for first, second, table in page.crosstabs:
        caption = _(
            "How states voted on “%(first)s” (rows), and then on “%(second)s” (columns)"
        ) % {"first": label(first), "second": label(second)}
        out.append(
            '<div class="table-responsive" tabindex="0" role="region" '
            f'aria-label="{region}">'
            '<table class="table table-sm table-bordered crosstab">'
            f"<caption>{escape(caption)}</caption>"
            f'<thead><tr><th scope="col">{escape(_("First vote"))} \\ '
            f"{escape(_('Then'))}</th>{heads}</tr></thead>"
            f"<tbody>{markup.crosstab_rows(table)}</tbody></table></div>"
        )
    out.append("</section>")
    return "".join(out)


def _changes(page) -> str:
    out = ['<div class="row g-4 mb-4">']
    previous = page.previous
    if previous:
        out.append(
            '<section class="col-md-6" aria-labelledby="changes-h">'
            '<h2 class="h4" id="changes-h">'
            f"{escape(_('Changed position since the last vote'))}</h2>"
            f'<p class="small text-body-secondary">{escape(_("Compared with"))} '
            f'<a href="{_ballot_url(previous)}">{escape(label(previous))}</a> '
            f"({_date(previous.date)}).</p>"
        )
        if page.changes:
            count = len(page.changes)
            sentence = ngettext(
                "%(counter)s state changed its position.",
                "%(counter)s states changed their position.",
                count,
            ) % {"counter": count}
            out.append(
                f"<p>{escape(sentence)}</p>"
                f'<dl class="moves">{markup.moves(page.changes_by_move)}</dl>'
            )
        else:
            out.append(f"<p>{escape(_('No state changed its position.'))}</p>")
        out.append("</section>")
    if page.summary.has_record:
        out.append(
            '<section class="col-md-6" aria-labelledby="dissent-h">'
            '<h2 class="h4" id="dissent-h">'
            + escape(_("Voted against their regional group's majority"))
            + "</h2>"
        )
        if page.dissents:
            out.append(
                f'<dl class="moves">{markup.dissents(page.dissents_by_group)}</dl>'
            )
        else:
            none = _(
                "Every state voted with its group's majority, or its group had none."
            )
            out.append(f"<p>{escape(none)}</p>")
        out.append("</section>")
    out.append("</div>")
    return "".join(out)


def _filters(form) -> str:
    if form is None:
        return markup.blank_filter_fields(StateFilterForm)
    return markup.filter_fields(form)


def _states(ballot, page, rows, form, filtered: bool) -> list[str | bytes]:
    show_all = ""
    if filtered:
        show_all = (
            ' <a class="btn btn-sm btn-link" '
            f'href="{_ballot_url(ballot)}#states">{escape(_("Show all"))}</a>'
        )
    columns = [
        f'<th scope="col">{escape(_("State"))}</th>',
        f'<th scope="col">{escape(_("Regional group"))}</th>',
        f'<th scope="col">{escape(_("Position"))}</th>',
    ]
    for other in page.beside:
        if other.pk != ballot.pk:
            columns.append(
                f'<th scope="col">{_question(other)} '
                f'<span class="small fw-normal">({escape(other.document.symbol)})'
                "</span></th>"
            )
    if page.previous:
        columns.append(
            f'<th scope="col">{escape(_("Last time"))} '
            f'<span class="small fw-normal">({page.previous.date.year})</span></th>'
        )
    count = len(rows)
    caption = ngettext("%(counter)s state shown", "%(counter)s states shown", count) % {
        "counter": count
    }
    if rows:
        body = markup.state_rows(rows, with_previous=bool(page.previous))
    else:
        body = (
            f'<tr><td colspan="3">{escape(_("No state matches these filters."))}'
            "</td></tr>"
        )
    return [
        '<section aria-labelledby="states-h" class="mb-4" id="states">'
        f'<h2 class="h4" id="states-h">{escape(_("How each state voted"))}</h2>'
        '<form method="get" action="#states" class="row g-2 align-items-end mb-2">'
        f"{_filters(form)}"
        '<div class="col-auto"><button type="submit" class="btn btn-sm btn-primary">'
        f"{escape(_('Show'))}</button>{show_all}</div></form>"
        '<div class="table-responsive">'
        '<table class="table table-sm align-middle states-table">'
        f"<caption>{escape(caption)}</caption>"
        f"<thead><tr>{''.join(columns)}</tr></thead><tbody>",
        body,
        "</tbody></table></div></section>",
    ]


def _cosponsors(page) -> str:
    chart = ""
    if page.cosponsor_chart:
        chart = (
            f'<figure class="mb-2">{page.cosponsor_chart}'
            '<figcaption class="small text-body-secondary">'
            + escape(
                _("Number of cosponsors over time; the list below gives each date.")
            )
            + "</figcaption></figure>"
        )
    heads = "".join(
        f'<th scope="col">{escape(name)}</th>'
        for name in (_("State"), _("Role"), _("Document"), _("Since"), _("Withdrawn"))
    )
    return (
        '<section aria-labelledby="cosponsors-h" class="mb-4">'
        f'<h2 class="h4" id="cosponsors-h">{escape(_("Sponsors and cosponsors"))}</h2>'
        f'{chart}<div class="table-responsive"><table class="table table-sm">'
        f"<thead><tr>{heads}</tr></thead>"
        f"<tbody>{markup.cosponsor_rows(page.cosponsorships)}</tbody></table></div>"
        "</section>"
    )
