"""The Content-Security-Policy header, built once per policy in the settings."""

from __future__ import annotations

import http.client
import threading

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# What django-csp's decorators (csp_update, csp_replace ...) leave on a
# response that has a policy of its own.
OWN_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)

# (header, policy, the response attribute exempting it, excluded path
# prefixes) for the enforced policy and the report-only one.
_headers: list[tuple[str, str, str, tuple[str, ...]]] | None = None
_lock = threading.Lock()


def _settings_headers() -> list[tuple[str, str, str, tuple[str, ...]]]:
    global _headers
    headers = _headers
    if headers is None:
        headers = []
        for header, setting, exempt, report_only in (
            (HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt", False),
            (
                HEADER_REPORT_ONLY,
                "CONTENT_SECURITY_POLICY_REPORT_ONLY",
                "_csp_exempt_ro",
                True,
            ),
        ):
            policy = build_policy(report_only=report_only)
            if policy:
                config = getattr(settings, setting, None) or {}
                prefixes = tuple(config.get("EXCLUDE_URL_PREFIXES", None) or ())
                headers.append((header, policy, exempt, prefixes))
        with _lock:
            _headers = headers
    return headers


@receiver(setting_changed)
def _forget_headers(setting, **kwargs) -> None:
    global _headers
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        with _lock:
            _headers = None


class CSPMiddleware(LibraryCSPMiddleware):
    """django-csp's middleware, with the settings' policy built once.

    django-csp builds the header anew for every response (copying the
    settings, then joining each directive), a few percent of the time of a
    public page that is not cached yet. A response that used no
    nonce and has no policy of its own gets the settings' policy, built once
    (and again when the settings change); any other goes through django-csp
    unchanged. The headers are those django-csp would set, under the same
    conditions (exempt responses, excluded prefixes, debug error pages).
    """

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in OWN_POLICY
        ):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in (
            http.client.INTERNAL_SERVER_ERROR,
            http.client.NOT_FOUND,
        ):
            return response
        path = request.path_info
        for header, policy, exempt, prefixes in _settings_headers():
            if (
                header not in response
                and not getattr(response, exempt, False)
                and not path.startswith(prefixes)
            ):
                response[header] = policy
        # As django-csp does: a nonce asked for after this point is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
