"""factory_boy factories for the site's models."""

import datetime

import factory

from accounts.models import Membership, Organisation, Role, User
from campaign.models import (
    Ballot,
    Body,
    Campaign,
    Document,
    MemberState,
    Mission,
    MissionContact,
    Participation,
    ResolutionSeries,
    Stance,
    Vote,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = "Test"
    password = factory.django.Password("correct horse 42")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    short_name = factory.Sequence(lambda n: f"ORG{n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.VIEWER


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResolutionSeries

    title = factory.Sequence(lambda n: f"Situation of human rights in Country {n}")
    slug = factory.Sequence(lambda n: f"series-{n}")


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    series = factory.SubFactory(SeriesFactory)
    symbol = factory.Sequence(lambda n: f"A/C.3/69/L.{n + 100}")
    kind = Document.Kind.DRAFT
    body = Body.THIRD_COMMITTEE
    session = 69


class BallotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ballot

    document = factory.SubFactory(DocumentFactory)
    body = Body.THIRD_COMMITTEE
    date = datetime.date(2014, 11, 18)
    subject = factory.LazyAttribute(lambda b: f"Draft {b.document.symbol}")


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vote

    ballot = factory.SubFactory(BallotFactory)
    state = factory.LazyFunction(lambda: MemberState.objects.get(iso3="FRA"))
    position = "Y"


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Campaign {n}")
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    series = factory.SubFactory(SeriesFactory)
    session = 69
    lead = factory.SubFactory(OrganisationFactory)

    @factory.post_generation
    def lead_participates(self, create, extracted, **kwargs):
        if create:
            Participation.objects.create(
                campaign=self,
                organisation=self.lead,
                status=Participation.Status.ACCEPTED,
            )


class MissionContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MissionContact

    mission = factory.LazyFunction(
        lambda: Mission.objects.get(state__iso3="FRA", city=Mission.City.NEW_YORK)
    )
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"contact{n}@example.org")


class StanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stance

    campaign = factory.SubFactory(CampaignFactory)
    state = factory.LazyFunction(lambda: MemberState.objects.get(iso3="FRA"))
    position = Stance.Position.UNDECIDED


# Reminders, alerts and subscriptions.


class ReminderRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "letters.ReminderRule"

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"Reminder {n}")
    anchor = "ballot"
    ballot = factory.SubFactory(
        BallotFactory,
        document__series=factory.SelfAttribute("...campaign.series"),
        date=datetime.date(2014, 11, 18),
    )
    offset_days = -7
    local_time = datetime.time(9, 0)
    audience = "staff-digest"
    subject = factory.LazyAttribute(lambda r: f"{r.name}: what needs doing")


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "letters.Subscription"

    email = factory.Sequence(lambda n: f"reader{n}@example.net")
    series = factory.SubFactory(SeriesFactory)
    token = factory.Sequence(lambda n: f"token-{n:04d}-" + "x" * 30)
    confirmed_at = factory.LazyFunction(
        lambda: datetime.datetime(2014, 11, 1, tzinfo=datetime.UTC)
    )
