"""战斗力指数: scoring schemes, rating periods, scores, star ratings (流动星级) and the 软弱涣散
rectification with its 一村一策 plan, 指导员 and 导师团; and the published key figures (数读).

A period is rated by one pass over its scores when it closes (``services.period_close``). The
thresholds and weights in force are copied onto the period then (``Period.rules``), and every
rating stores its total and stars, so editing a scheme later never rewrites a closed period.
Ratings, and the cases the close opens and closes, are written by the system only.
"""

from .base import POINTS, STAR_VALIDATORS, THRESHOLD_VALIDATORS
from .helpers import Instructor, InstructorQuerySet, Mentor
from .periods import Period, PeriodQuerySet
from .published import PublishedFigure
from .ratings import Rating, RatingQuerySet, Score
from .rectification import FollowUpVisit, RectificationCase, RectificationCaseQuerySet
from .schemes import Dimension, Scheme, SchemeQuerySet, SubIndicator

__all__ = [
    "POINTS",
    "STAR_VALIDATORS",
    "THRESHOLD_VALIDATORS",
    "SchemeQuerySet",
    "Scheme",
    "Dimension",
    "SubIndicator",
    "PeriodQuerySet",
    "Period",
    "InstructorQuerySet",
    "Instructor",
    "Mentor",
    "Score",
    "RatingQuerySet",
    "Rating",
    "RectificationCaseQuerySet",
    "RectificationCase",
    "FollowUpVisit",
    "PublishedFigure",
]
