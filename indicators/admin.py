"""Admin of the 战斗力指数 and the 数读核对 page. Thin: scoping comes from the Scoped* bases,
writes of periods, scores, cases, visits and instructors go through ``services``, reads through
``selectors``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core import registry
from core.refusals import refusal_text
from organizations.admin_base import (
    SavesThroughService,
    ScopedAdmin,
    ScopedImportExportAdmin,
    ScopedInline,
    save_with_history,
)
from organizations.models import Street
from organizations.scope import acts_on_whole_street, scope_of

from . import resources, selectors, services
from .models import (
    Dimension,
    FollowUpVisit,
    Instructor,
    Mentor,
    Period,
    PublishedFigure,
    Rating,
    RectificationCase,
    Scheme,
    Score,
    SubIndicator,
)
from .stars import stars_display


class StreetFilter(admin.SimpleListFilter):
    """``?street=<id>``: the records of one street, for the 数读 figures' links. It offers no
    choices (a scoped user has one street), so it costs no query."""

    title = "街道"
    parameter_name = "street"
    street_path = "subject__street"

    def lookups(self, request, model_admin):
        return []

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(**{f"{self.street_path}_id": int(value)})
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    """``overdue(today)``: open cases past their plan's deadline (the work queue links here)."""

    title = "超过完成时限"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "已超期未销号")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue(timezone.localdate())
        return queryset


class PublicFilter(admin.SimpleListFilter):
    """``public_open()``: the cases the public 数读 figure counts (opened by a published period,
    not closed by one), so the figure's link lists as many cases as it says."""

    title = "公开口径"
    parameter_name = "public"

    def lookups(self, request, model_admin):
        return [("yes", "按已公布评定期整顿中")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.public_open()
        return queryset


def _message_errors(request, exc: Exception) -> None:
    messages.error(request, refusal_text(exc))


# --- Schemes ----------------------------------------------------------------------------------


class DimensionInline(ScopedInline):
    model = Dimension
    fields = ["number", "name", "weight", "max_points", "description"]
    show_change_link = True
    verbose_name_plural = "评分维度（权重之和应为 100；细项指标在维度页面填写）"


@admin.register(Scheme)
class SchemeAdmin(ScopedAdmin):
    list_display = ["year", "name", "subject_kind", "version", "street", "thresholds", "rectification_level"]
    list_select_related = ["street"]
    list_filter = ["year", "subject_kind"]
    search_fields = ["name"]
    autocomplete_fields = ["street"]
    inlines = [DimensionInline]
    fieldsets = [
        (None, {"fields": ["street", "name", "subject_kind", "year", "version", "description"]}),
        (
            "星级与整顿",
            {
                "fields": [
                    "star5_min",
                    "star4_min",
                    "star3_min",
                    "star2_min",
                    "rectification_level",
                    "honour_level",
                ],
                "description": "修改方案不影响已评定的评定期：评定时的分数线和权重已保存在评定期中。",
            },
        ),
        ("其他", {"fields": ["is_demo"]}),
    ]

    @admin.display(description="分数线（五/四/三/二星）")
    def thresholds(self, obj):
        return " / ".join(f"{t.normalize():f}" for t in obj.thresholds)


class SubIndicatorInline(ScopedInline):
    model = SubIndicator
    fields = ["number", "name", "max_points", "description"]


@admin.register(Dimension)
class DimensionAdmin(ScopedAdmin):
    list_display = ["name", "scheme", "number", "weight", "max_points"]
    list_select_related = ["scheme"]
    list_filter = ["scheme__year"]
    search_fields = ["name", "scheme__name"]
    autocomplete_fields = ["scheme"]
    inlines = [SubIndicatorInline]


# --- Periods ----------------------------------------------------------------------------------


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="重新打开的原因", widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=500
    )


@admin.register(Period)
class PeriodAdmin(ScopedAdmin):
    list_display = ["name", "scheme", "kind", "status", "rated_count", "closed_at", "previous_period"]
    list_select_related = ["scheme", "previous_period"]
    list_filter = ["status", "kind", "year"]
    search_fields = ["name", "scheme__name"]
    autocomplete_fields = ["scheme"]
    actions = ["close_selected", "publish_selected"]
    readonly_fields = [
        "status",
        "closed_at",
        "closed_by",
        "ratings_computed_at",
        "published_at",
        "previous_period",
        "rules_in_force",
        "distribution",
        "reopen_link",
    ]
    fieldsets = [
        (None, {"fields": ["scheme", "kind", "year", "quarter", "name", "is_demo"]}),
        (
            "评定",
            {
                "fields": [
                    "status",
                    "closed_at",
                    "closed_by",
                    "ratings_computed_at",
                    "published_at",
                    "previous_period",
                    "rules_in_force",
                    "distribution",
                    "reopen_link",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_rated=Count("ratings", distinct=True))

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not obj.is_open:
            readonly += [f for f in ("scheme", "kind", "year", "quarter", "name", "is_demo") if f not in readonly]
        return readonly

    def has_delete_permission(self, request, obj=None):
        # A rated period is history: it can be reopened, not deleted.
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_open)

    @admin.display(description="已评定对象", ordering="_rated")
    def rated_count(self, obj):
        return obj._rated

    @admin.display(description="评定时的规则")
    def rules_in_force(self, obj):
        rules = obj.rules or {}
        if not rules:
            return "评定时保存"
        dimensions = format_html_join(
            "、", "{}（权重 {}，满分 {}）", ((d["name"], d["weight"], d["max_points"]) for d in rules["dimensions"])
        )
        return format_html(
            "{}；分数线 五星≥{} 四星≥{} 三星≥{} 二星≥{}；{}星及以下纳入整顿；{}星及以上进入光荣榜。",
            dimensions,
            *rules["thresholds"],
            rules["rectification_level"],
            rules["honour_level"],
        )

    @admin.display(description="星级分布")
    def distribution(self, obj):
        if obj is None or obj.pk is None or obj.ratings_computed_at is None:
            return "—"
        counts = selectors.star_distribution(period=obj)
        return format_html_join("；", "{}：{} 个", ((stars_display(s), n) for s, n in counts.items()))

    @admin.display(description="重新打开")
    def reopen_link(self, obj):
        if obj is None or obj.pk is None or obj.status != Period.Status.CLOSED:
            return "—"
        url = reverse("admin:indicators_period_reopen", args=[obj.pk])
        return format_html('<a class="button" href="{}">重新打开评定期（须填写原因）</a>', url)

    @admin.action(description="评定所选评定期（计算星级，冻结评分）", permissions=["change"])
    def close_selected(self, request, queryset):
        done = 0
        for period in queryset:
            try:
                services.period_close(period=period, user=request.user)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                _message_errors(request, exc)
        if done:
            messages.success(request, f"已评定 {done} 个评定期，星级正在计算。")

    @admin.action(description="公布所选评定期（进入光荣榜）", permissions=["change"])
    def publish_selected(self, request, queryset):
        done = 0
        for period in queryset:
            try:
                services.period_publish(period=period, user=request.user)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                _message_errors(request, exc)
        if done:
            messages.success(request, f"已公布 {done} 个评定期。")

    def get_urls(self):
        return [
            path(
                "<int:object_id>/reopen/",
                self.admin_site.admin_view(self.reopen_view),
                name="indicators_period_reopen",
            ),
            *super().get_urls(),
        ]

    def reopen_view(self, request, object_id):
        if not acts_on_whole_street(request.user):
            raise PermissionDenied
        period = get_object_or_404(self.get_queryset(request), pk=object_id)
        form = ReopenForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.period_reopen(period=period, user=request.user, reason=form.cleaned_data["reason"])
            except (ValidationError, PermissionDenied) as exc:
                _message_errors(request, exc)
            else:
                messages.success(request, f"“{period}”已重新打开，可以更正评分后再次评定。")
                return HttpResponseRedirect(reverse("admin:indicators_period_change", args=[period.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "period": period,
            "form": form,
            "title": f"重新打开：{period}",
        }
        return TemplateResponse(request, "admin/indicators/period_reopen.html", context)


# --- Scores and ratings -------------------------------------------------------------------------


@admin.register(Score)
class ScoreAdmin(ScopedImportExportAdmin):
    resource_classes = [resources.ScoreResource]
    list_display = ["subject", "community", "period", "dimension", "value", "is_demo"]
    list_select_related = ["subject__community", "period", "dimension"]
    list_filter = [("period", admin.RelatedOnlyFieldListFilter), "dimension__name", "is_demo"]
    search_fields = ["subject__name", "subject__community__name"]
    autocomplete_fields = ["subject", "period", "dimension"]
    fields = ["period", "subject", "dimension", "value", "evidence", "is_demo"]

    @admin.display(description="社区", ordering="subject__community__name")
    def community(self, obj):
        return obj.subject.community

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.period.is_open)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.period.is_open)

    def save_model(self, request, obj, form, change):
        services.score_save(score=obj, user=request.user)

    def delete_model(self, request, obj):
        services.score_delete(score=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for score in queryset.filter(period__status=Period.Status.OPEN):
            services.score_delete(score=score, user=request.user)


def explanation_table(explained) -> str:
    if not explained.rows:
        return "—"
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                row.name,
                row.weight.normalize(),
                "—" if row.value is None else row.value.normalize(),
                "—" if row.street_average is None else row.street_average,
                "—" if row.previous_value is None else row.previous_value.normalize(),
            )
            for row in explained.rows
        ),
    )
    return format_html(
        "<table><thead><tr><th>维度</th><th>权重</th><th>本期得分</th><th>街道平均</th><th>上期得分</th></tr>"
        "</thead><tbody>{}</tbody></table>",
        rows,
    )


@admin.register(Rating)
class RatingAdmin(ScopedAdmin):
    """Written by the close only: read here, with each rating explained."""

    list_display = ["subject", "community", "period", "total", "star_column", "previous", "movement", "rank"]
    list_select_related = ["subject__community", "period"]
    list_filter = [("period", admin.RelatedOnlyFieldListFilter), "stars", "movement"]
    search_fields = ["subject__name", "subject__community__name"]
    fields = ["period", "subject", "total", "stars", "previous_stars", "movement", "rank", "created_at", "explanation"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="社区", ordering="subject__community__name")
    def community(self, obj):
        return obj.subject.community

    @admin.display(description="星级", ordering="stars")
    def star_column(self, obj):
        return stars_display(obj.stars)

    @admin.display(description="上期", ordering="previous_stars")
    def previous(self, obj):
        return stars_display(obj.previous_stars)

    @admin.display(description="各维度得分（与街道平均、上期比较）")
    def explanation(self, obj):
        return explanation_table(selectors.rating_explanation(rating=obj))


# --- Rectification ------------------------------------------------------------------------------


class FollowUpVisitInline(ScopedInline):
    model = FollowUpVisit
    fields = ["visited_on", "notes", "next_steps", "visitor"]
    readonly_fields = ["visitor"]
    verbose_name_plural = "跟踪走访（按日期记录）"

    def has_change_permission(self, request, obj=None):
        return False  # a visit is recorded once; add a new one

    def has_delete_permission(self, request, obj=None):
        return acts_on_whole_street(request.user) and super().has_delete_permission(request, obj)


@admin.register(RectificationCase)
class RectificationCaseAdmin(ScopedAdmin):
    list_display = [
        "subject",
        "community",
        "opened_in",
        "status",
        "instructor",
        "deadline",
        "visit_count",
        "last_visit_on",
        "closed_in",
    ]
    list_filter = [
        "status",
        OverdueFilter,
        PublicFilter,
        ("opened_in", admin.RelatedOnlyFieldListFilter),
        "is_demo",
        StreetFilter,
    ]
    search_fields = ["subject__name", "subject__community__name", "measures"]
    autocomplete_fields = ["instructor", "mentors"]
    readonly_fields = ["subject", "opened_in", "closed_in", "status", "created_at", "updated_at", "is_demo", "ratings"]
    fieldsets = [
        (None, {"fields": ["subject", "opened_in", "status", "closed_in", "ratings"]}),
        ("一村一策提升计划", {"fields": ["analysis", "measures", "owner", "deadline"]}),
        ("指导员与导师团", {"fields": ["instructor", "mentors"]}),
        ("记录", {"fields": ["created_at", "updated_at", "is_demo"]}),
    ]
    inlines = [FollowUpVisitInline]

    def get_queryset(self, request):
        return selectors.rectification_list(queryset=super().get_queryset(request), open_only=False)

    def has_add_permission(self, request):
        return False  # opened by the close of a period

    @admin.display(description="社区", ordering="subject__community__name")
    def community(self, obj):
        return obj.subject.community

    @admin.display(description="走访次数", ordering="visit_count")
    def visit_count(self, obj):
        return obj.visit_count

    @admin.display(description="最近走访", ordering="last_visit_on")
    def last_visit_on(self, obj):
        return obj.last_visit_on or "—"

    @admin.display(description="星级记录（各维度与街道平均、上期比较）")
    def ratings(self, obj):
        history = selectors.rating_history(subject=obj.subject_id, published_only=False)
        if not history:
            return "—"
        return format_html_join(
            "",
            "<p><strong>{}：{}（{} 分，{}）</strong></p>{}",
            (
                (
                    e.rating.period,
                    stars_display(e.rating.stars),
                    e.rating.total,
                    e.rating.get_movement_display(),
                    explanation_table(e),
                )
                for e in history
            ),
        )

    def save_model(self, request, obj, form, change):
        services.case_save(case=obj, user=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not FollowUpVisit:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for visit_form in formset.forms:
            data = getattr(visit_form, "cleaned_data", {})
            if visit_form.instance.pk is None and visit_form.has_changed() and data.get("visited_on"):
                formset.new_objects.append(
                    services.visit_add(
                        case=form.instance,
                        user=request.user,
                        visited_on=data["visited_on"],
                        notes=data["notes"],
                        next_steps=data.get("next_steps", ""),
                    )
                )
        for deleted in formset.deleted_forms:
            if deleted.instance.pk:
                deleted.instance._history_user = request.user
                deleted.instance.delete()
                formset.deleted_objects.append(deleted.instance)


@admin.register(FollowUpVisit)
class FollowUpVisitAdmin(SavesThroughService, ScopedAdmin):
    list_display = ["visited_on", "case", "community", "visitor", "created_at"]
    list_select_related = ["case__subject__community", "case__opened_in", "visitor"]
    date_hierarchy = "visited_on"
    search_fields = ["case__subject__name", "case__subject__community__name", "notes"]
    autocomplete_fields = ["case"]
    readonly_fields = ["visitor", "created_at"]
    fields = ["case", "visited_on", "notes", "next_steps", "visitor", "created_at"]

    @admin.display(description="社区")
    def community(self, obj):
        return obj.case.subject.community

    services = services
    create_service = "visit_add"
    create_fields = ("case", "visited_on", "notes", "next_steps")
    copied_back = ("visitor_id", "created_at")

    def save_change(self, request, obj, form):
        save_with_history(request, obj, full_clean=False)


# --- 指导员 and 导师团 -----------------------------------------------------------------------------


class InstructorForm(forms.ModelForm):
    """The login is named by its username, so no dropdown lists every account."""

    username = forms.CharField(label="登录用户名", max_length=150, help_text="指导员在本街道的工作人员账号。")

    class Meta:
        model = Instructor
        fields = ["street", "name", "unit", "is_active", "is_demo"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["username"].initial = self.instance.user.username

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise ValidationError(f"没有用户名为“{username}”的账号。")
        self.instance.user = user
        return username


@admin.register(Instructor)
class InstructorAdmin(ScopedAdmin):
    form = InstructorForm
    list_display = ["name", "unit", "street", "user", "is_active", "case_count"]
    list_select_related = ["street", "user"]
    list_filter = ["is_active", "is_demo"]
    search_fields = ["name", "unit", "user__username"]
    autocomplete_fields = ["street"]
    fields = ["street", "username", "name", "unit", "is_active", "is_demo"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_cases=Count("cases", distinct=True))

    @admin.display(description="挂钩对象", ordering="_cases")
    def case_count(self, obj):
        return obj._cases

    def save_model(self, request, obj, form, change):
        services.instructor_save(instructor=obj, user=request.user)


@admin.register(Mentor)
class MentorAdmin(ScopedAdmin):
    list_display = ["name", "title", "street", "is_demo"]
    list_select_related = ["street"]
    list_filter = ["is_demo"]
    search_fields = ["name", "title"]
    autocomplete_fields = ["street"]


# --- 数读 ---------------------------------------------------------------------------------------


@admin.register(PublishedFigure)
class PublishedFigureAdmin(ScopedAdmin):
    change_list_template = "admin/indicators/publishedfigure/change_list.html"
    list_display = ["label", "published", "comparison", "figure_name", "source", "article", "date"]
    list_select_related = ["street"]
    list_filter = ["source", "comparison"]
    search_fields = ["label", "article"]
    autocomplete_fields = ["street"]

    @admin.display(description="公布数值", ordering="value")
    def published(self, obj):
        return f"{obj.value.normalize():f}{obj.unit}"

    @admin.display(description="报道日期", ordering="published_on")
    def date(self, obj):
        return obj.published_on or obj.date_note or "—"

    def get_urls(self):
        return [
            path("check/", self.admin_site.admin_view(self.check_view), name="indicators_publishedfigure_check"),
            *super().get_urls(),
        ]

    def _street_for(self, request) -> tuple[Street, list[Street]]:
        """The street the page shows: street staff their own; a superuser picks one."""
        scope = scope_of(request.user)
        if scope.street_id is not None:
            return get_object_or_404(Street, pk=scope.street_id), []
        streets = list(Street.objects.order_by("name"))
        if not streets:
            raise PermissionDenied
        chosen = request.GET.get("street") or request.POST.get("street")
        by_pk = {str(street.pk): street for street in streets}
        if chosen and chosen not in by_pk:
            raise PermissionDenied
        default = next((s for s in streets if s.name == "桂城街道"), streets[0])
        return by_pk.get(chosen, default), streets

    def check_view(self, request):
        """数读核对: each published figure beside the figure computed from the records."""
        if not (acts_on_whole_street(request.user) and self.has_view_permission(request)):
            raise PermissionDenied
        street, streets = self._street_for(request)
        if request.method == "POST":
            registry.refresh(street)
            messages.success(request, "已按当前记录重新计算。")
            url = reverse("admin:indicators_publishedfigure_check") + (f"?street={street.pk}" if streets else "")
            return HttpResponseRedirect(url)
        checks = selectors.published_vs_computed(street=street)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"数读核对：{street.name}",
            "street": street,
            "streets": streets,
            "checks": checks,
            "differing": sum(1 for check in checks if check.differs),
            "figures": registry.figures_for(street),
        }
        return TemplateResponse(request, "admin/indicators/figure_check.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if acts_on_whole_street(request.user):
            extra_context["figure_check_url"] = reverse("admin:indicators_publishedfigure_check")
        return super().changelist_view(request, extra_context)
