"""Field options shared by the project models."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator

PERCENT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]
DERIVED_FIELDS = ["percent", "last_update_on", "status"]
WEIGHT_VALIDATORS = [MinValueValidator(Decimal("0.01"), message="权重须大于 0。")]
