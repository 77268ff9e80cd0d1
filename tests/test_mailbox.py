import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from accounts.models import Role
from letters import mailbox, services

from .factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def eml_backend(settings, tmp_path):
    settings.EMAIL_BACKEND = "letters.mailbox.EmlFileBackend"
    settings.MAIL_DIR = tmp_path / "mail"
    return tmp_path / "mail"


def test_captured_mail_is_written_one_file_per_message(eml_backend):
    message = EmailMultiAlternatives("Hello", "Plain text", to=["a@example.org"])
    message.attach_alternative("<p>Rich</p>", "text/html")
    assert message.send() == 1
    EmailMultiAlternatives("Second", "Body", to=["b@example.org"]).send()
    captured = mailbox.captured_messages()
    assert {m.subject for m in captured} == {"Hello", "Second"}
    hello = next(m for m in captured if m.subject == "Hello")
    assert hello.text().strip() == "Plain text"
    assert hello.html().strip() == "<p>Rich</p>"
    assert len(list(eml_backend.glob("*.eml"))) == 2


def test_outbox_lists_and_renders_captured_mail(
    client, eml_backend, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.send_test_message(user_id=MembershipFactory(role=Role.VIEWER).user_id)
    member = MembershipFactory(role=Role.VIEWER)
    client.force_login(member.user)
    listing = client.get(reverse("letters:outbox")).content.decode()
    assert "Test message from the campaign site" in listing
    name = mailbox.captured_messages()[0].name
    detail = client.get(reverse("letters:outbox_message", args=[name]))
    assert "sent by a Celery worker" in detail.content.decode()
    html = client.get(reverse("letters:outbox_message_html", args=[name]))
    assert html["Content-Security-Policy"].startswith("sandbox")


def test_outbox_rejects_path_tricks(client, eml_backend):
    client.force_login(MembershipFactory(role=Role.VIEWER).user)
    for name in ["..%2F..%2Fsettings.py", "nothing.eml"]:
        url = reverse("letters:outbox_message", args=["x"]).replace("x/", name + "/")
        assert client.get(url).status_code == 404


def test_outbox_needs_sign_in(client):
    assert client.get(reverse("letters:outbox")).status_code == 302


def test_test_message_is_queued_after_commit(
    client, django_capture_on_commit_callbacks
):
    member = MembershipFactory(role=Role.VIEWER)
    client.force_login(member.user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("letters:outbox_test"))
    assert response.status_code == 302
    assert len(callbacks) == 1
    assert mail.outbox == []
