"""The Content-Security-Policy allows no inline style or script (settings). The Django admin and
django-import-export set a few inline style attributes of their own, so admin pages, and only
they, get ``'unsafe-inline'`` for styles."""


class AdminInlineStyles:
    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = "/admin/"

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(self.admin_prefix):
            response._csp_update = {"style-src": ["'unsafe-inline'"]}
        return response
