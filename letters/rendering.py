"""Rendering one delivery to its subject, text and HTML, by a pluggable renderer."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from django.template import Context, Engine, Template
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from .ledger import Delivery


class RenderError(ValueError):
    """A delivery cannot be rendered; it fails with this message, not retried."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str = ""
    # (filename, content, MIME type)
    attachments: tuple[tuple[str, bytes, str], ...] = ()


@lru_cache(maxsize=256)
def _template(source: str) -> Template:
    # Compiled once per process: a mailing's templates are the same for every row.
    return Engine.get_default().from_string(source)


@lru_cache(maxsize=32)
def _renderer(path: str):
    return import_string(path)


def merge_fields(delivery: Delivery) -> dict[str, str]:
    """Plain strings only: the templates staff write never reach model methods."""
    contact = delivery.contact
    state = delivery.state
    language = delivery.language or "en"
    return {
        "language": language,
        "state_name": state.localised_name(language) if state else "",
        "state_iso3": state.iso3 if state else "",
        "contact_name": contact.name if contact else "",
        "contact_title": contact.title if contact else "",
        "to_email": delivery.to_email,
    }


def render_from_templates(delivery: Delivery) -> Rendered:
    """The mailing's own subject, text and HTML templates merged for one recipient."""
    mailing = delivery.mailing
    fields = merge_fields(delivery)
    subject = _template(mailing.subject_template).render(
        Context(fields, autoescape=False)
    )
    text = _template(mailing.text_template).render(Context(fields, autoescape=False))
    html = (
        _template(mailing.html_template).render(Context(fields))
        if mailing.html_template
        else ""
    )
    return Rendered(subject=" ".join(subject.split()), text=text, html=html)


def render_appeal(delivery: Delivery) -> Rendered:
    """The letter version frozen for the delivery's language, merged for its state."""
    from django.template.loader import render_to_string

    from . import services
    from .models import Appeal, LetterVersion

    appeal = (
        Appeal.objects.select_related("letter")
        .filter(mailing=delivery.mailing_id)
        .first()
    )
    if appeal is None or delivery.state is None:
        raise RenderError("an appeal delivery without its appeal or state")
    frozen = appeal.versions.get(delivery.language) or appeal.versions.get(
        appeal.letter.original_language
    )
    version = (
        LetterVersion.objects.select_related("letter__campaign__series", "letter")
        .filter(pk=(frozen or {}).get("id"))
        .first()
    )
    if version is None or version.text_hash != frozen.get("hash"):
        raise RenderError("the approved version of the letter is gone")
    merged = services.render_merged(
        version=version, state=delivery.state, contact=delivery.contact
    )
    context = {
        "merged": merged,
        "signatories": [
            row["organisation"] for row in services.signatories(version=version)
        ],
        "letter": version.letter,
    }
    attachments = ()
    if appeal.attach_pdf:
        try:
            pdf = services.letter_pdf(
                version=version, state=delivery.state, contact=delivery.contact
            )
        except services.PdfUnavailable as exc:
            raise RenderError(str(exc)) from exc
        name = f"{version.letter.slug}-{delivery.state.iso3.lower()}.pdf"
        attachments = ((name, pdf, "application/pdf"),)
    return Rendered(
        subject=merged.subject,
        text=render_to_string("letters/emails/appeal.txt", context),
        html=render_to_string("letters/emails/appeal.html", context),
        attachments=attachments,
    )


def render_delivery(delivery: Delivery) -> Rendered:
    """The text frozen on the row at launch, else the mailing's renderer now."""
    if delivery.subject:
        return Rendered(
            subject=delivery.subject, text=delivery.text_body, html=delivery.html_body
        )
    return _renderer(delivery.mailing.renderer)(delivery)
