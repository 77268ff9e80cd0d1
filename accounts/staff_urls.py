"""Staff URLs of organisations (members, notes, contact lists, audit) and coalitions."""

from django.urls import path

from .views import audit, coalition, contact_lists, members, notes, organisations

app_name = "organisations"

org = "organisations/<slug:slug>/"

urlpatterns = [
    path("organisations/", organisations.organisation_list, name="list"),
    path(org, organisations.organisation_detail, name="detail"),
    path(f"{org}edit/", organisations.organisation_edit, name="edit"),
    path(
        f"{org}campaigns/<slug:campaign>/respond/",
        organisations.respond_to_campaign,
        name="respond",
    ),
    path(f"{org}members/", members.member_list, name="members"),
    path(f"{org}members/invite/", members.invite, name="invite"),
    path(f"{org}members/<int:pk>/role/", members.change_role, name="change_role"),
    path(f"{org}members/<int:pk>/remove/", members.remove_member, name="remove_member"),
    path(f"{org}members/<int:pk>/unlock/", members.unlock, name="unlock"),
    path(
        f"{org}invitations/<int:pk>/revoke/",
        members.revoke_invitation,
        name="revoke_invitation",
    ),
    path(f"{org}notes/", notes.note_list, name="notes"),
    path(f"{org}notes/new/", notes.note_create, name="note_create"),
    path(f"{org}notes/<int:pk>/", notes.note_edit, name="note_edit"),
    path(f"{org}notes/<int:pk>/delete/", notes.note_delete, name="note_delete"),
    path(
        f"{org}contact-lists/", contact_lists.contact_list_index, name="contact_lists"
    ),
    path(
        f"{org}contact-lists/new/",
        contact_lists.contact_list_create,
        name="contact_list_create",
    ),
    path(
        f"{org}contact-lists/<int:pk>/",
        contact_lists.contact_list_detail,
        name="contact_list",
    ),
    path(
        f"{org}contact-lists/<int:pk>/contacts/new/",
        contact_lists.contact_add,
        name="contact_add",
    ),
    path(
        f"{org}contact-lists/<int:pk>/contacts/<int:contact>/remove/",
        contact_lists.contact_remove,
        name="contact_remove",
    ),
    path(f"{org}audit/", audit.audit_log, name="audit"),
    path("campaigns/<slug:slug>/coalition/", coalition.coalition, name="coalition"),
    path(
        "campaigns/<slug:slug>/coalition/invite/",
        coalition.invite_partner,
        name="invite_partner",
    ),
]
