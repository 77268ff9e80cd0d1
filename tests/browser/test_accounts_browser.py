"""In Chromium: an admin invites a drafter, who joins and sees only what is shared."""

import os
from pathlib import Path

import pytest
from django.core import mail
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Note, Role
from campaign.models import MemberState, Participation, Stance
from letters.services import create_letter

from ..factories import CampaignFactory, MembershipFactory, OrganisationFactory
from ..mail_helpers import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))


def test_invited_drafter_sees_partner_shared_letter_not_partner_private_notes(
    chromium, live_server, worker, otp_enforced
):
    own = OrganisationFactory(name="Amnesty International (test)", slug="ai")
    partner = OrganisationFactory(name="Human Rights Watch (test)", slug="hrw")
    admin = MembershipFactory(organisation=own, role=Role.ADMIN).user
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    campaign = CampaignFactory(lead=own, title="DPRK resolution 2014 (test)")
    Participation.objects.create(
        campaign=campaign, organisation=partner, status=Participation.Status.ACCEPTED
    )
    Stance.objects.create(
        campaign=campaign,
        state=MemberState.objects.get(iso3="FRA"),
        position=Stance.Position.LEANING_YES,
        owner_organisation=partner,
        notes="Shared by HRW: Paris will vote yes",
    )
    partner_drafter = MembershipFactory(organisation=partner, role=Role.DRAFTER).user
    letter = create_letter(
        campaign=campaign,
        lead=partner,
        title="HRW-led joint letter (test)",
        subject="Vote yes on the draft",
        body_source="{{ salutation }},\n\nShared text written by HRW.",
        by=partner_drafter,
    )
    secret = Note.objects.create(
        organisation=partner, title="HRW private: our call list", body="Only HRW"
    )

    # The admin signs in with a password and a one-time code, and invites.
    page = chromium.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill("correct horse 42")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/security/otp/**")
    page.get_by_label("Code from your authenticator app").fill(
        f"{TOTP(device.bin_key).token():06d}"
    )
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/staff/")
    page.goto(f"{live_server.url}/staff/organisations/ai/members/")
    page.get_by_label("Email").fill("new-drafter@example.org")
    page.get_by_label("Role").last.select_option("drafter")
    page.get_by_role("button", name="Send the invitation").click()
    assert page.get_by_text("Invitation sent to new-drafter@example.org").is_visible()
    page.screenshot(path=str(SHOTS / "accounts-members.png"), full_page=True)

    # The worker mails the invitation.
    assert wait_for(lambda: len(mail.outbox) == 1), "the invitation was not mailed"
    link = next(
        word for word in mail.outbox[0].body.split() if "/accounts/invitations/" in word
    )
    path = link[link.index("/accounts/") :]

    # The drafter accepts in a browser window of their own, then signs in.
    drafter = chromium.new_context().new_page()
    drafter.goto(live_server.url + path)
    drafter.get_by_label("First name").fill("Nia")
    drafter.get_by_label("Password").first.fill("a long pass 9x")
    drafter.get_by_label("Password again").fill("a long pass 9x")
    drafter.screenshot(path=str(SHOTS / "accounts-invitation.png"), full_page=True)
    drafter.get_by_role("button", name="Accept the invitation").click()
    drafter.wait_for_url("**/accounts/login/**")
    assert drafter.get_by_label("Email").input_value() == "new-drafter@example.org"
    drafter.get_by_label("Password").fill("a long pass 9x")
    drafter.get_by_role("button", name="Sign in").click()
    drafter.wait_for_url("**/staff/")

    # The shared campaign and the partner's shared stance are visible...
    drafter.get_by_role("link", name="DPRK resolution 2014 (test)").click()
    assert drafter.get_by_text("Shared by HRW: Paris will vote yes").is_visible()
    drafter.screenshot(path=str(SHOTS / "accounts-shared-campaign.png"), full_page=True)

    # ...and so is the letter the partner leads in that campaign...
    drafter.goto(f"{live_server.url}/staff/campaigns/{campaign.slug}/letters/")
    drafter.get_by_role("link", name="HRW-led joint letter (test)").click()
    drafter.wait_for_url(f"**{letter.get_absolute_url()}")
    assert drafter.get_by_role(
        "heading", name="HRW-led joint letter (test)"
    ).is_visible()
    drafter.goto(live_server.url + letter.versions.get().get_absolute_url())
    assert drafter.get_by_text("Shared text written by HRW.").first.is_visible()
    drafter.screenshot(path=str(SHOTS / "accounts-shared-letter.png"), full_page=True)

    # ...the partner's private notes are not, not even by their address.
    response = drafter.goto(f"{live_server.url}/staff/organisations/hrw/notes/")
    assert response.status == 404
    response = drafter.goto(
        f"{live_server.url}/staff/organisations/hrw/notes/{secret.pk}/"
    )
    assert response.status == 404
    drafter.goto(f"{live_server.url}/staff/organisations/ai/notes/")
    assert "HRW private" not in drafter.content()
    assert (
        "HRW private"
        not in drafter.goto(
            f"{live_server.url}/staff/campaigns/{campaign.slug}/"
        ).text()
    )
