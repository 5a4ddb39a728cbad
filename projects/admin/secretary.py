"""Admin of 书记工程, with targets, milestones and the quarterly report."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header

from organizations.admin_base import ScopedImportExportAdmin, ScopedInline
from organizations.models import Street
from organizations.scope import acts_on_whole_street

from .. import resources, selectors, services
from ..lagging import quarter_of, today_in_beijing
from ..models import (
    ProgressUpdate,
    ProjectMilestone,
    ProjectTarget,
    SecretaryProject,
    WorkPlan,
)
from .base import LaggingFilter, OpenYearsForUpdates, ProgressColumns
from .progress import ProjectUpdateInline, UpdateInline, save_update_forms


class ProjectTargetInline(ScopedInline):
    model = ProjectTarget
    fields = ["label", "unit", "planned_value", "achieved_value", "sort_order"]


class ProjectMilestoneInline(ScopedInline):
    """A milestone marked 验收节点 holds a project at 100 % as 待验收 until its date done is
    filled in (``rollups.progress_status``; ``signals`` recompute the status on save)."""

    model = ProjectMilestone
    fields = ["number", "title", "due_on", "done_on", "is_acceptance", "is_demo"]


FIRST_REPORT_YEAR = 2015


class QuarterlyReportForm(forms.Form):
    """The year and quarter of the 书记工程 quarterly report; default the current quarter. A
    quarter that has not begun has nothing to report."""

    year = forms.TypedChoiceField(label="年度", coerce=int)
    quarter = forms.TypedChoiceField(
        label="季度",
        coerce=int,
        required=False,
        empty_value=None,
        choices=[(1, "第一季度"), (2, "第二季度"), (3, "第三季度"), (4, "第四季度"), ("", "全年（截至今天）")],
    )

    def __init__(self, *args, years, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        # Every year since the portal's first records (2015), and any year a plan is made for.
        known = sorted({*years, *range(FIRST_REPORT_YEAR, today.year + 1)}, reverse=True)
        self.fields["year"].choices = [(year, f"{year}年") for year in known]
        self.fields["year"].initial = today.year
        self.fields["quarter"].initial = quarter_of(today)

    def clean(self):
        data = super().clean()
        year, quarter = data.get("year"), data.get("quarter")
        if year is not None and quarter is not None and date(year, 3 * quarter - 2, 1) > self.today:
            self.add_error("quarter", f"{year}年第{quarter}季度还没有开始。")
        return data


@admin.register(SecretaryProject)
class SecretaryProjectAdmin(OpenYearsForUpdates, ProgressColumns, ScopedImportExportAdmin):
    resource_classes = [resources.SecretaryProjectResource]
    change_list_template = "admin/projects/change_list_with_report.html"
    list_display = [
        "year",
        "community",
        "title",
        "status",
        "progress",
        "last_update_on",
        "lagging",
        "is_public",
        "is_demo",
    ]
    list_display_links = ["title"]
    list_select_related = ["community"]
    list_filter = ["year", "status", LaggingFilter, "is_public", "is_demo"]
    search_fields = ["title", "community__name", "focus"]
    autocomplete_fields = ["community"]
    readonly_fields = ["status", "percent", "last_update_on"]
    inlines = [ProjectTargetInline, ProjectMilestoneInline, ProjectUpdateInline]
    fieldsets = [
        (None, {"fields": ["community", "year", "title", "focus", "plan"]}),
        ("进度", {"fields": ["status", "percent", "last_update_on"]}),
        ("发布", {"fields": ["is_public", "is_demo"]}),
    ]

    def get_queryset(self, request):
        return selectors.projects_with_lagging(super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not acts_on_whole_street(request.user):
            # The street publishes the list; a secretary keeps the content, not the key.
            readonly += [f for f in ("community", "year", "is_demo") if f not in readonly]
        return readonly

    def get_inline_instances(self, request, obj=None):
        # Updates need a saved project: the update inline shows from the change page on.
        return [
            inline
            for inline in super().get_inline_instances(request, obj)
            if obj is not None or not isinstance(inline, UpdateInline)
        ]

    def save_model(self, request, obj, form, change):
        services.secretary_project_save(project=obj, user=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ProgressUpdate:
            return super().save_formset(request, form, formset, change)
        new, changed = save_update_forms(request, form.instance, formset.forms, subject="project")
        formset.new_objects, formset.changed_objects, formset.deleted_objects = new, changed, []

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "quarterly-report/",
                self.admin_site.admin_view(self.quarterly_report_view),
                name=f"{info[0]}_{info[1]}_quarterly_report",
            ),
            *super().get_urls(),
        ]

    def quarterly_report_view(self, request):
        """A street's xlsx report (street staff: their own street; a superuser picks one with
        ``?street=<id>``) for ``?year=2023&quarter=2``: without a year, a small form asks for
        them (default the current quarter). It reads through the same scope as the changelist."""
        if not (acts_on_whole_street(request.user) and self.has_view_permission(request)):
            raise PermissionDenied
        streets = Street.objects.scoped_for(request.user).order_by("name")
        street = (
            streets.filter(pk=request.GET.get("street")).first() if request.GET.get("street", "").isdigit() else None
        )
        if street is None:
            choices = list(streets[:2])
            if len(choices) != 1:
                # A superuser of several streets says which one; a street id out of reach is
                # answered like a missing one.
                context = {**self.admin_site.each_context(request), "title": "选择街道：季度报表", "streets": streets}
                context["opts"] = self.opts
                return TemplateResponse(request, "admin/projects/choose_street.html", context)
            street = choices[0]
        today = today_in_beijing()
        form = QuarterlyReportForm(
            request.GET if "year" in request.GET else None,
            years={
                *WorkPlan.objects.filter(street=street).values_list("year", flat=True),
                *SecretaryProject.objects.filter(community__street=street).values_list("year", flat=True).distinct(),
            },
            today=today,
        )
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": f"书记工程季度报表：{street.name}",
                "opts": self.opts,
                "form": form,
                "street": street,
            }
            status = 400 if form.is_bound else 200
            return TemplateResponse(request, "admin/projects/quarterly_report.html", context, status=status)
        year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
        filename, content = resources.quarterly_report(
            user=request.user, street=street, year=year, quarter=quarter, today=today
        )
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
        return response

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if acts_on_whole_street(request.user):
            extra_context["quarterly_report_url"] = reverse("admin:projects_secretaryproject_quarterly_report")
        return super().changelist_view(request, extra_context)
