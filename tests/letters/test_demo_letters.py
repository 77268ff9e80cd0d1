"""The demo letters: fictional text, loaded once, with sign-off states to show."""

import pytest
from django.core.management import call_command

from letters import services
from letters.models import Comment, CoSigner, Letter, LetterVersion, SignOff

pytestmark = pytest.mark.django_db


def counts():
    return [
        m.objects.count() for m in (Letter, LetterVersion, CoSigner, SignOff, Comment)
    ]


def test_demo_letters_load_once_and_say_they_are_fictional():
    call_command("load_demo")
    first = counts()
    call_command("load_demo")
    assert counts() == first

    letter = Letter.objects.get(campaign__slug="dprk-2014")
    version = letter.latest_version()
    assert "fictional" in version.subject.lower()
    assert "not the letter the organisations sent in 2014" in version.body_source
    assert {c.organisation.short_name for c in letter.cosigners.all()} == {
        "AI",
        "HRW",
        "JBI",
    }
    states = {
        row.cosigner.organisation.short_name: row.state
        for row in services.approval_state(letter).original.organisations
    }
    assert states == {"AI": "approved", "HRW": "reapproval", "JBI": "pending"}
    assert letter.latest_version("fr") is not None
