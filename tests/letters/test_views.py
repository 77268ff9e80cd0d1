"""Letter screens through the client: permissions, forms, preview, diff, public page."""

import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from letters import services
from letters.models import Comment, LetterVersion, SignOff

from ..factories import MembershipFactory, OrganisationFactory
from .conftest import BODY, sign_all

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"letters:{name}", args=args)


def png_logo(colour="red") -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), colour).save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="logo.png")


def test_people_outside_the_campaign_do_not_see_the_letter(client, letter):
    client.force_login(MembershipFactory().user)
    assert client.get(url("letter_detail", letter.pk)).status_code == 404
    assert client.get(url("letter_preview", letter.pk)).status_code == 404


def test_sign_in_is_required(client, letter):
    response = client.get(url("letter_detail", letter.pk))
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


def test_a_viewer_sees_the_letter_but_cannot_edit_it(client, letter, coalition):
    client.force_login(coalition.viewer)
    assert client.get(url("letter_detail", letter.pk)).status_code == 200
    response = client.post(
        url("letter_edit", letter.pk, "en"),
        {"subject": "S", "body": "B", "status": "draft"},
    )
    assert response.status_code == 403
    assert letter.versions.count() == 1


def test_a_partner_drafter_saves_a_new_version(client, letter, coalition):
    client.force_login(coalition.partner_drafter)
    response = client.post(
        url("letter_edit", letter.pk, "en"),
        {"subject": "New subject", "body": BODY + "\nMore.", "status": "draft"},
    )
    assert response.status_code == 302
    assert letter.latest_version().number == 2
    assert letter.latest_version().author == coalition.partner_drafter


def test_the_editor_refuses_unknown_placeholders_with_a_message(
    client, letter, coalition
):
    client.force_login(coalition.drafter)
    response = client.post(
        url("letter_edit", letter.pk, "en"),
        {
            "subject": "Hi {{ settings }}",
            "body": "{{ request.user }}",
            "status": "draft",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Unknown placeholder {{ settings }}" in page
    assert "Unknown placeholder {{ request.user }}" in page
    assert letter.versions.count() == 1


def test_the_editor_page_documents_the_placeholder_language(client, letter, coalition):
    client.force_login(coalition.drafter)
    page = client.get(url("letter_edit", letter.pk, "en")).content.decode()
    for name in ("{{ state }}", "{{ salutation }}", "voted_no_last_year", "cosponsor"):
        assert name in page


def test_a_signatory_signs_off_through_the_page(client, letter, coalition):
    version = letter.latest_version()
    client.force_login(coalition.partner_signatory)
    page = client.get(url("version_detail", version.pk)).content.decode()
    assert f"Sign off this version for {coalition.partner.name}" in page
    partner = letter.cosigners.get(organisation=coalition.partner)
    response = client.post(
        url("sign_off", version.pk),
        {"cosigner": partner.pk, "text_hash": version.text_hash},
    )
    assert response.status_code == 302
    assert SignOff.objects.get().organisation == coalition.partner


def test_nobody_signs_for_another_organisation(client, letter, coalition):
    version = letter.latest_version()
    client.force_login(coalition.lead_signatory)
    partner = letter.cosigners.get(organisation=coalition.partner)
    response = client.post(
        url("sign_off", version.pk),
        {"cosigner": partner.pk, "text_hash": version.text_hash},
    )
    assert response.status_code == 403
    assert not SignOff.objects.exists()


def test_the_letter_page_shows_reapproval_needed(client, letter, coalition):
    sign_all(letter, coalition)
    services.save_version(
        letter=letter,
        language="en",
        subject="Changed",
        body_source=BODY,
        by=coalition.drafter,
    )
    client.force_login(coalition.viewer)
    page = client.get(url("letter_detail", letter.pk)).content.decode()
    assert "Re-approval needed" in page
    assert page.count("re-approval needed") == 2


def test_the_diff_is_readable_and_escaped(client, letter, coalition):
    first = letter.latest_version()
    second, _ = services.save_version(
        letter=letter,
        language="en",
        subject=first.subject,
        body_source=BODY.replace("about the vote", "about <script>x()</script> vote"),
        by=coalition.drafter,
    )
    client.force_login(coalition.viewer)
    response = client.get(
        url("version_diff", letter.pk), {"from": first.pk, "to": second.pk}
    )
    page = response.content.decode()
    assert "<del>the </del>" in page or "<del>the</del>" in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page
    assert "<script>x()" not in page
    bad = client.get(url("version_diff", letter.pk), {"from": "x", "to": second.pk})
    assert bad.status_code == 404


def test_staff_comment_on_a_version(client, letter, coalition):
    client.force_login(coalition.viewer)
    version = letter.latest_version()
    client.post(url("comment_add", version.pk), {"body": "Looks good."})
    assert Comment.objects.get().author == coalition.viewer
    assert (
        "Looks good." in client.get(url("version_detail", version.pk)).content.decode()
    )


def test_preview_as_france_and_as_the_dprk_differ(client, letter, coalition, record):
    client.force_login(coalition.viewer)
    france = client.get(
        url("letter_preview", letter.pk), {"state": "FRA", "language": "en"}
    ).content.decode()
    dprk = client.get(
        url("letter_preview", letter.pk), {"state": "PRK", "language": "en"}
    ).content.decode()
    assert "Thank you for cosponsoring." in france
    assert "Please reconsider." not in france
    assert "Please reconsider." in dprk
    bad = client.get(url("letter_preview", letter.pk), {"state": "XXX"})
    assert bad.status_code == 400


def test_inviting_answering_and_withdrawing_through_the_pages(
    client, letter, coalition
):
    other = OrganisationFactory(name="Third Org")
    other_signatory = MembershipFactory(organisation=other, role="signatory").user
    client.force_login(coalition.drafter)
    client.post(url("cosigner_invite", letter.pk), {"organisation": other.pk})
    cosigner = letter.cosigners.get(organisation=other)
    assert cosigner.status == "invited"

    client.force_login(coalition.partner_signatory)
    assert (
        client.post(url("cosigner_respond", cosigner.pk), {"answer": "accept"})
    ).status_code == 403

    client.force_login(other_signatory)
    assert client.get(url("letter_detail", letter.pk)).status_code == 200
    client.post(url("cosigner_respond", cosigner.pk), {"answer": "accept"})
    cosigner.refresh_from_db()
    assert cosigner.status == "accepted"
    client.post(url("cosigner_withdraw", cosigner.pk))
    cosigner.refresh_from_db()
    assert cosigner.status == "withdrawn"


def test_the_deadline_is_set_per_letter(client, letter, coalition):
    client.force_login(coalition.drafter)
    client.post(
        url("letter_deadline", letter.pk), {"sign_off_deadline": "2014-11-10T18:00"}
    )
    letter.refresh_from_db()
    assert letter.sign_off_deadline.date().isoformat() == "2014-11-10"
    page = client.get(url("letter_detail", letter.pk)).content.decode()
    assert "10 November 2014" in page
    assert "(passed)" in page


def test_only_the_lead_manages_cosigners(client, letter, coalition):
    client.force_login(coalition.partner_drafter)
    other = OrganisationFactory()
    response = client.post(
        url("cosigner_invite", letter.pk), {"organisation": other.pk}
    )
    assert response.status_code == 403


def test_a_new_letter_from_the_form(client, coalition):
    client.force_login(coalition.drafter)
    response = client.post(
        url("letter_new", coalition.campaign.slug),
        {
            "title": "Fresh",
            "lead": coalition.lead.pk,
            "language": "en",
            "subject": "Vote — {{ state }}",
            "body": "Dear {{ salutation }}",
        },
    )
    assert response.status_code == 302
    version = LetterVersion.objects.get(letter__title="Fresh")
    assert version.number == 1


def test_start_from_through_the_form(client, letter, coalition):
    client.force_login(coalition.drafter)
    response = client.post(
        url("letter_start_from", coalition.campaign.slug),
        {
            "start-title": "Again",
            "start-lead": coalition.lead.pk,
            "start-letter": letter.pk,
        },
    )
    assert response.status_code == 302
    response = client.post(
        url("letter_start_from", coalition.campaign.slug),
        {"start-title": "Nothing", "start-lead": coalition.lead.pk},
    )
    assert response.status_code == 400
    assert "Choose one earlier letter or one template" in response.content.decode()


def test_the_letter_list_keeps_its_queries_flat(
    client, letter, coalition, django_assert_max_num_queries
):
    for i in range(5):
        services.create_letter(
            campaign=coalition.campaign,
            lead=coalition.lead,
            title=f"Letter {i}",
            subject="S",
            body_source="B",
            by=coalition.drafter,
        )
    client.force_login(coalition.viewer)
    with django_assert_max_num_queries(12):
        response = client.get(url("letter_list", coalition.campaign.slug))
    assert response.content.decode().count("Letter ") >= 6


def test_the_public_page_shows_signatories_with_logos_and_no_raw_tags(
    client, letter, coalition, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    coalition.partner.logo.save("logo.png", png_logo())
    page_url = reverse("letters_public:letter", args=[letter.slug])
    assert client.get(page_url).status_code == 404
    version = sign_all(letter, coalition)
    services.set_version_status(version=version, status="ready")
    services.publish(letter=letter)
    page = client.get(page_url).content.decode()
    assert coalition.lead.name in page
    assert coalition.partner.name in page
    assert 'src="data:image/png;base64,' in page
    assert "{{" not in page.split("<main")[1]
    assert "{%" not in page.split("<main")[1]
    assert "[State]" in page
    assert "Sent to" in page
    services.unpublish(letter=letter)
    assert client.get(page_url).status_code == 404
