"""The Content-Security-Policy header: the settings' policy built once, and
exactly the header django-csp would set in every case."""

import csp.utils
import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE, SELF
from csp.exceptions import CSPNonceError
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory

from campaign import headers
from campaign.headers import CSPMiddleware

DIRECTIVES = {"default-src": [SELF], "script-src": [SELF, NONCE]}


def _respond(view=None, path="/"):
    middleware = CSPMiddleware(view or (lambda request: HttpResponse("ok")))
    request = RequestFactory().get(path)
    middleware.process_request(request)
    return request, middleware.process_response(
        request, middleware.get_response(request)
    )


def test_the_settings_policy_is_django_csps_and_built_once(settings, monkeypatch):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": DIRECTIVES}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {
        "DIRECTIVES": {"img-src": [SELF, "data:"]}
    }
    built = []
    real = csp.utils.build_policy

    def counting(*args, **kwargs):
        built.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(headers, "build_policy", counting)
    _, first = _respond()
    _, second = _respond()
    assert first[HEADER] == second[HEADER] == build_policy()
    assert "default-src 'self'" in first[HEADER]
    assert "nonce" not in first[HEADER]
    assert first[HEADER_REPORT_ONLY] == build_policy(report_only=True)
    # Once for each header, not once per response.
    assert len(built) == 2


def test_a_change_of_settings_changes_the_header(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": DIRECTIVES}
    assert "frame-ancestors" not in _respond()[1][HEADER]
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**DIRECTIVES, "frame-ancestors": ["'none'"]}
    }
    assert "frame-ancestors 'none'" in _respond()[1][HEADER]


def test_a_response_that_used_the_nonce_gets_it(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": DIRECTIVES}

    def view(request):
        return HttpResponse(f'<script nonce="{request.csp_nonce}"></script>')

    request, response = _respond(view)
    assert f"'nonce-{request._csp_nonce}'" in response[HEADER]
    assert response[HEADER] != build_policy()


def test_exempt_excluded_and_own_policies_are_django_csps(settings, client):
    settings.CONTENT_SECURITY_POLICY = {
        "EXCLUDE_URL_PREFIXES": ["/excluded/"],
        "DIRECTIVES": DIRECTIVES,
    }

    def exempt(request):
        response = HttpResponse()
        response._csp_exempt = True
        return response

    assert HEADER not in _respond(exempt)[1]
    assert HEADER not in _respond(path="/excluded/page")[1]

    def replaced(request):
        response = HttpResponse()
        response._csp_replace = {"frame-ancestors": ["*"]}
        return response

    response = _respond(replaced)[1]
    assert response[HEADER] == build_policy(replace={"frame-ancestors": ["*"]})
    assert "frame-ancestors *" in response[HEADER]


def test_a_nonce_asked_for_after_the_header_is_an_error(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": DIRECTIVES}
    request, _ = _respond()
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)
