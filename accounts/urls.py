"""Sign-in, password reset, invitations and the signed-in person's security."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.policy import requires

from .views import invitations, security, sign_in

app_name = "accounts"

urlpatterns = [
    path("login/", sign_in.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", sign_in.password_reset, name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        sign_in.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("invitations/<int:pk>/<str:token>/", invitations.accept, name="invitation"),
    path("security/", security.security, name="security"),
    path(
        "security/password/",
        requires("account.self")(sign_in.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path("security/otp/setup/", security.otp_setup, name="otp_setup"),
    path("security/otp/", security.otp_verify, name="otp_verify"),
    path(
        "security/sign-out-everywhere/",
        security.sign_out_everywhere,
        name="sign_out_everywhere",
    ),
]
