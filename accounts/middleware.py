"""Request middleware: remember each request's origin; end sessions left idle."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.cache import patch_vary_headers

from .origin import origin_of, reset_current_origin, set_current_origin

LAST_SEEN_KEY = "accounts.last_seen"
# Writing the session on every request would cost a database write each time.
TOUCH_EVERY = 60


class RequestOriginMiddleware:
    """Lets services record the address and user agent without passing the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_current_origin(origin_of(request))
        try:
            return self.get_response(request)
        finally:
            reset_current_origin(token)


class IdleSessionMiddleware:
    """Signs out a session not used for SESSION_IDLE_TIMEOUT seconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # Nobody is signed in without a session cookie: no need to look
            # the user up (which costs a public page more than its headers).
            # The answer still depends on the cookie, as when looked up.
            response = self.get_response(request)
            patch_vary_headers(response, ("Cookie",))
            return response
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if (
                last_seen is not None
                and now - last_seen > settings.SESSION_IDLE_TIMEOUT
            ):
                logout(request)
                messages.info(
                    request, "You were signed out after a period of inactivity."
                )
                return self.get_response(request)
            if last_seen is None or now - last_seen >= TOUCH_EVERY:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)
