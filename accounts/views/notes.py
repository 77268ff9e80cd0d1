"""An organisation's private notes about states and campaigns (its members only)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .. import services
from ..forms import NoteForm
from ..models import Note, Organisation
from ..policy import can, load, requires

by_slug = load(Organisation, slug="slug")
note_by_pk = load(
    Note.objects.select_related("organisation"), organisation__slug="slug", pk="pk"
)


def _save(request, organisation, form, note=None):
    data = form.cleaned_data
    return services.save_note(
        organisation=organisation,
        by=request.user,
        note=note,
        title=data["title"],
        body=data["body"],
        campaign=data["campaign"],
        state=data["state"],
    )


def _page(request, organisation, form=None, status=200):
    notes = Note.objects.of(organisation).select_related("campaign", "state", "author")
    can_edit = can(request.user, "notes.edit", organisation)
    return render(
        request,
        "accounts/note_list.html",
        {
            "organisation": organisation,
            "notes": notes,
            "can_edit": can_edit,
            "form": form or (NoteForm(organisation=organisation) if can_edit else None),
        },
        status=status,
    )


@requires("notes.view", load=by_slug)
def note_list(request, organisation):
    return _page(request, organisation)


@requires("notes.edit", load=by_slug)
@require_POST
def note_create(request, organisation):
    form = NoteForm(request.POST, organisation=organisation)
    if not form.is_valid():
        return _page(request, organisation, form=form, status=400)
    _save(request, organisation, form)
    messages.success(request, "Note saved.")
    return redirect("organisations:notes", slug=organisation.slug)


@requires("notes.edit", load=note_by_pk)
def note_edit(request, note):
    organisation = note.organisation
    form = NoteForm(request.POST or None, instance=note, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        _save(request, organisation, form, note=note)
        messages.success(request, "Note saved.")
        return redirect("organisations:notes", slug=organisation.slug)
    return render(
        request,
        "accounts/note_form.html",
        {"organisation": organisation, "note": note, "form": form},
        status=400 if form.errors else 200,
    )


@requires("notes.edit", load=note_by_pk)
@require_POST
def note_delete(request, note):
    services.delete_note(note=note, by=request.user)
    messages.success(request, "Note deleted.")
    return redirect("organisations:notes", slug=note.organisation.slug)
