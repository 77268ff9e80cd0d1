import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import (
    Contact,
    ContactList,
    Membership,
    Note,
    Organisation,
    Role,
    User,
)
from campaign.models import (
    Ballot,
    Campaign,
    Cosponsorship,
    Document,
    MissionContact,
    ResolutionSeries,
    Stance,
    Vote,
)

pytestmark = pytest.mark.django_db

MODELS = [
    User,
    Organisation,
    Membership,
    ResolutionSeries,
    Document,
    Ballot,
    Vote,
    Cosponsorship,
    Campaign,
    Stance,
    MissionContact,
    Note,
    ContactList,
    Contact,
    TOTPDevice,
]


def counts():
    return {m.__name__: m.objects.count() for m in MODELS}


def test_loading_the_demo_twice_duplicates_nothing(capsys):
    call_command("load_demo")
    first = counts()
    call_command("load_demo")
    assert counts() == first
    assert "vote-day-2014" in capsys.readouterr().out


def test_demo_tells_the_2014_story_with_reported_totals_only():
    call_command("load_demo")
    series = ResolutionSeries.objects.get(slug="dprk-human-rights")
    assert not series.is_fictional
    symbols = set(series.documents.values_list("symbol", flat=True))
    assert {"A/C.3/69/L.28/Rev.1", "A/RES/69/188", "A/C.3/69/L.65"} <= symbols
    reported = {
        (str(b.date), b.question): (b.reported_yes, b.reported_no, b.reported_abstain)
        for b in Ballot.objects.filter(document__series=series)
    }
    assert reported == {
        ("2014-11-18", "amendment"): (40, 77, 50),
        ("2014-11-18", "draft"): (111, 19, 55),
        ("2014-12-18", "draft"): (116, 20, 53),
    }
    outcomes = {
        b.question: b.outcome
        for b in Ballot.objects.filter(document__series=series, body="C3")
    }
    assert outcomes == {"amendment": "rejected", "draft": "adopted"}
    # Real states' positions are never invented.
    assert not Vote.objects.filter(ballot__document__series=series).exists()
    amendment = Document.objects.get(symbol="A/C.3/69/L.65")
    assert list(amendment.proposed_by.values_list("iso3", flat=True)) == ["CUB"]


def test_demo_names_the_real_organisations_and_labels_the_demo_ones():
    call_command("load_demo")
    real = set(
        Organisation.objects.filter(is_demo=False).values_list("name", flat=True)
    )
    assert {
        "Amnesty International",
        "Human Rights Watch",
        "Jacob Blaustein Institute for the Advancement of Human Rights",
    } == real
    for org in Organisation.objects.filter(is_demo=True):
        assert "(fictional)" in org.name


def test_demo_has_staff_for_every_role():
    call_command("load_demo")
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Role.values)


def test_fictional_exercise_has_every_member_and_is_labelled(client):
    call_command("load_demo")
    series = ResolutionSeries.objects.get(is_fictional=True)
    assert "fictional" in series.title.lower()
    ballot = (
        Ballot.objects.filter(document__series=series)
        .exclude(outcome="pending")
        .latest("date")
    )
    assert ballot.votes.count() == 193
    page = client.get(ballot.get_absolute_url()).content.decode()
    assert "Fictional exercise" in page


def test_demo_contacts_use_example_org_only():
    call_command("load_demo")
    emails = list(MissionContact.objects.values_list("email", flat=True))
    assert len(emails) == 193
    assert all(e.endswith("@example.org") for e in emails)
    assert all(u.email.endswith("@example.org") for u in User.objects.all())


def test_ballot_page_shows_reported_totals_without_a_record(client):
    call_command("load_demo")
    ballot = Ballot.objects.get(document__symbol="A/C.3/69/L.28/Rev.1")
    page = client.get(ballot.get_absolute_url()).content.decode()
    assert "Officially reported" in page
    assert "<strong>111</strong>" in page and "<strong>55</strong>" in page
    assert "No state-by-state record" in page


def test_demo_admins_pass_the_one_time_password_with_the_published_key(
    client, otp_enforced, capsys
):
    call_command("load_demo")
    assert TOTPDevice.objects.filter(user__email="ai-admin@example.org").count() == 1
    assert not TOTPDevice.objects.filter(user__email="ai-drafter@example.org").exists()
    capsys.readouterr()
    client.post(
        "/accounts/login/",
        {"username": "ai-admin@example.org", "password": "vote-day-2014"},
    )
    assert client.get("/staff/")["Location"].startswith("/accounts/security/otp/")
    call_command("demo_otp_code")
    code = capsys.readouterr().out.split()[0]
    response = client.post("/accounts/security/otp/", {"token": code})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_demo_notes_stay_with_their_organisation():
    call_command("load_demo")
    hrw = Note.objects.get(organisation__short_name="HRW")
    assert "HRW" in hrw.title
    assert Note.objects.filter(organisation__short_name="AI").count() == 1


def test_demo_has_one_draft_appeal_on_the_exercise_to_preview(client):
    from letters.appeal_services import targeting_for
    from letters.models import Appeal

    call_command("load_demo")
    call_command("load_demo")
    appeal = Appeal.objects.get()
    assert appeal.campaign.slug == "exercise-ruritania"
    assert appeal.status == Appeal.Status.DRAFT and appeal.mailing is None
    assert "fictional" in appeal.name
    assert targeting_for(appeal).contacts
    assert Organisation.objects.get(short_name="AI").email.endswith("@example.org")
    client.force_login(User.objects.get(email="ai-sender@example.org"))
    page = client.get(appeal.get_absolute_url()).content.decode()
    assert "Fictional exercise." in page and "Cannot be sent yet." in page
