import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import Role
from campaign.exports import safe_cell, write_contacts
from campaign.imports import ImportFailed
from campaign.models import MissionContact
from campaign.services import import_mission_contacts

from .factories import MembershipFactory, MissionContactFactory

pytestmark = pytest.mark.django_db

GOOD = """state,city,name,title,email,language,head
France,New York,Jeanne Demo,Permanent Representative,jeanne@example.org,fr,yes
KOR,,Min-jun Demo,Counsellor,minjun@example.org,en,no
Bolivia (Plurinational State of),Geneva,Ana Demo,First Secretary,ana@example.org,es,
"""


def test_import_creates_contacts_matched_by_un_name_or_code():
    report = import_mission_contacts(data=GOOD)
    assert report.created == 3
    ana = MissionContact.objects.get(email="ana@example.org")
    assert ana.mission.state.iso3 == "BOL"
    assert ana.mission.city == "geneva"
    jeanne = MissionContact.objects.get(email="jeanne@example.org")
    assert (jeanne.is_head, jeanne.preferred_language) == (True, "fr")


def test_importing_the_same_file_twice_changes_nothing():
    import_mission_contacts(data=GOOD)
    report = import_mission_contacts(data=GOOD)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert MissionContact.objects.count() == 3


def test_a_bad_row_imports_nothing_and_every_bad_row_is_reported():
    data = GOOD + (
        "Korea,,Someone,,someone@example.org,en,no\n"
        "Narnia,,Someone,,else@example.org,en,no\n"
        "France,Paris,X,,not-an-email,xx,maybe\n"
    )
    with pytest.raises(ImportFailed) as caught:
        import_mission_contacts(data=data)
    lines = sorted({e.line for e in caught.value.errors})
    assert lines == [5, 6, 7]
    messages = " ".join(str(e) for e in caught.value.errors)
    assert "Republic of Korea" in messages and "Democratic People" in messages
    assert "Narnia" in messages
    assert "Paris" in messages and "not-an-email" in messages and "'xx'" in messages
    assert MissionContact.objects.count() == 0


def test_missing_columns_are_reported():
    with pytest.raises(ImportFailed, match="missing column"):
        import_mission_contacts(data="state,name\nFrance,X\n")


def test_duplicate_rows_in_one_file_are_reported_with_the_first_line():
    data = GOOD + "France,New York,Again,,jeanne@example.org,fr,no\n"
    with pytest.raises(ImportFailed, match="same contact as line 2"):
        import_mission_contacts(data=data)


def test_export_writes_what_import_reads():
    import_mission_contacts(data=GOOD)
    out = io.StringIO()
    write_contacts(out, MissionContact.objects.order_by("pk"))
    MissionContact.objects.all().delete()
    report = import_mission_contacts(data=out.getvalue())
    assert report.created == 3


def test_export_neutralises_spreadsheet_formulas():
    MissionContactFactory(name='=HYPERLINK("http://evil")', title="@SUM(A1)")
    out = io.StringIO()
    write_contacts(out, MissionContact.objects.all())
    assert "'=HYPERLINK" in out.getvalue()
    assert "'@SUM" in out.getvalue()
    assert safe_cell("+1") == "'+1"
    assert safe_cell("-1") == "'-1"
    assert safe_cell("Fine") == "Fine"


def test_management_commands_import_and_export(tmp_path, capsys):
    path = tmp_path / "contacts.csv"
    path.write_text(GOOD)
    call_command("import_contacts", str(path))
    assert MissionContact.objects.count() == 3
    out = tmp_path / "out.csv"
    call_command("export_contacts", "--output", str(out))
    assert "jeanne@example.org" in out.read_text()


def test_management_command_reports_bad_lines_and_fails(tmp_path, capsys):
    path = tmp_path / "contacts.csv"
    path.write_text(GOOD + "Narnia,,X,,x@example.org,en,no\n")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_contacts", str(path))
    assert "contacts.csv:5: unknown state 'Narnia'" in capsys.readouterr().err
    assert MissionContact.objects.count() == 0


def test_upload_page_imports_for_a_sender(client):
    member = MembershipFactory(role=Role.SENDER)
    client.force_login(member.user)
    upload = SimpleUploadedFile("c.csv", GOOD.encode(), content_type="text/csv")
    response = client.post(reverse("campaign:contacts_import"), {"file": upload})
    assert response.status_code == 302
    assert MissionContact.objects.count() == 3


def test_upload_page_shows_every_bad_line_and_imports_nothing(client):
    member = MembershipFactory(role=Role.ADMIN)
    client.force_login(member.user)
    data = GOOD + "Narnia,,X,,x@example.org,en,no\nKorea,,Y,,y@example.org,en,no\n"
    upload = SimpleUploadedFile("c.csv", data.encode(), content_type="text/csv")
    response = client.post(reverse("campaign:contacts_import"), {"file": upload})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Line 5" in body and "Line 6" in body
    assert MissionContact.objects.count() == 0


def test_upload_page_rejects_a_file_that_is_not_utf8(client):
    member = MembershipFactory(role=Role.ADMIN)
    client.force_login(member.user)
    upload = SimpleUploadedFile("c.csv", "état,é\n".encode("latin-1"))
    response = client.post(reverse("campaign:contacts_import"), {"file": upload})
    assert response.status_code == 200
    assert "not UTF-8" in response.content.decode()


def test_contacts_pages_need_sign_in_and_a_role(client):
    response = client.get(reverse("campaign:contacts_export"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    client.force_login(MembershipFactory(role=Role.VIEWER).user)
    assert client.get(reverse("campaign:contacts_export")).status_code == 403


def test_export_download_is_csv(client):
    MissionContactFactory(email="someone@example.org")
    client.force_login(MembershipFactory(role=Role.ADMIN).user)
    response = client.get(reverse("campaign:contacts_export"))
    assert response["Content-Type"].startswith("text/csv")
    assert b"someone@example.org" in response.content
