"""Admin of the 战斗力指数 and the 数读核对 page. Thin: scoping comes from the Scoped* bases,
writes of periods, scores, cases, visits and instructors go through ``services``, reads through
``selectors``."""

from .base import OverdueFilter, PublicFilter, StreetFilter, _message_errors
from .helpers import InstructorAdmin, InstructorForm, MentorAdmin
from .periods import PeriodAdmin, ReopenForm
from .published import PublishedFigureAdmin
from .ratings import RatingAdmin, ScoreAdmin, explanation_table
from .rectification import FollowUpVisitAdmin, FollowUpVisitInline, RectificationCaseAdmin
from .schemes import DimensionAdmin, DimensionInline, SchemeAdmin, SubIndicatorInline

__all__ = [
    "StreetFilter",
    "OverdueFilter",
    "PublicFilter",
    "_message_errors",
    "DimensionInline",
    "SchemeAdmin",
    "SubIndicatorInline",
    "DimensionAdmin",
    "ReopenForm",
    "PeriodAdmin",
    "ScoreAdmin",
    "explanation_table",
    "RatingAdmin",
    "FollowUpVisitInline",
    "RectificationCaseAdmin",
    "FollowUpVisitAdmin",
    "InstructorForm",
    "InstructorAdmin",
    "MentorAdmin",
    "PublishedFigureAdmin",
]
