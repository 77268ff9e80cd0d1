"""Atom feeds of new ballots and cosponsor changes, for the site or one series."""

import datetime

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from .lanes import visitor_page
from .models import Ballot, Cosponsorship, ResolutionSeries

ITEMS = 50


@visitor_page
class RecordFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, slug=None):
        return get_object_or_404(ResolutionSeries, slug=slug) if slug else None

    def title(self, series):
        if series:
            return _("%(series)s: ballots and cosponsors") % {"series": series.title}
        return _("UN Vote Campaigns: new ballots and cosponsors")

    def link(self, series):
        return series.get_absolute_url() if series else reverse("campaign:home")

    def subtitle(self, series):
        return _(
            "Each recorded vote and each state joining or leaving a draft's sponsors."
        )

    def items(self, series):
        ballots = Ballot.objects.select_related("document__series").order_by(
            "-date", "-pk"
        )
        cosponsorships = Cosponsorship.objects.select_related(
            "state", "document__series"
        ).order_by("-since", "-pk")
        if series:
            ballots = ballots.filter(document__series=series)
            cosponsorships = cosponsorships.filter(document__series=series)
        items = [*ballots[:ITEMS], *cosponsorships[:ITEMS]]
        return sorted(items, key=self._day, reverse=True)[:ITEMS]

    @staticmethod
    def _day(item) -> datetime.date:
        if isinstance(item, Ballot):
            return item.date
        return item.withdrawn_on or item.since

    def item_title(self, item):
        fictional = (
            " " + _("(fictional exercise)") if item.document.series.is_fictional else ""
        )
        if isinstance(item, Ballot):
            label = item.subject or item.document.symbol
            return f"{label}: {item.get_outcome_display()}{fictional}"
        if item.withdrawn_on:
            text = _("%(state)s withdrew as cosponsor of %(symbol)s")
        else:
            text = _("%(state)s joined %(symbol)s as %(role)s")
        return (
            text
            % {
                "state": item.state.name,
                "symbol": item.document.symbol,
                "role": item.get_role_display().lower(),
            }
            + fictional
        )

    def item_description(self, item):
        if isinstance(item, Ballot):
            reported = item.reported_tally
            parts = [item.get_body_display(), item.date.isoformat()]
            if reported:
                parts.append(
                    _("reported %(yes)s–%(no)s–%(abstain)s")
                    % {k: v if v is not None else "–" for k, v in reported.items()}
                )
            return ", ".join(parts)
        return item.get_source_display()

    def item_link(self, item):
        if isinstance(item, Ballot):
            return item.get_absolute_url()
        return item.state.get_absolute_url() + f"#cosponsorship-{item.pk}"

    def item_guid(self, item):
        kind = "ballot" if isinstance(item, Ballot) else "cosponsorship"
        return f"{kind}-{item.pk}-{self._day(item).isoformat()}"

    item_guid_is_permalink = False

    def item_updateddate(self, item):
        day = self._day(item)
        return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)

    item_pubdate = item_updateddate
