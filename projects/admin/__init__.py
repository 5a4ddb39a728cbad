"""Admin of 书记工程 and 730. Thin: scoping comes from the Scoped* bases, writes go through
``services``, the 滞后 flag from ``lagging`` (annotated in the changelist query)."""

from .base import ItemLaggingFilter, LaggingFilter, OpenYearsForUpdates, ProgressColumns, percent_bar, thumbnail
from .plan730 import StaleReminderAdmin, WorkItemAdmin, WorkPlanAdmin, WorkThemeInline
from .progress import (
    ItemUpdateInline,
    ProgressUpdateAdmin,
    ProgressUpdateForm,
    ProgressUpdateFormMixin,
    ProjectUpdateInline,
    SubjectKindFilter,
    UpdateInline,
    UpdatePhotoInline,
    save_update_forms,
)
from .secretary import (
    FIRST_REPORT_YEAR,
    ProjectMilestoneInline,
    ProjectTargetInline,
    QuarterlyReportForm,
    SecretaryProjectAdmin,
)

__all__ = [
    "LaggingFilter",
    "ItemLaggingFilter",
    "OpenYearsForUpdates",
    "ProgressColumns",
    "percent_bar",
    "thumbnail",
    "ProgressUpdateForm",
    "ProgressUpdateFormMixin",
    "save_update_forms",
    "UpdateInline",
    "ProjectUpdateInline",
    "ItemUpdateInline",
    "UpdatePhotoInline",
    "SubjectKindFilter",
    "ProgressUpdateAdmin",
    "ProjectTargetInline",
    "ProjectMilestoneInline",
    "FIRST_REPORT_YEAR",
    "QuarterlyReportForm",
    "SecretaryProjectAdmin",
    "WorkThemeInline",
    "WorkPlanAdmin",
    "WorkItemAdmin",
    "StaleReminderAdmin",
]
