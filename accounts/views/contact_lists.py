"""An organisation's private contact lists (its members only)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import services
from ..forms import ContactForm, ContactListForm
from ..models import ContactList, Organisation
from ..policy import can, load, requires

by_slug = load(Organisation, slug="slug")
list_by_pk = load(
    ContactList.objects.select_related("organisation"),
    organisation__slug="slug",
    pk="pk",
)


def _index(request, organisation, form=None, status=200):
    can_manage = can(request.user, "contact_lists.manage", organisation)
    return render(
        request,
        "accounts/contact_list_index.html",
        {
            "organisation": organisation,
            "contact_lists": organisation.contact_lists.all(),
            "can_manage": can_manage,
            "form": form or (ContactListForm() if can_manage else None),
        },
        status=status,
    )


def _detail(request, contact_list, form=None, status=200):
    can_manage = can(request.user, "contact_lists.manage", contact_list)
    return render(
        request,
        "accounts/contact_list_detail.html",
        {
            "organisation": contact_list.organisation,
            "contact_list": contact_list,
            "contacts": contact_list.contacts.all(),
            "can_manage": can_manage,
            "form": form or (ContactForm() if can_manage else None),
        },
        status=status,
    )


@requires("contact_lists.view", load=by_slug)
def contact_list_index(request, organisation):
    return _index(request, organisation)


@requires("contact_lists.manage", load=by_slug)
@require_POST
def contact_list_create(request, organisation):
    form = ContactListForm(request.POST)
    if form.is_valid():
        try:
            contact_list = services.create_contact_list(
                organisation=organisation, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            return redirect(
                "organisations:contact_list", slug=organisation.slug, pk=contact_list.pk
            )
    return _index(request, organisation, form=form, status=400)


@requires("contact_lists.view", load=list_by_pk)
def contact_list_detail(request, contact_list):
    return _detail(request, contact_list)


@requires("contact_lists.manage", load=list_by_pk)
@require_POST
def contact_add(request, contact_list):
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            services.add_contact(
                contact_list=contact_list, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error("email", exc)
        else:
            messages.success(request, "Contact added.")
            return redirect(
                "organisations:contact_list",
                slug=contact_list.organisation.slug,
                pk=contact_list.pk,
            )
    return _detail(request, contact_list, form=form, status=400)


@requires("contact_lists.manage", load=list_by_pk)
@require_POST
def contact_remove(request, contact_list, contact: int):
    found = get_object_or_404(contact_list.contacts, pk=contact)
    services.remove_contact(contact=found, by=request.user)
    messages.success(request, f"{found.name} removed.")
    return redirect(
        "organisations:contact_list",
        slug=contact_list.organisation.slug,
        pk=contact_list.pk,
    )
