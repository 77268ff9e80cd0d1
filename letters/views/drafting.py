"""Staff screens for drafting letters: list, new, edit, versions, diff, comments."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Organisation, Role
from accounts.policy import can, requires
from campaign.models import Campaign, MemberState, UNLanguage

from .. import markup, merge, services
from ..forms import (
    CommentForm,
    DeadlineForm,
    InviteForm,
    NewLetterForm,
    PreviewForm,
    StartFromForm,
    TemplateForm,
    VersionForm,
)
from ..models import CoSigner, Letter, LetterTemplate, LetterVersion


def letter_or_404(request, pk: int, action: str = "letter.view") -> Letter:
    letter = get_object_or_404(
        Letter.objects.select_related("campaign__series", "lead"), pk=pk
    )
    if not can(request.user, "letter.view", letter):
        raise Http404("No such letter.")
    if action != "letter.view" and not can(request.user, action, letter):
        raise PermissionDenied(f"You may not {action} this letter.")
    return letter


def version_or_404(request, pk: int, action: str = "letter.view") -> LetterVersion:
    version = get_object_or_404(LetterVersion.objects.select_related("letter"), pk=pk)
    letter_or_404(request, version.letter_id, action)
    return version


def _leads_for(user, campaign: Campaign):
    """Organisations the user may start a letter for in this campaign."""
    leads = Organisation.objects.filter(
        participations__campaign=campaign, participations__status="accepted"
    )
    if user.is_superuser:
        return leads
    return leads.filter(
        memberships__user=user,
        memberships__is_active=True,
        memberships__role__in=[Role.ADMIN, Role.DRAFTER],
    ).distinct()


def _campaign_or_404(request, slug: str) -> Campaign:
    campaign = get_object_or_404(Campaign.objects.select_related("series"), slug=slug)
    if not (
        request.user.is_superuser
        or campaign.participations.filter(
            status="accepted",
            organisation__memberships__user=request.user,
            organisation__memberships__is_active=True,
        ).exists()
    ):
        raise Http404("No such campaign.")
    return campaign


@requires("letter.view")
def letter_list(request, slug):
    campaign = _campaign_or_404(request, slug)
    letters = (
        Letter.objects.visible_to(request.user)
        .filter(campaign=campaign)
        .select_related("lead")
        .prefetch_related(
            Prefetch(
                "cosigners",
                queryset=CoSigner.objects.select_related("organisation"),
            )
        )
    )
    return render(
        request,
        "letters/letter_list.html",
        {
            "campaign": campaign,
            "letters": letters,
            "can_create": can(request.user, "letter.create", campaign),
        },
    )


@requires("letter.create")
def letter_new(request, slug):
    campaign = _campaign_or_404(request, slug)
    if not can(request.user, "letter.create", campaign):
        raise PermissionDenied("You may not start a letter in this campaign.")
    leads = _leads_for(request.user, campaign)
    form = NewLetterForm(request.POST or None, leads=leads)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            letter = services.create_letter(
                campaign=campaign,
                lead=data["lead"],
                title=data["title"],
                subject=data["subject"],
                body_source=data["body"],
                language=data["language"],
                sign_off_deadline=data["sign_off_deadline"],
                by=request.user,
            )
        except services.LetterError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Letter created: version 1 saved.")
            return redirect(letter)
    return render(
        request,
        "letters/letter_new.html",
        {
            "campaign": campaign,
            "form": form,
            "start_form": _start_form(request, campaign, leads, data=None),
            "merge_help": _merge_help(),
        },
        status=400 if form.errors else 200,
    )


def _start_form(request, campaign, leads, data):
    letters = (
        Letter.objects.visible_to(request.user)
        .filter(campaign__series=campaign.series)
        .select_related("campaign")
        .order_by("-campaign__session", "-created_at")
    )
    organisations = request.user.memberships.active().values("organisation")
    templates = LetterTemplate.objects.all()
    if not request.user.is_superuser:
        templates = templates.filter(organisation__in=organisations)
    return StartFromForm(
        data, leads=leads, letters=letters, templates=templates, prefix="start"
    )


@requires("letter.create")
@require_POST
def letter_start_from(request, slug):
    campaign = _campaign_or_404(request, slug)
    if not can(request.user, "letter.create", campaign):
        raise PermissionDenied("You may not start a letter in this campaign.")
    leads = _leads_for(request.user, campaign)
    start_form = _start_form(request, campaign, leads, data=request.POST)
    if start_form.is_valid():
        data = start_form.cleaned_data
        try:
            letter = services.start_from(
                campaign=campaign,
                lead=data["lead"],
                title=data["title"],
                letter=data["letter"],
                template=data["template"],
                by=request.user,
            )
        except (services.LetterError, merge.MergeError) as exc:
            start_form.add_error(None, str(exc))
        else:
            messages.success(request, "Letter started from the earlier text.")
            return redirect(letter)
    return render(
        request,
        "letters/letter_new.html",
        {
            "campaign": campaign,
            "form": NewLetterForm(leads=leads),
            "start_form": start_form,
            "merge_help": _merge_help(),
        },
        status=400,
    )


def _merge_help():
    return {
        "fields": [(f"{{{{ {name} }}}}", what) for name, what in merge.FIELDS.items()],
        "conditions": [
            (name, f"{{% if {name} %}}\n\n{{% endif %}}", what)
            for name, what in merge.CONDITIONS.items()
        ],
    }


@requires("letter.view")
def letter_detail(request, pk):
    letter = letter_or_404(request, pk)
    approval = services.approval_state(letter)
    user = request.user
    cosigners = list(letter.cosigners.select_related("organisation"))
    for cosigner in cosigners:
        cosigner.can_respond = can(user, "letter.respond", cosigner)
        cosigner.can_sign = can(user, "letter.sign_off", cosigner)
    can_manage = can(user, "letter.manage", letter)
    return render(
        request,
        "letters/letter_detail.html",
        {
            "letter": letter,
            "approval": approval,
            "cosigners": cosigners,
            "can_edit": can(user, "letter.edit", letter),
            "can_manage": can_manage,
            "invite_form": InviteForm(letter=letter) if can_manage else None,
            "deadline_form": DeadlineForm(
                initial={"sign_off_deadline": letter.sign_off_deadline}
            ),
            "deadline_passed": letter.sign_off_deadline is not None
            and letter.sign_off_deadline < timezone.now(),
            "missing_languages": [
                (code, label)
                for code, label in UNLanguage.choices
                if code not in approval.languages
            ],
            "preview_form": PreviewForm(
                initial={"language": letter.original_language, "state": "FRA"}
            ),
            "template_form": TemplateForm(initial={"name": letter.title}),
        },
    )


@requires("letter.edit")
def letter_edit(request, pk, language):
    letter = letter_or_404(request, pk, "letter.edit")
    if language not in UNLanguage.values:
        raise Http404("Not a UN official language.")
    latest = letter.latest_version(language)
    source = latest or letter.latest_version()
    initial = {
        "subject": source.subject,
        "body": source.body_source,
        "status": latest.status if latest else LetterVersion.Status.DRAFT,
    }
    form = VersionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version, created = services.save_version(
                letter=letter,
                language=language,
                subject=data["subject"],
                body_source=data["body"],
                status=data["status"],
                by=request.user,
            )
        except services.LetterError as exc:
            form.add_error(None, str(exc))
        else:
            if created:
                messages.success(request, f"Saved as version {version.number}.")
            else:
                messages.info(
                    request, f"No change to the text: still version {version.number}."
                )
            return redirect(letter)
    return render(
        request,
        "letters/letter_edit.html",
        {
            "letter": letter,
            "language": language,
            "language_name": UNLanguage(language).label,
            "latest": latest,
            "translating_from": None if latest else source,
            "form": form,
            "merge_help": _merge_help(),
        },
        status=400 if form.errors else 200,
    )


@requires("letter.view")
def version_detail(request, pk):
    version = version_or_404(request, pk)
    letter = version.letter
    approval = services.approval_state(letter).languages.get(version.language)
    is_latest = approval is not None and approval.version.pk == version.pk
    signable = []
    if is_latest:
        signable = [
            row
            for row in approval.organisations
            if row.state != "approved"
            and can(request.user, "letter.sign_off", row.cosigner)
        ]
    versions = letter.versions.filter(language=version.language).order_by("-number")
    return render(
        request,
        "letters/version_detail.html",
        {
            "letter": letter,
            "version": version,
            "approval": approval,
            "is_latest": is_latest,
            "signable": signable,
            "versions": versions,
            "sign_offs": version.sign_offs.select_related("organisation", "signatory"),
            "comments": version.comments.select_related("author"),
            "comment_form": CommentForm(),
        },
    )


@requires("letter.view")
def version_diff(request, pk):
    letter = letter_or_404(request, pk)
    versions = letter.versions.all()
    try:
        old = versions.get(pk=int(request.GET.get("from", "")))
        new = versions.get(pk=int(request.GET.get("to", "")))
    except (ValueError, LetterVersion.DoesNotExist):
        raise Http404("Choose two versions of this letter.") from None
    rows = markup.diff(old.subject, old.body_source, new.subject, new.body_source)
    return render(
        request,
        "letters/version_diff.html",
        {
            "letter": letter,
            "old": old,
            "new": new,
            "rows": rows,
            "changed": any(r.kind != "same" for r in rows),
            "versions": versions.order_by("language", "-number"),
        },
    )


@requires("letter.comment")
@require_POST
def comment_add(request, pk):
    version = version_or_404(request, pk, "letter.comment")
    form = CommentForm(request.POST)
    if form.is_valid():
        services.add_comment(
            version=version, body=form.cleaned_data["body"], by=request.user
        )
        messages.success(request, "Comment added.")
    else:
        messages.error(request, "A comment needs some text (5,000 characters at most).")
    return redirect(version)


@requires("letter.edit")
@require_POST
def version_status(request, pk):
    version = version_or_404(request, pk, "letter.edit")
    status = request.POST.get("status", "")
    try:
        services.set_version_status(version=version, status=status)
    except services.LetterError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{version.get_language_display()} version {version.number} is now "
            f"{version.get_status_display().lower()}.",
        )
    return redirect(version.letter)


@requires("letter.view")
def letter_preview(request, pk):
    letter = letter_or_404(request, pk)
    form = PreviewForm(
        request.GET or None,
        initial={"language": letter.original_language},
    )
    merged = version = None
    if form.is_valid():
        state = form.cleaned_data["state"]
        # Staff preview the text being drafted, even before it can be sent;
        # a language without a version falls back to the original.
        version = (
            letter.latest_version(form.cleaned_data["language"])
            or letter.latest_version()
        )
        merged = services.render_merged(version=version, state=state)
    return render(
        request,
        "letters/letter_preview.html",
        {
            "letter": letter,
            "form": form,
            "merged": merged,
            "version": version,
            "states": MemberState.objects.only("iso3", "name"),
        },
        status=400 if form.errors else 200,
    )


@requires("letter.edit")
@require_POST
def template_save(request, pk):
    version = version_or_404(request, pk, "letter.edit")
    form = TemplateForm(request.POST)
    if form.is_valid():
        template = services.save_as_template(
            version=version, name=form.cleaned_data["name"], by=request.user
        )
        messages.success(request, f"Saved as the template “{template.name}”.")
    else:
        messages.error(request, "A template needs a name.")
    return redirect(version.letter)
