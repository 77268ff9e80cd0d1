"""PDF copies of letters, for staff and for the public page."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.policy import requires
from campaign.models import MemberState, UNLanguage

from .. import services
from ..models import Letter
from .drafting import letter_or_404


def _pdf_response(request, *, letter, language, state=None):
    if language not in UNLanguage.values:
        raise Http404("Not a UN official language.")
    version = letter.latest_version(language)
    if version is None:
        raise Http404("The letter has no version in that language.")
    try:
        pdf = services.letter_pdf(version=version, state=state)
    except services.PdfUnavailable as exc:
        return render(
            request,
            "letters/pdf_unavailable.html",
            {"letter": letter, "reason": str(exc)},
            status=503,
        )
    name = f"{letter.slug}-{language}{'-' + state.iso3.lower() if state else ''}.pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@requires("letter.view")
def letter_pdf(request, pk):
    letter = letter_or_404(request, pk)
    state = None
    if request.GET.get("state"):
        state = get_object_or_404(MemberState, iso3=request.GET["state"].upper())
    language = request.GET.get("language") or letter.original_language
    return _pdf_response(request, letter=letter, language=language, state=state)


def public_pdf(request, slug):
    letter = get_object_or_404(Letter.objects.published(), slug=slug)
    approval = services.approval_state(letter)
    language = request.GET.get("language") or letter.original_language
    if language not in approval.sendable_languages:
        raise Http404("That language of the letter is not approved.")
    return _pdf_response(request, letter=letter, language=language)
