"""Staff screens for co-signing: invitations, answers, order, deadline, sign-off."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from accounts.policy import can, requires

from .. import services
from ..forms import DeadlineForm, InviteForm
from ..models import CoSigner
from .drafting import letter_or_404, version_or_404


def _cosigner_or_404(request, pk: int, action: str) -> CoSigner:
    cosigner = get_object_or_404(
        CoSigner.objects.select_related("letter", "organisation"), pk=pk
    )
    letter_or_404(request, cosigner.letter_id)
    if not can(request.user, action, cosigner):
        raise PermissionDenied(f"You may not {action} for {cosigner.organisation}.")
    return cosigner


@requires("letter.manage")
@require_POST
def cosigner_invite(request, pk):
    letter = letter_or_404(request, pk, "letter.manage")
    form = InviteForm(request.POST, letter=letter)
    if not form.is_valid():
        messages.error(request, "Choose an organisation that is not on the letter.")
        return redirect(letter)
    try:
        cosigner = services.invite_cosigner(
            letter=letter,
            organisation=form.cleaned_data["organisation"],
            by=request.user,
        )
    except services.LetterError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{cosigner.organisation} is invited to co-sign.")
    return redirect(letter)


@requires("letter.respond")
@require_POST
def cosigner_respond(request, pk):
    cosigner = _cosigner_or_404(request, pk, "letter.respond")
    accept = request.POST.get("answer") == "accept"
    try:
        services.respond_to_invitation(
            cosigner=cosigner, accept=accept, by=request.user
        )
    except services.LetterError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{cosigner.organisation} {'accepted' if accept else 'declined'} "
            "the invitation.",
        )
    return redirect(cosigner.letter)


@requires("letter.respond")
@require_POST
def cosigner_withdraw(request, pk):
    cosigner = _cosigner_or_404(request, pk, "letter.respond")
    try:
        services.withdraw(cosigner=cosigner, by=request.user)
    except services.LetterError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{cosigner.organisation} withdrew from the letter.")
    return redirect(cosigner.letter)


@requires("letter.manage")
@require_POST
def cosigner_move(request, pk):
    cosigner = get_object_or_404(CoSigner, pk=pk)
    letter_or_404(request, cosigner.letter_id, "letter.manage")
    services.move_cosigner(cosigner=cosigner, up=request.POST.get("direction") == "up")
    return redirect(cosigner.letter)


@requires("letter.manage")
@require_POST
def letter_deadline(request, pk):
    letter = letter_or_404(request, pk, "letter.manage")
    form = DeadlineForm(request.POST)
    if form.is_valid():
        services.set_deadline(
            letter=letter, deadline=form.cleaned_data["sign_off_deadline"]
        )
        messages.success(request, "Sign-off deadline saved.")
    else:
        messages.error(request, "Give the deadline as a date and time.")
    return redirect(letter)


@requires("letter.sign_off")
@require_POST
def sign_off(request, pk):
    version = version_or_404(request, pk)
    cosigner = get_object_or_404(
        CoSigner, letter=version.letter, pk=request.POST.get("cosigner") or 0
    )
    if not can(request.user, "letter.sign_off", cosigner):
        raise PermissionDenied(f"Only a signatory of {cosigner.organisation} may sign.")
    try:
        services.sign_off(
            version=version,
            organisation=cosigner.organisation,
            by=request.user,
            expected_hash=request.POST.get("text_hash", ""),
        )
    except services.LetterError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{cosigner.organisation} approved {version.get_language_display()} "
            f"version {version.number} (text {version.short_hash}).",
        )
    return redirect(version)


@requires("letter.manage")
@require_POST
def letter_publish(request, pk):
    letter = letter_or_404(request, pk, "letter.manage")
    if request.POST.get("publish") == "no":
        services.unpublish(letter=letter)
        messages.success(request, "The letter's public page is withdrawn.")
        return redirect(letter)
    try:
        services.publish(letter=letter)
    except services.LetterError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The letter is published.")
    return redirect(letter)
