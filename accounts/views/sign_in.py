"""Signing in and out, and resetting a forgotten password (public pages)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from .. import services
from ..forms import PasswordResetRequestForm, SignInForm
from ..origin import attempted_email


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_initial(self):
        return {"username": self.request.GET.get("email", "")}


def password_reset(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_password_reset(email=form.cleaned_data["email"])
        return redirect("accounts:password_reset_done")
    return render(request, "registration/password_reset_form.html", {"form": form})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.record_password_changed(user=form.user, reset=True)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("accounts:security")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.record_password_changed(user=form.user)
        messages.success(
            self.request, "Password changed; your other sessions have ended."
        )
        return response


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer: the sign-in page, saying why and for how long."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {
            "form": SignInForm(
                request, initial={"username": attempted_email(request, credentials)}
            ),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "minutes": minutes,
        },
        status=429,
    )
