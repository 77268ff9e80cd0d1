"""Staff screens for the UN record: importing recorded votes with a preview."""

import secrets
import zlib

from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.policy import requires
from campaign.forms import CSVUploadForm
from campaign.imports import ImportFailed
from campaign.vote_import import import_votes, plan_votes_import

# An upload waits in the cache between preview and confirmation: the cache is
# shared by every web process (Redis in production), unlike a local disk, and
# forgets what is never confirmed.
PENDING_SECONDS = 60 * 60


def _pending_key(token: str) -> str:
    return f"vote-import:{token}"


@requires("record.edit")
def votes_import(request):
    """Upload a vote file and see what importing it would change."""
    form = CSVUploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"]
        try:
            plan = plan_votes_import(data=data)
        except ImportFailed as exc:
            errors = exc.errors
        else:
            token = secrets.token_urlsafe(24)
            name = request.FILES["file"].name
            cache.set(
                _pending_key(token),
                {"user": request.user.pk, "name": name, "data": zlib.compress(data)},
                PENDING_SECONDS,
            )
            return render(
                request,
                "campaign/staff/votes_import_preview.html",
                {"plan": plan, "token": token, "name": name},
            )
    return render(
        request,
        "campaign/staff/votes_import.html",
        {"form": form, "errors": errors},
        status=400 if errors or form.errors else 200,
    )


@require_POST
@requires("record.edit")
def votes_import_confirm(request):
    """Commit a previewed upload, checking it again against the record as it is now."""
    token = request.POST.get("token", "")
    pending = cache.get(_pending_key(token)) if token else None
    if pending is None or pending["user"] != request.user.pk:
        messages.error(request, _("That upload has expired; upload the file again."))
        return redirect("campaign:votes_import")
    cache.delete(_pending_key(token))
    if "cancel" in request.POST:
        messages.info(request, _("Nothing was imported."))
        return redirect("campaign:votes_import")
    try:
        result = import_votes(
            data=zlib.decompress(pending["data"]),
            by=request.user,
            source=pending["name"],
        )
    except ImportFailed as exc:
        return render(
            request,
            "campaign/staff/votes_import.html",
            {"form": CSVUploadForm(), "errors": exc.errors},
            status=400,
        )
    messages.success(
        request,
        _(
            "Imported %(name)s: %(new_ballots)s new ballot(s), %(changed_ballots)s "
            "changed; votes %(new_votes)s new, %(changed_votes)s changed, "
            "%(unchanged_votes)s unchanged."
        )
        % {
            "name": pending["name"],
            "new_ballots": result.new_ballots,
            "changed_ballots": result.changed_ballots,
            "new_votes": result.new_votes,
            "changed_votes": result.changed_votes,
            "unchanged_votes": result.unchanged_votes,
        },
    )
    return redirect("campaign:votes_import")
