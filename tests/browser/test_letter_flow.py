"""A drafter and a partner's signatory work on one letter in a real Chromium."""

import os
import re
from pathlib import Path

import pytest

from campaign.models import Participation

from ..factories import OrganisationFactory
from ..letters.conftest import Coalition, coalition, record  # noqa: F401

PASSWORD = "correct horse 42"
# Set to a folder to keep screenshots of each screen the test passes through.
SCREENSHOTS = os.environ.get("LETTER_SCREENSHOTS")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = """{{ salutation }},

We write about this year's vote.

{% if voted_no_last_year %}
Last year {{ state }} voted no. We ask you to reconsider.
{% endif %}

{% if cosponsor %}
Thank you for cosponsoring the draft.
{% endif %}

Yours sincerely,"""


def shot(page, name):
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def sign_in(browser, live_server, user):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/staff/"))
    return page


def partner_cell(page, partner):
    return page.locator(f'td[data-org="{partner.short_name}"][data-language="en"]')


def test_drafting_signing_reapproval_and_preview(
    chromium,
    live_server,
    coalition: Coalition,  # noqa: F811
    record,  # noqa: F811
):
    extra = OrganisationFactory(name="Observer Org")
    Participation.objects.create(
        campaign=coalition.campaign, organisation=extra, status="accepted"
    )
    partner = coalition.partner

    # The drafter writes the letter and invites the partner.
    drafter = sign_in(chromium, live_server, coalition.drafter)
    drafter.goto(
        f"{live_server.url}/staff/campaigns/{coalition.campaign.slug}/letters/new/"
    )
    drafter.fill("#id_title", "Letter before the vote")
    drafter.select_option("#id_lead", str(coalition.lead.pk))
    drafter.fill("#id_subject", "Please vote yes — {{ state }}")
    drafter.fill("#id_body", BODY)
    shot(drafter, "1-new-letter")
    drafter.click("text=Create the letter")
    drafter.wait_for_selector("text=Letter created")
    letter_url = drafter.url
    drafter.select_option("#id_organisation", str(partner.pk))
    drafter.click("button:has-text('Invite')")
    drafter.wait_for_selector(f"text={partner.name} is invited to co-sign.")

    # The partner's signatory accepts and signs off version 1.
    signatory = sign_in(chromium, live_server, coalition.partner_signatory)
    signatory.goto(letter_url)
    signatory.click("button:has-text('Accept')")
    signatory.wait_for_selector("text=accepted the invitation")
    signatory.click("a:has-text('version 1')")
    signatory.click(f"button:has-text('Sign off this version for {partner.name}')")
    signatory.wait_for_selector("text=approved English version 1")
    signatory.goto(letter_url)
    assert "approved v1" in partner_cell(signatory, partner).inner_text()

    # The drafter edits: the partner's sign-off no longer covers the text.
    drafter.goto(letter_url)
    drafter.click("a:has-text('Edit')")
    body = drafter.locator("#id_body")
    body.fill(body.input_value().replace("this year's vote", "Tuesday's vote"))
    shot(drafter, "2-editor")
    drafter.click("text=Save a new version")
    drafter.wait_for_selector("text=Saved as version 2")
    assert "re-approval needed" in partner_cell(drafter, partner).inner_text()
    assert drafter.locator("#reapproval-alert").is_visible()
    shot(drafter, "3-letter-reapproval")

    # The signatory sees what changed and approves version 2.
    signatory.goto(letter_url)
    assert "re-approval needed" in partner_cell(signatory, partner).inner_text()
    signatory.click("a:has-text('version 2')")
    signatory.click("a:has-text('see what changed')")
    diff = signatory.locator(".diff-table").inner_text()
    assert "Tuesday's" in diff
    shot(signatory, "4-diff")
    signatory.go_back()
    signatory.click(f"button:has-text('Sign off this version for {partner.name}')")
    signatory.wait_for_selector("text=approved English version 2")
    signatory.goto(letter_url)
    cell = partner_cell(signatory, partner).inner_text()
    assert "approved v2" in cell
    assert "re-approval" not in cell

    # Previews as France and as the DPRK differ where the record says so.
    drafter.goto(letter_url)
    drafter.select_option("#id_state", "FRA")
    drafter.click("button:has-text('Preview')")
    france = drafter.locator("#preview").inner_text()
    shot(drafter, "5-preview-france")
    drafter.select_option("#id_state", "PRK")
    drafter.click("button:has-text('Preview')")
    dprk = drafter.locator("#preview").inner_text()
    shot(drafter, "6-preview-dprk")
    assert "Thank you for cosponsoring the draft." in france
    assert "voted no" not in france
    assert "Last year Democratic People's Republic of Korea voted no." in dprk
    assert "Thank you for cosponsoring" not in dprk
    assert "Subject: Please vote yes — France" in france
