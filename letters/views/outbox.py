"""Staff screens for the captured outgoing mail (the Outbox)."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from accounts.policy import requires

from .. import mailbox, services


@requires("mail.read")
def outbox(request):
    return render(
        request,
        "letters/outbox.html",
        {"messages_list": mailbox.captured_messages(), "mail_dir": mailbox.mail_dir()},
    )


@requires("mail.read")
def outbox_message(request, name):
    message = mailbox.captured_message(name)
    if message is None:
        raise Http404("No such message.")
    return render(request, "letters/outbox_message.html", {"message": message})


@requires("mail.read")
@xframe_options_sameorigin
def outbox_message_html(request, name):
    """The HTML part alone, shown in a sandboxed frame with no scripts."""
    message = mailbox.captured_message(name)
    if message is None:
        raise Http404("No such message.")
    response = HttpResponse(message.html(), content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        "frame-ancestors 'self'"
    )
    return response


@requires("mail.read")
@require_POST
def outbox_test(request):
    services.send_test_message(user_id=request.user.pk)
    messages.info(
        request, "A test message was queued; the worker sends it in a moment."
    )
    return redirect("letters:outbox")
