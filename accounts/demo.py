"""Demo extras: authenticators with a published key, private notes and lists."""

from __future__ import annotations

import base64

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Contact, ContactList, Membership, Note, Organisation, Role

# Every demo admin and signatory has an authenticator with this key. It is
# public: add it to any authenticator app, or run `manage.py demo_otp_code`.
DEMO_OTP_KEY = "VOTEDAYDEMOKEYFORTHEDEMOACCOUNTS"
DEMO_OTP_HEX = base64.b32decode(DEMO_OTP_KEY).hex()


def demo_otp_code() -> str:
    return f"{TOTP(bytes.fromhex(DEMO_OTP_HEX)).token():06d}"


def load_account_demo(organisations: dict[str, Organisation]) -> None:
    """Idempotent: running it twice duplicates nothing."""
    for membership in Membership.objects.filter(
        organisation__in=organisations.values(),
        role__in=[Role.ADMIN, Role.SIGNATORY],
        user__email__endswith="@example.org",
    ).select_related("user"):
        TOTPDevice.objects.get_or_create(
            user=membership.user,
            name="Demo authenticator",
            defaults={"key": DEMO_OTP_HEX, "confirmed": True},
        )
    notes = {
        "AI": (
            "Who still wavers on the ICC paragraphs (demo)",
            "Our own read, not shared with partners: follow up with the missions "
            "that abstained on the amendment.",
        ),
        "HRW": (
            "HRW's private call list for vote day (demo)",
            "Seen by Human Rights Watch staff only.",
        ),
    }
    for short, (title, body) in notes.items():
        Note.objects.get_or_create(
            organisation=organisations[short], title=title, defaults={"body": body}
        )
    press, _ = ContactList.objects.get_or_create(
        organisation=organisations["AI"],
        name="Journalists (demo)",
        defaults={"description": "Reporters who cover the Third Committee."},
    )
    for name, email in [
        ("A. Reporter (demo)", "reporter-a@example.org"),
        ("B. Correspondent (demo)", "correspondent-b@example.org"),
    ]:
        Contact.objects.get_or_create(
            contact_list=press, email=email, defaults={"name": name}
        )
