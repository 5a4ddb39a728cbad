"""Volunteer service for residents: activities and sign-up, an account (phone and password, no
SMS), my hours and points with reward redemption, the service certificate, and 点单. Every
write goes through ``volunteers.services``; refusals come back as messages, never as errors."""

from __future__ import annotations

from datetime import date, datetime, time
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit
from django_ratelimit.exceptions import Ratelimited

from core.client_address import ratelimit_key
from core.public_cache import public_page
from core.refusals import refusal_text
from organizations import selectors as organizations_selectors
from volunteers import selectors as volunteers_selectors
from volunteers import services
from volunteers.models import Activity, Reward, ServiceOrder, Signup

from .forms import (
    ActivityFilterForm,
    OrderLookupForm,
    OrderRatingForm,
    ServiceOrderForm,
    VolunteerLoginForm,
    VolunteerSignUpForm,
)

# A screen or two of activity cards on a phone.
ACTIVITIES_PER_PAGE = 20


def upcoming_at(center, now) -> list:
    """The next public activities held at a centre, with their free places."""
    activities = list(volunteers_selectors.activities_upcoming(now=now).filter(center=center)[:5])
    for activity in activities:
        activity.free = volunteers_selectors.free_places(activity)
    return activities


def search_activities(query: str, *, limit: int = 20):
    """Upcoming public activities by title, or by their community's name, pinyin or initials."""
    text, lowered = query.strip(), query.strip().lower()
    condition = (
        Q(title__icontains=text)
        | Q(community__name__icontains=text)
        | Q(community__pinyin__startswith=lowered)
        | Q(community__initials__startswith=lowered)
    )
    return volunteers_selectors.activities_upcoming().filter(condition)[:limit]


def _day_start(day: date | None) -> datetime | None:
    return timezone.make_aware(datetime.combine(day, time.min)) if day else None


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


@public_page(60)
def activity_list(request):
    """Upcoming activities, filtered by the query string (a filtered list is a link to share):
    a bad filter says which and why, with a 400, and lists nothing."""
    street = organizations_selectors.default_street()
    form = ActivityFilterForm(request.GET, street=street)
    context = {"form": form, "activities": [], "page": None}
    if not form.is_valid():
        return render(request, "portal/site/activity_list.html", context, status=400)
    data = form.cleaned_data
    first, after = form.window(timezone.localdate())
    activities = volunteers_selectors.activities_find(
        street_id=street.pk if street else None,
        community_id=data["community"].pk if data["community"] else None,
        category=data["kind"] or None,
        starts_from=_day_start(first),
        starts_before=_day_start(after),
        with_places=data["free"],
    )
    page = Paginator(activities, ACTIVITIES_PER_PAGE).get_page(request.GET.get("page"))
    for activity in page.object_list:
        activity.free = volunteers_selectors.free_places(activity)
    context.update(
        activities=page.object_list,
        page=page,
        page_range=page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
    )
    return render(request, "portal/site/activity_list.html", context)


def activity_detail(request, pk: int):
    activity = volunteers_selectors.activity_public(activity_id=pk)
    if activity is None:
        raise Http404
    volunteer = volunteers_selectors.volunteer_of(request.user)
    signup = volunteers_selectors.signup_of(volunteer=volunteer, activity_id=activity.pk)
    context = {
        "activity": activity,
        "free": volunteers_selectors.free_places(activity),
        "volunteer": volunteer,
        "signup": signup,
        "is_over": activity.ends_at <= timezone.now(),
    }
    return render(request, "portal/site/activity_detail.html", context)


@login_required(login_url="site:login")
def activity_signup(request, pk: int):
    if request.method != "POST":
        # Where a login started from the button lands: the activity, its button offered again.
        return redirect("site:activity", pk=pk)
    activity = get_object_or_404(Activity.objects.public(), pk=pk)
    volunteer = volunteers_selectors.volunteer_of(request.user)
    if volunteer is None:
        messages.error(request, "请先用手机号注册为志愿者。")
        return redirect(_with_next(reverse("site:register"), reverse("site:activity", args=[pk])))
    try:
        signup = services.signup_register(activity=activity, volunteer=volunteer, user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    else:
        if signup.status == Signup.Status.WAITLISTED:
            waiting = volunteers_selectors.signup_of(volunteer=volunteer, activity_id=pk)
            where = f"：你是候补第 {waiting.waitlist_position} 位" if waiting and waiting.waitlist_position else ""
            messages.success(request, f"名额已满，已为你排队候补{where}。")
        else:
            messages.success(request, "报名成功！")
    return redirect("site:activity", pk=pk)


@login_required(login_url="site:login")
def activity_cancel(request, pk: int):
    if request.method != "POST":
        return redirect("site:activity", pk=pk)
    volunteer = volunteers_selectors.volunteer_of(request.user)
    signup = get_object_or_404(
        Signup.objects.exclude(status=Signup.Status.CANCELLED), activity_id=pk, volunteer=volunteer
    )
    if request.POST.get("confirm") != "yes":
        # Only the confirming button (the activity page's 确定取消报名) cancels.
        messages.error(request, "报名未取消：请点“确定取消报名”确认。")
        return redirect("site:activity", pk=pk)
    try:
        services.signup_cancel(signup=signup, user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, "已取消报名。")
    return redirect("site:activity", pk=pk)


REGISTERED = (
    "注册申请已受理。请用这个手机号和刚才设置的密码登录；"
    "如这个手机号以前注册过，请用原来的密码登录，忘记密码请联系所在社区重置。"
)


def _safe_next(request) -> str:
    """Where to go back to after registering and logging in: a path of this site, else nothing."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if safe else ""


def _with_next(url: str, next_url: str) -> str:
    # Encoded as the templates' ``|urlencode`` does (a path's slashes kept).
    return f"{url}?next={quote(next_url)}" if next_url else url


@ratelimit(key=ratelimit_key, rate="10/h", method="POST", block=False)
def register(request):
    street = organizations_selectors.default_street()
    next_url = _safe_next(request)
    # Bound on every POST, an empty one too: the limit's message is added to it (an unbound form has none).
    form = VolunteerSignUpForm(request.POST if request.method == "POST" else None, street=street)
    if request.method == "POST" and getattr(request, "limited", False):
        form.add_error(None, "注册太频繁，请一小时后再试。")
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.volunteer_account_register(
                phone=data["phone"],
                name=data["name"],
                password=data["password"],
                community=data["community"],
                show_name=data["show_name"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            # The same answer whether the number was new or already had a login: telling them
            # apart would tell anyone which numbers have an account (issue 16). So no login
            # here either; the resident signs in with the password just set.
            messages.success(request, REGISTERED)
            return redirect(_with_next(reverse("site:login"), next_url))
    return render(request, "portal/site/register.html", {"form": form, "next": next_url})


class VolunteerLoginView(LoginView):
    """Phone number and password; django-axes counts the failures as for staff."""

    template_name = "portal/site/login.html"
    form_class = VolunteerLoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return reverse("site:me")


@require_POST
def logout_view(request):
    logout(request)
    return redirect("site:home")


@login_required(login_url="site:login")
def me(request):
    volunteer = volunteers_selectors.volunteer_of(request.user)
    if volunteer is None:
        raise Http404
    context = {
        "volunteer": volunteer,
        "hours": volunteers_selectors.volunteer_hours(volunteer=volunteer),
        "balance": volunteers_selectors.points_balance(volunteer=volunteer),
        "ledger": volunteers_selectors.points_ledger(volunteer=volunteer)[:50],
        "signups": volunteers_selectors.volunteer_signups(volunteer=volunteer)[:20],
        "records": volunteers_selectors.volunteer_records(volunteer=volunteer)[:20],
        "rewards": volunteers_selectors.rewards_for(volunteer=volunteer),
        "redemptions": volunteers_selectors.volunteer_redemptions(volunteer=volunteer)[:20],
        "orders": volunteers_selectors.orders_of(user=request.user)[:20],
    }
    return render(request, "portal/site/me.html", context)


@login_required(login_url="site:login")
@require_POST
def redeem(request, pk: int):
    volunteer = volunteers_selectors.volunteer_of(request.user)
    if volunteer is None:
        raise Http404
    # Any gift of the volunteer's street: the service says why one cannot be had (stock, points).
    reward = get_object_or_404(Reward.objects.filter(street_id=volunteer.community.street_id), pk=pk)
    try:
        services.reward_redeem(volunteer=volunteer, reward=reward, user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, f"已兑换“{reward.name}”，请到服务中心领取。")
    return redirect("site:me")


@login_required(login_url="site:login")
def certificate(request):
    volunteer = volunteers_selectors.volunteer_of(request.user)
    if volunteer is None:
        raise Http404
    return render(
        request, "portal/site/certificate.html", {"certificate": volunteers_selectors.certificate(volunteer=volunteer)}
    )


@ratelimit(key=ratelimit_key, rate="5/h", method="POST", block=False)
def order_new(request):
    street = organizations_selectors.default_street()
    posted = request.POST if request.method == "POST" else None  # bound on an empty POST too (see register)
    volunteer = volunteers_selectors.volunteer_of(request.user)
    initial = {"center": _int(request.GET.get("center"))}
    if volunteer is not None:
        initial |= {"contact_name": volunteer.name, "contact_phone": volunteer.phone}
    elif request.user.is_authenticated:
        initial["contact_name"] = request.user.get_full_name()
    form = ServiceOrderForm(
        posted, street=street, community=volunteer.community if volunteer else None, initial=initial
    )
    if request.method == "POST" and getattr(request, "limited", False):
        form.add_error(None, "提交太频繁，请一小时后再试；急事请直接致电服务中心。")
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = services.service_order_submit(user=request.user, **data)
        except ValidationError as exc:
            by_field = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for field, errors in by_field.items():
                form.add_error(field if field in form.fields and field != "once" else None, errors)
        else:
            if not order.once_replayed:
                request.session.setdefault("order_codes", []).append(order.code)
                request.session.modified = True
            return redirect("site:order", code=order.code)
    return render(request, "portal/site/order_new.html", {"form": form})


def order_lookup(request):
    form = OrderLookupForm(request.GET or None)
    if form.is_valid():
        return redirect("site:order", code=form.cleaned_data["code"].strip().upper())
    return render(request, "portal/site/order_lookup.html", {"form": form})


@never_cache  # its owner's page shows the contact they gave: kept by no shared cache
@ratelimit(key=ratelimit_key, rate="30/h", method="GET", block=False)
def order_detail(request, code: str):
    if getattr(request, "limited", False):
        raise Ratelimited("查询太频繁，请稍后再试。")  # the 429 page (portal.errors)
    order = volunteers_selectors.order_by_code(
        code=code, user=request.user, owned_codes=request.session.get("order_codes", ())
    )
    if order is None:
        raise Http404
    form = OrderRatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        instance = get_object_or_404(ServiceOrder, code=order["code"])
        try:
            services.service_order_rate(
                order=instance,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
                user=request.user,
                code=order["code"],
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, "谢谢你的评价。")
            return redirect("site:order", code=order["code"])
    can_rate = order["status"] == ServiceOrder.Status.DONE
    return render(request, "portal/site/order_detail.html", {"order": order, "form": form, "can_rate": can_rate})
