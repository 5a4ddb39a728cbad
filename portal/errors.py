"""The error pages (Django's ``handler400`` … ``handler500``, ``CSRF_FAILURE_VIEW`` and a limit's
429): in Chinese, in the residents' site's style, each with a way back — the home page, and the
login for staff paths. Under ``/api/`` the answer stays JSON (``{"detail": …}``), as DRF's own
errors are, so an app never has to read an HTML page.

The 500 page is rendered without a request context and reads nothing from the database: it must
show when the database is what failed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.urls import reverse
from django.utils.http import urlencode
from django_ratelimit.exceptions import Ratelimited

API_PREFIX = "/api/"
STAFF_PREFIXES = ("/admin/", "/workspace/")
CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Error:
    status: int
    title: str
    text: str


BAD_REQUEST = Error(400, "请求无法处理", "这个请求的格式不对，可能是链接不完整或已过期。请返回首页重新打开。")
FORBIDDEN = Error(403, "没有权限查看", "这个页面只对有相应权限的人开放。")
NOT_FOUND = Error(404, "页面不存在", "没有找到这个页面，可能链接有误，或内容已经下线。")
SERVER_ERROR = Error(500, "服务器出错了", "系统暂时出了问题，我们会尽快处理，请稍后再试。")
TOO_MANY = Error(429, "操作太频繁", "一段时间内的操作次数太多，请稍后再试；急事请直接致电服务中心。")
CSRF = Error(403, "页面已过期", "提交的表单已过期或来源不明，没有被处理。请返回上一页，刷新后再提交一次。")


def _reason(exception) -> str:
    """The refusal's own words when the code that raised it wrote them for people (in Chinese, as
    ``PermissionDenied("工作台只对社区书记和街道工作人员开放。")``); a library's English internals never."""
    text = str(exception or "").strip()
    return text if CJK.search(text) else ""


def _answer(request, error: Error, *, reason: str = "", use_request: bool = True) -> HttpResponse:
    path = getattr(request, "path", "") or ""
    if path.startswith(API_PREFIX):
        # As DRF writes its JSON: the Chinese as it is, not \u escapes.
        body = {"detail": reason or error.title}
        return JsonResponse(body, status=error.status, json_dumps_params={"ensure_ascii": False})
    context = {
        "error": error,
        "reason": reason,
        "home_url": reverse("site:home"),
        "login_url": (
            reverse("admin:login") + "?" + urlencode({"next": path}) if path.startswith(STAFF_PREFIXES) else ""
        ),
    }
    template = loader.get_template("portal/error.html")
    # The 500 page renders without the request: no context processor, nothing that may query.
    body = template.render(context, request if use_request else None)
    return HttpResponse(body, status=error.status)


def bad_request(request, exception=None):
    return _answer(request, BAD_REQUEST)


def permission_denied(request, exception=None):
    if isinstance(exception, Ratelimited):  # django-ratelimit's block (a PermissionDenied)
        return ratelimited(request, exception)
    return _answer(request, FORBIDDEN, reason=_reason(exception))


def page_not_found(request, exception=None):
    return _answer(request, NOT_FOUND)


def server_error(request):
    return _answer(request, SERVER_ERROR, use_request=False)


def ratelimited(request, exception=None):
    return _answer(request, TOO_MANY, reason=_reason(exception))


def csrf_failure(request, reason=""):
    # Django's reason ("CSRF cookie not set.") is for developers; the page says what to do.
    return _answer(request, CSRF)
