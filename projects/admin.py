"""Admin of 书记工程 and 730. Thin: scoping comes from the Scoped* bases, writes go through
``services``, the 滞后 flag from ``lagging`` (annotated in the changelist query)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header

from core.once import OnceField
from organizations.admin_base import SavesThroughService, ScopedAdmin, ScopedImportExportAdmin, ScopedInline
from organizations.models import Street
from organizations.scope import acts_on_whole_street

from . import closing, resources, selectors, services
from .lagging import lagging_q, quarter_of, today_in_beijing
from .models import (
    ProgressUpdate,
    ProjectMilestone,
    ProjectTarget,
    SecretaryProject,
    StaleReminder,
    UpdatePhoto,
    WorkItem,
    WorkPlan,
    WorkTheme,
)
from .validators import PhotoFormField

# --- Shared pieces ----------------------------------------------------------------------------


class LaggingFilter(admin.SimpleListFilter):
    """The computed 滞后 flag (``projects/lagging.py``), shown beside the status."""

    title = "滞后（自动判断）"
    parameter_name = "lagging"
    year_path = "year"

    def lookups(self, request, model_admin):
        return [("yes", "滞后"), ("no", "未滞后")]

    def queryset(self, request, queryset):
        condition = lagging_q(today_in_beijing(), year_path=self.year_path)
        if self.value() == "yes":
            return queryset.filter(condition)
        if self.value() == "no":
            return queryset.exclude(condition)
        return queryset


class ItemLaggingFilter(LaggingFilter):
    year_path = selectors.ITEM_YEAR


class OpenYearsForUpdates:
    """The update form's autocomplete offers only the projects (items) whose year still runs:
    a past year's takes no new update (``closing``)."""

    year_path = "year"

    def get_search_results(self, request, queryset, search_term):
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == ProgressUpdate._meta.model_name:
            queryset = queryset.filter(**{f"{self.year_path}__gte": closing.first_open_year()})
        return queryset, distinct


class ProgressColumns:
    """The progress bar and the computed 滞后 flag, for the changelists of projects and items
    (their querysets are annotated with ``is_lagging`` by the selectors)."""

    @admin.display(description="完成进度", ordering="percent")
    def progress(self, obj):
        return percent_bar(obj.percent)

    @admin.display(description="滞后（自动）", boolean=True, ordering="is_lagging")
    def lagging(self, obj):
        return obj.is_lagging


def percent_bar(percent) -> str:
    width = max(0, min(100, float(percent)))
    return format_html(
        '<span title="{}%" style="display:inline-block;width:80px;height:8px;background:#eee;'
        'vertical-align:middle"><span style="display:block;height:8px;width:{}%;background:#C8161D">'
        "</span></span> {}%",
        percent,
        f"{width:.0f}",
        percent,
    )


def thumbnail(photo: UpdatePhoto) -> str:
    """The thumbnail made with the photo, linking to the original as uploaded (without its EXIF)."""
    if not photo.pk or not photo.image:
        return "—"
    if not photo.has_sizes:
        return format_html('<a href="{}" target="_blank">缩略图待生成，查看原图</a>', photo.image.url)
    return format_html(
        '<a href="{}" target="_blank" title="查看原图（{}×{}）"><img src="{}" alt="{}" width="{}" height="{}"'
        ' style="max-height:80px;width:auto"></a>',
        photo.image.url,
        photo.width,
        photo.height,
        photo.thumb.url,
        photo,
        *photo.thumb_size,
    )


# --- Progress updates -------------------------------------------------------------------------


class ProgressUpdateForm(forms.ModelForm):
    """An update row. An existing update is locked (all fields disabled, so a tampered POST
    changes nothing) unless the acting user wrote it within the edit window."""

    photo = PhotoFormField(label="照片", required=False, help_text="可选；JPEG、PNG 或 WebP。")
    acting_user = None  # set per request by the admin
    # The form sent twice (back and save again) adds one update: ``core.once``.
    once = OnceField()

    class Meta:
        model = ProgressUpdate
        fields = ["date", "percent", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2, "cols": 50})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["date"].initial = today_in_beijing
        self.locked = bool(self.instance.pk) and not services.update_correctable_by(self.instance, self.acting_user)
        if self.locked:
            for field in self.fields.values():
                field.disabled = True

    def clean(self):
        cleaned = super().clean()
        if (
            self.instance.pk
            and self.has_changed()
            and not services.update_correctable_by(self.instance, self.acting_user)
        ):
            raise ValidationError(services.correction_refusal())
        return cleaned


class ProgressUpdateFormMixin:
    form = ProgressUpdateForm

    def get_form_class_for(self, request, base):
        return type(base.__name__, (base,), {"acting_user": request.user})


def save_update_forms(request, parent, forms_to_save, *, subject: str) -> tuple[list, list]:
    """Writes new and corrected update rows through the services."""
    new, changed = [], []
    for form in forms_to_save:
        if not form.has_changed() or getattr(form, "locked", False):
            continue
        data = form.cleaned_data
        photos = [data["photo"]] if data.get("photo") else []
        if form.instance.pk is None:
            update = services.progress_update_add(
                user=request.user,
                date=data["date"],
                text=data["text"],
                percent=data["percent"],
                photos=photos,
                once=data.get("once") or "",
                **{subject: parent},
            )
            new.append(update)
        else:
            update = services.progress_update_correct(
                update=form.instance, user=request.user, date=data["date"], text=data["text"], percent=data["percent"]
            )
            for image in photos:
                services.update_photo_add(update=update, user=request.user, image=image)
            changed.append((update, [name for name in form.changed_data if name != "photo"] or ["photo"]))
    return new, changed


class UpdateInline(ProgressUpdateFormMixin, ScopedInline):
    model = ProgressUpdate
    fields = ["date", "percent", "text", "photo", "author", "created_at", "photo_count", "once"]
    readonly_fields = ["author", "created_at", "photo_count"]
    can_delete = False  # append-only: street staff delete from the update's own page, audited
    show_change_link = True
    ordering = ["-date", "-pk"]
    verbose_name = "进展"
    verbose_name_plural = "进展时间线（只增不删；填报人可在填报后短时间内修改）"

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = self.get_form_class_for(request, self.form)
        return super().get_formset(request, obj, **kwargs)

    def has_add_permission(self, request, obj=None):
        # A past year's timeline takes no new update (``closing``): no empty row is offered.
        return super().has_add_permission(request, obj) and (obj is None or obj.accepts_updates)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author").prefetch_related("photos")

    @admin.display(description="照片")
    def photo_count(self, obj):
        return len(obj.photos.all()) if obj.pk else 0


class ProjectUpdateInline(UpdateInline):
    fk_name = "project"


class ItemUpdateInline(UpdateInline):
    fk_name = "item"


class UpdatePhotoInline(ScopedInline):
    model = UpdatePhoto
    formfield_overrides = {models.ImageField: {"form_class": PhotoFormField}}
    fields = ["image", "caption", "preview"]
    readonly_fields = ["preview"]
    verbose_name_plural = "照片（保存时生成展示图和缩略图；点缩略图看原图）"

    def has_add_permission(self, request, obj=None):
        # Adding a photo changes the update: the same author-and-window rule applies.
        return super().has_add_permission(request, obj) and (
            obj is None or services.update_correctable_by(obj, request.user)
        )

    def has_change_permission(self, request, obj=None):
        return False  # a photo is kept as uploaded; add another or ask the street to delete

    def has_delete_permission(self, request, obj=None):
        return acts_on_whole_street(request.user) and super().has_delete_permission(request, obj)

    @admin.display(description="缩略图")
    def preview(self, obj):
        return thumbnail(obj)


class SubjectKindFilter(admin.SimpleListFilter):
    title = "类型"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("project", "书记工程"), ("item", "730要点")]

    def queryset(self, request, queryset):
        if self.value() == "project":
            return queryset.for_projects()
        if self.value() == "item":
            return queryset.for_items()
        return queryset


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(SavesThroughService, ProgressUpdateFormMixin, ScopedAdmin):
    list_display = ["date", "subject", "percent", "author", "created_at", "is_demo"]
    list_select_related = ["project__community", "item__theme", "author"]
    list_filter = [SubjectKindFilter, "is_demo"]
    date_hierarchy = "date"
    search_fields = ["text", "project__title", "project__community__name", "item__title"]
    autocomplete_fields = ["project", "item"]
    readonly_fields = ["author", "created_at", "updated_at", "is_demo"]
    inlines = [UpdatePhotoInline]

    def get_fields(self, request, obj=None):
        if obj is None:
            # A secretary has no 730 items to pick from, so the field is not offered.
            subjects = ["project", "item"] if acts_on_whole_street(request.user) else ["project"]
            return [*subjects, "date", "percent", "text", "photo", "once"]
        return ["subject", "date", "percent", "text", "author", "created_at", "updated_at", "is_demo"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "subject"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        return self.get_form_class_for(request, super().get_form(request, obj, change=change, **kwargs))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or services.update_correctable_by(obj, request.user))

    # Deleting follows the permission (the 社区书记 role has none); ``progress_update_delete``
    # refuses anyone but street staff whatever their permissions, and records who and why.

    @admin.display(description="所属")
    def subject(self, obj):
        if obj.project_id:
            return f"书记工程：{obj.project.community.name}·{obj.project.title}"
        if obj.item_id:
            return f"730要点：{obj.item}"
        return "—"

    # The inline formsets hold ``obj``: it gets the saved identity so photos attach to it.
    copied_back = ("street_id", "author_id", "created_at")

    def create(self, request, obj, form):
        data = form.cleaned_data
        return services.progress_update_add(
            user=request.user,
            project=data.get("project"),
            item=data.get("item"),
            date=data["date"],
            text=data["text"],
            percent=data["percent"],
            photos=[data["photo"]] if data.get("photo") else [],
            once=data.get("once") or "",
        )

    def save_change(self, request, obj, form):
        data = form.cleaned_data
        saved = services.progress_update_correct(
            update=obj, user=request.user, date=data["date"], text=data["text"], percent=data["percent"]
        )
        if data.get("photo"):
            services.update_photo_add(update=saved, user=request.user, image=data["photo"])
        return saved

    def save_formset(self, request, form, formset, change):
        if formset.model is not UpdatePhoto:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for photo_form in formset.forms:
            if photo_form.instance.pk is None and photo_form.has_changed() and photo_form.cleaned_data.get("image"):
                formset.new_objects.append(
                    services.update_photo_add(
                        update=form.instance,
                        user=request.user,
                        image=photo_form.cleaned_data["image"],
                        caption=photo_form.cleaned_data.get("caption", ""),
                    )
                )
        for photo in formset.deleted_forms:
            if photo.instance.pk:
                photo.instance._history_user = request.user
                photo.instance.delete()
                formset.deleted_objects.append(photo.instance)

    def delete_model(self, request, obj):
        services.progress_update_delete(update=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for update in queryset:
            services.progress_update_delete(update=update, user=request.user)


# --- 书记工程 ---------------------------------------------------------------------------------


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


# --- 桂城党建730 ------------------------------------------------------------------------------


class WorkThemeInline(ScopedInline):
    """A theme's number, title and weight; its percent follows by itself (``signals``)."""

    model = WorkTheme
    fields = ["number", "title", "weight", "percent"]
    readonly_fields = ["percent"]


@admin.register(WorkPlan)
class WorkPlanAdmin(ProgressColumns, ScopedAdmin):
    list_display = ["year", "title", "short_title", "street", "published_on", "progress", "theme_count", "is_public"]
    list_select_related = ["street"]
    list_filter = ["is_public"]
    search_fields = ["title", "short_title"]
    autocomplete_fields = ["street"]
    readonly_fields = ["percent"]
    inlines = [WorkThemeInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("themes")

    @admin.display(description="主题数")
    def theme_count(self, obj):
        return len(obj.themes.all())


@admin.register(WorkItem)
class WorkItemAdmin(OpenYearsForUpdates, ProgressColumns, ScopedImportExportAdmin):
    year_path = selectors.ITEM_YEAR

    resource_classes = [resources.WorkPlanResource]
    list_display = [
        "code",
        "title",
        "theme",
        "lead_unit",
        "responsible_person",
        "weight",
        "deadline",
        "progress",
        "last_update_on",
        "lagging",
        "is_demo",
    ]
    list_display_links = ["title"]
    list_select_related = ["theme__plan"]
    # Related-only filters: their choices come from the scoped changelist queryset.
    list_filter = [
        ("theme__plan", admin.RelatedOnlyFieldListFilter),
        ("theme", admin.RelatedOnlyFieldListFilter),
        ItemLaggingFilter,
        "is_demo",
    ]
    search_fields = ["title", "lead_unit", "responsible_person", "theme__title"]
    readonly_fields = ["percent", "last_update_on"]
    inlines = [ItemUpdateInline]
    ordering = ["theme__plan__year", "theme__number", "number"]

    def get_queryset(self, request):
        return selectors.items_with_lagging(super().get_queryset(request))

    def get_inline_instances(self, request, obj=None):
        # Item timelines are the street's (a secretary reads the item, not its updates).
        if obj is None or not acts_on_whole_street(request.user):
            return []
        return super().get_inline_instances(request, obj)

    @admin.display(description="编号", ordering="theme__number")
    def code(self, obj):
        return obj.code

    def save_formset(self, request, form, formset, change):
        if formset.model is not ProgressUpdate:
            return super().save_formset(request, form, formset, change)
        new, changed = save_update_forms(request, form.instance, formset.forms, subject="item")
        formset.new_objects, formset.changed_objects, formset.deleted_objects = new, changed, []


# --- Reminders --------------------------------------------------------------------------------


@admin.register(StaleReminder)
class StaleReminderAdmin(ScopedAdmin):
    """What the reminder task sent; read-only. Deleting a record lets the task send again."""

    list_display = ["project", "year", "quarter", "sent_at", "recipients"]
    list_select_related = ["project__community"]
    list_filter = ["year", "quarter"]
    search_fields = ["project__title", "project__community__name", "recipients"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
