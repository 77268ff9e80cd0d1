"""Demo content: the 2014 DPRK campaign from the public record, and an exercise.

Real positions of real states are never invented here: the 2014 ballots carry
only the totals the UN reported. The complete state-by-state picture comes from
a resolution clearly labelled as a fictional exercise.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.demo import load_account_demo
from accounts.models import Membership, Organisation, Role
from letters.demo import load_demo_letters

from . import pagecache
from .models import (
    Ballot,
    Body,
    Campaign,
    Cosponsorship,
    Document,
    MemberState,
    Mission,
    MissionContact,
    Participation,
    Position,
    ResolutionSeries,
    Stance,
    Vote,
)
from .tallies import Tally, decide

DEMO_PASSWORD = "vote-day-2014"

ORGANISATIONS = [
    # (short name, name, website, country, is_demo)
    ("AI", "Amnesty International", "https://www.amnesty.org", "GBR", False),
    ("HRW", "Human Rights Watch", "https://www.hrw.org", "USA", False),
    (
        "JBI",
        "Jacob Blaustein Institute for the Advancement of Human Rights",
        "https://www.jbi-humanrights.org",
        "USA",
        False,
    ),
    ("DPN", "Demo Partner Network (fictional)", "", "", True),
    ("ERF", "Example Rights Forum (fictional)", "", "", True),
]

# Demo staff: every role at the lead organisation, a signatory and a drafter at
# each partner. Addresses are all at example.org.
STAFF = [
    ("AI", Role.ADMIN),
    ("AI", Role.DRAFTER),
    ("AI", Role.SIGNATORY),
    ("AI", Role.SENDER),
    ("AI", Role.VIEWER),
    ("HRW", Role.SIGNATORY),
    ("HRW", Role.DRAFTER),
    ("JBI", Role.SIGNATORY),
    ("DPN", Role.ADMIN),
    ("DPN", Role.SIGNATORY),
    ("ERF", Role.SIGNATORY),
]

DPRK_SERIES = "dprk-human-rights"
EXERCISE_SERIES = "exercise-ruritania"


@dataclass
class DemoReport:
    users: list[tuple[str, str]]
    superuser: str


def demo_email(short_name: str, role: str) -> str:
    return f"{short_name.lower()}-{role}@example.org"


@transaction.atomic
def load_demo() -> DemoReport:
    """Create or refresh the demo; running it twice changes and duplicates nothing."""
    organisations = _organisations()
    users = _staff(organisations)
    superuser = _superuser()
    dprk = _dprk_2014()
    _campaign(
        slug="dprk-2014",
        title="DPRK human rights resolution, 69th session (2014)",
        series=dprk,
        session=69,
        lead=organisations["AI"],
        participants=organisations.values(),
    )
    exercise = _exercise()
    exercise_campaign = _campaign(
        slug="exercise-ruritania",
        title="Exercise: Ruritania resolution (fictional)",
        series=exercise,
        session=2,
        lead=organisations["AI"],
        participants=[organisations["AI"], organisations["DPN"], organisations["ERF"]],
    )
    _exercise_stances(exercise_campaign, organisations)
    _mission_contacts()
    load_account_demo(organisations)
    load_demo_letters()
    pagecache.record_changed()
    return DemoReport(users=users, superuser=superuser)


def _organisations() -> dict[str, Organisation]:
    result = {}
    for short, name, website, country, is_demo in ORGANISATIONS:
        result[short], _ = Organisation.objects.update_or_create(
            short_name=short,
            defaults={
                "name": name,
                "slug": short.lower(),
                "website": website,
                "country": country,
                "is_demo": is_demo,
            },
        )
    return result


def _staff(organisations) -> list[tuple[str, str]]:
    User = get_user_model()
    rows = []
    for short, role in STAFF:
        email = demo_email(short, role)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email,
                DEMO_PASSWORD,
                first_name=f"{short} {Role(role).label}",
                last_name="(demo)",
            )
        Membership.objects.get_or_create(
            user=user, organisation=organisations[short], role=role
        )
        rows.append((email, f"{Role(role).label} at {organisations[short].name}"))
    return rows


def _superuser() -> str:
    User = get_user_model()
    email = "site-admin@example.org"
    if not User.objects.filter(email=email).exists():
        User.objects.create_superuser(email, DEMO_PASSWORD, first_name="Site admin")
    return email


def _document(series, symbol, **values) -> Document:
    document, _ = Document.objects.update_or_create(
        symbol=symbol, defaults={"series": series, **values}
    )
    return document


def _reported_ballot(document, *, body, date, subject, question, reported, source):
    yes, no, abstain = reported
    ballot, _ = Ballot.objects.update_or_create(
        document=document,
        body=body,
        date=date,
        question=question,
        defaults={
            "subject": subject,
            "is_recorded": True,
            "reported_yes": yes,
            "reported_no": no,
            "reported_abstain": abstain,
            "reported_source": source,
            "outcome": decide(body, Tally(yes=yes, no=no, abstain=abstain)),
        },
    )
    return ballot


def _dprk_2014() -> ResolutionSeries:
    series, _ = ResolutionSeries.objects.update_or_create(
        slug=DPRK_SERIES,
        defaults={
            "title": "Situation of human rights in the Democratic People's Republic "
            "of Korea",
            "description": "Adopted by the General Assembly every year since 2005. "
            "In 2014 the draft, tabled by the European Union and Japan, "
            "asked the Security Council to consider referring the situation to the "
            "International Criminal Court; Cuba's amendment to remove those "
            "paragraphs was rejected.",
        },
    )
    title = series.title
    draft = _document(
        series,
        "A/C.3/69/L.28",
        kind=Document.Kind.DRAFT,
        body=Body.THIRD_COMMITTEE,
        session=69,
        title=title,
    )
    revision = _document(
        series,
        "A/C.3/69/L.28/Rev.1",
        kind=Document.Kind.REVISION,
        body=Body.THIRD_COMMITTEE,
        session=69,
        title=title,
        parent=draft,
    )
    amendment = _document(
        series,
        "A/C.3/69/L.65",
        kind=Document.Kind.AMENDMENT,
        body=Body.THIRD_COMMITTEE,
        session=69,
        title="Amendment to draft resolution A/C.3/69/L.28/Rev.1",
        parent=revision,
    )
    amendment.proposed_by.set(MemberState.objects.filter(iso3="CUB"))
    resolution = _document(
        series,
        "A/RES/69/188",
        kind=Document.Kind.RESOLUTION,
        body=Body.PLENARY,
        session=69,
        title=title,
        date=datetime.date(2014, 12, 18),
        parent=revision,
    )
    committee_day = datetime.date(2014, 11, 18)
    source_committee = "Totals reported at the Third Committee, 18 November 2014"
    _reported_ballot(
        amendment,
        body=Body.THIRD_COMMITTEE,
        date=committee_day,
        subject="Cuban amendment (A/C.3/69/L.65) to remove the ICC referral paragraphs",
        question=Ballot.Question.AMENDMENT,
        reported=(40, 77, 50),
        source=source_committee,
    )
    _reported_ballot(
        revision,
        body=Body.THIRD_COMMITTEE,
        date=committee_day,
        subject="Draft resolution A/C.3/69/L.28/Rev.1 as a whole",
        question=Ballot.Question.DRAFT,
        reported=(111, 19, 55),
        source=source_committee,
    )
    _reported_ballot(
        resolution,
        body=Body.PLENARY,
        date=datetime.date(2014, 12, 18),
        subject="Resolution 69/188 in the General Assembly plenary",
        question=Ballot.Question.DRAFT,
        reported=(116, 20, 53),
        source="Totals reported in the General Assembly, 18 December 2014",
    )
    return series


def _fictional_position(iso3: str, seed: str) -> str:
    """A stable, made-up position for the exercise: never the UN record."""
    roll = hashlib.sha256(f"{seed}:{iso3}".encode()).digest()[0]
    if roll < 140:
        return Position.YES
    if roll < 165:
        return Position.NO
    if roll < 240:
        return Position.ABSTAIN
    return Position.NON_VOTING


def _record_fictional(ballot: Ballot, seed: str) -> None:
    members = MemberState.objects.members_on(ballot.date)
    existing = set(ballot.votes.values_list("state_id", flat=True))
    Vote.objects.bulk_create(
        [
            Vote(ballot=ballot, state=s, position=_fictional_position(s.iso3, seed))
            for s in members
            if s.pk not in existing
        ]
    )
    tally = Vote.objects.for_ballot(ballot).tally()
    outcome = decide(ballot.body, tally)
    if ballot.outcome != outcome:
        ballot.outcome = outcome
        ballot.save(update_fields=["outcome"])


def _exercise() -> ResolutionSeries:
    series, _ = ResolutionSeries.objects.update_or_create(
        slug=EXERCISE_SERIES,
        defaults={
            "title": "Exercise: Situation of human rights in Ruritania (fictional)",
            "description": "A made-up resolution on a made-up country, with invented "
            "positions for every member state, so that every page can be tried. "
            "It is not the UN record.",
            "is_fictional": True,
        },
    )
    last_year = _document(
        series,
        "EXERCISE/C.3/1/L.1",
        kind=Document.Kind.DRAFT,
        body=Body.THIRD_COMMITTEE,
        session=1,
        title=series.title,
    )
    this_year = _document(
        series,
        "EXERCISE/C.3/2/L.1",
        kind=Document.Kind.DRAFT,
        body=Body.THIRD_COMMITTEE,
        session=2,
        title=series.title,
    )
    amendment = _document(
        series,
        "EXERCISE/C.3/2/L.2",
        kind=Document.Kind.AMENDMENT,
        body=Body.THIRD_COMMITTEE,
        session=2,
        title="Amendment to EXERCISE/C.3/2/L.1 (fictional)",
        parent=this_year,
    )
    today = datetime.date.today()
    ballots = [
        (last_year, today.replace(year=today.year - 1), Ballot.Question.DRAFT, "a"),
        (amendment, today, Ballot.Question.AMENDMENT, "b"),
        (this_year, today, Ballot.Question.DRAFT, "c"),
    ]
    for document, date, question, seed in ballots:
        ballot, _ = Ballot.objects.get_or_create(
            document=document,
            body=Body.THIRD_COMMITTEE,
            question=question,
            defaults={
                "date": date,
                "subject": f"{document.symbol} ({document.get_kind_display().lower()}, "
                "fictional)",
            },
        )
        _record_fictional(ballot, seed)
    # Still ahead, so the dashboard counts the days and the forecast matters.
    Ballot.objects.get_or_create(
        document=this_year,
        body=Body.PLENARY,
        question=Ballot.Question.DRAFT,
        defaults={
            "date": today + datetime.timedelta(days=24),
            "subject": f"{this_year.symbol} in the plenary (fictional, still ahead)",
        },
    )
    sponsors = MemberState.objects.members().filter(regional_group="WEOG")[:12]
    for i, state in enumerate(sponsors):
        Cosponsorship.objects.get_or_create(
            document=this_year,
            state=state,
            withdrawn_on=None,
            defaults={
                "since": today - datetime.timedelta(days=30 - 2 * i),
                "role": Cosponsorship.Role.SPONSOR
                if i < 2
                else Cosponsorship.Role.COSPONSOR,
                "source": Cosponsorship.Source.DOCUMENT,
                "source_ref": "fictional",
            },
        )
    return series


def _campaign(*, slug, title, series, session, lead, participants) -> Campaign:
    campaign, _ = Campaign.objects.update_or_create(
        slug=slug,
        defaults={"title": title, "series": series, "session": session, "lead": lead},
    )
    for organisation in participants:
        Participation.objects.update_or_create(
            campaign=campaign,
            organisation=organisation,
            defaults={"status": Participation.Status.ACCEPTED},
        )
    return campaign


def _exercise_stances(campaign, organisations) -> None:
    owners = [organisations["AI"], organisations["DPN"], organisations["ERF"]]
    positions = list(Stance.Position.values)
    existing = set(campaign.stances.values_list("state_id", flat=True))
    Stance.objects.bulk_create(
        [
            Stance(
                campaign=campaign,
                state=state,
                position=positions[hashlib.sha256(state.iso3.encode()).digest()[1] % 5],
                owner_organisation=owners[i % 3],
            )
            for i, state in enumerate(MemberState.objects.members())
            if state.pk not in existing
        ]
    )


# The language a demo mission is written to, by regional group or bloc.
def _demo_language(state: MemberState) -> str:
    if state.iso3 == "CHN":
        return "zh"
    if state.iso3 in {"RUS", "BLR", "KAZ", "KGZ", "TJK", "UZB", "TKM", "ARM", "AZE"}:
        return "ru"
    if any(b.code == "arab-group" for b in state.blocs.all()):
        return "ar"
    if state.regional_group == "GRULAC" and state.iso3 not in {
        "BRA",
        "ATG",
        "BHS",
        "BRB",
        "BLZ",
        "DMA",
        "GRD",
        "GUY",
        "HTI",
        "JAM",
        "KNA",
        "LCA",
        "SUR",
        "TTO",
        "VCT",
    }:
        return "es"
    if state.iso3 in {
        "FRA",
        "BEL",
        "SEN",
        "CIV",
        "MLI",
        "BFA",
        "NER",
        "TCD",
        "GAB",
        "COG",
        "COD",
        "CMR",
        "BEN",
        "TGO",
        "GIN",
        "MDG",
        "HTI",
        "LUX",
        "MCO",
        "CAF",
        "BDI",
        "DJI",
    }:
        return "fr"
    return "en"


def _mission_contacts() -> None:
    """One fictional contact per New York mission, all at example.org."""
    missions = Mission.objects.filter(city=Mission.City.NEW_YORK).select_related(
        "state"
    )
    have = set(MissionContact.objects.values_list("mission_id", flat=True))
    states = {s.pk: s for s in MemberState.objects.prefetch_related("blocs")}
    MissionContact.objects.bulk_create(
        [
            MissionContact(
                mission=m,
                name=f"Demo contact for {m.state.name}",
                title="Permanent Representative (demo)",
                email=f"mission-{m.state.iso3.lower()}@example.org",
                preferred_language=_demo_language(states[m.state_id]),
                is_head=True,
            )
            for m in missions
            if m.pk not in have
        ]
    )
