"""The public pages in a real Chromium: axe-core, the keyboard, vote-day updates."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from campaign import services
from campaign.models import Ballot, MemberState, ResolutionSeries, Vote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server):
    call_command("load_demo", verbosity=0)
    exercise = ResolutionSeries.objects.get(slug="exercise-ruritania")
    # The latest draft with recorded positions (the plenary one is still ahead).
    draft = (
        Ballot.objects.filter(
            document__series=exercise, question="draft", votes__isnull=False
        )
        .distinct()
        .order_by("-date")
        .first()
    )
    return {
        "exercise": exercise,
        "draft": draft,
        "amendment": Ballot.objects.get(
            document__series=exercise, question="amendment"
        ),
        "dprk": Ballot.objects.filter(document__series__slug="dprk-human-rights")
        .order_by("pk")
        .first(),
    }


def violations(page) -> str:
    results = Axe().run(page)
    if results.violations_count == 0:
        return ""
    return results.generate_report() + "\n".join(
        f"{v['id']}: {n['target']} {n['failureSummary']}"
        for v in results.response["violations"]
        for n in v["nodes"]
    )


def test_public_pages_have_no_axe_violations(chromium, live_server, demo):
    page = chromium.new_page()
    urls = [
        "/",
        demo["draft"].get_absolute_url(),
        demo["amendment"].get_absolute_url(),
        demo["dprk"].get_absolute_url(),
        demo["exercise"].get_absolute_url(),
        "/series/dprk-human-rights/",
        "/states/",
        "/states/fra/",
        f"/ballots/{demo['draft'].pk}/embed/",
    ]
    for url in urls:
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(live_server.url + url)
            assert violations(page) == "", f"{url} at {width}px"
    page.close()


def test_arabic_pages_are_right_to_left_and_pass_axe(chromium, live_server, demo):
    context = chromium.new_context(extra_http_headers={"Accept-Language": "ar"})
    page = context.new_page()
    page.goto(live_server.url + demo["draft"].get_absolute_url())
    assert page.get_attribute("html", "dir") == "rtl"
    assert violations(page) == ""
    context.close()


def test_ballot_page_works_with_the_keyboard_alone(chromium, live_server, demo):
    page = chromium.new_page()
    page.goto(live_server.url + demo["draft"].get_absolute_url())
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    for _ in range(600):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_group":
            break
    else:
        pytest.fail("The regional group filter cannot be reached with Tab")
    page.keyboard.press("ArrowDown")  # the first group
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the Show button
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"group=AFR"))
    rows = page.locator(".states-table tbody tr")
    african = MemberState.objects.filter(
        votes__ballot=demo["draft"], regional_group="AFR"
    ).count()
    assert rows.count() == african
    page.close()


def test_vote_day_tally_updates_within_five_seconds_without_reload(
    chromium, live_server, demo
):
    ballot = demo["draft"]
    page = chromium.new_page()
    page.goto(live_server.url + ballot.get_absolute_url())
    before = Vote.objects.for_ballot(ballot).tally()
    totals = page.locator("#ballot-summary .outcome-totals")
    assert totals.inner_text().startswith(f"{before.yes} yes")
    page.evaluate("window.notReloaded = true")
    # What staff entry does, through the same service.
    changed = Vote.objects.for_ballot(ballot).exclude(position="Y")[:3]
    services.record_votes(
        ballot=ballot, positions={v.state.iso3: "Y" for v in changed}, by=None
    )
    after = Vote.objects.for_ballot(ballot).tally()
    page.wait_for_function(
        "text => document.querySelector('#ballot-summary .outcome-totals')"
        ".innerText.startsWith(text)",
        arg=f"{after.yes} yes",
        timeout=5000,
    )
    assert page.evaluate("window.notReloaded") is True
    page.close()
