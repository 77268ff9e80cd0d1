"""An appeal to all 193 missions through a real worker, Redis, SMTP and database."""

import time

import pytest

from campaign.models import Mission, MissionContact, UNLanguage
from letters import delivery
from letters.delivery import Recipient
from letters.ledger import Delivery, DeliveryStatus, Mailing

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]

GREETINGS = {
    "ar": "سعادة السفير",
    "zh": "尊敬的大使",
    "en": "Your Excellency",
    "fr": "Excellence",
    "ru": "Ваше Превосходительство",
    "es": "Excelencia",
}
TEXT = (
    "".join(
        f'{{% if language == "{code}" %}}{greeting}{{% endif %}}'
        for code, greeting in GREETINGS.items()
    )
    + ",\n\n{{ state_name }} ({{ state_iso3 }}): "
    + "please vote yes on A/C.3/69/L.28/Rev.1."
)


def test_appeal_reaches_all_193_missions_once_each_in_their_language(
    smtp_server, email_worker
):
    languages = list(UNLanguage.values)
    missions = Mission.objects.filter(
        state__is_observer=False, city=Mission.City.NEW_YORK
    ).select_related("state")
    contacts = MissionContact.objects.bulk_create(
        MissionContact(
            mission=mission,
            name=f"Ambassador of {mission.state.iso3}",
            email=f"{mission.state.iso3.lower()}@missions.example.org",
            preferred_language=languages[i % len(languages)],
        )
        for i, mission in enumerate(missions)
    )
    assert len(contacts) == 193

    mailing = delivery.launch_mailing(
        name="DPRK appeal",
        kind=Mailing.Kind.APPEAL,
        recipients=[
            Recipient.for_contact(c)
            for c in MissionContact.objects.select_related("mission__state")
        ],
        subject_template="{{ state_name }}: vote yes on A/C.3/69/L.28/Rev.1",
        text_template=TEXT,
        reply_to="lead@amnesty.example",
    )

    deadline = time.monotonic() + 120
    while mailing.deliveries.pending().exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not mailing.deliveries.pending().exists(), "the worker did not drain"

    rows = {
        row.message_id: row
        for row in Delivery.objects.filter(mailing=mailing).select_related(
            "state", "contact"
        )
    }
    assert {row.status for row in rows.values()} == {DeliveryStatus.SENT}
    received = [message["Message-ID"] for _, message in smtp_server.messages]
    assert len(received) == 193
    assert len(set(received)) == 193
    assert set(received) == set(rows)
    for rcpt_tos, message in smtp_server.messages:
        row = rows[message["Message-ID"]]
        language = row.contact.preferred_language
        state_name = row.state.localised_name(language)
        assert rcpt_tos == [row.contact.email]
        assert str(message["Subject"]).strip().startswith(state_name + ":")
        assert message["Content-Language"] == language
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert body.startswith(GREETINGS[language] + ",")
        assert f"{state_name} ({row.state.iso3})" in body
        assert message["Reply-To"] == "lead@amnesty.example"
        assert message["List-Id"].startswith("<appeal.")
    assert {c.preferred_language for c in contacts} == set(languages)
