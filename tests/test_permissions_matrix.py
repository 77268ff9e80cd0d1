"""Every staff URL, as every kind of visitor: the answer each must get.

The routes come from the URLconf itself. A route is either public (PUBLIC) or a
staff route with a row in EXPECTED; a new route in neither fails the test by
name, so nobody adds a staff page without saying who may see it.

To add a staff view: add a row to EXPECTED with the URL keywords (built from the
``world`` fixture), the method, and the status each visitor gets.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.mail import EmailMessage
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Contact, ContactList, Invitation, Note, Role
from campaign.models import Cosponsorship, Participation, Stance
from letters import mailbox
from letters.alerts import follow
from letters.ledger import Mailing
from letters.models import Appeal
from letters.services import create_letter, invite_cosigner, respond_to_invitation

from .factories import (
    BallotFactory,
    CampaignFactory,
    MembershipFactory,
    OrganisationFactory,
    ReminderRuleFactory,
)

pytestmark = pytest.mark.django_db

# Visitors: nobody; each role of the organisation that owns the page; an admin
# of a partner in the same campaign; an admin of an unrelated organisation.
# (Admins of the others: if they are kept out, lesser roles are too.)
OWN_ROLES = ("admin", "drafter", "signatory", "sender", "viewer")
ACTORS = ("anonymous", *OWN_ROLES, "partner", "unrelated")

# Routes anyone may open (or with their own protection: the Django admin).
PUBLIC = {
    "campaign:home",
    "campaign:state_list",
    "campaign:state_detail",
    "campaign:series_detail",
    "campaign:ballot_detail",
    "campaign:ballot_live",
    "campaign:ballot_embed",
    "campaign:ballot_csv",
    "campaign:ballot_json",
    "campaign:series_csv",
    "campaign:series_feed",
    "campaign:feed",
    "set_language",
    "healthz",
    "accounts:login",
    "accounts:logout",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "accounts:invitation",
    "letters_public:letter",
    "letters_public:letter_pdf",
    "subscriptions:subscribe",
    "subscriptions:subscribe_sent",
    "subscriptions:confirm",
    "subscriptions:unsubscribe",
}
# The provider webhooks authenticate themselves (ANYMAIL_WEBHOOK_SECRET).
PUBLIC_NAMESPACES = {"admin", "api", "anymail"}


def answers(*, default: int, anonymous: int = 302, **by_actor: int) -> dict[str, int]:
    unknown = set(by_actor) - set(ACTORS)
    assert not unknown, f"unknown visitors {unknown}"
    return {
        actor: anonymous if actor == "anonymous" else by_actor.get(actor, default)
        for actor in ACTORS
    }


EVERY_MEMBER = answers(default=200)
OWN_ORGANISATION = answers(default=200, partner=404, unrelated=404)
CAMPAIGN_PARTICIPANTS = answers(default=200, unrelated=404)
CONTACT_ROLES = answers(default=200, signatory=403, viewer=403)
# The UN record is shared by every organisation; its writers are the same roles.
RECORD_EDITORS = answers(default=200, signatory=403, viewer=403)


# Letters: the lead's drafters write, its admins and drafters manage; a
# partner's people answer for their own organisation.
LETTER_MANAGERS = answers(
    default=403, admin=302, drafter=302, partner=403, unrelated=404
)
PARTNER_ONLY = answers(default=403, partner=302, unrelated=404)


def LETTER_DRAFTERS(status: int) -> dict[str, int]:  # noqa: N802
    return answers(default=403, drafter=status, unrelated=404)


def REMINDER_KEEPERS(status: int) -> dict[str, int]:  # noqa: N802
    return answers(default=status, signatory=403, viewer=403, unrelated=404)


def APPEAL_SENDERS(status: int) -> dict[str, int]:  # noqa: N802
    return answers(default=403, admin=status, sender=status, unrelated=404)


def own_admin_only(status: int) -> dict[str, int]:
    return answers(default=403, admin=status, partner=404, unrelated=404)


def own_editors(status: int) -> dict[str, int]:
    return answers(default=status, viewer=403, partner=404, unrelated=404)


def own_contact_keepers(status: int) -> dict[str, int]:
    return answers(
        default=status, signatory=403, viewer=403, partner=404, unrelated=404
    )


@dataclass
class Case:
    expect: dict[str, int]
    kwargs: Callable[[World], dict] = lambda w: {}
    method: str = "get"
    data: dict | Callable[[World], dict] = field(default_factory=dict)


@dataclass
class World:
    own: object
    users: dict
    campaign: object
    invited_campaign: object
    note: object
    contact_list: object
    contact: object
    invitation: object
    ballot: object
    cosponsorship: object
    letter: object
    partner_cosigner: object
    rule: object
    follow: object
    mailing: object

    @property
    def version(self):
        return self.letter.versions.get()

    extra: object
    mail_name: str
    appeal: object = None


def own(**more):
    return lambda w: {"slug": w.own.slug, **more}


EXPECTED: dict[str, Case] = {
    # Campaign dashboards and the missions' contacts.
    "campaign:dashboard_index": Case(EVERY_MEMBER),
    "campaign:dashboard": Case(
        CAMPAIGN_PARTICIPANTS, lambda w: {"slug": w.campaign.slug}
    ),
    "campaign:mission_list": Case(CONTACT_ROLES),
    "campaign:contacts_import": Case(CONTACT_ROLES),
    "campaign:contacts_export": Case(CONTACT_ROLES),
    # The UN record: vote-day entry, imports, cosponsors, history.
    "campaign:ballot_list": Case(RECORD_EDITORS),
    "campaign:vote_entry": Case(RECORD_EDITORS, lambda w: {"pk": w.ballot.pk}),
    "campaign:ballot_history": Case(EVERY_MEMBER, lambda w: {"pk": w.ballot.pk}),
    "campaign:cosponsors": Case(
        RECORD_EDITORS, lambda w: {"pk": w.cosponsorship.document_id}
    ),
    "campaign:cosponsor_withdraw": Case(
        answers(default=302, signatory=403, viewer=403),
        lambda w: {"pk": w.cosponsorship.pk},
        "post",
    ),
    "campaign:votes_import": Case(RECORD_EDITORS),
    "campaign:votes_import_confirm": Case(
        answers(default=302, signatory=403, viewer=403), method="post"
    ),
    # A campaign's stances: read by the coalition, edited by all but viewers.
    "campaign:stance_history": Case(
        CAMPAIGN_PARTICIPANTS, lambda w: {"slug": w.campaign.slug}
    ),
    "campaign:stance_edit": Case(
        answers(default=200, viewer=403, unrelated=404),
        lambda w: {"slug": w.campaign.slug, "iso3": "fra"},
    ),
    # Joint letters: shared with the campaign's coalition.
    "letters:letter_list": Case(
        CAMPAIGN_PARTICIPANTS, lambda w: {"slug": w.campaign.slug}
    ),
    "letters:letter_new": Case(
        answers(default=200, signatory=403, sender=403, viewer=403, unrelated=404),
        lambda w: {"slug": w.campaign.slug},
    ),
    "letters:letter_start_from": Case(
        answers(default=400, signatory=403, sender=403, viewer=403, unrelated=404),
        lambda w: {"slug": w.campaign.slug},
        "post",
    ),
    "letters:letter_detail": Case(CAMPAIGN_PARTICIPANTS, lambda w: {"pk": w.letter.pk}),
    "letters:letter_edit": Case(
        LETTER_DRAFTERS(200), lambda w: {"pk": w.letter.pk, "language": "en"}
    ),
    "letters:version_diff": Case(
        CAMPAIGN_PARTICIPANTS,
        lambda w: {"pk": w.letter.pk},
        data=lambda w: {"from": w.version.pk, "to": w.version.pk},
    ),
    "letters:letter_preview": Case(
        CAMPAIGN_PARTICIPANTS, lambda w: {"pk": w.letter.pk}
    ),
    "letters:letter_pdf": Case(CAMPAIGN_PARTICIPANTS, lambda w: {"pk": w.letter.pk}),
    "letters:cosigner_invite": Case(
        LETTER_MANAGERS, lambda w: {"pk": w.letter.pk}, "post"
    ),
    "letters:letter_deadline": Case(
        LETTER_MANAGERS, lambda w: {"pk": w.letter.pk}, "post"
    ),
    "letters:letter_publish": Case(
        LETTER_MANAGERS, lambda w: {"pk": w.letter.pk}, "post"
    ),
    "letters:version_detail": Case(
        CAMPAIGN_PARTICIPANTS, lambda w: {"pk": w.version.pk}
    ),
    "letters:comment_add": Case(
        answers(default=302, unrelated=404), lambda w: {"pk": w.version.pk}, "post"
    ),
    "letters:version_status": Case(
        LETTER_DRAFTERS(302), lambda w: {"pk": w.version.pk}, "post"
    ),
    "letters:sign_off": Case(
        answers(default=403, signatory=302, unrelated=404),
        lambda w: {"pk": w.version.pk},
        "post",
        data=lambda w: {"cosigner": w.letter.cosigners.get(organisation=w.own).pk},
    ),
    "letters:template_save": Case(
        LETTER_DRAFTERS(302), lambda w: {"pk": w.version.pk}, "post"
    ),
    "letters:cosigner_respond": Case(
        PARTNER_ONLY, lambda w: {"pk": w.partner_cosigner.pk}, "post"
    ),
    "letters:cosigner_withdraw": Case(
        PARTNER_ONLY, lambda w: {"pk": w.partner_cosigner.pk}, "post"
    ),
    "letters:cosigner_move": Case(
        LETTER_MANAGERS, lambda w: {"pk": w.partner_cosigner.pk}, "post"
    ),
    # Reminders of a campaign, and alerts.
    "letters:reminder_list": Case(
        REMINDER_KEEPERS(200), lambda w: {"slug": w.campaign.slug}
    ),
    "letters:reminder_new": Case(
        REMINDER_KEEPERS(200), lambda w: {"slug": w.campaign.slug}
    ),
    "letters:reminder_preview": Case(
        REMINDER_KEEPERS(200), lambda w: {"slug": w.campaign.slug, "pk": w.rule.pk}
    ),
    "letters:reminder_edit": Case(
        REMINDER_KEEPERS(200), lambda w: {"slug": w.campaign.slug, "pk": w.rule.pk}
    ),
    "letters:reminder_status": Case(
        REMINDER_KEEPERS(302),
        lambda w: {"slug": w.campaign.slug, "pk": w.rule.pk},
        "post",
        data={"action": "pause"},
    ),
    "letters:follows": Case(EVERY_MEMBER),
    "letters:unfollow": Case(
        answers(default=404, admin=302), lambda w: {"pk": w.follow.pk}, "post"
    ),
    # The delivery ledger: a campaign's mailings are for its coalition.
    "letters:mailing_list": Case(EVERY_MEMBER),
    "letters:mailing_detail": Case(
        CAMPAIGN_PARTICIPANTS, lambda w: {"pk": w.mailing.pk}
    ),
    "letters:mailing_attempts_csv": Case(
        CAMPAIGN_PARTICIPANTS, lambda w: {"pk": w.mailing.pk}
    ),
    # Appeals: seen by the coalition, sent by the letter's lead (senders, admins).
    "letters:appeal_list": Case(
        CAMPAIGN_PARTICIPANTS, lambda w: {"slug": w.campaign.slug}
    ),
    "letters:appeal_new": Case(
        APPEAL_SENDERS(200), lambda w: {"slug": w.campaign.slug}
    ),
    "letters:appeal_detail": Case(CAMPAIGN_PARTICIPANTS, lambda w: {"pk": w.appeal.pk}),
    "letters:appeal_edit": Case(APPEAL_SENDERS(200), lambda w: {"pk": w.appeal.pk}),
    "letters:appeal_launch": Case(
        APPEAL_SENDERS(302), lambda w: {"pk": w.appeal.pk}, "post"
    ),
    "letters:appeal_schedule": Case(
        APPEAL_SENDERS(400), lambda w: {"pk": w.appeal.pk}, "post"
    ),
    "letters:appeal_status": Case(
        APPEAL_SENDERS(302),
        lambda w: {"pk": w.appeal.pk},
        "post",
        data={"action": "pause"},
    ),
    "letters:appeal_progress": Case(
        CAMPAIGN_PARTICIPANTS, lambda w: {"pk": w.appeal.pk}
    ),
    # Captured mail.
    "letters:outbox": Case(EVERY_MEMBER),
    "letters:outbox_test": Case(answers(default=302), method="post"),
    "letters:outbox_message": Case(EVERY_MEMBER, lambda w: {"name": w.mail_name}),
    "letters:outbox_message_html": Case(EVERY_MEMBER, lambda w: {"name": w.mail_name}),
    # The signed-in person's own account.
    "accounts:security": Case(EVERY_MEMBER),
    "accounts:password_change": Case(EVERY_MEMBER),
    "accounts:otp_setup": Case(EVERY_MEMBER),
    "accounts:otp_verify": Case(EVERY_MEMBER),
    "accounts:sign_out_everywhere": Case(answers(default=302), method="post"),
    # An organisation's own pages.
    "organisations:list": Case(EVERY_MEMBER),
    "organisations:detail": Case(OWN_ORGANISATION, own()),
    "organisations:edit": Case(own_admin_only(200), own()),
    "organisations:respond": Case(
        own_admin_only(302),
        lambda w: {"slug": w.own.slug, "campaign": w.invited_campaign.slug},
        method="post",
        data={"answer": "decline"},
    ),
    "organisations:members": Case(own_admin_only(200), own()),
    "organisations:invite": Case(own_admin_only(400), own(), method="post"),
    "organisations:change_role": Case(
        own_admin_only(302), lambda w: {"slug": w.own.slug, "pk": w.extra.pk}, "post"
    ),
    "organisations:remove_member": Case(
        own_admin_only(302), lambda w: {"slug": w.own.slug, "pk": w.extra.pk}, "post"
    ),
    "organisations:unlock": Case(
        own_admin_only(302), lambda w: {"slug": w.own.slug, "pk": w.extra.pk}, "post"
    ),
    "organisations:revoke_invitation": Case(
        own_admin_only(302),
        lambda w: {"slug": w.own.slug, "pk": w.invitation.pk},
        "post",
    ),
    "organisations:audit": Case(own_admin_only(200), own()),
    # An organisation's private data.
    "organisations:notes": Case(OWN_ORGANISATION, own()),
    "organisations:note_create": Case(own_editors(400), own(), method="post"),
    "organisations:note_edit": Case(
        own_editors(200), lambda w: {"slug": w.own.slug, "pk": w.note.pk}
    ),
    "organisations:note_delete": Case(
        own_editors(302), lambda w: {"slug": w.own.slug, "pk": w.note.pk}, "post"
    ),
    "organisations:contact_lists": Case(OWN_ORGANISATION, own()),
    "organisations:contact_list_create": Case(
        own_contact_keepers(400), own(), method="post"
    ),
    "organisations:contact_list": Case(
        OWN_ORGANISATION, lambda w: {"slug": w.own.slug, "pk": w.contact_list.pk}
    ),
    "organisations:contact_add": Case(
        own_contact_keepers(400),
        lambda w: {"slug": w.own.slug, "pk": w.contact_list.pk},
        "post",
    ),
    "organisations:contact_remove": Case(
        own_contact_keepers(302),
        lambda w: {
            "slug": w.own.slug,
            "pk": w.contact_list.pk,
            "contact": w.contact.pk,
        },
        "post",
    ),
    # A campaign's coalition: shared with its participants.
    "organisations:coalition": Case(
        CAMPAIGN_PARTICIPANTS, lambda w: {"slug": w.campaign.slug}
    ),
    "organisations:invite_partner": Case(
        answers(default=403, admin=400, partner=400, unrelated=404),
        lambda w: {"slug": w.campaign.slug},
        "post",
    ),
}


# --- The routes, from the URLconf ----------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    callback: Callable


def walk(patterns, prefix: str = "", namespace: str | None = None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in PUBLIC_NAMESPACES:
                continue
            inner = entry.namespace
            full = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), full)
        elif isinstance(entry, URLPattern):
            name = entry.name and (
                f"{namespace}:{entry.name}" if namespace else entry.name
            )
            yield Route(name or "", prefix + str(entry.pattern), entry.callback)


ROUTES = list(walk(get_resolver().url_patterns))
STAFF_ROUTES = [r for r in ROUTES if r.name not in PUBLIC]


def test_every_route_is_named_and_classified():
    unnamed = [r.pattern for r in ROUTES if not r.name]
    assert unnamed == [], f"routes without a name: {unnamed}"
    missing = [
        f"{r.name} ({r.pattern})" for r in STAFF_ROUTES if r.name not in EXPECTED
    ]
    assert missing == [], (
        "Staff URLs missing from EXPECTED in tests/test_permissions_matrix.py "
        f"(or add them to PUBLIC if anyone may open them): {missing}"
    )


def test_the_tables_name_only_routes_that_exist():
    names = {r.name for r in ROUTES}
    assert sorted(set(EXPECTED) - names) == []
    assert sorted(PUBLIC - names) == []


def test_public_routes_declare_no_action_and_staff_routes_do():
    public_with_action = [
        r.name
        for r in ROUTES
        if r.name in PUBLIC and hasattr(r.callback, "required_action")
    ]
    assert public_with_action == []
    undeclared = [
        r.name for r in STAFF_ROUTES if not hasattr(r.callback, "required_action")
    ]
    assert undeclared == [], f"staff views without @requires: {undeclared}"


# --- The world every route is visited in -----------------------------------------


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.EMAIL_BACKEND = "letters.mailbox.EmlFileBackend"
    settings.MAIL_DIR = tmp_path / "mail"
    EmailMessage("Captured", "Body", to=["someone@example.org"]).send()

    own_org = OrganisationFactory(slug="own")
    partner = OrganisationFactory(slug="partner")
    unrelated = OrganisationFactory(slug="unrelated")
    users = {
        role: MembershipFactory(organisation=own_org, role=role).user
        for role in OWN_ROLES
    }
    users["partner"] = MembershipFactory(organisation=partner, role=Role.ADMIN).user
    users["unrelated"] = MembershipFactory(organisation=unrelated, role=Role.ADMIN).user
    extra = MembershipFactory(organisation=own_org, role=Role.VIEWER)

    campaign = CampaignFactory(lead=own_org)
    Participation.objects.create(
        campaign=campaign, organisation=partner, status=Participation.Status.ACCEPTED
    )
    Stance.objects.create(
        campaign=campaign, state_id=_state_id(), owner_organisation=partner
    )
    invited_campaign = CampaignFactory(lead=partner)
    Participation.objects.create(campaign=invited_campaign, organisation=own_org)

    contact_list = ContactList.objects.create(organisation=own_org, name="Donors")
    ballot = BallotFactory(document__series=campaign.series)
    letter = create_letter(
        campaign=campaign,
        lead=own_org,
        title="Joint letter",
        subject="Vote yes",
        body_source="{{ salutation }}, please vote yes.",
        by=users["drafter"],
    )
    partner_cosigner = invite_cosigner(
        letter=letter, organisation=partner, by=users["drafter"]
    )
    respond_to_invitation(cosigner=partner_cosigner, accept=True, by=users["partner"])
    appeal = Appeal.objects.create(campaign=campaign, letter=letter, name="Appeal")
    return World(
        appeal=appeal,
        own=own_org,
        users=users,
        campaign=campaign,
        invited_campaign=invited_campaign,
        note=Note.objects.create(organisation=own_org, title="Private read"),
        contact_list=contact_list,
        contact=Contact.objects.create(
            contact_list=contact_list, name="A", email="a@example.org"
        ),
        invitation=Invitation.objects.create(
            organisation=own_org, email="new@example.org", role=Role.DRAFTER
        ),
        extra=extra,
        mail_name=mailbox.captured_messages()[0].name,
        ballot=ballot,
        letter=letter,
        partner_cosigner=partner_cosigner,
        rule=ReminderRuleFactory(campaign=campaign),
        mailing=Mailing.objects.create(
            name="Appeal",
            campaign=campaign,
            from_email="campaign@example.org",
            list_id="appeal.example.org",
        ),
        follow=follow(user=users["admin"], series=campaign.series, frequency="daily"),
        cosponsorship=Cosponsorship.objects.create(
            document=ballot.document, state_id=_state_id(), since=ballot.date
        ),
    )


def _state_id():
    from campaign.models import MemberState

    return MemberState.objects.get(iso3="FRA").pk


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"\sstyle\s*=", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
POST_FORM = re.compile(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", re.I | re.S)


def _page_problems(body: str) -> list[str]:
    problems = []
    if INLINE_SCRIPT.search(body):
        problems.append("inline <script>")
    if INLINE_STYLE.search(body):
        problems.append("style= attribute")
    if INLINE_HANDLER.search(body):
        problems.append("on…= handler")
    for form in POST_FORM.findall(body):
        if "csrfmiddlewaretoken" not in form:
            problems.append("POST form without CSRF token")
    return problems


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=lambda r: r.name)
def test_staff_url_answers_each_visitor_as_expected(
    route, world, sign_in, otp_enforced
):
    if route.name not in EXPECTED:
        pytest.fail(
            f"{route.name} ({route.pattern}) is a staff URL missing from EXPECTED "
            "in tests/test_permissions_matrix.py"
        )
    case = EXPECTED[route.name]
    url = reverse(route.name, kwargs=case.kwargs(world))
    got, problems = {}, []
    for actor in ACTORS:
        # Each visit is undone, so a POST by one visitor changes nothing for the next.
        with transaction.atomic():
            client = Client()
            if actor != "anonymous":
                sign_in(client, world.users[actor])
            data = case.data(world) if callable(case.data) else case.data
            response = getattr(client, case.method)(url, data)
            got[actor] = response.status_code
            if actor == "anonymous" and response.status_code == 302:
                assert response["Location"].startswith(reverse("accounts:login"))
            if response.status_code == 200 and "html" in response.get(
                "Content-Type", ""
            ):
                problems += [
                    f"{actor}: {p}" for p in _page_problems(response.content.decode())
                ]
            transaction.set_rollback(True)
    assert got == case.expect, f"{route.name} {case.method.upper()} {url}"
    assert problems == []
