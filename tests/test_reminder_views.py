import datetime

import pytest
from django.urls import reverse

from accounts.models import Role
from campaign.models import MemberState, Stance
from letters import schedule
from letters.reminders import Follow, Reminder, ReminderRule

from .factories import (
    BallotFactory,
    CampaignFactory,
    MembershipFactory,
    ReminderRuleFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    return CampaignFactory(slug="dprk-2014")


@pytest.fixture
def drafter(client, campaign):
    user = MembershipFactory(organisation=campaign.lead, role=Role.DRAFTER).user
    client.force_login(user)
    return user


def test_staff_see_upcoming_reminders_in_the_campaigns_time_zone(
    client, campaign, drafter, django_assert_max_num_queries
):
    for n in range(3):
        schedule.save_reminder_rule(
            rule=ReminderRuleFactory(campaign=campaign, name=f"Appeal {n}")
        )
    url = reverse("letters:reminder_list", args=[campaign.slug])
    with django_assert_max_num_queries(40):
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Appeal 2" in body
    # 14:00 UTC is 09:00 in New York on 11 November 2014.
    assert "Tue 11 Nov 2014, 09:00 EST" in body
    assert "7 days before the Third Committee vote" in body
    assert "1 recipient" in body


def test_the_preview_lists_exactly_whom_it_would_reach_now(client, campaign, drafter):
    viewer = MembershipFactory(organisation=campaign.lead, role=Role.VIEWER).user
    outsider = MembershipFactory(role=Role.ADMIN).user
    rule = schedule.save_reminder_rule(rule=ReminderRuleFactory(campaign=campaign))
    body = client.get(
        reverse("letters:reminder_preview", args=[campaign.slug, rule.pk])
    ).content.decode()
    assert drafter.email in body and viewer.email in body
    assert outsider.email not in body


def test_subscribers_addresses_are_never_shown_only_their_number(
    client, campaign, drafter
):
    SubscriptionFactory(series=campaign.series, email="secret-reader@example.net")
    rule = schedule.save_reminder_rule(
        rule=ReminderRuleFactory(
            campaign=campaign, audience=ReminderRule.Audience.SUBSCRIBERS_RESULT
        )
    )
    for url in (
        reverse("letters:reminder_list", args=[campaign.slug]),
        reverse("letters:reminder_preview", args=[campaign.slug, rule.pk]),
    ):
        body = client.get(url).content.decode()
        assert "secret-reader" not in body
        assert "1 subscriber" in body or "1 confirmed subscriber" in body


def test_creating_a_rule_schedules_its_row(client, campaign, drafter):
    ballot = BallotFactory(document__series=campaign.series)
    response = client.post(
        reverse("letters:reminder_new", args=[campaign.slug]),
        {
            "name": "Appeal a week before",
            "anchor": "ballot",
            "ballot": ballot.pk,
            "offset_days": -7,
            "local_time": "09:00",
            "audience": "staff-digest",
            "mission_filter": "persuadable",
            "subject": "A week to go",
            "skip_if_late_hours": "6",
        },
    )
    assert response.status_code == 302
    rule = ReminderRule.objects.get()
    assert rule.skip_if_late_by == datetime.timedelta(hours=6)
    assert rule.created_by == drafter
    assert rule.reminders.get().due_at == datetime.datetime(
        2014, 11, 11, 14, 0, tzinfo=datetime.UTC
    )


def test_a_rule_with_no_anchor_or_missing_letter_re_renders_with_errors(
    client, campaign, drafter
):
    response = client.post(
        reverse("letters:reminder_new", args=[campaign.slug]),
        {
            "name": "Nudge",
            "anchor": "letter-deadline",
            "offset_days": -2,
            "local_time": "09:00",
            "audience": "cosigners-pending",
            "mission_filter": "persuadable",
            "subject": "Please sign",
        },
    )
    assert response.status_code == 400
    assert "Choose the letter" in response.content.decode()
    assert not ReminderRule.objects.exists()


def test_editing_moves_the_pending_row_and_pause_resume_cancel_work(
    client, campaign, drafter
):
    rule = schedule.save_reminder_rule(rule=ReminderRuleFactory(campaign=campaign))
    edit = reverse("letters:reminder_edit", args=[campaign.slug, rule.pk])
    form = client.get(edit)
    assert form.status_code == 200
    client.post(
        edit,
        {
            "name": rule.name,
            "anchor": "ballot",
            "ballot": rule.ballot_id,
            "offset_days": -1,
            "local_time": "10:30",
            "audience": "staff-digest",
            "mission_filter": "persuadable",
            "subject": rule.subject,
        },
    )
    assert rule.reminders.get().due_at == datetime.datetime(
        2014, 11, 17, 15, 30, tzinfo=datetime.UTC
    )
    status = reverse("letters:reminder_status", args=[campaign.slug, rule.pk])
    client.post(status, {"action": "pause"})
    assert ReminderRule.objects.get().status == "paused"
    client.post(status, {"action": "resume"})
    assert ReminderRule.objects.get().status == "active"
    client.post(status, {"action": "cancel"})
    assert Reminder.objects.get().status == "cancelled"
    assert client.post(status, {"action": "explode"}).status_code == 404


def test_viewers_and_other_organisations_cannot_manage_reminders(client, campaign):
    rule = ReminderRuleFactory(campaign=campaign)
    viewer = MembershipFactory(organisation=campaign.lead, role=Role.VIEWER).user
    client.force_login(viewer)
    url = reverse("letters:reminder_list", args=[campaign.slug])
    assert client.get(url).status_code == 403
    stranger = MembershipFactory(role=Role.ADMIN).user
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    status = reverse("letters:reminder_status", args=[campaign.slug, rule.pk])
    assert client.post(status, {"action": "cancel"}).status_code == 404
    assert ReminderRule.objects.get().status == "active"
    client.logout()
    assert client.get(url).status_code == 302


def test_staff_follow_and_unfollow_from_the_alerts_page(client, drafter):
    url = reverse("letters:follows")
    state = MemberState.objects.get(iso3="IDN")
    response = client.post(url, {"state": state.pk, "frequency": "daily"})
    assert response.status_code == 302
    follow = Follow.objects.get(user=drafter)
    assert follow.state == state
    assert "Indonesia" in client.get(url).content.decode()
    bad = client.post(url, {"frequency": "daily"})
    assert bad.status_code == 400
    client.post(reverse("letters:unfollow", args=[follow.pk]))
    assert not Follow.objects.exists()


def test_the_digest_preview_names_owners_of_undecided_states(client, campaign, drafter):
    Stance.objects.create(
        campaign=campaign,
        state=MemberState.objects.get(iso3="IDN"),
        position=Stance.Position.UNDECIDED,
        owner=drafter,
    )
    rule = schedule.save_reminder_rule(rule=ReminderRuleFactory(campaign=campaign))
    text = schedule.render_reminder_text(rule=rule)
    assert "Indonesia: Undecided; owner: " + str(drafter) in text


def test_the_missions_preview_warns_that_no_approved_letter_means_no_appeal(
    client, campaign, drafter
):
    rule = schedule.save_reminder_rule(
        rule=ReminderRuleFactory(
            campaign=campaign, audience=ReminderRule.Audience.MISSIONS_FOLLOW_UP
        )
    )
    body = client.get(
        reverse("letters:reminder_preview", args=[campaign.slug, rule.pk])
    ).content.decode()
    assert "None is approved now" in body
