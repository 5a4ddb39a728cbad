"""Admin of progress updates: the inlines on projects and 730 items, and the updates' own list."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models

from core.once import OnceField
from organizations.admin_base import SavesThroughService, ScopedAdmin, ScopedInline
from organizations.scope import acts_on_whole_street

from .. import services
from ..lagging import today_in_beijing
from ..models import (
    ProgressUpdate,
    UpdatePhoto,
)
from ..validators import PhotoFormField
from .base import thumbnail


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
