"""The vote-entry grid and the stance quick edit in a real Chromium."""

import pytest
from django.urls import reverse

from accounts.models import Role
from campaign.models import Stance, Vote

from ..factories import BallotFactory, CampaignFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(chromium, live_server):
    """A page of the shared Chromium that fails the test on any script error."""
    page = chromium.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "favicon" not in m.location.get("url", "")
            else None
        ),
    )
    yield page
    page.close()
    assert errors == []


def sign_in(page, live_server, user):
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", "correct horse 42")
    page.click("main button[type=submit]")


def test_typing_moves_down_the_grid_and_the_tally_follows(page, live_server):
    clerk = MembershipFactory(role=Role.DRAFTER).user
    ballot = BallotFactory()
    sign_in(page, live_server, clerk)
    page.goto(live_server.url + reverse("campaign:vote_entry", args=[ballot.pk]))
    page.click("#id_pos-AFG")
    page.keyboard.type("yna")  # Afghanistan, Albania, Algeria in turn
    assert page.input_value("#id_pos-ALB") == "N"
    assert page.text_content("#tally-Y") == "1"
    assert page.text_content("#tally-N") == "1"
    assert page.text_content("#tally-A") == "1"
    assert "3 unsaved changes" in page.text_content("#tally-changed")
    page.keyboard.press("ArrowUp")
    page.keyboard.type("x")  # overwrite Algeria
    assert page.input_value("#id_pos-DZA") == "X"
    assert page.text_content("#tally-X") == "1"
    assert page.text_content("#tally-A") == "0"
    # Filter by group, then Enter in the filter jumps to the first row shown.
    page.select_option("#grid-group", "WEOG")
    page.fill("#grid-filter", "fra")
    assert page.text_content("#grid-shown") == "1"
    page.press("#grid-filter", "Enter")
    page.keyboard.type("y")
    assert page.text_content("#tally-Y") == "2"
    page.click("aside button[value=save], .entry-aside button[value=save]")
    page.wait_for_selector(".alert-success")
    saved = dict(Vote.objects.for_ballot(ballot).values_list("state__iso3", "position"))
    assert saved == {"AFG": "Y", "ALB": "N", "DZA": "X", "FRA": "Y"}


def test_stance_quick_edit_swaps_the_row_in_place(page, live_server):
    campaign = CampaignFactory()
    drafter = MembershipFactory(organisation=campaign.lead, role=Role.DRAFTER).user
    sign_in(page, live_server, drafter)
    page.goto(
        live_server.url
        + reverse("campaign:dashboard", args=[campaign.slug])
        + "?q=brazil"
    )
    page.click("#stance-BRA a:has-text('Edit')")
    page.select_option("#stance-BRA select[name=position]", "leaning-yes")
    page.fill("#stance-BRA input[name=notes]", "Asked for the ICC text")
    page.click("#stance-BRA button:has-text('Save')")
    page.wait_for_selector("#stance-BRA :text('Saved')")
    assert "Leaning yes" in page.text_content("#stance-BRA")
    assert page.url.endswith("?q=brazil")  # no reload
    stance = Stance.objects.get(campaign=campaign, state__iso3="BRA")
    assert (stance.position, stance.notes) == ("leaning-yes", "Asked for the ICC text")
