"""Writes with side effects for letters and mail, and the reads appeals rely on."""

from __future__ import annotations

import datetime
import html
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.crypto import get_random_string
from django.utils.text import slugify

from accounts.models import AuditAction, Membership, Organisation, Role
from accounts.services import record_audit_event
from campaign.models import (
    Ballot,
    Body,
    Campaign,
    Cosponsorship,
    MemberState,
    MissionContact,
    Participation,
    Position,
    UNLanguage,
)

from . import markup, merge, outgoing
from .models import (
    Comment,
    CoSigner,
    Letter,
    LetterTemplate,
    LetterVersion,
    SignOff,
)


class LetterError(Exception):
    """A rule of letters was broken; the message says which, for the person."""


class PdfUnavailable(Exception):
    """The PDF library cannot be loaded on this machine."""


# "Your Excellency" as a letter to a head of mission opens, per UN language.
SALUTATIONS = {
    "ar": "صاحب السعادة",
    "zh": "尊敬的阁下",
    "en": "Your Excellency",
    "fr": "Excellence",
    "ru": "Ваше Превосходительство",
    "es": "Excelentísimo/a Señor/a",
}

# Django's own code for the language the UN calls Chinese.
_DJANGO_LANGUAGE = {"zh": "zh-hans"}


# ---------------------------------------------------------------- drafting


def _check_merge(*, subject: str, body_source: str) -> None:
    errors = merge.validate(subject) + merge.validate(body_source)
    if errors:
        raise merge.MergeError(errors)


def _unique_slug(title: str) -> str:
    base = slugify(title)[:100] or "letter"
    return f"{base}-{get_random_string(6).lower()}"


@transaction.atomic
def create_letter(
    *,
    campaign: Campaign,
    lead: Organisation,
    title: str,
    subject: str,
    body_source: str,
    by,
    language: str = UNLanguage.ENGLISH,
    sign_off_deadline: datetime.datetime | None = None,
    started_from: Letter | None = None,
    started_from_template: LetterTemplate | None = None,
) -> Letter:
    """A new letter, its first version, and its lead as the first co-signer."""
    if not campaign.participations.filter(
        organisation=lead, status=Participation.Status.ACCEPTED
    ).exists():
        raise LetterError(f"{lead} does not take part in {campaign}.")
    _check_merge(subject=subject, body_source=body_source)
    letter = Letter.objects.create(
        campaign=campaign,
        lead=lead,
        title=title,
        original_language=language,
        sign_off_deadline=sign_off_deadline,
        slug=_unique_slug(title),
        started_from=started_from,
        started_from_template=started_from_template,
        created_by=by,
    )
    CoSigner.objects.create(
        letter=letter,
        organisation=lead,
        status=CoSigner.Status.ACCEPTED,
        order=0,
        invited_by=by,
        responded_at=timezone.now(),
    )
    save_version(
        letter=letter,
        language=language,
        subject=subject,
        body_source=body_source,
        by=by,
    )
    return letter


@transaction.atomic
def save_version(
    *,
    letter: Letter,
    language: str,
    subject: str,
    body_source: str,
    by,
    status: str = LetterVersion.Status.DRAFT,
) -> tuple[LetterVersion, bool]:
    """Save the text as the next version of ``language``; (version, created).

    An unchanged text makes no version. Sign-offs of earlier versions stop
    covering the letter, and their signatories are told by email.
    """
    if language not in UNLanguage.values:
        raise LetterError(f"{language!r} is not a UN official language.")
    subject = subject.strip()
    if not subject:
        raise LetterError("A version needs a subject line.")
    _check_merge(subject=subject, body_source=body_source)
    # Serialise saves of one letter so version numbers never collide.
    Letter.objects.select_for_update().get(pk=letter.pk)
    body_html = markup.render_markdown(body_source)
    digest = markup.text_hash(
        subject=subject, body_source=body_source, body_html=body_html
    )
    latest = letter.latest_version(language)
    if latest is not None and latest.text_hash == digest:
        if latest.status != status:
            latest.status = status
            latest.save(update_fields=["status"])
        return latest, False
    version = LetterVersion.objects.create(
        letter=letter,
        language=language,
        number=(latest.number + 1) if latest else 1,
        subject=subject,
        body_source=body_source,
        body_html=body_html,
        text_hash=digest,
        status=status,
        author=by,
    )
    if (
        latest is not None
        and SignOff.objects.filter(
            version__letter=letter, version__language=language
        ).exists()
    ):
        from . import tasks

        tasks.send_reapproval_notice.delay_on_commit(version.pk)
    return version, True


def set_version_status(*, version: LetterVersion, status: str) -> LetterVersion:
    if status not in LetterVersion.Status.values:
        raise LetterError(f"Unknown status {status!r}.")
    version.status = status
    version.save(update_fields=["status"])
    return version


def add_comment(*, version: LetterVersion, body: str, by) -> Comment:
    body = body.strip()
    if not body:
        raise LetterError("A comment cannot be empty.")
    return Comment.objects.create(version=version, body=body, author=by)


def set_deadline(*, letter: Letter, deadline: datetime.datetime | None) -> Letter:
    letter.sign_off_deadline = deadline
    letter.save(update_fields=["sign_off_deadline"])
    return letter


# ---------------------------------------------------------------- co-signing


@transaction.atomic
def invite_cosigner(*, letter: Letter, organisation: Organisation, by) -> CoSigner:
    """Invite a partner; inviting again after a decline or withdrawal re-opens it."""
    cosigner = CoSigner.objects.filter(letter=letter, organisation=organisation).first()
    if cosigner is not None and cosigner.status in (
        CoSigner.Status.INVITED,
        CoSigner.Status.ACCEPTED,
    ):
        raise LetterError(f"{organisation} is already {cosigner.get_status_display()}.")
    next_order = (letter.cosigners.aggregate(top=Max("order"))["top"] or 0) + 1
    if cosigner is None:
        cosigner = CoSigner.objects.create(
            letter=letter, organisation=organisation, order=next_order, invited_by=by
        )
    else:
        cosigner.status = CoSigner.Status.INVITED
        cosigner.invited_by = by
        cosigner.invited_at = timezone.now()
        cosigner.responded_at = None
        cosigner.save(
            update_fields=["status", "invited_by", "invited_at", "responded_at"]
        )
    from . import tasks

    tasks.send_invitation_notice.delay_on_commit(cosigner.pk)
    return cosigner


def respond_to_invitation(*, cosigner: CoSigner, accept: bool, by) -> CoSigner:
    if cosigner.status != CoSigner.Status.INVITED:
        raise LetterError(
            f"This invitation was already answered ({cosigner.get_status_display()})."
        )
    cosigner.status = CoSigner.Status.ACCEPTED if accept else CoSigner.Status.DECLINED
    cosigner.responded_at = timezone.now()
    cosigner.save(update_fields=["status", "responded_at"])
    return cosigner


def withdraw(*, cosigner: CoSigner, by) -> CoSigner:
    """A partner leaves the letter; its sign-offs no longer count."""
    if cosigner.organisation_id == cosigner.letter.lead_id:
        raise LetterError("The lead organisation cannot withdraw from its own letter.")
    if cosigner.status not in (CoSigner.Status.INVITED, CoSigner.Status.ACCEPTED):
        raise LetterError(f"{cosigner.organisation} is not on this letter.")
    cosigner.status = CoSigner.Status.WITHDRAWN
    cosigner.responded_at = timezone.now()
    cosigner.save(update_fields=["status", "responded_at"])
    return cosigner


@transaction.atomic
def move_cosigner(*, cosigner: CoSigner, up: bool) -> None:
    """Swap a co-signer with its neighbour in the order the letter shows."""
    siblings = list(
        CoSigner.objects.select_for_update()
        .filter(letter=cosigner.letter_id)
        .order_by("order", "pk")
    )
    index = next(i for i, c in enumerate(siblings) if c.pk == cosigner.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, row in enumerate(siblings):
        if row.order != position:
            row.order = position
            row.save(update_fields=["order"])


@transaction.atomic
def sign_off(
    *,
    version: LetterVersion,
    organisation: Organisation,
    by,
    expected_hash: str | None = None,
) -> SignOff:
    """The organisation's signatory approves this exact version."""
    version = LetterVersion.objects.select_related("letter").get(pk=version.pk)
    if (
        not Membership.objects.active()
        .filter(user=by, organisation=organisation, role=Role.SIGNATORY)
        .exists()
    ):
        raise LetterError(f"Only a signatory of {organisation} can sign off for it.")
    if not version.letter.cosigners.filter(
        organisation=organisation, status=CoSigner.Status.ACCEPTED
    ).exists():
        raise LetterError(f"{organisation} has not accepted to co-sign this letter.")
    latest = version.letter.latest_version(version.language)
    if latest.pk != version.pk:
        raise LetterError(
            f"Version {version.number} has been replaced by version {latest.number}; "
            "read and approve the newest text."
        )
    if expected_hash is not None and expected_hash != version.text_hash:
        raise LetterError("The text changed while you were reading it; read it again.")
    signoff, created = SignOff.objects.get_or_create(
        version=version,
        organisation=organisation,
        defaults={"signatory": by, "text_hash": version.text_hash},
    )
    if created:
        record_audit_event(
            action=AuditAction.SIGN_OFF,
            actor=by,
            organisation=organisation,
            target=version,
            data={"text_hash": version.text_hash, "language": version.language},
        )
    return signoff


# ---------------------------------------------------------------- starting points


@transaction.atomic
def start_from(
    *,
    campaign: Campaign,
    lead: Organisation,
    title: str,
    by,
    letter: Letter | None = None,
    template: LetterTemplate | None = None,
) -> Letter:
    """A new letter with the text of an earlier letter or a template, and nothing
    else of it: no co-signers but the lead, no sign-offs, no comments."""
    if (letter is None) == (template is None):
        raise LetterError("Start from one earlier letter or one template.")
    if template is not None:
        return create_letter(
            campaign=campaign,
            lead=lead,
            title=title,
            subject=template.subject,
            body_source=template.body_source,
            language=template.language,
            by=by,
            started_from_template=template,
        )
    original = letter.latest_version()
    new = create_letter(
        campaign=campaign,
        lead=lead,
        title=title,
        subject=original.subject,
        body_source=original.body_source,
        language=letter.original_language,
        by=by,
        started_from=letter,
    )
    for version in letter.versions.latest().exclude(language=letter.original_language):
        save_version(
            letter=new,
            language=version.language,
            subject=version.subject,
            body_source=version.body_source,
            by=by,
        )
    return new


def save_as_template(*, version: LetterVersion, name: str, by) -> LetterTemplate:
    return LetterTemplate.objects.create(
        organisation=version.letter.lead,
        name=name.strip() or version.letter.title,
        language=version.language,
        subject=version.subject,
        body_source=version.body_source,
        created_by=by,
    )


# ---------------------------------------------------------------- approval


@dataclass
class OrganisationApproval:
    cosigner: CoSigner
    sign_off: SignOff | None = None
    earlier: SignOff | None = None

    @property
    def state(self) -> str:
        if self.sign_off is not None:
            return "approved"
        return "reapproval" if self.earlier is not None else "pending"


@dataclass
class LanguageApproval:
    language: str
    version: LetterVersion
    organisations: list[OrganisationApproval] = field(default_factory=list)

    @property
    def is_ready(self) -> bool:
        return self.version.status == LetterVersion.Status.READY

    @property
    def is_approved(self) -> bool:
        return bool(self.organisations) and all(
            o.state == "approved" for o in self.organisations
        )

    @property
    def is_sendable(self) -> bool:
        return self.is_ready and self.is_approved

    @property
    def needs_reapproval(self) -> list[OrganisationApproval]:
        return [o for o in self.organisations if o.state == "reapproval"]

    @property
    def language_name(self) -> str:
        return UNLanguage(self.language).label


@dataclass
class LetterApproval:
    letter: Letter
    languages: dict[str, LanguageApproval]

    @property
    def original(self) -> LanguageApproval | None:
        return self.languages.get(self.letter.original_language)

    def is_approved(self, languages: set[str] | None = None) -> bool:
        """True when every language asked (the original by default) is ready and
        every accepted co-signer approved its latest version."""
        wanted = languages or {self.letter.original_language}
        return all(
            lang in self.languages and self.languages[lang].is_sendable
            for lang in wanted
        )

    @property
    def sendable_languages(self) -> set[str]:
        return {lang for lang, state in self.languages.items() if state.is_sendable}


def approval_state(letter: Letter) -> LetterApproval:
    """Who approved the latest version of each language, and who must again.

    A sign-off counts only on the latest version of its language and only when
    the hash it approved is that version's hash.
    """
    latest = {v.language: v for v in letter.versions.latest().select_related("author")}
    cosigners = list(
        letter.cosigners.filter(status=CoSigner.Status.ACCEPTED).select_related(
            "organisation"
        )
    )
    sign_offs = SignOff.objects.filter(version__letter=letter).select_related(
        "signatory", "version"
    )
    by_language: dict[str, dict[int, list[SignOff]]] = {}
    for s in sign_offs.order_by("version__number"):
        by_language.setdefault(s.version.language, {}).setdefault(
            s.organisation_id, []
        ).append(s)
    languages = {}
    for language in sorted(
        latest, key=lambda code: (code != letter.original_language, code)
    ):
        version = latest[language]
        rows = []
        for cosigner in cosigners:
            history = by_language.get(language, {}).get(cosigner.organisation_id, [])
            current = next(
                (
                    s
                    for s in history
                    if s.version_id == version.pk and s.text_hash == version.text_hash
                ),
                None,
            )
            earlier = history[-1] if history and current is None else None
            rows.append(OrganisationApproval(cosigner, current, earlier))
        languages[language] = LanguageApproval(language, version, rows)
    return LetterApproval(letter, languages)


def version_for_language(
    *, letter: Letter, language: str, approval: LetterApproval | None = None
) -> LetterVersion:
    """The version a contact preferring ``language`` receives: that translation
    when it is ready and approved, otherwise the original language."""
    approval = approval or approval_state(letter)
    translated = approval.languages.get(language)
    if translated is not None and translated.is_sendable:
        return translated.version
    return approval.original.version


# ---------------------------------------------------------------- mail merge


def last_session_ballot(*, campaign: Campaign) -> Ballot | None:
    """The vote on the series' draft as a whole in the latest earlier session that
    has positions: the plenary's when there is one, else the committee's."""
    ballots = Ballot.objects.recorded().filter(
        document__series=campaign.series,
        document__session__lt=campaign.session,
        question=Ballot.Question.DRAFT,
        votes__isnull=False,
    )
    session = ballots.aggregate(top=Max("document__session"))["top"]
    if session is None:
        return None
    candidates = list(ballots.filter(document__session=session).distinct())
    candidates.sort(key=lambda b: (b.body != Body.PLENARY, -b.date.toordinal()))
    return candidates[0]


def record_conditions(*, campaign: Campaign, state: MemberState) -> dict[str, bool]:
    ballot = last_session_ballot(campaign=campaign)
    position = (
        ballot.votes.filter(state=state).values_list("position", flat=True).first()
        if ballot
        else None
    )
    return {
        "voted_yes_last_year": position == Position.YES,
        "voted_no_last_year": position == Position.NO,
        "abstained_last_year": position == Position.ABSTAIN,
        "absent_last_year": position == Position.NON_VOTING,
        "cosponsor": Cosponsorship.objects.current()
        .filter(
            document__series=campaign.series,
            document__session=campaign.session,
            state=state,
        )
        .exists(),
    }


def head_of_mission(state: MemberState) -> MissionContact | None:
    return (
        MissionContact.objects.filter(mission__state=state, is_head=True)
        .order_by("mission__city")
        .first()
    )


def merge_fields(
    *, state: MemberState, language: str, contact: MissionContact | None = None
) -> dict[str, str]:
    head = contact if contact is not None and contact.is_head else None
    head = head or head_of_mission(state)
    return {
        "state": state.localised_name(language),
        "head_name": head.name if head else "",
        "head_title": head.title if head else "",
        "salutation": SALUTATIONS.get(language, SALUTATIONS["en"]),
    }


@dataclass(frozen=True)
class MergedLetter:
    subject: str
    html: str
    text: str
    language: str


def render_merged(
    *,
    version: LetterVersion,
    state: MemberState,
    contact: MissionContact | None = None,
) -> MergedLetter:
    """The version addressed to one state: subject, HTML (values escaped) and text."""
    fields = merge_fields(state=state, language=version.language, contact=contact)
    conditions = record_conditions(campaign=version.letter.campaign, state=state)
    subject = merge.render(version.subject, fields=fields, conditions=conditions)
    body = merge.render(
        merge.unwrap_block_tags(version.body_html),
        fields=fields,
        conditions=conditions,
        escape=html.escape,
    )
    body = markup.tidy_html(body)
    return MergedLetter(
        subject=" ".join(subject.split()),
        html=body,
        text=markup.html_to_text(body),
        language=version.language,
    )


# Shown where a copy is addressed to no state in particular.
GENERIC_FIELDS = {
    "state": "[State]",
    "head_name": "[Head of mission]",
    "head_title": "[Title]",
    "salutation": "[Salutation]",
}


def render_generic(*, version: LetterVersion) -> MergedLetter:
    """The version addressed to no one: fields as labels, no conditional passage
    that needs a state's record."""
    subject = merge.render(version.subject, fields=GENERIC_FIELDS, conditions={})
    body = markup.tidy_html(
        merge.render(
            merge.unwrap_block_tags(version.body_html),
            fields=GENERIC_FIELDS,
            conditions={},
            escape=html.escape,
        )
    )
    return MergedLetter(
        subject=" ".join(subject.split()),
        html=body,
        text=markup.html_to_text(body),
        language=version.language,
    )


# ---------------------------------------------------------------- PDF


def signatories(*, version: LetterVersion) -> list[dict]:
    """Accepted co-signers in the letter's order, with who approved this version."""
    state = approval_state(version.letter).languages.get(version.language)
    if state is None:
        return []
    current = state.version.pk == version.pk
    return [
        {
            "organisation": row.cosigner.organisation,
            "sign_off": row.sign_off if current else None,
        }
        for row in state.organisations
    ]


def _is_approved_version(version: LetterVersion) -> bool:
    state = approval_state(version.letter).languages.get(version.language)
    return state is not None and state.version.pk == version.pk and state.is_approved


def letter_pdf(
    *,
    version: LetterVersion,
    state: MemberState | None = None,
    contact: MissionContact | None = None,
    date: datetime.date | None = None,
) -> bytes:
    """The version (or its copy merged for ``state``) as a PDF, with the
    signatories' names and logos and the date."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(f"The PDF library could not be loaded: {exc}") from exc
    if state is not None:
        merged = render_merged(version=version, state=state, contact=contact)
    else:
        merged = render_generic(version=version)
    date = date or timezone.localdate()
    with translation.override(_DJANGO_LANGUAGE.get(version.language, version.language)):
        # The UN writes English dates day first: 18 November 2014.
        shown_date = formats.date_format(
            date, "j F Y" if version.language == "en" else "DATE_FORMAT"
        )
        document = render_to_string(
            "letters/pdf/letter.html",
            {
                "version": version,
                "letter": version.letter,
                "subject": merged.subject,
                "body": merged.html,
                "state": state,
                "date": shown_date,
                "signatories": signatories(version=version),
                "rtl": version.language == UNLanguage.ARABIC,
                "approved": _is_approved_version(version),
            },
        )
    return weasyprint.HTML(string=document, base_url=str(settings.BASE_DIR)).write_pdf()


# ---------------------------------------------------------------- publication


def publish(*, letter: Letter) -> Letter:
    """Show the letter on its public page; only once every co-signer approved it."""
    if not approval_state(letter).is_approved():
        raise LetterError(
            "Every co-signer must approve the latest version, marked ready, "
            "before the letter is published."
        )
    letter.is_published = True
    letter.published_at = letter.published_at or timezone.now()
    letter.save(update_fields=["is_published", "published_at"])
    return letter


def unpublish(*, letter: Letter) -> Letter:
    letter.is_published = False
    letter.save(update_fields=["is_published"])
    return letter


# ---------------------------------------------------------------- notices


def send_reapproval_notice(*, version_id: int) -> int:
    """Tell the signatories whose approval no longer covers the letter what changed.

    Returns the number of messages sent; nothing when the version is gone or is
    no longer the latest (a newer save sends its own notice).
    """
    version = (
        LetterVersion.objects.filter(pk=version_id).select_related("letter").first()
    )
    if version is None:
        return 0
    letter = version.letter
    if letter.latest_version(version.language).pk != version.pk:
        return 0
    approval = approval_state(letter).languages[version.language]
    waiting = approval.needs_reapproval
    if not waiting:
        return 0
    sent = 0
    for row in waiting:
        previous = row.earlier.version
        changes = markup.change_summary(
            markup.diff(
                previous.subject,
                previous.body_source,
                version.subject,
                version.body_source,
            )
        )
        recipients = list(
            get_user_model()
            .objects.filter(
                memberships__organisation=row.cosigner.organisation,
                memberships__role=Role.SIGNATORY,
                memberships__is_active=True,
                is_active=True,
            )
            .values_list("email", flat=True)
            .distinct()
        )
        if not recipients:
            continue
        context = {
            "letter": letter,
            "version": version,
            "previous": previous,
            "organisation": row.cosigner.organisation,
            "changes": changes,
            "url": settings.SITE_URL + version.get_absolute_url(),
        }
        # Keyed by version and organisation: a retried task sends nothing twice.
        outgoing.deliver(
            kind="notice:reapproval",
            recipients=recipients,
            subject=f"Re-approval needed: {letter.title} "
            f"({version.get_language_display()}, version {version.number})",
            text=render_to_string("letters/emails/reapproval.txt", context),
            html=render_to_string("letters/emails/reapproval.html", context),
            key=f"reapproval:{version.pk}:{row.cosigner.organisation_id}",
        )
        sent += 1
    return sent


def send_invitation_notice(*, cosigner_id: int) -> int:
    """Tell the invited organisation's people who can answer (admins,
    drafters, signatories) that a letter awaits them.

    Returns the number of messages queued; nothing once the invitation was
    answered or withdrawn. Keyed by the invitation's time: a retried task
    sends nothing twice, and an invitation renewed after a decline is told
    anew.
    """
    cosigner = (
        CoSigner.objects.filter(pk=cosigner_id, status=CoSigner.Status.INVITED)
        .select_related("letter__lead", "organisation", "invited_by")
        .first()
    )
    if cosigner is None:
        return 0
    recipients = list(
        get_user_model()
        .objects.filter(
            memberships__organisation=cosigner.organisation,
            memberships__role__in=[Role.ADMIN, Role.DRAFTER, Role.SIGNATORY],
            memberships__is_active=True,
            is_active=True,
        )
        .values_list("email", flat=True)
        .distinct()
    )
    if not recipients:
        return 0
    letter = cosigner.letter
    context = {
        "letter": letter,
        "cosigner": cosigner,
        "organisation": cosigner.organisation,
        "invited_by": cosigner.invited_by,
        "url": settings.SITE_URL + letter.get_absolute_url(),
    }
    return outgoing.deliver(
        kind="notice:invitation",
        recipients=recipients,
        subject=f"Invitation to co-sign: {letter.title}",
        text=render_to_string("letters/emails/invitation.txt", context),
        html=render_to_string("letters/emails/invitation.html", context),
        key=f"invitation:{cosigner.pk}:{cosigner.invited_at.isoformat()}",
        by=cosigner.invited_by,
    )


def send_test_message(*, user_id: int) -> bool:
    """Mail the user a message that proves the worker and the mail transport work."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return False
    context = {"user": user, "site_url": settings.SITE_URL}
    outgoing.deliver(
        kind="notice:test",
        recipients=[user.email],
        subject="Test message from the campaign site",
        text=render_to_string("letters/emails/test_message.txt", context),
        html=render_to_string("letters/emails/test_message.html", context),
        key=f"test:{user.pk}:{uuid.uuid4()}",
        by=user,
    )
    return True
