"""The staff page that previews a vote file and imports it on confirmation.

Ballots here are test-only; their positions are made up for the tests.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from campaign.models import Ballot, Vote

from .factories import MembershipFactory
from .test_import_votes import FOUR, undl

pytestmark = pytest.mark.django_db

URL = reverse("campaign:votes_import")
CONFIRM = reverse("campaign:votes_import_confirm")


@pytest.fixture
def editor(client):
    member = MembershipFactory(role=Role.DRAFTER)
    client.force_login(member.user)
    return member.user


def upload(client, text, name="votes.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, text.encode())})


def test_preview_shows_each_ballot_and_writes_nothing(client, editor):
    data = undl(
        ("9000901", "A/RES/69/901", FOUR),
        ("9000902", "A/RES/69/902", FOUR, {"totals": (3, 1, 1, 0)}),
    )
    response = upload(client, data)
    assert response.status_code == 200
    assert response.templates[0].name == "campaign/staff/votes_import_preview.html"
    body = response.content.decode()
    assert "A/RES/69/901" in body and "A/RES/69/902" in body
    assert "1 ballot's rows disagree with its totals" in body
    assert "yes 2 counted / 3 given" in body
    assert response.context["plan"].new_votes == 8
    assert not Ballot.objects.filter(undl_id="9000901").exists()


def test_confirming_the_preview_imports_and_names_the_user(client, editor):
    response = upload(client, undl(("9000901", "A/RES/69/901", FOUR)))
    token = response.context["token"]
    response = client.post(CONFIRM, {"token": token, "confirm": ""}, follow=True)
    assert response.status_code == 200
    assert "4 new" in response.content.decode()
    votes = Vote.objects.filter(ballot__undl_id="9000901")
    assert votes.count() == 4
    assert {v.history.get().history_user for v in votes} == {editor}
    again = client.post(CONFIRM, {"token": token, "confirm": ""}, follow=True)
    assert "expired" in again.content.decode()
    assert votes.count() == 4


def test_cancel_imports_nothing(client, editor):
    token = upload(client, undl(("9000901", "A/RES/69/901", FOUR))).context["token"]
    client.post(CONFIRM, {"token": token, "cancel": ""})
    assert not Ballot.objects.filter(undl_id="9000901").exists()
    response = client.post(CONFIRM, {"token": token, "confirm": ""}, follow=True)
    assert "expired" in response.content.decode()


def test_another_user_cannot_confirm_someone_elses_upload(client, editor):
    token = upload(client, undl(("9000901", "A/RES/69/901", FOUR))).context["token"]
    other = MembershipFactory(role=Role.ADMIN)
    client.force_login(other.user)
    response = client.post(CONFIRM, {"token": token, "confirm": ""}, follow=True)
    assert "expired" in response.content.decode()
    assert not Ballot.objects.filter(undl_id="9000901").exists()


def test_bad_rows_are_listed_and_nothing_is_kept(client, editor):
    response = upload(client, undl(("9000901", "A/RES/69/901", {"FRA": "?"})))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Line 2" in body and "unknown vote" in body
    assert "nothing was imported" in body
    assert "token" not in response.context


def test_a_viewer_may_not_import(client):
    member = MembershipFactory(role=Role.VIEWER)
    client.force_login(member.user)
    assert client.get(URL).status_code == 403
    assert client.post(CONFIRM, {"token": "x"}).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
