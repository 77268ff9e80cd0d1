"""The UN record: member states, missions, resolutions, ballots, votes, cosponsors."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .tallies import Tally


class RegionalGroup(models.TextChoices):
    AFRICAN = "AFR", _("African Group")
    ASIA_PACIFIC = "APG", _("Asia-Pacific Group")
    EASTERN_EUROPEAN = "EEG", _("Eastern European Group")
    LATIN_AMERICAN_CARIBBEAN = "GRULAC", _("Latin American and Caribbean Group")
    WEOG = "WEOG", _("Western European and Others Group")


class UNLanguage(models.TextChoices):
    ARABIC = "ar", _("Arabic")
    CHINESE = "zh", _("Chinese")
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
    RUSSIAN = "ru", _("Russian")
    SPANISH = "es", _("Spanish")


class Bloc(models.Model):
    """A political grouping campaigners target; a state may be in several."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MemberStateQuerySet(models.QuerySet):
    def members(self):
        return self.filter(is_observer=False)

    def observers(self):
        return self.filter(is_observer=True)

    def members_on(self, date: datetime.date):
        """States that were UN members, and so could vote, on ``date``."""
        return self.members().filter(member_since__lte=date)

    def in_group(self, group: str):
        return self.filter(regional_group=group)


class MemberState(models.Model):
    """A UN member state or a non-member observer state."""

    iso3 = models.CharField(_("ISO alpha-3"), max_length=3, unique=True)
    iso2 = models.CharField(_("ISO alpha-2"), max_length=2, unique=True)
    name = models.CharField(
        max_length=100, unique=True, help_text=_("The short name the UN uses.")
    )
    names = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Names in other UN languages, keyed by language code."),
    )
    regional_group = models.CharField(
        max_length=6, choices=RegionalGroup.choices, blank=True
    )
    member_since = models.DateField(null=True, blank=True)
    is_observer = models.BooleanField(default=False)
    observer_since = models.DateField(null=True, blank=True)
    blocs = models.ManyToManyField(Bloc, related_name="states", blank=True)

    objects = MemberStateQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaign:state_detail", args=[self.iso3.lower()])

    def localised_name(self, language: str | None = None) -> str:
        language = (language or get_language() or "en").split("-")[0]
        return self.names.get(language) or self.name

    def was_member_on(self, date: datetime.date) -> bool:
        return (
            not self.is_observer
            and self.member_since is not None
            and (self.member_since <= date)
        )


class RegistryRevision(models.Model):
    """A token that changes with every write to the registry of states.

    Triggers in the database (migration 0003) give it a new random value on
    any insert, update or delete of a MemberState row, whatever makes it: the
    admin, an import, a shell, raw SQL. The public pages keep what they build
    from the registry (names, links, groups) for as long as the token is the
    one they read with their data. One row, id 1; none (after a flush) means
    unknown, and the pages read the registry every time until the next write.
    A rolled-back write takes its token with it: a token is only ever seen
    beside the one registry it was set with.
    """

    token = models.BigIntegerField()

    def __str__(self) -> str:
        return str(self.token)


class RecordRevision(models.Model):
    """A token that changes with every write to the record a ballot page reads.

    As RegistryRevision, for the resolutions' series, documents, ballots,
    votes and cosponsorships (and the cosponsorships' history): triggers in
    the database (migration 0004) give it a new random value on any insert,
    update or delete of those tables, whoever makes it. A public page keeps
    what it read of a ballot's series (see ``pagecache.ballot_view``) for as
    long as the token it reads with its votes is the one it kept it with.
    One row, id 1; none means unknown, and nothing is kept.
    """

    token = models.BigIntegerField()

    def __str__(self) -> str:
        return str(self.token)


class BallotPositions(models.Model):
    """A ballot's votes as the ballot page reads them: one row per ballot.

    ``positions`` is a JSON object from each voting state's id (as text) to
    its position letter ({"12": "Y", ...}); ``notes`` the same for the votes
    whose note is not empty, NULL when none has. Only the database's triggers
    on the votes (migration 0005) write it: a row exists exactly for each
    ballot with at least one vote, and always equals the aggregate of its
    votes however they were written (the ORM, a bulk write, the admin, an
    import, raw SQL). The page reads it instead of aggregating the votes on
    every request.
    """

    ballot = models.OneToOneField(
        "Ballot",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    positions = models.TextField()
    notes = models.TextField(null=True)

    class Meta:
        verbose_name_plural = "ballot positions"

    def __str__(self) -> str:
        return str(self.ballot_id)


class Mission(models.Model):
    """A state's permanent mission to the UN (New York unless said otherwise)."""

    class City(models.TextChoices):
        NEW_YORK = "new-york", _("New York")
        GENEVA = "geneva", _("Geneva")

    state = models.ForeignKey(
        MemberState, on_delete=models.CASCADE, related_name="missions"
    )
    city = models.CharField(max_length=20, choices=City.choices, default=City.NEW_YORK)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    address = models.TextField(blank=True)

    class Meta:
        ordering = ["state__name", "city"]
        constraints = [
            models.UniqueConstraint(
                fields=["state", "city"], name="unique_mission_city"
            )
        ]

    def __str__(self) -> str:
        return _("Permanent Mission of %(state)s (%(city)s)") % {
            "state": self.state.name,
            "city": self.get_city_display(),
        }


class MissionContact(models.Model):
    """A person at a mission who receives appeals."""

    mission = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=200, blank=True)
    email = models.EmailField()
    preferred_language = models.CharField(
        max_length=2, choices=UNLanguage.choices, default=UNLanguage.ENGLISH
    )
    is_head = models.BooleanField(
        default=False, help_text=_("Head of mission (addressed in the letter).")
    )

    class Meta:
        ordering = ["mission__state__name", "-is_head", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["mission", "email"], name="unique_contact_per_mission"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Body(models.TextChoices):
    THIRD_COMMITTEE = "C3", _("Third Committee")
    PLENARY = "GA", _("General Assembly plenary")
    FIRST_COMMITTEE = "C1", _("First Committee")
    SECOND_COMMITTEE = "C2", _("Second Committee")
    FOURTH_COMMITTEE = "C4", _("Fourth Committee")
    FIFTH_COMMITTEE = "C5", _("Fifth Committee")
    SIXTH_COMMITTEE = "C6", _("Sixth Committee")
    HUMAN_RIGHTS_COUNCIL = "HRC", _("Human Rights Council")
    SECURITY_COUNCIL = "SC", _("Security Council")


class ResolutionSeries(models.Model):
    """The same resolution returning session after session."""

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    is_fictional = models.BooleanField(
        default=False, help_text=_("An exercise, not the UN record.")
    )

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "resolution series"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("campaign:series_detail", args=[self.slug])


class Document(models.Model):
    """A draft, a revision, an amendment or an adopted resolution, by its symbol."""

    class Kind(models.TextChoices):
        DRAFT = "draft", _("Draft resolution")
        REVISION = "revision", _("Revised draft")
        AMENDMENT = "amendment", _("Amendment")
        RESOLUTION = "resolution", _("Adopted resolution")

    series = models.ForeignKey(
        ResolutionSeries, on_delete=models.CASCADE, related_name="documents"
    )
    symbol = models.CharField(max_length=60, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    body = models.CharField(max_length=3, choices=Body.choices)
    session = models.PositiveSmallIntegerField(help_text=_("Session number, e.g. 69."))
    title = models.CharField(max_length=400, blank=True)
    date = models.DateField(null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text=_("The draft this revises or amends, or the draft adopted."),
    )
    is_oral = models.BooleanField(
        default=False, help_text=_("An oral amendment or revision, made at a meeting.")
    )
    proposed_by = models.ManyToManyField(
        MemberState, blank=True, related_name="proposed_documents"
    )
    url = models.URLField(blank=True)

    class Meta:
        ordering = ["series", "session", "date", "symbol"]

    def __str__(self) -> str:
        return self.symbol


class Outcome(models.TextChoices):
    PENDING = "pending", _("Not yet decided")
    ADOPTED = "adopted", _("Adopted")
    REJECTED = "rejected", _("Rejected")
    ADOPTED_WITHOUT_VOTE = "adopted-without-vote", _("Adopted without a vote")


class Position(models.TextChoices):
    YES = "Y", _("Yes")
    NO = "N", _("No")
    ABSTAIN = "A", _("Abstain")
    NON_VOTING = "X", _("Non-voting")


# The letters in order, as plain strings: ``Position.values`` rebuilds its list
# (labels included) on every call, which a page listing 193 states feels.
POSITION_LETTERS: tuple[str, ...] = tuple(p.value for p in Position)


class BallotQuerySet(models.QuerySet):
    def recorded(self):
        return self.filter(is_recorded=True)


class Ballot(models.Model):
    """One decision of one body on one question: a recorded vote, or none."""

    class Question(models.TextChoices):
        DRAFT = "draft", _("Draft as a whole")
        AMENDMENT = "amendment", _("Amendment")
        PARAGRAPH = "paragraph", _("Paragraph")

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="ballots"
    )
    body = models.CharField(max_length=3, choices=Body.choices)
    date = models.DateField()
    meeting = models.CharField(max_length=100, blank=True)
    question = models.CharField(
        max_length=10, choices=Question.choices, default=Question.DRAFT
    )
    subject = models.CharField(max_length=300, blank=True)
    is_recorded = models.BooleanField(
        default=True, help_text=_("False when adopted without a vote.")
    )
    outcome = models.CharField(
        max_length=24, choices=Outcome.choices, default=Outcome.PENDING
    )
    reported_yes = models.PositiveSmallIntegerField(null=True, blank=True)
    reported_no = models.PositiveSmallIntegerField(null=True, blank=True)
    reported_abstain = models.PositiveSmallIntegerField(null=True, blank=True)
    reported_non_voting = models.PositiveSmallIntegerField(null=True, blank=True)
    reported_source = models.CharField(max_length=300, blank=True)
    undl_id = models.CharField(
        _("UN Digital Library record"),
        max_length=20,
        blank=True,
        db_index=True,
        help_text=_("The voting record's number in the UN Digital Library."),
    )
    committee_report = models.CharField(
        max_length=60, blank=True, help_text=_("The Main Committee's report, if any.")
    )
    agenda_title = models.TextField(blank=True)
    subjects = models.TextField(blank=True)
    vote_note = models.TextField(blank=True)
    version = models.PositiveIntegerField(
        default=0, help_text=_("Bumped on every change to the ballot or its votes.")
    )
    history = HistoricalRecords()

    objects = BallotQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "body", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["undl_id"],
                condition=~Q(undl_id=""),
                name="unique_undl_record",
            )
        ]

    def __str__(self) -> str:
        label = self.subject or self.document.symbol
        return f"{label} ({self.get_body_display()}, {self.date})"

    def get_absolute_url(self) -> str:
        return reverse("campaign:ballot_detail", args=[self.pk])

    @property
    def reported_tally(self) -> dict[str, int | None] | None:
        """The totals the UN announced, or None when none were recorded."""
        values = {
            "yes": self.reported_yes,
            "no": self.reported_no,
            "abstain": self.reported_abstain,
            "non_voting": self.reported_non_voting,
        }
        if all(v is None for v in values.values()):
            return None
        return values


class VoteQuerySet(models.QuerySet):
    def for_ballot(self, ballot: Ballot):
        return self.filter(ballot=ballot)

    def tally(self):
        counts = self.aggregate(
            **{
                field: Count("pk", filter=Q(position=position))
                for field, position in Tally.FIELDS_BY_POSITION.items()
            }
        )
        return Tally(**counts)

    def tally_by_group(self) -> dict[str, Tally]:
        """Totals per regional group, in one query, every group present."""
        rows = self.values("state__regional_group").annotate(
            **{
                field: Count("pk", filter=Q(position=position))
                for field, position in Tally.FIELDS_BY_POSITION.items()
            }
        )
        result = {group: Tally() for group in RegionalGroup.values}
        for row in rows:
            group = row.pop("state__regional_group")
            result[group] = Tally(**row)
        return result


class Vote(models.Model):
    """One voting member's recorded position on one ballot."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="votes")
    state = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, related_name="votes"
    )
    position = models.CharField(max_length=1, choices=Position.choices)
    note = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("E.g. 'later stated it had intended to vote yes'."),
    )
    history = HistoricalRecords()

    objects = VoteQuerySet.as_manager()

    class Meta:
        ordering = ["state__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "state"], name="one_vote_per_state"
            )
        ]

    def __str__(self) -> str:
        return f"{self.state}: {self.get_position_display()}"


class CosponsorshipQuerySet(models.QuerySet):
    def current(self):
        return self.filter(withdrawn_on__isnull=True)

    def on(self, date: datetime.date):
        """Cosponsorships in force on ``date``."""
        return self.filter(since__lte=date).exclude(withdrawn_on__lte=date)

    def timeline(self) -> list[CosponsorEvent]:
        """Every joining and withdrawal in date order, with the count after each."""
        events = []
        for c in self.select_related("state").order_by():
            events.append(CosponsorEvent(c.since, c, joined=True))
            if c.withdrawn_on is not None:
                events.append(CosponsorEvent(c.withdrawn_on, c, joined=False))
        events.sort(key=lambda e: (e.date, not e.joined, e.cosponsorship.state.name))
        count = 0
        for event in events:
            count += 1 if event.joined else -1
            event.count = count
        return events


@dataclass
class CosponsorEvent:
    date: datetime.date
    cosponsorship: Cosponsorship
    joined: bool
    count: int = 0


class Cosponsorship(models.Model):
    """A state sponsoring or cosponsoring a draft, since a date, from a source."""

    class Role(models.TextChoices):
        SPONSOR = "sponsor", _("Sponsor")
        COSPONSOR = "cosponsor", _("Cosponsor")

    class Source(models.TextChoices):
        DOCUMENT = "document", _("Listed in the document")
        ORAL = "oral", _("Announced at the meeting")
        OTHER = "other", _("Other")

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="cosponsorships"
    )
    state = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, related_name="cosponsorships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.COSPONSOR)
    since = models.DateField()
    source = models.CharField(
        max_length=10, choices=Source.choices, default=Source.DOCUMENT
    )
    source_ref = models.CharField(max_length=200, blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    objects = CosponsorshipQuerySet.as_manager()

    class Meta:
        ordering = ["since", "state__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "state"],
                condition=Q(withdrawn_on__isnull=True),
                name="one_current_cosponsorship",
            )
        ]

    def __str__(self) -> str:
        return f"{self.state} on {self.document} since {self.since}"


class CampaignQuerySet(models.QuerySet):
    def joined_by(self, user):
        """Campaigns whose coalition the user belongs to (all, for a superuser)."""
        campaigns = self.select_related("series", "lead")
        if user.is_superuser:
            return campaigns
        return campaigns.filter(
            participations__organisation__memberships__user=user,
            participations__organisation__memberships__is_active=True,
            participations__status=Participation.Status.ACCEPTED,
        ).distinct()


class Campaign(models.Model):
    """A coalition of organisations working on one resolution series in one session."""

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=100, unique=True)
    series = models.ForeignKey(
        ResolutionSeries, on_delete=models.PROTECT, related_name="campaigns"
    )
    session = models.PositiveSmallIntegerField()
    lead = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="led_campaigns"
    )
    participants = models.ManyToManyField(
        "accounts.Organisation",
        through="Participation",
        related_name="campaigns",
    )
    time_zone = models.CharField(max_length=64, default=settings.UN_TIME_ZONE)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-session", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("campaign:dashboard", args=[self.slug])


class Participation(models.Model):
    """An organisation's place in a campaign's coalition."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="participations"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="participations"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.INVITED
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organisation"], name="one_participation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.campaign} ({self.status})"


class StanceQuerySet(models.QuerySet):
    def counts(self) -> dict[str, int]:
        """How many States the coalition reads at each stance, every stance present."""
        rows = self.order_by().values_list("position").annotate(n=Count("pk"))
        return dict.fromkeys(Stance.Position.values, 0) | dict(rows)

    def deciding(self):
        """The States that decide the outcome: leaning either way, or undecided."""
        return self.filter(position__in=Stance.DECIDING)


class Stance(models.Model):
    """The coalition's private read of a state before a vote. Never public."""

    class Position(models.TextChoices):
        COMMITTED_YES = "committed-yes", _("Committed yes")
        LEANING_YES = "leaning-yes", _("Leaning yes")
        UNDECIDED = "undecided", _("Undecided")
        LEANING_NO = "leaning-no", _("Leaning no")
        NO = "no", _("No")

    DECIDING = (Position.LEANING_YES, Position.UNDECIDED, Position.LEANING_NO)

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="stances"
    )
    state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="+")
    position = models.CharField(
        max_length=14, choices=Position.choices, default=Position.UNDECIDED
    )
    owner_organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = StanceQuerySet.as_manager()

    class Meta:
        ordering = ["state__name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "state"], name="one_stance")
        ]

    def __str__(self) -> str:
        return f"{self.state}: {self.get_position_display()}"
