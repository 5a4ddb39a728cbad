"""Admin of volunteer service. Thin: scoping comes from the Scoped* bases, every write goes
through ``services`` (so sign-ups, confirmations, points, stock and order steps follow the same
rules as the public site and the API), and a refused write comes back as a message, never a 500.

The points ledger has no page of its own: it is append-only, so it shows read-only on each
volunteer's page, where street staff also add an adjustment with its reason.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from core.refusals import refusal_text
from organizations.admin_base import (
    SavesThroughService,
    ScopedAdmin,
    ScopedImportExportAdmin,
    ScopedInline,
    save_with_history,
)
from organizations.scope import acts_on_whole_street

from . import resources, rules, selectors, services
from .models import (
    Activity,
    CommunityCheckIn,
    HoursImport,
    PostClaim,
    Redemption,
    ResponsibilityPost,
    Reward,
    ServiceOrder,
    ServiceRecord,
    Signup,
    Volunteer,
    VolunteerTeam,
)


def count_of(model, fk: str, **filters) -> Subquery:
    """A correlated COUNT for the rows shown (see ``organizations.admin.count_of``)."""
    counted = model._default_manager.filter(**{fk: OuterRef("pk")}, **filters).order_by().values(fk)
    return Subquery(counted.annotate(n=Count("pk")).values("n"), output_field=IntegerField())


class ServiceWritesAdmin(ScopedAdmin):
    """A refusal from a service (a full activity's race, a balance, a status) is shown as a
    message on the same page instead of a server error."""

    services = services  # what ``SavesThroughService.create_service`` names

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:  # a PermissionDenied stays a 403
            messages.error(request, refusal_text(error))
            return HttpResponseRedirect(request.get_full_path())

    def run_each(self, request, queryset, action, done: str) -> None:
        """Runs a service on each selected record; says how many went through and why not."""
        ok, failed = 0, []
        for obj in queryset:
            try:
                action(obj)
            except (ValidationError, PermissionDenied) as error:
                failed.append(f"{obj}：{refusal_text(error)}")
                continue
            ok += 1
        if ok:
            messages.success(request, f"{done} {ok} 条。")
        for line in failed[:20]:
            messages.error(request, line)


# --- Teams and volunteers -------------------------------------------------------------------------


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(ServiceWritesAdmin):
    list_display = ["name", "kind", "community", "center", "leader", "volunteer_count", "founded_on", "is_demo"]
    list_select_related = ["community", "center", "leader"]
    list_filter = ["kind", "dissolved_on", "is_public", "is_demo"]
    search_fields = ["name", "community__name"]
    autocomplete_fields = ["street", "community", "building", "center", "organization", "leader"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_volunteers=count_of(Volunteer.teams.through, "volunteerteam"))

    @admin.display(description="队员数", ordering="_volunteers")
    def volunteer_count(self, obj):
        return obj._volunteers or 0

    def save_model(self, request, obj, form, change):
        services.team_save(team=obj, user=request.user)


class PointsAdjustmentForm(forms.Form):
    points = forms.IntegerField(label="调整积分", help_text="正数为增加，负数为扣减。")
    reason = forms.CharField(label="原因", max_length=200)


@admin.register(Volunteer)
class VolunteerAdmin(ServiceWritesAdmin):
    # Private fields (phone, ID number) stay on the change form only.
    list_display = ["number", "name", "kind", "community", "show_name_publicly", "is_active", "registered_on"]
    list_select_related = ["community"]
    list_filter = ["kind", "is_active", "show_name_publicly", "is_demo"]
    search_fields = ["number", "name", "=phone", "=id_number"]
    search_help_text = "按编号或姓名搜索；身份证号、手机需完整输入。"
    autocomplete_fields = ["community", "member", "teams"]
    readonly_fields = ["user", "links"]
    fieldsets = [
        (None, {"fields": ["number", "name", "kind", "community", "member", "teams"]}),
        ("隐私信息（不公开）", {"fields": ["phone", "id_number"]}),
        ("公开与状态", {"fields": ["show_name_publicly", "registered_on", "is_active", "user", "is_demo"]}),
        ("时长、积分与证明", {"fields": ["links"]}),
    ]

    def save_model(self, request, obj, form, change):
        services.volunteer_save(volunteer=obj, user=request.user)

    @admin.display(description="链接")
    def links(self, obj):
        from django.utils.html import format_html

        if not obj.pk:
            return "保存后可查看。"
        return format_html(
            '<a href="{}">积分明细与调整</a> · <a href="{}" target="_blank">打印志愿服务证明</a> · '
            '<a href="{}">服务记录</a>',
            reverse("admin:volunteers_volunteer_points", args=[obj.pk]),
            reverse("admin:volunteers_volunteer_certificate", args=[obj.pk]),
            reverse("admin:volunteers_servicerecord_changelist") + f"?volunteer__id__exact={obj.pk}",
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/certificate/",
                self.admin_site.admin_view(self.certificate_view),
                name="volunteers_volunteer_certificate",
            ),
            path("<int:pk>/points/", self.admin_site.admin_view(self.points_view), name="volunteers_volunteer_points"),
            *super().get_urls(),
        ]

    def _scoped_object(self, request, pk) -> Volunteer:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def certificate_view(self, request, pk):
        """志愿服务证明, printable; ``?start=2023-01-01&end=2023-12-31`` limits the period."""
        volunteer = self._scoped_object(request, pk)
        start, end = _day(request.GET.get("start")), _day(request.GET.get("end"))
        context = {
            **self.admin_site.each_context(request),
            "certificate": selectors.certificate(volunteer=volunteer, start=start, end=end),
            "title": "志愿服务证明",
        }
        return TemplateResponse(request, "volunteers/certificate.html", context)

    def points_view(self, request, pk):
        volunteer = self._scoped_object(request, pk)
        form = PointsAdjustmentForm(request.POST or None)
        can_adjust = acts_on_whole_street(request.user)
        if request.method == "POST":
            if not can_adjust:
                raise PermissionDenied
            if form.is_valid():
                try:
                    services.points_adjust(
                        volunteer=volunteer,
                        user=request.user,
                        **{k: form.cleaned_data[k] for k in ("points", "reason")},
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, "已记入积分调整。")
                    return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "volunteer": volunteer,
            "title": f"{volunteer.name}的积分明细",
            "balance": selectors.points_balance(volunteer=volunteer),
            "entries": selectors.points_ledger(volunteer=volunteer)[:500],
            "form": form if can_adjust else None,
        }
        return TemplateResponse(request, "admin/volunteers/points.html", context)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


# --- Activities and sign-ups ----------------------------------------------------------------------


class SignupInline(ScopedInline):
    model = Signup
    fields = ["volunteer", "status", "created_at", "promoted_at", "cancelled_at"]
    readonly_fields = fields
    can_delete = False
    ordering = ["created_at", "pk"]
    verbose_name_plural = "报名名单（报名、取消在“活动报名”中办理）"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("volunteer")


@admin.register(Activity)
class ActivityAdmin(ServiceWritesAdmin):
    list_display = [
        "title",
        "starts_at",
        "community",
        "team",
        "center",
        "capacity",
        "taken",
        "is_public",
        "is_cancelled",
    ]
    list_select_related = ["community", "team", "center"]
    list_filter = ["is_public", "is_cancelled", "is_demo"]
    date_hierarchy = "starts_at"
    search_fields = ["title", "team__name", "center__name", "place"]
    autocomplete_fields = ["street", "community", "team", "center"]
    inlines = [SignupInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_taken()

    @admin.display(description="已报名", ordering="taken")
    def taken(self, obj):
        return obj.taken

    def save_model(self, request, obj, form, change):
        services.activity_save(activity=obj, user=request.user)


@admin.register(Signup)
class SignupAdmin(SavesThroughService, ServiceWritesAdmin):
    list_display = ["volunteer", "activity", "status", "created_at", "promoted_at", "cancelled_at"]
    list_select_related = ["volunteer", "activity"]
    list_filter = ["status"]
    search_fields = ["volunteer__name", "volunteer__number", "activity__title"]
    autocomplete_fields = ["activity", "volunteer"]
    actions = ["cancel", "mark_attended", "mark_no_show"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["activity", "volunteer"]
        return ["activity", "volunteer", "status", "created_at", "promoted_at", "cancelled_at", "changed_by"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return self.get_fields(request, obj)  # changed through the actions, which follow the rules

    create_service = "signup_register"
    create_fields = ("activity", "volunteer")
    copied_back = ("status",)

    def delete_model(self, request, obj):
        services.signup_delete(signup=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for signup in queryset:
            services.signup_delete(signup=signup, user=request.user)

    @admin.action(description="取消所选报名（名额顺延给候补）", permissions=["change"])
    def cancel(self, request, queryset):
        self.run_each(request, queryset, lambda s: services.signup_cancel(signup=s, user=request.user), "已取消")

    @admin.action(description="标记为已参加", permissions=["change"])
    def mark_attended(self, request, queryset):
        self.run_each(
            request, queryset, lambda s: services.signup_mark(signup=s, attended=True, user=request.user), "已标记"
        )

    @admin.action(description="标记为未到", permissions=["change"])
    def mark_no_show(self, request, queryset):
        self.run_each(
            request, queryset, lambda s: services.signup_mark(signup=s, attended=False, user=request.user), "已标记"
        )


# --- Hours ----------------------------------------------------------------------------------------


class HoursSummaryForm(forms.Form):
    by = forms.ChoiceField(
        label="汇总方式", choices=[(key, label) for key, (label, *_rest) in selectors.SUMMARY_GROUPS.items()]
    )
    start = forms.DateField(label="开始日期", required=False)
    end = forms.DateField(label="结束日期", required=False)


class AwaitingConfirmationFilter(admin.SimpleListFilter):
    """``awaiting_confirmation()``: pending and checked out, the hours staff can confirm now (the
    work queue links here)."""

    title = "待确认"
    parameter_name = "awaiting"

    def lookups(self, request, model_admin):
        return [("yes", "待确认（已签退）")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.awaiting_confirmation()
        return queryset


@admin.register(ServiceRecord)
class ServiceRecordAdmin(SavesThroughService, ServiceWritesAdmin, ScopedImportExportAdmin):
    resource_classes = [resources.ServiceRecordResource]
    change_list_template = "admin/volunteers/servicerecord/change_list.html"
    list_display = [
        "started_at",
        "volunteer",
        "content_shown",
        "hours",
        "community",
        "source",
        "status",
        "reviewed_by",
        "reviewed_at",
    ]
    list_select_related = ["volunteer", "activity", "community", "reviewed_by"]
    list_filter = ["status", AwaitingConfirmationFilter, "source", "is_demo"]
    date_hierarchy = "started_at"
    search_fields = ["volunteer__name", "=volunteer__number", "activity__title", "description"]
    autocomplete_fields = ["volunteer", "activity"]
    actions = ["confirm", "unconfirm", "reject"]
    fields = [
        "volunteer",
        "activity",
        "description",
        "started_at",
        "ended_at",
        "hours",
        "community",
        "source",
        "status",
        "reviewed_by",
        "reviewed_at",
        "review_note",
        "created_by",
        "created_at",
        "import_job",
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["hours", "community", "source", "status", "reviewed_by", "reviewed_at", "review_note"]
        readonly += ["created_by", "created_at", "import_job"]
        if obj is not None and obj.status != ServiceRecord.Status.PENDING:
            readonly += ["volunteer", "activity", "description", "started_at", "ended_at"]
        return readonly

    @admin.display(description="服务内容")
    def content_shown(self, obj):
        return obj.content

    create_service = "service_record_add"
    create_fields = ("volunteer", "activity", "description", "started_at", "ended_at")

    def save_change(self, request, obj, form):
        services.service_record_change(record=obj, user=request.user)

    @admin.action(description="确认所选记录（记入积分）", permissions=["change"])
    def confirm(self, request, queryset):
        try:
            counts = services.service_records_confirm(records=queryset.select_related("volunteer"), user=request.user)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, refusal_text(error))
            return
        messages.info(request, f"已确认 {counts['confirmed']} 条；原已确认 {counts['already']} 条。")

    @admin.action(description="撤销确认（积分冲正）", permissions=["change"])
    def unconfirm(self, request, queryset):
        reason = f"{request.user} 在管理后台撤销确认"
        self.run_each(
            request, queryset, lambda r: services.service_record_unconfirm(record=r, user=request.user, reason=reason),
            "已撤销确认",
        )  # fmt: skip

    @admin.action(description="退回所选记录", permissions=["change"])
    def reject(self, request, queryset):
        note = f"{request.user} 在管理后台退回"
        try:
            done = services.service_records_reject(
                records=queryset.select_related("volunteer"), user=request.user, note=note
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, refusal_text(error))
            return
        messages.success(request, f"已退回 {done} 条。")

    def get_urls(self):
        return [
            path("summary/", self.admin_site.admin_view(self.summary_view), name="volunteers_servicerecord_summary"),
            *super().get_urls(),
        ]

    def summary_view(self, request):
        """Hours by volunteer, team, community or month over a period, as xlsx (scoped)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = HoursSummaryForm(request.GET or None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "form": form,
                "title": "时长汇总导出",
            }
            return TemplateResponse(request, "admin/volunteers/servicerecord/summary.html", context)
        data = form.cleaned_data
        label, rows = selectors.hours_summary(
            self.get_queryset(request), by=data["by"], start=data["start"], end=data["end"]
        )
        content = resources.hours_summary_xlsx(rows=rows, group_label=label, start=data["start"], end=data["end"])
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        filename = f"志愿服务时长汇总_按{label}_{timezone.localdate():%Y%m%d}.xlsx"
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
        return response

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["summary_url"] = reverse("admin:volunteers_servicerecord_summary")
        if acts_on_whole_street(request.user):
            extra_context["background_import_url"] = reverse("admin:volunteers_hoursimport_add")
        return super().changelist_view(request, extra_context)


@admin.register(HoursImport)
class HoursImportAdmin(SavesThroughService, ServiceWritesAdmin):
    """Large hours files, checked and written in the background; the list shows how far each
    got, and a failed file's page lists every bad row."""

    list_display = ["file_name", "status", "progress", "written_rows", "error_count", "created_by", "created_at"]
    list_select_related = ["created_by"]
    list_filter = ["status"]
    search_fields = ["file_name"]
    actions = ["rerun"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["file"]
        return [
            "file_name", "status", "progress", "written_rows", "error_count", "error_table",
            "created_by", "created_at", "finished_at",
        ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def add_view(self, request, form_url="", extra_context=None):
        # Checked here rather than in has_add_permission, which every admin page's menu calls.
        if not acts_on_whole_street(request.user):
            raise PermissionDenied("只有街道工作人员可以导入数据。")
        return super().add_view(request, form_url, extra_context)

    def has_change_permission(self, request, obj=None):
        return False

    def has_rerun_permission(self, request):
        # Running an import again writes records: the permission to import, not only to look.
        return acts_on_whole_street(request.user) and request.user.has_perm("volunteers.add_hoursimport")

    @admin.action(description="重新导入（未导入或已中断的批次）", permissions=["rerun"])
    def rerun(self, request, queryset):
        self.run_each(
            request, queryset, lambda job: services.hours_import_rerun(job=job, user=request.user), "已重新排队"
        )

    @admin.display(description="进度")
    def progress(self, obj):
        if obj.status == HoursImport.Status.QUEUED:
            return "排队中"
        if services.hours_import_is_stuck(obj):
            return f"已中断（处理进程停止于第 {obj.checked_rows:,} 行）：后台会自动重试，也可选择此批次执行“重新导入”"
        return f"已校验 {obj.checked_rows:,} 行" + (f"，已写入 {obj.written_rows:,} 行" if obj.written_rows else "")

    @admin.display(description="错误明细")
    def error_table(self, obj):
        from django.utils.html import format_html_join

        if not obj.errors:
            return "无"
        lines = [
            (f"第{e['line']}行" if e["line"] else "整个文件", e["column"] or "—", e["message"])
            for e in obj.errors[:2000]
        ]
        return format_html_join("", "<div>{} · {}：{}</div>", lines)

    def create(self, request, obj, form):
        return services.hours_import_start(upload=form.cleaned_data["file"], user=request.user)


# --- Points and rewards ---------------------------------------------------------------------------


@admin.register(Reward)
class RewardAdmin(ServiceWritesAdmin):
    list_display = ["name", "points_cost", "stock", "community", "is_active", "is_demo"]
    list_select_related = ["community"]
    list_filter = ["is_active", "is_demo"]
    search_fields = ["name"]
    autocomplete_fields = ["street", "community"]


@admin.register(Redemption)
class RedemptionAdmin(SavesThroughService, ServiceWritesAdmin):
    list_display = ["created_at", "volunteer", "reward", "points", "status", "closed_at"]
    list_select_related = ["volunteer", "reward"]
    list_filter = ["status"]
    search_fields = ["volunteer__name", "=volunteer__number", "reward__name"]
    autocomplete_fields = ["volunteer", "reward"]
    actions = ["hand_over", "cancel"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["volunteer", "reward"]
        return ["volunteer", "reward", "points", "status", "created_at", "created_by", "closed_at", "closed_by"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    create_service = "reward_redeem"
    create_fields = ("volunteer", "reward")

    @admin.action(description="登记已领取", permissions=["change"])
    def hand_over(self, request, queryset):
        self.run_each(
            request, queryset, lambda r: services.redemption_hand_over(redemption=r, user=request.user), "已登记"
        )

    @admin.action(description="取消兑换（退回积分和库存）", permissions=["change"])
    def cancel(self, request, queryset):
        self.run_each(
            request, queryset, lambda r: services.redemption_cancel(redemption=r, user=request.user), "已取消"
        )


# --- 双报到 and posts ----------------------------------------------------------------------------


@admin.register(CommunityCheckIn)
class CommunityCheckInAdmin(SavesThroughService, ServiceWritesAdmin):
    list_display = ["member", "community", "employer", "registered_on", "ended_on", "letter"]
    list_select_related = ["member", "community"]
    list_filter = ["ended_on", "is_demo"]
    search_fields = ["member__name", "employer", "community__name"]
    autocomplete_fields = ["member", "community", "employer_organization"]

    @admin.display(description="感谢函")
    def letter(self, obj):
        from django.utils.html import format_html

        url = reverse("admin:volunteers_communitycheckin_letter", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">打印</a>', url)

    create_service = "community_check_in"
    create_fields = ("member", "community", "employer", "employer_organization", "registered_on")

    def save_change(self, request, obj, form):
        save_with_history(request, obj)

    def get_urls(self):
        return [
            path(
                "<int:pk>/letter/",
                self.admin_site.admin_view(self.letter_view),
                name="volunteers_communitycheckin_letter",
            ),
            *super().get_urls(),
        ]

    def letter_view(self, request, pk):
        """感谢函 to the employer, printable; ``?year=2023``, default this year."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        check_in = get_object_or_404(self.get_queryset(request).select_related("member", "community__street"), pk=pk)
        try:
            year = int(request.GET.get("year") or timezone.localdate().year)
        except ValueError:
            year = timezone.localdate().year
        context = {
            **self.admin_site.each_context(request),
            "letter": selectors.thank_you_letter(check_in=check_in, year=year),
            "title": "感谢函",
        }
        return TemplateResponse(request, "volunteers/thank_you_letter.html", context)


@admin.register(ResponsibilityPost)
class ResponsibilityPostAdmin(ServiceWritesAdmin):
    list_display = ["title", "community", "grid", "claims", "limit", "is_open", "published_on"]
    list_select_related = ["community", "grid"]
    list_filter = ["is_open", "is_demo"]
    search_fields = ["title", "community__name"]
    autocomplete_fields = ["community", "grid"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_claims=count_of(PostClaim, "post", ended_on__isnull=True))

    @admin.display(description="在岗人数", ordering="_claims")
    def claims(self, obj):
        return obj._claims or 0

    @admin.display(description="上限")
    def limit(self, obj):
        return obj.effective_limit


@admin.register(PostClaim)
class PostClaimAdmin(SavesThroughService, ServiceWritesAdmin):
    list_display = ["member", "post", "claimed_on", "ended_on", "claimed_by"]
    list_select_related = ["member", "post__community", "claimed_by"]
    list_filter = ["ended_on", "is_demo"]
    search_fields = ["member__name", "post__title"]
    autocomplete_fields = ["post", "member"]
    actions = ["end"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["post", "member"]
        return ["post", "member", "claimed_on", "ended_on", "claimed_by"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["post", "member", "claimed_on", "claimed_by"]

    create_service = "post_claim"
    create_fields = ("post", "member")

    def save_change(self, request, obj, form):
        save_with_history(request, obj)

    @admin.action(description="结束所选认领", permissions=["change"])
    def end(self, request, queryset):
        self.run_each(request, queryset, lambda c: services.post_claim_end(claim=c, user=request.user), "已结束")


# --- 自助点单 -------------------------------------------------------------------------------------


class StaleFilter(admin.SimpleListFilter):
    """``rules.stale_order_q``: open and untouched for the configured number of days."""

    title = "超时未处理"
    parameter_name = "stale"

    def lookups(self, request, model_admin):
        return [("yes", "超时未处理"), ("no", "正常")]

    def queryset(self, request, queryset):
        condition = rules.stale_order_q(timezone.now())
        if self.value() == "yes":
            return queryset.filter(condition)
        if self.value() == "no":
            return queryset.exclude(condition)
        return queryset


class ServiceOrderForm(forms.ModelForm):
    STEPS = [
        ("", "（不改变状态）"),
        ("accept", "受理"),
        ("answer", "派单：以所选活动或服务队响应"),
        ("done", "办结"),
        ("decline", "不予受理（须填写原因）"),
    ]
    step = forms.ChoiceField(label="办理", choices=STEPS, required=False)


@admin.register(ServiceOrder)
class ServiceOrderAdmin(SavesThroughService, ServiceWritesAdmin):
    form = ServiceOrderForm
    # Contact details stay on the change form only.
    list_display = ["code", "category", "center", "status", "submitted_at", "last_action_at", "stale", "rating"]
    list_select_related = ["center"]
    list_filter = ["status", "category", StaleFilter, "answered_at", "is_demo"]
    date_hierarchy = "submitted_at"
    search_fields = ["=code", "need", "center__name"]
    autocomplete_fields = ["center", "answer_activity", "answer_team"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["center", "category", "need", "wanted_when", "contact_name", "contact_phone", "address"]
        return [
            "code", "center", "category", "need", "wanted_when", "contact_name", "contact_phone", "address",
            "status", "submitted_at", "accepted_at", "accepted_by", "answered_at", "answered_by",
            "step", "answer_activity", "answer_team", "answer_note", "declined_reason",
            "done_at", "done_by", "rating", "rating_comment", "rated_at",
        ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        editable = {"step", "answer_activity", "answer_team", "answer_note", "declined_reason"}
        return [name for name in self.get_fields(request, obj) if name not in editable]

    @admin.display(description="超时", boolean=True)
    def stale(self, obj):
        return rules.order_is_stale(status=obj.status, last_action_at=obj.last_action_at, now=timezone.now())

    def create(self, request, obj, form):
        return services.service_order_submit(
            user=request.user, **{name: form.cleaned_data[name] for name in self.get_fields(request)}
        )

    def save_change(self, request, obj, form):
        user = request.user
        data, step = form.cleaned_data, form.cleaned_data.get("step")
        if step == "accept":
            services.service_order_accept(order=obj, user=user)
        elif step == "answer":
            services.service_order_answer(
                order=obj,
                user=user,
                activity=data["answer_activity"],
                team=data["answer_team"],
                note=data["answer_note"],
            )
        elif step == "done":
            services.service_order_done(order=obj, user=user)
        elif step == "decline":
            services.service_order_decline(order=obj, user=user, reason=data["declined_reason"])
