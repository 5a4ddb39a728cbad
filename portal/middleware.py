"""The Content-Security-Policy allows no inline style or script (settings). Two kinds of page
need inline styles, and only styles — scripts stay ``'self'`` everywhere:

- the Django admin and django-import-export set a few inline style attributes of their own;
- ReDoc, the API reference at ``/api/schema/redoc/``, styles itself with styled-components,
  which inserts ``<style>`` elements at run time (without them it shows “Something went wrong”).

Those pages, and only they, get ``'unsafe-inline'`` for styles."""


class AdminInlineStyles:
    prefixes = ("/admin/", "/api/schema/redoc/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(self.prefixes):
            response._csp_update = {"style-src": ["'unsafe-inline'"]}
        return response
