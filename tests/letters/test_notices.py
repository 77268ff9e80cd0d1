"""The re-approval notice goes through a real Celery worker on the configured broker."""

import pytest
from django.core import mail

from letters import services

from ..mail_helpers import wait_for
from .conftest import BODY, sign_all

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]


def test_editing_a_signed_letter_mails_its_signatories_through_the_worker(
    worker, letter, coalition
):
    sign_all(letter, coalition)
    services.save_version(
        letter=letter,
        language="en",
        subject="Please vote yes — {{ state }}",
        body_source=BODY + "\nA new closing line.",
        by=coalition.drafter,
    )
    assert wait_for(lambda: len(mail.outbox) == 2)
    recipients = {address for message in mail.outbox for address in message.to}
    assert recipients == {
        coalition.lead_signatory.email,
        coalition.partner_signatory.email,
    }
    assert all("+ A new closing line." in m.body for m in mail.outbox)
