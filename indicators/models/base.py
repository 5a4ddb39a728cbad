"""Field options shared by the 战斗力指数 models."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator

POINTS = {"max_digits": 6, "decimal_places": 2}
STAR_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]
THRESHOLD_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]

# STREET_LEVEL — schemes, periods, mentors, instructors and published figures belong to a street:
# every community of the street reaches them through ``street__communities`` (a secretary reads
# them, by the 社区书记 role's view-only permissions), street staff keep them, and nobody of
# another street sees them. Scores, ratings and cases reach a community through their subject.
