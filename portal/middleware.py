"""The Content-Security-Policy allows no inline style or script (settings). Two kinds of page
need inline styles, and only styles — scripts stay ``'self'`` everywhere:

- the Django admin and django-import-export set a few inline style attributes of their own;
- ReDoc, the API reference at ``/api/schema/redoc/``, styles itself with styled-components,
  which inserts ``<style>`` elements at run time (without them it shows “Something went wrong”).

Those pages, and only they, get ``'unsafe-inline'`` for styles."""

from django.shortcuts import redirect

from organizations.models import PasswordChangeDue
from organizations.signals import MUST_CHANGE_SESSION_KEY


class AdminInlineStyles:
    prefixes = ("/admin/", "/api/schema/redoc/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(self.prefixes):
            response._csp_update = {"style-src": ["'unsafe-inline'"]}
        return response


class ForcePasswordChange:
    """A login given a one-time password (an imported secretary account) is sent to the password
    change page until it has changed it. The login notes this in the session (organizations'
    signals), so other requests cost no query; a flagged session checks the database again."""

    allowed = ("/admin/password_change/", "/admin/logout/", "/static/", "/favicon.ico")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(MUST_CHANGE_SESSION_KEY) and not request.path.startswith(self.allowed):
            user = request.user
            if user.is_authenticated and PasswordChangeDue.objects.filter(user=user).exists():
                return redirect("admin:password_change")
            del session[MUST_CHANGE_SESSION_KEY]
        return self.get_response(request)
