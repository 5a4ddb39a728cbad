"""书记工程 (one project per community per year) and 桂城党建730 (plan → themes → items), with
their progress timelines.

Percentages and a 书记工程's status shown on the boards are roll-ups (``projects/rollups.py``).
They are stored on the records for speed — so the admin can sort and filter by them in one
query — and only ``services.rollups_recompute`` writes them; they are kept out of the change history, which
records what people typed, not what was derived from it.
"""

from .base import DERIVED_FIELDS, PERCENT_VALIDATORS, PROJECT_DERIVED_FIELDS, WEIGHT_VALIDATORS
from .plan730 import WorkItem, WorkItemQuerySet, WorkPlan, WorkPlanQuerySet, WorkTheme
from .progress import ProgressUpdate, ProgressUpdateQuerySet, StaleReminder, UpdatePhoto
from .secretary import ProjectMilestone, ProjectTarget, SecretaryProject, SecretaryProjectQuerySet

__all__ = [
    "PERCENT_VALIDATORS",
    "DERIVED_FIELDS",
    "PROJECT_DERIVED_FIELDS",
    "WEIGHT_VALIDATORS",
    "SecretaryProjectQuerySet",
    "SecretaryProject",
    "ProjectTarget",
    "ProjectMilestone",
    "WorkPlanQuerySet",
    "WorkPlan",
    "WorkTheme",
    "WorkItemQuerySet",
    "WorkItem",
    "ProgressUpdateQuerySet",
    "ProgressUpdate",
    "UpdatePhoto",
    "StaleReminder",
]
