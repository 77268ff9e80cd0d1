"""The visitors' lane: public pages without the staff machinery.

An anonymous visitor (no session cookie, no messages waiting) reading a
public page (a view marked ``visitor_page``) has no use for the middleware
that serves signed-in staff: sessions, CSRF, authentication and its second
factor, messages, the request's origin for the audit trail, idle sign-out,
the history's user, lockouts (settings.STAFF_MIDDLEWARE). Such a GET takes a
lane of the rest of the middleware below ``VisitorLaneMiddleware``, in the
same order, and answers exactly what the full chain would: the same body and
headers. (IdleSessionMiddleware stays in the lane: without a session cookie
it only adds ``Vary: Cookie``, which the lane's answers need, since a cookie
would take the other lane.) Anything else, and any request a cookie or
method could make different, passes down the full chain.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.urls import Resolver404, get_resolver
from django.utils.module_loading import import_string

from .shell import anonymous_visitor

LANE = "campaign.lanes.VisitorLaneMiddleware"


def visitor_page(view):
    """Marks ``view`` as the same for every anonymous visitor, needing nothing
    of sessions, CSRF, the signed-in user or messages for them."""
    view.visitor_page = True
    return view


class Visitor(AnonymousUser):
    """The user of a request in the visitors' lane, as django-otp would have
    left an anonymous one."""

    otp_device = None

    def is_verified(self) -> bool:
        return False


VISITOR = Visitor()


def lane_middleware() -> list[str]:
    """The middleware below the lane in settings.MIDDLEWARE, in order, without
    settings.STAFF_MIDDLEWARE."""
    below = settings.MIDDLEWARE[settings.MIDDLEWARE.index(LANE) + 1 :]
    staff = set(settings.STAFF_MIDDLEWARE)
    return [path for path in below if path not in staff]


class _LaneHandler(BaseHandler):
    """Django's handler over the lane's middleware (synchronous, as the
    site's WSGI server runs it), with each request resolved already."""

    def __init__(self, paths: list[str]):
        super().__init__()
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(paths):
            middleware = import_string(path)(handler)
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(
                    middleware.process_template_response
                )
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler

    def resolve_request(self, request):
        return request.resolver_match


class VisitorLaneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.lane = _LaneHandler(lane_middleware())._middleware_chain

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and anonymous_visitor(request):
            try:
                match = get_resolver().resolve(request.path_info)
            except Resolver404:
                match = None
            if match is not None and getattr(match.func, "visitor_page", False):
                request.resolver_match = match
                request.user = VISITOR
                return self.lane(request)
        return self.get_response(request)
