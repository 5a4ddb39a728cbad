"""Excel for the projects app.

- ``WorkPlanResource``: the 730 plan, one row per item, with its plan and theme in the same
  row. Export, edit, import gives the same plan; the natural keys (街道, 年度, 主题序号,
  要点序号) make a re-import change nothing. Any bad row and nothing is written; every bad row
  is reported with the column and the reason.
- ``SecretaryProjectResource``: the year's 书记工程 list (the February publication).
- ``quarterly_report``: the street's quarterly report, every project and item with status,
  percent, last update date and the computed 滞后 flag.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import tablib
from django.core.exceptions import ValidationError
from import_export import fields

from core.importing import (
    ChineseDateWidget,
    ChoiceLabelWidget,
    NumberWidget,
    cell_text,
    neutralise_formula,
    related,
    text,
    upsert,
    yes_no,
)
from core.importing import number as number_field
from organizations.importing import ScopedResource, community_field
from organizations.models import Street

from . import selectors
from .lagging import judge, quarter_of, today_in_beijing
from .models import SecretaryProject, WorkItem, WorkPlan, WorkTheme
from .rollups import ProgressStatus, progress_status


def _read_number(row, column: str, errors: dict, *, decimal: bool = False):
    """A number cell read by the framework's ``NumberWidget``; a bad one is noted in ``errors``."""
    try:
        return NumberWidget(decimal=decimal).clean(row.get(column))
    except ValueError as exc:
        errors[column] = str(exc)
        return None


def _positive_int(row, column: str, errors: dict) -> int | None:
    value = _read_number(row, column, errors)
    if column not in errors and value is None:
        errors[column] = "必填，不能为空。"
    elif column in errors or not 1 <= value <= 32767:
        errors[column] = f"“{cell_text(row.get(column))}”应为正整数。"
    return None if column in errors else value


def _weight(row, column: str, errors: dict) -> Decimal:
    weight = _read_number(row, column, errors, decimal=True)
    if weight is None:
        return Decimal(1)
    if weight <= 0 or weight >= 10000:
        errors[column] = f"权重须大于 0、小于 10000（这一行是 {weight}）。"
    return weight.quantize(Decimal("0.01"))


class WorkPlanResource(ScopedResource):
    """The 730 plan, one row per item. The plan (街道, 年度, 计划名称) and the theme (主题序号,
    主题, 主题权重) ride along in every row: an import creates or updates them first, then the
    item; rows of one theme must agree on its name and weight."""

    street = text("theme__plan__street__name", "街道", readonly=True)
    year = fields.Field(attribute="theme__plan__year", column_name="年度", readonly=True, widget=NumberWidget())
    plan_title = text("theme__plan__title", "计划名称", readonly=True)
    theme = related(
        "theme",
        "主题序号",
        WorkTheme,
        field="number",
        parents={"plan__street__name": "街道", "plan__year": "年度"},
        label="主题",
    )
    theme_title = text("theme__title", "主题", readonly=True)
    theme_weight = fields.Field(
        attribute="theme__weight", column_name="主题权重", readonly=True, widget=NumberWidget(decimal=True)
    )
    number = number_field("number", "要点序号")
    title = text("title", "要点")
    lead_unit = text("lead_unit", "牵头单位")
    responsible_person = text("responsible_person", "责任人")
    weight = number_field("weight", "权重", decimal=True)
    deadline = fields.Field(attribute="deadline", column_name="完成时限", widget=ChineseDateWidget())
    target = text("target", "工作目标", long=True)
    is_demo = yes_no("is_demo", "演示数据")

    key_columns = ("街道", "年度", "主题序号", "要点序号")
    select_related = ("theme__plan__street",)

    class Meta(ScopedResource.Meta):
        model = WorkItem
        name = "桂城党建730（每行一个要点）"
        fields = (
            "street",
            "year",
            "plan_title",
            "theme",
            "theme_title",
            "theme_weight",
            "number",
            "title",
            "lead_unit",
            "responsible_person",
            "weight",
            "deadline",
            "target",
            "is_demo",
        )
        import_id_fields = ("theme", "number")
        export_order = fields

    def get_queryset(self):
        return super().get_queryset().order_by("theme__plan__year", "theme__number", "number")

    def filter_export(self, queryset, **kwargs):
        return super().filter_export(queryset, **kwargs).order_by("theme__plan__year", "theme__number", "number")

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._themes_seen: dict[tuple, tuple[int, str, Decimal]] = {}

    def before_import_row(self, row, **kwargs):
        """Creates or updates the row's plan and theme, so the item can point at them."""
        super().before_import_row(row, **kwargs)
        errors: dict[str, str] = {}
        street_name = cell_text(row.get("街道"))
        street = Street.objects.filter(name=street_name).first()
        if street is None:
            errors["街道"] = f"找不到街道“{street_name}”，请核对名称。" if street_name else "必填，不能为空。"
        year = _positive_int(row, "年度", errors)
        if year is not None and not 2000 <= year <= 2100:
            errors["年度"] = f"年度“{year}”不合理，应为 2000–2100 之间的年份。"
        theme_number = _positive_int(row, "主题序号", errors)
        _positive_int(row, "要点序号", errors)
        theme_title = cell_text(row.get("主题"))
        if not theme_title:
            errors["主题"] = "必填，不能为空。"
        theme_weight = _weight(row, "主题权重", errors)
        if errors:
            raise ValidationError(errors)

        line = kwargs["row_number"] + 1  # as Excel numbers it: the header is line 1
        key = (street.pk, year, theme_number)
        first = self._themes_seen.setdefault(key, (line, theme_title, theme_weight))
        if (first[1], first[2]) != (theme_title, theme_weight):
            raise ValidationError(
                {
                    "主题": f"主题序号 {theme_number} 在第{first[0]}行是“{first[1]}”（权重 {first[2]}），"
                    f"这一行是“{theme_title}”（权重 {theme_weight}）：同一主题的名称和权重须一致。"
                }
            )

        plan_title = cell_text(row.get("计划名称"))
        if not plan_title and not WorkPlan.objects.filter(street=street, year=year).exists():
            raise ValidationError({"计划名称": f"{year}年还没有工作计划，新建时须填写计划名称。"})
        plan, _ = upsert(WorkPlan, street=street, year=year, defaults={"title": plan_title} if plan_title else {})
        # A new or re-weighted theme or item re-rolls its plan by itself (``signals``).
        upsert(WorkTheme, plan=plan, number=theme_number, defaults={"title": theme_title, "weight": theme_weight})


class SecretaryProjectResource(ScopedResource):
    """The year's 书记工程 list, keyed by (街道, 社区, 年度). The status and the last three
    columns are computed and ignored on import."""

    street = text("community__street__name", "街道", readonly=True)
    community = community_field()
    year = number_field("year", "年度")
    title = text("title", "项目名称")
    focus = text("focus", "聚焦问题", long=True)
    plan = text("plan", "实施计划", long=True)
    status = fields.Field(
        attribute="status",
        column_name="状态（自动，只读）",
        readonly=True,
        widget=ChoiceLabelWidget(SecretaryProject.Status.choices, label="状态"),
    )
    is_public = yes_no("is_public", "公开")
    is_demo = yes_no("is_demo", "演示数据")
    percent = fields.Field(attribute="percent", column_name="完成进度（%，只读）", readonly=True, widget=NumberWidget())
    last_update_on = fields.Field(
        attribute="last_update_on", column_name="最近进展（只读）", readonly=True, widget=ChineseDateWidget()
    )
    lagging = fields.Field(column_name="滞后（自动，只读）", readonly=True)

    key_columns = ("街道", "社区", "年度")
    select_related = ("community__street",)

    class Meta(ScopedResource.Meta):
        model = SecretaryProject
        name = "书记工程"
        fields = (
            "street",
            "community",
            "year",
            "title",
            "focus",
            "plan",
            "status",
            "is_public",
            "is_demo",
            "percent",
            "last_update_on",
            "lagging",
        )
        import_id_fields = ("community", "year")
        export_order = fields

    def dehydrate_lagging(self, project):
        flag = getattr(project, "is_lagging", None)
        if flag is None:
            flag = judge(
                percent=project.percent,
                last_update_on=project.last_update_on,
                year=project.year,
                today=today_in_beijing(),
            ).lagging
        return "是" if flag else "否"


# --- The quarterly report ---------------------------------------------------------------------


def _safe(values: list) -> list:
    """Text a spreadsheet would run as a formula is written as text."""
    return [neutralise_formula(value) for value in values]


def _day(value: date | None) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


def _item_status(item: WorkItem) -> str:
    """An item's status, read off its timeline by the rule projects follow (``rollups``); the
    滞后 flag is beside it."""
    return ProgressStatus(progress_status(percent=item.percent, last_update_on=item.last_update_on)).label


def _reasons(record, year: int, today: date) -> str:
    return "；".join(
        judge(percent=record.percent, last_update_on=record.last_update_on, year=year, today=today).reasons
    )


def quarter_end(year: int, quarter: int) -> date:
    return date(year, 12, 31) if quarter == 4 else date(year, 3 * quarter + 1, 1) - timedelta(days=1)


def quarterly_report(
    *, user, street: Street, year: int, quarter: int | None = None, today: date | None = None
) -> tuple[str, bytes]:
    """``street``'s report for ``year``'s ``quarter`` (without one: the year, as of ``today``):
    ``(file name, xlsx bytes)``, holding only what ``user``'s scope reaches (the admin's one
    rule, as in its changelists). A quarter is judged as of its last day, or ``today`` while it
    runs: the 滞后 flags are those of that day (progress figures are the records' current ones).

    Sheets: 书记工程 (every project, public or not), 730要点 (every item), 730主题 (themes and the
    plan's roll-up). Five queries whatever the size.
    """
    today = today or today_in_beijing()
    if quarter is not None:
        today = min(today, quarter_end(year, quarter))
        period = f"{year}年第{quarter}季度"
    else:
        period = f"{year}年第{quarter_of(today)}季度" if today.year == year else f"{year}年度"

    projects = tablib.Dataset(
        headers=[
            "社区",
            "项目名称",
            "状态（填报）",
            "完成进度（%）",
            "最近进展日期",
            "滞后（自动）",
            "滞后原因",
            "演示数据",
        ],
        title="书记工程",
    )
    for project in selectors.report_projects(user=user, street_id=street.pk, year=year, today=today):
        projects.append(
            _safe(
                [
                    project.community.name,
                    project.title,
                    project.get_status_display(),
                    project.percent,
                    _day(project.last_update_on),
                    "是" if project.is_lagging else "否",
                    _reasons(project, year, today),
                    "是" if project.is_demo else "否",
                ]
            )
        )

    items = tablib.Dataset(
        headers=[
            "编号",
            "主题",
            "要点",
            "牵头单位",
            "责任人",
            "权重",
            "状态",
            "完成进度（%）",
            "最近进展日期",
            "滞后（自动）",
            "滞后原因",
        ],
        title="730要点",
    )
    for item in selectors.report_items(user=user, street_id=street.pk, year=year, today=today):
        items.append(
            _safe(
                [
                    item.code,
                    item.theme.title,
                    item.title,
                    item.lead_unit,
                    item.responsible_person,
                    float(item.weight),
                    _item_status(item),
                    item.percent,
                    _day(item.last_update_on),
                    "是" if item.is_lagging else "否",
                    _reasons(item, year, today),
                ]
            )
        )

    themes = tablib.Dataset(headers=["序号", "主题", "权重", "完成进度（%）"], title="730主题")
    for plan in selectors.report_plans(user=user, street_id=street.pk, year=year):
        for theme in plan.themes.all():
            themes.append(_safe([theme.number, theme.title, float(theme.weight), float(theme.percent)]))
        themes.append(_safe(["", f"{plan.short_title or plan.title}（合计）", "", float(plan.percent)]))

    # The workbook's title (shown in its properties and by office suites) names the period too.
    workbook = openpyxl.load_workbook(io.BytesIO(tablib.Databook([projects, items, themes]).export("xlsx")))
    workbook.properties.title = f"{street.name}党建季度报表（{period}，截至{today:%Y-%m-%d}）"
    out = io.BytesIO()
    workbook.save(out)
    return f"{street.name}党建季度报表_{period}_截至{today:%Y%m%d}.xlsx", out.getvalue()
