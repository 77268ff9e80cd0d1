import datetime
import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import policy, services
from accounts.models import AuditAction, AuditEvent, Invitation, Membership, Note, Role
from campaign.models import Participation

from .factories import (
    BallotFactory,
    CampaignFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse 42"


def sign_in_with_password(client, email, password=PASSWORD, **extra):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, **extra
    )


def actions(organisation):
    return list(AuditEvent.objects.of(organisation).values_list("action", flat=True))


# --- Invitations ---


def test_invitation_is_mailed_and_accepting_creates_the_account(
    client, django_capture_on_commit_callbacks, eager_tasks
):
    admin = MembershipFactory(role=Role.ADMIN)
    org = admin.organisation
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_member(
            organisation=org, email="New@Example.org", role=Role.DRAFTER, by=admin.user
        )
    assert invitation.email == "new@example.org"
    (message,) = mail.outbox
    assert message.to == ["new@example.org"]
    link = re.search(r"http://\S+/accounts/invitations/\S+/", message.body).group(0)
    path = link.removeprefix("http://127.0.0.1:8000")

    page = client.get(path)
    assert page.status_code == 200
    assert "Drafter" in page.content.decode()
    response = client.post(
        path,
        {
            "first_name": "Nia",
            "password1": "a long pass 9x",
            "password2": "a long pass 9x",
        },
    )
    assert response.status_code == 302
    assert Membership.objects.get(user__email="new@example.org").role == Role.DRAFTER
    assert (
        sign_in_with_password(client, "new@example.org", "a long pass 9x").status_code
        == 302
    )
    # Single use: the same link now says it no longer works.
    client.logout()
    assert client.get(path).status_code == 410
    assert AuditAction.MEMBER_INVITED in actions(org)
    assert AuditAction.MEMBER_JOINED in actions(org)


def test_invitation_link_with_a_wrong_token_is_not_found(client):
    invitation = Invitation.objects.create(
        organisation=OrganisationFactory(), email="x@example.org", role=Role.VIEWER
    )
    url = reverse("accounts:invitation", args=[invitation.pk, "0" * 40])
    assert client.get(url).status_code == 404
    good = reverse("accounts:invitation", args=[invitation.pk, invitation.token()])
    assert client.get(good).status_code == 200


def test_expired_invitation_cannot_be_accepted(client):
    invitation = Invitation.objects.create(
        organisation=OrganisationFactory(),
        email="late@example.org",
        role=Role.VIEWER,
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    url = reverse("accounts:invitation", args=[invitation.pk, invitation.token()])
    response = client.post(
        url, {"password1": "a long pass 9x", "password2": "a long pass 9x"}
    )
    assert response.status_code == 410
    assert not Membership.objects.filter(user__email="late@example.org").exists()


def test_reinviting_gives_a_new_link_and_kills_the_old_one():
    admin = MembershipFactory(role=Role.ADMIN)
    first = services.invite_member(
        organisation=admin.organisation,
        email="a@example.org",
        role="viewer",
        by=admin.user,
    )
    old_token = first.token()
    second = services.invite_member(
        organisation=admin.organisation,
        email="a@example.org",
        role="viewer",
        by=admin.user,
    )
    assert second.pk == first.pk
    assert not second.token_matches(old_token)


def test_existing_account_accepts_with_its_password_and_gains_a_second_organisation(
    client,
):
    existing = MembershipFactory(role=Role.DRAFTER).user
    other = OrganisationFactory()
    invitation = Invitation.objects.create(
        organisation=other, email=existing.email, role=Role.SIGNATORY
    )
    url = reverse("accounts:invitation", args=[invitation.pk, invitation.token()])
    assert client.post(url, {"password": "wrong"}).status_code == 400
    assert client.post(url, {"password": PASSWORD}).status_code == 302
    assert policy.membership_roles(existing, other) == {Role.SIGNATORY}


def test_role_change_and_removal_are_logged_and_keep_one_admin():
    admin = MembershipFactory(role=Role.ADMIN)
    org = admin.organisation
    drafter = MembershipFactory(organisation=org, role=Role.DRAFTER)
    services.change_role(membership=drafter, role=Role.SIGNATORY, by=admin.user)
    event = AuditEvent.objects.of(org).get(action=AuditAction.ROLE_CHANGED)
    assert event.data == {"from": "drafter", "to": "signatory"}
    assert event.actor == admin.user
    with pytest.raises(ValidationError, match="at least one admin"):
        services.change_role(membership=admin, role=Role.VIEWER, by=admin.user)
    with pytest.raises(ValidationError, match="at least one admin"):
        services.remove_membership(membership=admin, by=admin.user)
    services.remove_membership(membership=drafter, by=admin.user)
    assert not Membership.objects.filter(pk=drafter.pk).exists()


def test_admin_invites_through_the_members_page(client, sign_in):
    admin = MembershipFactory(role=Role.ADMIN)
    sign_in(client, admin.user)
    url = reverse("organisations:invite", args=[admin.organisation.slug])
    bad = client.post(url, {"email": "not-an-address", "role": "drafter"})
    assert bad.status_code == 400
    assert not Invitation.objects.exists()
    good = client.post(url, {"email": "d@example.org", "role": "drafter"})
    assert good.status_code == 302
    assert Invitation.objects.get().email == "d@example.org"


# --- One-time passwords ---------------------------------------------------------------


def test_admin_without_a_device_is_sent_to_set_one_up(client, otp_enforced):
    admin = MembershipFactory(role=Role.ADMIN).user
    client.force_login(admin)
    response = client.get(reverse("campaign:dashboard_index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_setup"))

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert client.post(response["Location"], {"token": "000000"}).status_code == 400
        traveller.shift(datetime.timedelta(seconds=30))  # past the retry throttle
        code = TOTP(device.bin_key).token()
        done = client.post(response["Location"], {"token": f"{code:06d}"})
    assert done.status_code == 302
    assert done["Location"] == reverse("campaign:dashboard_index")
    assert client.get(reverse("campaign:dashboard_index")).status_code == 200
    assert TOTPDevice.objects.get(user=admin).confirmed


def test_signatory_with_a_device_must_enter_a_code(client, otp_enforced):
    signatory = MembershipFactory(role=Role.SIGNATORY).user
    device = TOTPDevice.objects.create(user=signatory, name="phone", confirmed=True)
    client.force_login(signatory)
    response = client.get(reverse("letters:outbox"))
    assert response["Location"].startswith(reverse("accounts:otp_verify"))
    # A password alone cannot swap in a new authenticator.
    setup = client.get(reverse("accounts:otp_setup"))
    assert setup["Location"].startswith(reverse("accounts:otp_verify"))

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        code = f"{TOTP(device.bin_key).token():06d}"
        wrong = "000000" if code != "000000" else "111111"
        bad = client.post(reverse("accounts:otp_verify"), {"token": wrong})
        assert bad.status_code == 400
        traveller.shift(datetime.timedelta(seconds=30))  # past the retry throttle
        code = f"{TOTP(device.bin_key).token():06d}"
        ok = client.post(
            reverse("accounts:otp_verify"), {"token": code, "next": "/staff/outbox/"}
        )
    assert ok["Location"] == "/staff/outbox/"
    assert client.get(reverse("letters:outbox")).status_code == 200
    org = signatory.memberships.get().organisation
    assert AuditAction.OTP_FAILED in actions(org)
    assert AuditAction.OTP_VERIFIED in actions(org)


def test_drafters_need_no_one_time_password(client, otp_enforced):
    drafter = MembershipFactory(role=Role.DRAFTER).user
    client.force_login(drafter)
    assert client.get(reverse("campaign:dashboard_index")).status_code == 200


def test_otp_can_be_turned_off_only_in_development(settings):
    from tests.test_settings import run_manage

    result = run_manage(
        "check", DEBUG="false", OTP_REQUIRED="false", SECRET_KEY="x" * 60
    )
    assert result.returncode != 0
    assert "OTP_REQUIRED" in result.stderr


# --- Lockout ---


def test_five_failures_lock_the_account_out_with_a_clear_message(client):
    member = MembershipFactory(role=Role.DRAFTER)
    email = member.user.email
    for _ in range(4):
        assert sign_in_with_password(client, email, "wrong").status_code == 200
    locked = sign_in_with_password(client, email, "wrong")
    assert locked.status_code == 429
    assert "Signing in is blocked" in locked.content.decode()
    assert "30 minutes" in locked.content.decode()
    # Even the right password is refused now.
    assert sign_in_with_password(client, email).status_code == 429
    # The same email from another address is not blocked.
    elsewhere = sign_in_with_password(client, email, REMOTE_ADDR="10.1.2.3")
    assert elsewhere.status_code == 302
    logged = actions(member.organisation)
    assert logged.count(AuditAction.SIGN_IN_FAILED) == 4
    assert AuditAction.LOCKED_OUT in logged
    event = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED).first()
    assert event.ip_address == "127.0.0.1"
    assert event.actor_email == email


def test_typing_the_email_in_capitals_does_not_dodge_the_lockout(client):
    email = MembershipFactory(role=Role.DRAFTER).user.email
    for i in range(5):
        sign_in_with_password(client, email.upper() if i % 2 else email, "wrong")
    assert sign_in_with_password(client, email).status_code == 429


def test_lockout_ends_after_thirty_minutes(client):
    email = MembershipFactory(role=Role.DRAFTER).user.email
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(5):
            sign_in_with_password(client, email, "wrong")
        assert sign_in_with_password(client, email).status_code == 429
        traveller.shift(datetime.timedelta(minutes=31))
        assert sign_in_with_password(client, email).status_code == 302


def test_organisation_admin_lifts_a_lockout(client, sign_in):
    admin = MembershipFactory(role=Role.ADMIN)
    victim = MembershipFactory(organisation=admin.organisation, role=Role.SENDER)
    other = Client_()
    for _ in range(5):
        sign_in_with_password(other, victim.user.email, "wrong")
    assert AccessAttempt.objects.filter(username=victim.user.email).exists()

    sign_in(client, admin.user)
    page = client.get(reverse("organisations:members", args=[admin.organisation.slug]))
    assert "locked out" in page.content.decode()
    client.post(
        reverse("organisations:unlock", args=[admin.organisation.slug, victim.pk])
    )
    assert not AccessAttempt.objects.filter(username=victim.user.email).exists()
    assert sign_in_with_password(other, victim.user.email).status_code == 302
    assert AuditAction.UNLOCKED in actions(admin.organisation)


def Client_():
    from django.test import Client

    return Client()


# --- Sessions ---


def test_sign_out_everywhere_ends_every_session(otp_enforced):
    user = MembershipFactory(role=Role.DRAFTER).user
    laptop, phone = Client_(), Client_()
    laptop.force_login(user)
    phone.force_login(user)
    assert phone.get(reverse("campaign:dashboard_index")).status_code == 200
    laptop.post(reverse("accounts:sign_out_everywhere"))
    assert phone.get(reverse("campaign:dashboard_index")).status_code == 302
    assert laptop.get(reverse("campaign:dashboard_index")).status_code == 302
    # Signing in again works.
    assert sign_in_with_password(phone, user.email).status_code == 302
    assert phone.get(reverse("campaign:dashboard_index")).status_code == 200


def test_idle_session_expires(client, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    user = MembershipFactory(role=Role.DRAFTER).user
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(user)
        assert client.get(reverse("campaign:dashboard_index")).status_code == 200
        traveller.shift(datetime.timedelta(minutes=9))
        assert client.get(reverse("campaign:dashboard_index")).status_code == 200
        traveller.shift(datetime.timedelta(minutes=11))
        response = client.get(reverse("campaign:dashboard_index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_visitor_without_a_session_cookie_is_not_looked_up(
    client, monkeypatch, settings
):
    import django.contrib.auth.middleware as auth_middleware

    settings.PUBLIC_PAGE_CACHE = False
    page = BallotFactory().get_absolute_url()
    client.get(page)  # base.html's frame, rendered once, asks who is signed in

    looked_up = []
    real = auth_middleware.auth.get_user
    monkeypatch.setattr(
        auth_middleware.auth,
        "get_user",
        lambda request: looked_up.append(request.path) or real(request),
    )
    response = client.get(page)
    assert response.status_code == 200
    assert looked_up == []
    # The page still says it depends on the cookie: a signed-in visitor's differs.
    assert "Cookie" in response["Vary"]
    user = MembershipFactory(role=Role.DRAFTER).user
    client.force_login(user)
    client.get(page)
    assert looked_up == [page]


def test_password_reset_by_email(
    client, django_capture_on_commit_callbacks, eager_tasks
):
    user = MembershipFactory(role=Role.VIEWER).user
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:password_reset"), {"email": user.email}
        )
        client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    (message,) = mail.outbox
    path = re.search(
        r"http://[^/\s]+(/accounts/password-reset/\S+/)", message.body
    ).group(1)
    form_url = client.get(path)["Location"]  # Django swaps the token out of the URL
    done = client.post(
        form_url, {"new_password1": "brand new 77x", "new_password2": "brand new 77x"}
    )
    assert done["Location"] == reverse("accounts:password_reset_complete")
    assert sign_in_with_password(client, user.email, "brand new 77x").status_code == 302
    assert AuditAction.PASSWORD_RESET_REQUESTED in actions(
        user.memberships.get().organisation
    )


# --- Coalitions and private data ---


def test_campaign_is_shared_only_once_the_invited_organisation_accepts(
    django_capture_on_commit_callbacks, eager_tasks
):
    lead_admin = MembershipFactory(role=Role.ADMIN)
    campaign = CampaignFactory(lead=lead_admin.organisation)
    partner_admin = MembershipFactory(role=Role.ADMIN)
    partner = partner_admin.organisation
    with django_capture_on_commit_callbacks(execute=True):
        participation = services.invite_organisation_to_campaign(
            campaign=campaign, organisation=partner, by=lead_admin.user
        )
    assert mail.outbox[0].to == [partner_admin.user.email]
    assert not policy.participates(partner_admin.user, campaign)
    with pytest.raises(ValidationError):
        services.invite_organisation_to_campaign(
            campaign=campaign, organisation=partner, by=lead_admin.user
        )
    services.respond_to_campaign_invitation(
        participation=participation, accept=True, by=partner_admin.user
    )
    fresh = type(partner_admin.user).objects.get(pk=partner_admin.user.pk)
    assert policy.participates(fresh, campaign)
    assert Participation.objects.get(pk=participation.pk).status == "accepted"
    assert AuditAction.CAMPAIGN_JOINED in actions(lead_admin.organisation)


def test_partner_sees_the_shared_campaign_but_not_the_partners_notes(client, sign_in):
    lead = MembershipFactory(role=Role.DRAFTER)
    partner = MembershipFactory(role=Role.DRAFTER)
    campaign = CampaignFactory(lead=lead.organisation)
    Participation.objects.create(
        campaign=campaign, organisation=partner.organisation, status="accepted"
    )
    note = services.save_note(
        organisation=lead.organisation, by=lead.user, title="Our private read of Cuba"
    )
    sign_in(client, partner.user)
    assert (
        client.get(reverse("campaign:dashboard", args=[campaign.slug])).status_code
        == 200
    )
    notes_url = reverse("organisations:notes", args=[lead.organisation.slug])
    assert client.get(notes_url).status_code == 404
    edit_url = reverse(
        "organisations:note_edit", args=[lead.organisation.slug, note.pk]
    )
    assert client.get(edit_url).status_code == 404
    own = client.get(reverse("organisations:notes", args=[partner.organisation.slug]))
    assert "Our private read of Cuba" not in own.content.decode()


def test_notes_are_saved_and_viewers_only_read(client, sign_in):
    drafter = MembershipFactory(role=Role.DRAFTER)
    org = drafter.organisation
    viewer = MembershipFactory(organisation=org, role=Role.VIEWER)
    sign_in(client, drafter.user)
    url = reverse("organisations:note_create", args=[org.slug])
    assert client.post(url, {"title": ""}).status_code == 400
    assert (
        client.post(url, {"title": "Call Paris", "body": "Monday"}).status_code == 302
    )
    assert Note.objects.get().organisation == org
    sign_in(client, viewer.user)
    page = client.get(reverse("organisations:notes", args=[org.slug])).content.decode()
    assert "Call Paris" in page
    assert "New note" not in page
    assert client.post(url, {"title": "Nope"}).status_code == 403


def test_contact_lists_keep_their_entries_apart(client, sign_in):
    sender = MembershipFactory(role=Role.SENDER)
    org = sender.organisation
    sign_in(client, sender.user)
    client.post(
        reverse("organisations:contact_list_create", args=[org.slug]), {"name": "Press"}
    )
    contact_list = org.contact_lists.get()
    add = reverse("organisations:contact_add", args=[org.slug, contact_list.pk])
    assert (
        client.post(add, {"name": "Ana", "email": "ana@example.org"}).status_code == 302
    )
    again = client.post(add, {"name": "Ana 2", "email": "ANA@example.org"})
    assert again.status_code == 400
    assert contact_list.contacts.count() == 1


# --- The audit log page ---


def test_admin_reads_and_filters_the_log_of_their_organisation(
    client, sign_in, django_assert_max_num_queries
):
    admin = MembershipFactory(role=Role.ADMIN)
    org = admin.organisation
    drafter = MembershipFactory(organisation=org, role=Role.DRAFTER)
    elsewhere = MembershipFactory(role=Role.ADMIN)
    services.record_sign_in(user=drafter.user)
    services.record_sign_in(user=elsewhere.user)
    for i in range(60):
        services.save_note(organisation=org, by=drafter.user, title=f"n{i}")
    sign_in(client, admin.user)
    url = reverse("organisations:audit", args=[org.slug])
    with django_assert_max_num_queries(15):
        page = client.get(url)
    body = page.content.decode()
    assert "Page 1 of 2" in body
    assert elsewhere.user.email not in body

    only_sign_ins = client.get(url, {"action": AuditAction.SIGN_IN}).content.decode()
    assert drafter.user.email in only_sign_ins
    assert "Note saved" not in only_sign_ins.split("<tbody>")[1]
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    future = client.get(url, {"since": tomorrow}).content.decode()
    assert "Nothing recorded matches" in future
    by_person = client.get(url, {"person": admin.user.pk}).content.decode()
    assert drafter.user.email not in by_person.split("<tbody>")[1]


def test_sign_in_is_logged_with_address_and_user_agent(client):
    member = MembershipFactory(role=Role.VIEWER)
    sign_in_with_password(
        client,
        member.user.email,
        HTTP_USER_AGENT="Firefox/140",
        REMOTE_ADDR="192.0.2.7",
    )
    event = AuditEvent.objects.get(action=AuditAction.SIGN_IN)
    assert event.organisation == member.organisation
    assert (event.ip_address, event.user_agent) == ("192.0.2.7", "Firefox/140")


def test_forwarded_address_is_trusted_only_behind_a_configured_proxy(client, settings):
    member = MembershipFactory(role=Role.VIEWER)
    headers = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.4"}
    sign_in_with_password(client, member.user.email, **headers)
    settings.TRUSTED_PROXY_COUNT = 1
    sign_in_with_password(Client_(), member.user.email, **headers)
    addresses = list(
        AuditEvent.objects.filter(action=AuditAction.SIGN_IN)
        .order_by("pk")
        .values_list("ip_address", flat=True)
    )
    assert addresses == ["10.0.0.1", "198.51.100.4"]


def test_user_without_membership_is_refused_staff_pages(client):
    client.force_login(UserFactory())
    assert client.get(reverse("campaign:dashboard_index")).status_code == 403
    assert client.get(reverse("accounts:security")).status_code == 200
