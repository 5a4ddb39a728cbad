"""What the project admins share: lagging filters, open years for updates, progress columns, thumbnails."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from .. import closing, selectors
from ..lagging import lagging_q, today_in_beijing
from ..models import (
    ProgressUpdate,
    UpdatePhoto,
)


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
