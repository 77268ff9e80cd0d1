"""The signed-in person's own security: one-time passwords, sessions, password."""

import base64

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import user_has_device

from .. import services
from ..forms import OTPTokenForm
from ..policy import otp_required, requires


def _next(request, default: str = "campaign:dashboard_index"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _qr_data_uri(text: str) -> str:
    """The QR code as an SVG data URI: an <img>, so no inline script or style."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    svg = image.to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


@requires("account.self", otp=False)
def security(request):
    return render(
        request,
        "accounts/security.html",
        {
            "has_device": user_has_device(request.user),
            "otp_required": otp_required(request.user),
            "verified": request.user.is_verified(),
        },
    )


@requires("account.self", otp=False)
def otp_setup(request):
    if user_has_device(request.user) and not request.user.is_verified():
        # A password alone must not be enough to replace the authenticator.
        return redirect("accounts:otp_verify")
    device = services.start_otp_setup(user=request.user)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_otp_device(device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            messages.success(request, "Your authenticator app is set up.")
            return redirect(_next(request))
        form.add_error("token", "That code is wrong or has expired; try the next one.")
    key = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr": _qr_data_uri(device.config_url),
            "key": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
            "next": _next(request, ""),
        },
        status=400 if form.errors else 200,
    )


@requires("account.self", otp=False)
def otp_verify(request):
    if not user_has_device(request.user):
        return redirect("accounts:otp_setup")
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.verify_otp(
            user=request.user, token=form.cleaned_data["token"]
        )
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("token", "That code is wrong or has expired; try the next one.")
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": form, "next": _next(request, "")},
        status=400 if form.errors else 200,
    )


@requires("account.self", otp=False)
def sign_out_everywhere(request):
    if request.method != "POST":
        return redirect("accounts:security")
    services.sign_out_everywhere(user=request.user)
    logout(request)
    messages.success(request, "You have been signed out on every device.")
    return redirect("accounts:login")
