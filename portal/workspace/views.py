"""The secretaries' phone workspace. Thin like the admin: every read goes through the one scope
(``scoped_for``) and the apps' selectors, every write through the same service as the admin, so
history, roll-ups, reminders and caches follow. A record outside the user's scope is a 404,
whether it is read or written."""

from __future__ import annotations

import functools
import json

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from core.refusals import refusal_text
from indicators import selectors as indicators_selectors
from indicators import services as rating_services
from indicators.models import RectificationCase
from organizations.models import Community, ServiceCenter
from organizations.scope import NOTHING, can, communities_for, scope_of
from projects import selectors as projects_selectors
from projects import services as project_services
from projects.closing import closed_refusal
from projects.lagging import today_in_beijing
from projects.models import SecretaryProject, WorkItem
from volunteers import selectors as volunteers_selectors
from volunteers import services as volunteer_services
from volunteers.models import Activity, ServiceOrder, ServiceRecord, VolunteerTeam

from .forms import (
    ActivityForm,
    ExceptionFormSet,
    IntervalFormSet,
    OrderAnswerForm,
    OrderDeclineForm,
    ProgressForm,
    RecordsForm,
    VisitForm,
)

DRAFT_OF_ANOTHER_LOGIN = "这份草稿是另一个账号在这台手机上填写的，不能以你的名义提交。"
# Hour records shown for confirmation at once, oldest first.
RECORDS_PER_PAGE = 200


def staff_only(view):
    """Signed-in staff with a scope (a secretary, street staff, an instructor); never cached."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not request.user.is_staff or scope_of(request.user) == NOTHING:
            raise PermissionDenied("工作台只对社区书记和街道工作人员开放。")
        return view(request, *args, **kwargs)

    return never_cache(wrapped)


# What each write of the workspace needs besides the scope: the permission the admin asks for.
# A view-only account (an auditor) reads the workspace and is refused every write (403).
PROGRESS = ("projects.add_progressupdate", "你只能查看进展，没有填报的权限。")
HOURS = ("volunteers.change_servicerecord", volunteer_services.HOURS_REFUSAL)
ORDERS = ("volunteers.change_serviceorder", volunteer_services.ORDERS_REFUSAL)
CENTER_HOURS = ("organizations.change_servicecenter", "你只能查看服务中心，没有修改开放时间的权限。")
NEW_ACTIVITY = ("volunteers.add_activity", "你没有发布志愿服务活动的权限。")
VISIT = ("indicators.add_followupvisit", "你只能查看整顿案例，没有记录走访的权限。")


def _refused(request, rule: tuple[str, str]):
    """None when the user may do it; otherwise the 403 page that says why. The record itself
    was looked up through ``scoped_for`` already (out of scope: a 404 before this)."""
    permission, message = rule
    if can(request.user, permission):
        return None
    return _refusal(request, message)


def _refusal(request, message: str, **page):
    """The 403 that says why: a page (``page``: its ``title`` and a ``hint`` of what to do
    instead) or, to the phone's draft sender, the JSON it reads."""
    if _wants_json(request):
        return JsonResponse({"errors": {"__all__": [{"message": message, "code": "permission_denied"}]}}, status=403)
    return render(request, "portal/workspace/refused.html", {"message": message, **page}, status=403)


def _attach(form, error: ValidationError | PermissionDenied) -> None:
    """A service's refusal onto the form: under its field when the form has that field."""
    by_field = isinstance(error, ValidationError) and hasattr(error, "error_dict")
    if by_field and set(error.error_dict) <= set(form.fields):
        form.add_error(None, error)
    else:
        form.add_error(None, refusal_text(error))


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# --- Home ---------------------------------------------------------------------------------------


@staff_only
def home(request):
    user, today = request.user, today_in_beijing()
    context = {
        "projects": projects_selectors.workspace_projects(user=user, today=today),
        "items": projects_selectors.workspace_items(user=user, today=today),
        "pending_records": volunteers_selectors.pending_records(user=user).count(),
        "orders": list(volunteers_selectors.open_orders(user=user)[:20]),
        "stale_order_ids": set(volunteers_selectors.stale_orders(user=user).values_list("pk", flat=True)),
        "cases": indicators_selectors.workspace_cases(user=user, today=today),
        "centers": ServiceCenter.objects.scoped_for(user).order_by("level", "name")[:10],
    }
    return render(request, "portal/workspace/home.html", context)


# --- Progress -----------------------------------------------------------------------------------


def _progress(request, *, project=None, item=None):
    subject = project or item
    if refusal := _refused(request, PROGRESS):
        return refusal
    form = ProgressForm(request.POST or None, request.FILES or None, initial={"percent": subject.percent})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["draft_user"] is not None and data["draft_user"] != request.user.pk:
                raise PermissionDenied(DRAFT_OF_ANOTHER_LOGIN)
            update = project_services.progress_update_add(
                user=request.user,
                project=project,
                item=item,
                text=data["text"],
                percent=data["percent"],
                photos=data["photos"],
                once=data["draft"],
            )
        except (ValidationError, PermissionDenied) as error:
            _attach(form, error)
        else:
            # A resend whose first copy arrived (its answer did not) finds that update.
            return _progress_done(request, subject, created=not update.once_replayed)
    if request.method == "POST" and _wants_json(request):
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    updates = projects_selectors.timeline(project=project, item=item, public_only=False)[:3]
    context = {"form": form, "subject": subject, "is_item": item is not None, "updates": updates}
    if not subject.accepts_updates:
        # A past year's timeline is closed (``projects.closing``): no form, the reason instead.
        year = project.year if project else item.theme.plan.year
        context["closed"] = closed_refusal(year, "730要点" if item else "书记工程")
    return render(request, "portal/workspace/progress.html", context, status=400 if form.errors else 200)


def _progress_done(request, subject, *, created: bool):
    subject.refresh_from_db(fields=["percent"])
    text = f"已记录“{subject}”的进展，整体完成 {subject.percent}%。"
    messages.success(request, text if created else "这份草稿已经发送过，没有重复记录。")
    if _wants_json(request):
        return JsonResponse({"ok": True, "redirect": reverse("workspace:home"), "message": text}, status=201)
    return redirect("workspace:home")


@staff_only
def project_progress(request, pk: int):
    project = get_object_or_404(SecretaryProject.objects.scoped_for(request.user).select_related("community"), pk=pk)
    return _progress(request, project=project)


@staff_only
def item_progress(request, pk: int):
    item = get_object_or_404(WorkItem.objects.scoped_for(request.user).select_related("theme__plan"), pk=pk)
    if refusal := _refused(request, PROGRESS):
        return refusal
    if not project_services.may_post_item_progress(request.user):
        # A secretary is not offered the form (nor a link to it): the page says who posts instead.
        return _refusal(
            request,
            project_services.ITEM_PROGRESS_REFUSAL,
            title="730要点由街道填报",
            subject=f"{item.theme.number}.{item.number} {item.title}",
            hint="社区的进展请在“我的书记工程”里更新；这个要点有新情况，请告诉街道负责的工作人员。",
        )
    return _progress(request, item=item)


# --- Hours --------------------------------------------------------------------------------------


@staff_only
def records(request):
    pending = list(volunteers_selectors.pending_records(user=request.user)[:RECORDS_PER_PAGE])
    form = RecordsForm(request.POST or None, record_ids=[record.pk for record in pending])
    may_decide = can(request.user, HOURS[0])
    if request.method == "POST":
        chosen = set(map(int, filter(str.isdigit, request.POST.getlist("records"))))
        unknown = chosen - {record.pk for record in pending}
        if unknown and ServiceRecord.objects.scoped_for(request.user).filter(pk__in=unknown).count() < len(unknown):
            raise Http404  # a record outside my scope: as if it did not exist
        if not may_decide:
            return _refused(request, HOURS)
        if form.is_valid():
            selected = [record for record in pending if record.pk in form.cleaned_data["records"]]
            try:
                # One transaction each way: all the selected records, or none and the reason.
                if form.cleaned_data["decision"] == "confirm":
                    counts = volunteer_services.service_records_confirm(records=selected, user=request.user)
                    text = f"已确认 {counts['confirmed']} 条"
                    text += f"，{counts['already']} 条此前已确认" if counts["already"] else ""
                    text += "。"
                else:
                    done = volunteer_services.service_records_reject(
                        records=selected, user=request.user, note=form.cleaned_data["note"].strip()
                    )
                    text = f"已退回 {done} 条，志愿者会看到原因。"
            except (ValidationError, PermissionDenied) as error:
                _attach(form, error)
            else:
                messages.success(request, text)
                return redirect("workspace:records")
    context = {"records": pending, "form": form, "limit": RECORDS_PER_PAGE, "may_decide": may_decide}
    return render(request, "portal/workspace/records.html", context, status=400 if form.errors else 200)


# --- 点单 ---------------------------------------------------------------------------------------


@staff_only
def orders(request):
    context = {
        "orders": volunteers_selectors.open_orders(user=request.user),
        "stale_ids": set(volunteers_selectors.stale_orders(user=request.user).values_list("pk", flat=True)),
    }
    return render(request, "portal/workspace/orders.html", context)


def _order_forms(request, data=None, *, step: str | None = None):
    """The page's two forms; only the one that was submitted (``step``) is bound to ``data``,
    so its errors show under it and the other shows none."""
    upcoming = volunteers_selectors.activities_upcoming().filter(pk__in=Activity.objects.scoped_for(request.user))
    teams = VolunteerTeam.objects.scoped_for(request.user).active().order_by("name")
    return (
        OrderAnswerForm(data if step == "answer" else None, activities=upcoming, teams=teams, prefix="answer"),
        OrderDeclineForm(data if step == "decline" else None, prefix="decline"),
    )


@staff_only
def order_detail(request, pk: int):
    order = get_object_or_404(
        ServiceOrder.objects.scoped_for(request.user).select_related("center", "community", "answer_activity"), pk=pk
    )
    # Only who answers the order calls the resident back: the contact details go with the forms.
    may_answer = can(request.user, ORDERS[0])
    if request.method == "POST" and not may_answer:
        return _refused(request, ORDERS)
    step = request.POST.get("step") if request.method == "POST" else None
    answer, decline = _order_forms(request, request.POST, step=step)
    context = {"order": order, "answer": answer, "decline": decline, "may_answer": may_answer}
    if request.method == "POST":
        form, refusal = {"answer": answer, "decline": decline}.get(step), None
        try:
            if step == "accept":
                volunteer_services.service_order_accept(order=order, user=request.user)
            elif step == "done":
                volunteer_services.service_order_done(order=order, user=request.user)
            elif form is None:
                raise ValidationError("请选择要办理的操作后再提交。")
            elif form.is_valid():
                if step == "answer":
                    volunteer_services.service_order_answer(order=order, user=request.user, **form.cleaned_data)
                else:
                    volunteer_services.service_order_decline(
                        order=order, user=request.user, reason=form.cleaned_data["reason"]
                    )
        except (ValidationError, PermissionDenied) as error:
            refusal = error
            if form is not None:
                _attach(form, error)  # under the form that was submitted
        if form is not None and form.errors:
            messages.error(request, f"“{form.title}”未提交：请按下方提示修改。")
        elif refusal is not None:
            messages.error(request, refusal_text(refusal))
        if refusal is not None or (form is not None and form.errors):
            return render(request, "portal/workspace/order_detail.html", context, status=400)
        messages.success(request, "点单已更新。")
        return redirect("workspace:order", pk=order.pk)
    return render(request, "portal/workspace/order_detail.html", context)


# --- My centres: hours and dated exceptions -------------------------------------------------------


@staff_only
def centers(request):
    mine = ServiceCenter.objects.scoped_for(request.user).select_related("community").order_by("level", "name")
    return render(request, "portal/workspace/centers.html", {"centers": mine})


@staff_only
def center_hours(request, pk: int):
    center = get_object_or_404(ServiceCenter.objects.scoped_for(request.user), pk=pk)
    if refusal := _refused(request, CENTER_HOURS):
        return refusal
    today = timezone.localdate()
    upcoming = center.opening_exceptions.filter(date__gte=today)
    week = IntervalFormSet(request.POST or None, instance=center, prefix="week")
    days = ExceptionFormSet(request.POST or None, instance=center, prefix="days", queryset=upcoming)
    if request.method == "POST" and week.is_valid() and days.is_valid():
        try:
            with transaction.atomic():
                week.save()
                days.save()
        except IntegrityError:
            # Two people saved the same week at once; the database kept its rules.
            messages.error(request, "开放时间刚被其他人修改，请刷新后重试。")
        else:
            messages.success(request, f"已保存“{center.name}”的开放时间。")
            return redirect("workspace:center_hours", pk=center.pk)
    invalid = request.method == "POST"
    context = {"center": center, "week": week, "days": days}
    return render(request, "portal/workspace/center_hours.html", context, status=400 if invalid else 200)


# --- Activities ---------------------------------------------------------------------------------


@staff_only
def activity_new(request):
    user = request.user
    if refusal := _refused(request, NEW_ACTIVITY):
        return refusal
    communities = communities_for(user)
    if communities is None:
        communities = Community.objects.all()
    form = ActivityForm(
        request.POST or None,
        communities=communities.order_by("name"),
        centers=ServiceCenter.objects.scoped_for(user).order_by("level", "name"),
        teams=VolunteerTeam.objects.scoped_for(user).active().order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        activity = form.save(commit=False)
        activity.street_id = activity.community.street_id
        try:
            activity = volunteer_services.activity_save(activity=activity, user=user, once=form.cleaned_data["once"])
        except (ValidationError, PermissionDenied) as error:
            _attach(form, error)
        else:
            messages.success(request, f"已发布活动“{activity.title}”。")
            return redirect("workspace:home")
    return render(request, "portal/workspace/activity_form.html", {"form": form}, status=400 if form.errors else 200)


# --- Rectification follow-ups -------------------------------------------------------------------


@staff_only
def case_visit(request, pk: int):
    case = get_object_or_404(
        indicators_selectors.rectification_list(
            queryset=RectificationCase.objects.scoped_for(request.user), open_only=False
        ),
        pk=pk,
    )
    if refusal := _refused(request, VISIT):
        return refusal
    form = VisitForm(request.POST or None, initial={"visited_on": today_in_beijing()})
    if request.method == "POST" and form.is_valid():
        try:
            rating_services.visit_add(case=case, user=request.user, **form.cleaned_data)  # ``once`` included
        except (ValidationError, PermissionDenied) as error:
            _attach(form, error)
        else:
            messages.success(request, f"已记录对“{case.subject}”的走访。")
            return redirect("workspace:home")
    visits = case.visits.order_by("-visited_on", "-pk")[:5]
    context = {"case": case, "form": form, "visits": visits}
    return render(request, "portal/workspace/case_visit.html", context, status=400 if form.errors else 200)


# --- Installable ----------------------------------------------------------------------------------


# What every workspace page loads (templates/portal/workspace/base.html): the service worker
# keeps them as it installs, so a form opened only once still opens, styled, without a network.
WORKSPACE_ASSETS = (
    "portal/site.css",
    "portal/workspace.css",
    "portal/workspace.js",
    "portal/favicon.svg",
    "portal/workspace.webmanifest",
    "portal/icons/workspace-192.png",
    "portal/icons/workspace-512.png",
)
PRECACHE_LINE = "var PRECACHE = [];"


def service_worker(request):
    """Served from /workspace/ so its scope covers the workspace. The file is static but for
    the asset URLs it precaches, named as the pages name them (hashed in production): a deploy
    that changes one changes the worker, which then installs again and keeps the new files."""
    path = finders.find("portal/workspace-sw.js")
    if path is None:
        return HttpResponse(status=404)
    with open(path, encoding="utf-8") as source:
        script = source.read()
    assets = json.dumps([static(name) for name in WORKSPACE_ASSETS])
    script = script.replace(PRECACHE_LINE, f"var PRECACHE = {assets};", 1)
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
