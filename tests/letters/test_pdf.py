"""PDF copies: signatories' names and logos and the date, or a clear 503."""

import datetime
import io
import sys

import pytest
from django.urls import reverse

from letters import services

from .conftest import sign_all
from .test_views import png_logo

pytestmark = pytest.mark.django_db


@pytest.fixture
def weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        pytest.skip(f"WeasyPrint cannot load here: {exc}")
    return weasyprint


def pdf_text(data: bytes) -> tuple[str, int]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    images = sum(len(page.images) for page in reader.pages)
    return "\n".join(page.extract_text() for page in reader.pages), images


def test_the_letter_pdf_has_signatories_logos_and_date(
    weasyprint, letter, coalition, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    coalition.partner.logo.save("logo.png", png_logo())
    sign_all(letter, coalition)
    data = services.letter_pdf(
        version=letter.latest_version(), date=datetime.date(2014, 11, 12)
    )
    assert data.startswith(b"%PDF")
    text, images = pdf_text(data)
    assert coalition.lead.name in text
    assert "Partner Watch" in text
    assert "Pat Partner" in text
    assert "12 November 2014" in text
    assert images >= 1
    assert "{{" not in text and "{%" not in text


def test_a_merged_copy_is_addressed_to_its_state_in_its_language(
    weasyprint, letter, coalition, record
):
    version, _ = services.save_version(
        letter=letter,
        language="fr",
        subject="Vote — {{ state }}",
        body_source="{{ salutation }},\n\n{% if cosponsor %}Merci.{% endif %}",
        by=coalition.drafter,
    )
    data = services.letter_pdf(
        version=version, state=record["france"], date=datetime.date(2014, 11, 12)
    )
    text, _ = pdf_text(data)
    assert "Excellence" in text
    assert "Merci." in text
    assert "12 novembre 2014" in text


def test_the_pdf_view_answers_a_pdf(weasyprint, client, letter, coalition):
    client.force_login(coalition.viewer)
    response = client.get(
        reverse("letters:letter_pdf", args=[letter.pk]), {"state": "FRA"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    missing = client.get(
        reverse("letters:letter_pdf", args=[letter.pk]), {"language": "zh"}
    )
    assert missing.status_code == 404


def test_without_the_pdf_library_the_page_says_so_with_a_503(
    client, letter, coalition, monkeypatch
):
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    client.force_login(coalition.viewer)
    response = client.get(reverse("letters:letter_pdf", args=[letter.pk]))
    assert response.status_code == 503
    assert "The PDF cannot be made right now" in response.content.decode()


def test_the_public_pdf_is_only_for_approved_published_letters(
    weasyprint, client, letter, coalition
):
    public_pdf = reverse("letters_public:letter_pdf", args=[letter.slug])
    assert client.get(public_pdf).status_code == 404
    version = sign_all(letter, coalition)
    services.set_version_status(version=version, status="ready")
    services.publish(letter=letter)
    assert client.get(public_pdf)["Content-Type"] == "application/pdf"
    assert client.get(public_pdf, {"language": "fr"}).status_code == 404


def _fonts_for(language: str) -> list[str]:
    import subprocess

    try:
        out = subprocess.run(
            ["fc-list", f":lang={language}", "family"],
            capture_output=True,
            text=True,
            timeout=20,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line for line in out.splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        ("zh", "请投赞成票", "我们呼吁贵国代表团投赞成票。"),
        ("ar", "يرجى التصويت بنعم", "ندعو وفدكم إلى التصويت بنعم."),
    ],
)
def test_chinese_and_arabic_pdfs_carry_their_own_script(
    weasyprint, letter, coalition, language, subject, body
):
    if not _fonts_for(language):
        pytest.skip(
            f"no font for '{language}' on this machine "
            "(apt-get install fonts-wqy-microhei fonts-dejavu-core)"
        )
    version, _ = services.save_version(
        letter=letter,
        language=language,
        subject=subject,
        body_source=body,
        by=coalition.drafter,
    )
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(services.letter_pdf(version=version)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    # Each glyph is drawn from a font that has it: the words come back out whole.
    assert body.rstrip("。.")[:6] in text.replace("\n", "")
    assert fonts
