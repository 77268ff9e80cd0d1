"""An appeal's progress bar moves in a real Chromium as the ledger sends."""

import re

import pytest

from accounts.models import Role
from campaign.models import Mission, MissionContact
from letters import appeal_services, delivery, services, tasks, transport
from letters.targeting import Criteria

from ..factories import MembershipFactory
from ..letters.conftest import Coalition, coalition, letter, sign_all  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse 42"


def test_the_progress_bar_follows_the_deliveries_without_a_reload(
    chromium,
    live_server,
    settings,
    monkeypatch,
    coalition: Coalition,  # noqa: F811
    letter,  # noqa: F811
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    transport.close()
    monkeypatch.setattr(tasks.send_delivery, "apply_async", lambda *a, **k: None)
    coalition.lead.email = "replies@lead.example.org"
    coalition.lead.save()
    services.set_version_status(version=letter.latest_version(), status="ready")
    sign_all(letter, coalition)
    for iso3 in ("FRA", "DEU"):
        MissionContact.objects.create(
            mission=Mission.objects.get(state__iso3=iso3, city="new-york"),
            name=f"Delegate of {iso3}",
            email=f"{iso3.lower()}@missions.example.org",
        )
    sender = MembershipFactory(organisation=coalition.lead, role=Role.SENDER).user
    appeal = appeal_services.create_appeal(
        campaign=coalition.campaign,
        letter=letter,
        name="Appeal to WEOG",
        criteria=Criteria(groups=["WEOG"]),
        by=sender,
    )
    appeal_services.launch_appeal(appeal=appeal, by=sender)
    first, second = appeal.mailing.deliveries.order_by("pk")

    page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    problems = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Refused" in m.text else None,
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", sender.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/staff/"))
    page.goto(f"{live_server.url}{appeal.get_absolute_url()}")
    bar = page.locator(f"#appeal-progress-{appeal.pk} progress")
    assert bar.get_attribute("value") == "0" and bar.get_attribute("max") == "2"

    delivery.send_delivery(delivery_id=first.pk)
    page.wait_for_selector(f'#appeal-progress-{appeal.pk} progress[value="1"]')
    delivery.send_delivery(delivery_id=second.pk)
    delivery.sweep_deliveries()
    page.wait_for_selector(f'#appeal-progress-{appeal.pk} progress[value="2"]')
    fragment = page.locator(f"#appeal-progress-{appeal.pk}")
    assert "Done" in fragment.inner_text()
    assert fragment.get_attribute("hx-trigger") is None  # polling stops when done
    assert problems == []  # no script or style the CSP refused
