"""Admin of service hours: records, confirmation, summaries and the hours import."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header

from core.forms import PolishedFieldsMixin
from core.importing import import_template
from core.refusals import refusal_text
from organizations.admin_base import (
    XLSX_TYPE,
    SavesThroughService,
    ScopedImportExportAdmin,
)
from organizations.scope import acts_on_whole_street

from .. import resources, selectors, services
from ..models import (
    HoursImport,
    ServiceRecord,
)
from .base import ServiceWritesAdmin


class HoursSummaryForm(PolishedFieldsMixin, forms.Form):
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

    change_form_template = "admin/volunteers/hoursimport/change_form.html"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["file"]
        return [
            "file_name", "status", "progress", "written_rows", "error_count", "error_table", "preview_table",
            "created_by", "created_at", "finished_at",
        ]  # fmt: skip

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None:
            form.base_fields["file"].help_text = format_html(
                "xlsx 或 UTF-8 编码的 csv，每行一条服务记录。必需的列：{}；可选的列：{}。时间写成 2023-05-01 09:00"
                "（北京时间）。<br>上传后先校验并显示预览（将写入的记录，或每个错误的行、列和原因），"
                "确认后才写入；任何一行有错误，整个文件都不会写入。"
                '<br><a href="{}" class="import-template-link" download>下载导入模板（xlsx）</a>',
                "、".join(resources.REQUIRED_COLUMNS),
                "、".join(c for c in resources.IMPORT_COLUMNS if c not in resources.REQUIRED_COLUMNS),
                reverse("admin:volunteers_hoursimport_template"),
            )
        return form

    def get_urls(self):
        return [
            path("template/", self.admin_site.admin_view(self.template_view), name="volunteers_hoursimport_template"),
            path(
                "<int:object_id>/confirm/",
                self.admin_site.admin_view(self.confirm_view),
                name="volunteers_hoursimport_confirm",
            ),
            *super().get_urls(),
        ]

    def template_view(self, request):
        """The hours file's template: the hours export's header, an example row, the notes."""
        if not (acts_on_whole_street(request.user) and self.has_add_permission(request)):
            raise PermissionDenied
        response = HttpResponse(import_template(resources.ServiceRecordResource()), content_type=XLSX_TYPE)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename="服务时长导入模板.xlsx"
        )
        return response

    def confirm_view(self, request, object_id):
        """Writes a checked file after its preview (POST only)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        job = get_object_or_404(HoursImport.objects.scoped_for(request.user), pk=object_id)
        try:
            job = services.hours_import_confirm(job=job, user=request.user)
        except ValidationError as error:
            messages.error(request, refusal_text(error))
        else:
            if job.status == HoursImport.Status.DONE:
                messages.success(request, f"已写入 {job.written_rows:,} 条服务记录，等待确认后记入积分。")
            else:
                messages.error(request, "导入未完成，没有写入任何记录：" + "；".join(e["message"] for e in job.errors))
        return HttpResponseRedirect(reverse("admin:volunteers_hoursimport_change", args=[job.pk]))

    def response_add(self, request, obj, post_url_continue=None):
        # Straight to the batch's page: its preview, or the errors by row, column and reason.
        return HttpResponseRedirect(reverse("admin:volunteers_hoursimport_change", args=[obj.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        job = self.get_object(request, object_id)
        if job is not None and job.status == HoursImport.Status.CHECKED and self.has_rerun_permission(request):
            extra_context["confirm_url"] = reverse("admin:volunteers_hoursimport_confirm", args=[job.pk])
            extra_context["confirm_rows"] = job.total_rows
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="预览（将写入的记录）")
    def preview_table(self, obj):
        if obj.status != HoursImport.Status.CHECKED:
            return "—"
        rows = [
            (
                row.line,
                f"{row.volunteer.number} {row.volunteer.name}",
                row.activity.title if row.activity_id else row.description,
                f"{timezone.localtime(row.started_at):%Y-%m-%d %H:%M}",
                f"{timezone.localtime(row.ended_at):%Y-%m-%d %H:%M}",
                row.hours,
            )
            for row in services.hours_import_preview(obj)
        ]
        head = format_html(
            "<p>共 {} 行，全部通过校验。确认后写入，写入的记录等待确认后记入积分。</p>"
            "<table><thead><tr><th>行号</th><th>志愿者</th><th>活动或服务内容</th><th>开始时间</th>"
            "<th>结束时间</th><th>时长（小时）</th></tr></thead><tbody>",
            f"{obj.total_rows:,}",
        )
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        more = format_html("<p>（只显示前 {} 行）</p>", len(rows)) if obj.total_rows > len(rows) else ""
        return format_html("{}{}</tbody></table>{}", head, body, more)

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

    @admin.display(description="错误与提示")
    def error_table(self, obj):
        if not obj.errors:
            return "无"
        lines = [
            (
                "提示" if e.get("warning") else f"第{e['line']}行" if e["line"] else "整个文件",
                e["column"] or "—",
                e["message"],
            )
            for e in obj.errors[:2000]
        ]
        return format_html_join("", "<div>{} · {}：{}</div>", lines)

    def create(self, request, obj, form):
        return services.hours_import_start(upload=form.cleaned_data["file"], user=request.user, confirm_first=True)
