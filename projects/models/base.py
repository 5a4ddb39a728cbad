"""Field options shared by the project models."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator

PERCENT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]
DERIVED_FIELDS = ["percent", "last_update_on", "progress_is_demo"]
# A 书记工程 derives its status too (``rollups.progress_status``); 730 items have none.
PROJECT_DERIVED_FIELDS = [*DERIVED_FIELDS, "status"]
# 进度来自演示数据: the stored percent comes from demo progress updates (``rollups``), so the
# public pages mark it 演示数据 even on a real project or plan.
PROGRESS_IS_DEMO_HELP = "完成进度来自演示数据生成的进展（由系统计算）；公开页面标注“演示数据”。"
WEIGHT_VALIDATORS = [MinValueValidator(Decimal("0.01"), message="权重须大于 0。")]
