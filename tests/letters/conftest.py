"""Fixtures for the letters tests: a coalition, its letter, and a UN record to merge."""

import datetime
from dataclasses import dataclass

import pytest

from accounts.models import Organisation, Role, User
from campaign.models import (
    Body,
    Campaign,
    Cosponsorship,
    MemberState,
    Mission,
    MissionContact,
    Participation,
    Vote,
)
from letters import services
from letters.models import Letter

from ..factories import (
    BallotFactory,
    CampaignFactory,
    DocumentFactory,
    MembershipFactory,
    OrganisationFactory,
)

BODY = """{{ salutation }},

We write to {{ head_name }}, {{ head_title }}, about the vote.

{% if voted_no_last_year %}
Last year {{ state }} voted no. Please reconsider.
{% endif %}

{% if cosponsor %}
Thank you for cosponsoring.
{% else %}
Please join the cosponsors.
{% endif %}

Yours sincerely,
"""


@dataclass
class Coalition:
    campaign: Campaign
    lead: Organisation
    partner: Organisation
    drafter: User
    lead_signatory: User
    partner_signatory: User
    partner_drafter: User
    viewer: User


@pytest.fixture
def coalition(db) -> Coalition:
    campaign = CampaignFactory()
    partner = OrganisationFactory(name="Partner Watch", short_name="PW")
    Participation.objects.create(
        campaign=campaign, organisation=partner, status="accepted"
    )

    def member(organisation, role, name):
        return MembershipFactory(
            organisation=organisation, role=role, user__first_name=name
        ).user

    return Coalition(
        campaign=campaign,
        lead=campaign.lead,
        partner=partner,
        drafter=member(campaign.lead, Role.DRAFTER, "Dana Drafter"),
        lead_signatory=member(campaign.lead, Role.SIGNATORY, "Lee Lead"),
        partner_signatory=member(partner, Role.SIGNATORY, "Pat Partner"),
        partner_drafter=member(partner, Role.DRAFTER, "Paz Drafter"),
        viewer=member(campaign.lead, Role.VIEWER, "Vic Viewer"),
    )


@pytest.fixture
def letter(coalition) -> Letter:
    """A letter with the partner invited and accepted; nobody has signed yet."""
    letter = services.create_letter(
        campaign=coalition.campaign,
        lead=coalition.lead,
        title="Letter before the vote",
        subject="Please vote yes — {{ state }}",
        body_source=BODY,
        by=coalition.drafter,
    )
    cosigner = services.invite_cosigner(
        letter=letter, organisation=coalition.partner, by=coalition.drafter
    )
    services.respond_to_invitation(
        cosigner=cosigner, accept=True, by=coalition.partner_signatory
    )
    return letter


def sign_all(letter, coalition, language="en"):
    version = letter.latest_version(language)
    services.sign_off(
        version=version, organisation=coalition.lead, by=coalition.lead_signatory
    )
    services.sign_off(
        version=version, organisation=coalition.partner, by=coalition.partner_signatory
    )
    return version


@pytest.fixture
def record(coalition):
    """Last session France voted yes and the DPRK no; this session France cosponsors."""
    series = coalition.campaign.series
    france = MemberState.objects.get(iso3="FRA")
    dprk = MemberState.objects.get(iso3="PRK")
    last_year = DocumentFactory(series=series, session=68)
    plenary = BallotFactory(
        document=last_year, body=Body.PLENARY, date=datetime.date(2013, 12, 18)
    )
    Vote.objects.create(ballot=plenary, state=france, position="Y")
    Vote.objects.create(ballot=plenary, state=dprk, position="N")
    this_year = DocumentFactory(series=series, session=69)
    Cosponsorship.objects.create(
        document=this_year, state=france, since=datetime.date(2014, 10, 30)
    )
    head = MissionContact.objects.create(
        mission=Mission.objects.get(state=france, city="new-york"),
        name="Ambassador Example",
        title="Permanent Representative",
        email="head-fra@example.org",
        is_head=True,
        preferred_language="fr",
    )
    return {"france": france, "dprk": dprk, "plenary": plenary, "head": head}
