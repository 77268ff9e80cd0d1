import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from accounts.models import Role

from .factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_home_page_explains_the_site(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "human rights" in body.lower()
    assert "member states" in body


def test_pages_load_bootstrap_from_static_not_a_cdn(client):
    body = client.get("/").content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min.css" in body
    assert "/static/vendor/bootstrap/bootstrap.bundle.min.js" in body
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', body)
    assert external == []


def test_static_bootstrap_is_served(client):
    response = client.get("/static/vendor/bootstrap/bootstrap.min.css")
    assert response.status_code == 200


def test_staff_sign_in_with_email_and_password(client):
    user = UserFactory(email="drafter@example.org")
    MembershipFactory(user=user, role=Role.DRAFTER)
    response = client.post(
        reverse("accounts:login"),
        {"username": "drafter@example.org", "password": "correct horse 42"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("campaign:dashboard_index")
    assert client.get(reverse("campaign:dashboard_index")).status_code == 200


def test_wrong_password_re_renders_the_form_with_an_error(client):
    UserFactory(email="drafter@example.org")
    response = client.post(
        reverse("accounts:login"),
        {"username": "drafter@example.org", "password": "wrong"},
    )
    assert response.status_code == 200
    assert "correct email address and password" in response.content.decode()


def test_sign_out(client):
    member = MembershipFactory(role=Role.DRAFTER)
    client.force_login(member.user)
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("campaign:dashboard_index")).status_code == 302


def test_every_model_is_in_the_django_admin(admin_client):
    ours = [
        m
        for m in apps.get_models()
        if m._meta.app_label in {"campaign", "accounts", "letters"}
        and not m.__name__.startswith("Historical")
        and not m._meta.auto_created
    ]
    missing = [m.__name__ for m in ours if not admin.site.is_registered(m)]
    assert missing == []
    for model in ours:
        url = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        )
        assert admin_client.get(url).status_code == 200, url


def test_public_state_pages(client):
    assert client.get(reverse("campaign:state_list")).status_code == 200
    response = client.get(reverse("campaign:state_detail", args=["prk"]))
    assert response.status_code == 200
    assert "Democratic People&#x27;s Republic of Korea" in response.content.decode()
    assert client.get(reverse("campaign:state_detail", args=["xxx"])).status_code == 404


def test_security_headers(client):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "'unsafe-inline'" not in script_src
    assert "frame-ancestors 'none'" in csp
