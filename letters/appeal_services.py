"""Appeal writes: drafting, the sign-off gate, launching, scheduling, pausing."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditAction
from accounts.services import record_audit_event
from campaign.models import Campaign

from . import delivery, outgoing, services
from .headers import UnsafeHeader, check_address, check_header
from .ledger import Mailing
from .models import Appeal, CoSigner, Letter, LetterVersion
from .targeting import Criteria, Targeting, target

log = logging.getLogger(__name__)

RENDERER = "letters.rendering.render_appeal"


class AppealError(Exception):
    """An appeal cannot do what was asked; the message says why, for the sender."""


def list_id_for(campaign: Campaign) -> str:
    return f"<{campaign.slug}.appeals.{settings.EMAIL_DOMAIN}>"


# The gate


@dataclass
class Gate:
    """What stands between an appeal and its launch, and what it would send."""

    appeal: Appeal
    approval: services.LetterApproval
    versions: dict[str, LetterVersion] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return not self.problems

    @property
    def languages(self) -> list[services.LanguageApproval]:
        return [
            self.approval.languages[code]
            for code in self.appeal.all_languages
            if code in self.approval.languages
        ]

    @property
    def invited(self) -> list[CoSigner]:
        return list(
            self.appeal.letter.cosigners.filter(
                status=CoSigner.Status.INVITED
            ).select_related("organisation")
        )

    def frozen(self) -> dict[str, dict]:
        return {
            code: {"id": v.pk, "hash": v.text_hash, "number": v.number}
            for code, v in self.versions.items()
        }


def gate(appeal: Appeal) -> Gate:
    """Every language sent must be ready and approved by every accepted co-signer
    on its latest version; the lead must have a reply address; the subject must be
    a safe header."""
    letter = appeal.letter
    approval = services.approval_state(letter)
    result = Gate(appeal=appeal, approval=approval)
    for code in appeal.all_languages:
        state = approval.languages.get(code)
        if state is None:
            result.problems.append(f"The letter has no {code} text.")
            continue
        version = state.version
        waiting = [
            o.cosigner.organisation.short_name
            for o in state.organisations
            if o.state != "approved"
        ]
        if waiting:
            result.problems.append(
                f"{state.language_name} version {version.number} is not signed off "
                f"by {', '.join(waiting)}."
            )
        if not state.is_ready:
            result.problems.append(
                f"{state.language_name} version {version.number} is not marked ready."
            )
        try:
            check_header(
                services.render_generic(version=version).subject, field="Subject"
            )
        except UnsafeHeader as exc:
            result.problems.append(f"{state.language_name}: {exc}")
        result.versions[code] = version
    if not letter.lead.email:
        result.problems.append(
            f"{letter.lead.name} has no reply address: set its email on the "
            "organisation's page so missions' replies reach it."
        )
    if appeal.attach_pdf:
        try:
            import weasyprint  # noqa: F401
        except (ImportError, OSError):
            result.problems.append(
                "PDFs cannot be made on this server: send without the attachment."
            )
    return result


# Drafting


def _clean(*, letter: Letter, campaign: Campaign, name: str, languages) -> list[str]:
    if letter.campaign_id != campaign.pk:
        raise AppealError("The letter belongs to another campaign.")
    try:
        check_header(name, field="Name")
    except UnsafeHeader as exc:
        raise AppealError(str(exc)) from exc
    available = set(letter.versions.values_list("language", flat=True))
    missing = set(languages) - available
    if missing:
        raise AppealError(f"The letter has no text in {', '.join(sorted(missing))}.")
    return sorted(set(languages) - {letter.original_language})


def create_appeal(
    *,
    campaign: Campaign,
    letter: Letter,
    name: str,
    criteria: Criteria,
    by,
    languages: list[str] = (),
    attach_pdf: bool = False,
) -> Appeal:
    """A draft appeal: nothing is sent until it is launched or its time comes."""
    languages = _clean(letter=letter, campaign=campaign, name=name, languages=languages)
    return Appeal.objects.create(
        campaign=campaign,
        letter=letter,
        name=name,
        languages=languages,
        criteria=criteria.to_dict(),
        attach_pdf=attach_pdf,
        created_by=by,
    )


def update_appeal(
    *,
    appeal: Appeal,
    letter: Letter,
    name: str,
    criteria: Criteria,
    languages: list[str] = (),
    attach_pdf: bool = False,
) -> Appeal:
    """Change a draft; once scheduled or launched an appeal keeps what it had."""
    languages = _clean(
        letter=letter, campaign=appeal.campaign, name=name, languages=languages
    )
    changed = Appeal.objects.filter(pk=appeal.pk, status=Appeal.Status.DRAFT).update(
        letter=letter,
        name=name,
        languages=languages,
        criteria=criteria.to_dict(),
        attach_pdf=attach_pdf,
    )
    if not changed:
        raise AppealError("Only a draft appeal can be changed.")
    appeal.refresh_from_db()
    return appeal


def targeting_for(appeal: Appeal, *, now=None) -> Targeting:
    return target(
        campaign=appeal.campaign,
        criteria=Criteria.from_dict(appeal.criteria),
        exclude_appeal_id=appeal.pk,
        now=now,
    )


# Launching


def _launch(appeal: Appeal, *, by, now, expected: dict[str, int] | None) -> Mailing:
    """Check the gate, then write the mailing and deliveries (caller's transaction)."""
    result = gate(appeal)
    if not result.is_open:
        raise AppealError(" ".join(result.problems))
    current = {code: v.pk for code, v in result.versions.items()}
    if expected is not None and expected != current:
        raise AppealError(
            "The letter changed after the page was shown; check the versions and "
            "launch again."
        )
    reply_to = check_address(appeal.letter.lead.email, field="Reply-To")
    targeting = targeting_for(appeal, now=now)
    contacts = targeting.contacts
    if not contacts:
        raise AppealError("The targeting selects no mission contact.")
    original = appeal.letter.original_language
    recipients = [
        delivery.Recipient(
            email=contact.email,
            language=(
                contact.preferred_language
                if contact.preferred_language in result.versions
                else original
            ),
            state=contact.mission.state,
            contact=contact,
        )
        for contact in contacts
    ]
    mailing = delivery.launch_mailing(
        name=f"Appeal: {appeal.name}",
        kind=Mailing.Kind.APPEAL,
        campaign=appeal.campaign,
        by=by,
        recipients=recipients,
        renderer=RENDERER,
        from_email=settings.DEFAULT_FROM_EMAIL,
        reply_to=reply_to,
        list_id=list_id_for(appeal.campaign),
    )
    appeal.mailing = mailing
    appeal.versions = result.frozen()
    appeal.reply_to = reply_to
    appeal.status = Appeal.Status.SENDING
    appeal.launched_at = now
    appeal.note = ""
    appeal.save(
        update_fields=[
            "mailing",
            "versions",
            "reply_to",
            "status",
            "launched_at",
            "note",
        ]
    )
    organisations = [
        c.organisation
        for c in appeal.letter.cosigners.filter(
            status=CoSigner.Status.ACCEPTED
        ).select_related("organisation")
    ]
    record_audit_event(
        action=AuditAction.SEND,
        actor=by,
        organisations=organisations,
        target=appeal,
        data={
            "mailing": mailing.pk,
            "recipients": len(recipients),
            "states": len(targeting.included_states),
            "versions": appeal.versions,
        },
    )
    return mailing


def launch_appeal(
    *, appeal: Appeal, by, expected_versions: dict[str, int] | None = None
) -> Appeal:
    """Send now, if every co-signer signed off the exact versions being sent.

    ``expected_versions`` ({language: version id}) is what the sender was shown;
    if the letter changed since, nothing is sent. One transaction writes the
    mailing and a delivery per contact; the workers are told after it commits.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = Appeal.objects.filter(
            pk=appeal.pk, status__in=[Appeal.Status.DRAFT, Appeal.Status.SCHEDULED]
        ).update(status=Appeal.Status.SENDING)
        if not claimed:
            appeal.refresh_from_db()
            raise AppealError(
                f"This appeal is {appeal.get_current_status_display().lower()}; "
                "it cannot be launched."
            )
        appeal.refresh_from_db()
        _launch(appeal, by=by, now=now, expected=expected_versions)
    return appeal


def schedule_appeal(
    *,
    appeal: Appeal,
    at: datetime.datetime,
    by,
    expected_versions: dict[str, int] | None = None,
) -> Appeal:
    """Launch at ``at``; the approved versions now are the ones that will go out."""
    if at <= timezone.now():
        raise AppealError("Choose a time in the future, or launch now.")
    result = gate(appeal)
    if not result.is_open:
        raise AppealError(" ".join(result.problems))
    if expected_versions is not None and expected_versions != {
        code: v.pk for code, v in result.versions.items()
    }:
        raise AppealError(
            "The letter changed after the page was shown; check the versions again."
        )
    changed = Appeal.objects.filter(
        pk=appeal.pk, status__in=[Appeal.Status.DRAFT, Appeal.Status.SCHEDULED]
    ).update(
        status=Appeal.Status.SCHEDULED,
        scheduled_at=at,
        scheduled_by=by,
        versions=result.frozen(),
        note="",
    )
    if not changed:
        raise AppealError("Only a draft or scheduled appeal can be scheduled.")
    appeal.refresh_from_db()
    return appeal


def launch_due_appeals(*, now: datetime.datetime | None = None) -> int:
    """Run by beat: launch each scheduled appeal whose time has come, once.

    Each is claimed by a compare-and-set on its status in the same transaction
    that writes its deliveries, so of two beats one launches it. If the letter
    changed after scheduling, or the gate is shut, the appeal returns to draft
    with the reason, and whoever scheduled it is told.
    """
    now = now or timezone.now()
    launched = 0
    for pk in (
        Appeal.objects.due(now).order_by("scheduled_at").values_list("pk", flat=True)
    ):
        with transaction.atomic():
            if (
                not Appeal.objects.due(now)
                .filter(pk=pk)
                .update(status=Appeal.Status.SENDING)
            ):
                continue
            appeal = Appeal.objects.select_related(
                "letter__lead", "campaign", "scheduled_by"
            ).get(pk=pk)
            frozen = {code: v["id"] for code, v in appeal.versions.items()}
            try:
                with transaction.atomic():
                    _launch(appeal, by=appeal.scheduled_by, now=now, expected=frozen)
            except AppealError as exc:
                reason = f"Not launched at its scheduled time: {exc}"
                Appeal.objects.filter(pk=pk).update(
                    status=Appeal.Status.DRAFT, note=reason, versions={}
                )
                _tell_scheduler(appeal, reason)
                continue
            launched += 1
    settle_appeals()
    return launched


def settle_appeals() -> int:
    """Mark done the appeals whose mailing has nothing left to send."""
    return Appeal.objects.filter(
        status=Appeal.Status.SENDING, mailing__status=Mailing.Status.DONE
    ).update(status=Appeal.Status.DONE)


def _tell_scheduler(appeal: Appeal, reason: str) -> None:
    log.warning("appeal %s: %s", appeal.pk, reason)
    person = appeal.scheduled_by or appeal.created_by
    if person is None:
        return
    link = f"{settings.SITE_URL}{appeal.get_absolute_url()}"
    outgoing.deliver(
        kind="appeal-refused",
        recipients=[person.email],
        subject=f"Appeal not sent: {' '.join(appeal.name.split())}"[:200],
        text=f"{reason}\n\n{link}",
        key=f"appeal-refused:{appeal.pk}:{appeal.scheduled_at:%Y%m%dT%H%M}",
    )


# Pausing, resuming, cancelling

ACTIONS = ("pause", "resume", "cancel")


def set_appeal_status(*, appeal: Appeal, action: str, by) -> Appeal:
    """Pause, resume or cancel; a launched appeal's mailing follows."""
    if action not in ACTIONS:
        raise AppealError("Unknown action: pause, resume or cancel.")
    S = Appeal.Status
    with transaction.atomic():
        appeal = (
            Appeal.objects.select_for_update(of=("self",))
            .select_related("mailing")
            .get(pk=appeal.pk)
        )
        current = appeal.current_status
        if action == "pause" and current in (S.SCHEDULED, S.SENDING):
            status, mailing_status = S.PAUSED, Mailing.Status.PAUSED
        elif action == "resume" and current == S.PAUSED:
            status = S.SENDING if appeal.mailing_id else S.SCHEDULED
            mailing_status = Mailing.Status.RUNNING
        elif action == "cancel" and current in (
            S.DRAFT,
            S.SCHEDULED,
            S.SENDING,
            S.PAUSED,
        ):
            status, mailing_status = S.CANCELLED, Mailing.Status.CANCELLED
        else:
            raise AppealError(
                f"A {appeal.get_current_status_display().lower()} appeal cannot be "
                f"{'paused' if action == 'pause' else action + 'd'}."
            )
        appeal.status = status
        appeal.save(update_fields=["status"])
        if appeal.mailing_id:
            delivery.set_mailing_status(mailing=appeal.mailing, status=mailing_status)
    return appeal
