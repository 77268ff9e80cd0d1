"""The public page of a published letter."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from .. import services
from ..models import Letter


def letter_page(request, slug):
    letter = get_object_or_404(
        Letter.objects.published().select_related("campaign__series", "lead"),
        slug=slug,
    )
    approval = services.approval_state(letter)
    languages = [
        approval.languages[code] for code in sorted(approval.sendable_languages)
    ]
    if not languages:
        raise Http404("The letter has no approved text.")
    chosen = request.GET.get("language", letter.original_language)
    shown = approval.languages.get(chosen)
    if shown is None or not shown.is_sendable:
        shown = approval.original if approval.original.is_sendable else languages[0]
    return render(
        request,
        "letters/public_letter.html",
        {
            "letter": letter,
            "shown": shown,
            "text": services.render_generic(version=shown.version),
            "languages": languages,
            "signatories": [row.cosigner.organisation for row in shown.organisations],
            "states": letter.recipient_states(),
        },
    )
