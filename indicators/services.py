"""Writes of the indicators app. Every function takes the acting user explicitly, validates
before saving and runs in one transaction; side effects (the rating pass, cache invalidation)
wait for the commit.

The life of a period: ``period_close`` (street staff) freezes the scores, snapshots the rules
and queues ``tasks.compute_period_ratings``, which runs ``period_ratings_compute``: one pass that
rates every subject, opens and closes rectification cases, in a number of queries that does not
depend on how many subjects there are. ``period_publish`` puts it on the honour roll;
``period_reopen`` undoes a close, with a reason, for street staff.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Case, Count, DecimalField, Exists, F, Max, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Round
from django.utils import timezone

from core import registry
from core.importing import upsert
from core.once import first_of, insert_once
from core.public_cache import public_content_changed
from organizations.models import Street
from organizations.scope import acts_on_whole_street, require, scope_of

from .models import (
    Dimension,
    FollowUpVisit,
    Instructor,
    Period,
    PublishedFigure,
    Rating,
    RectificationCase,
    Scheme,
    Score,
    SubIndicator,
)
from .setsql import copy_to_history, db_datetime, insert_select
from .stars import stars_case

INDICATORS_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "indicators.json"
WEIGHT_TOTAL = Decimal(100)
# How many subjects a refusal names before "…".
NAMED_IN_MESSAGE = 10


# A view-only account of the street (an auditor) sees periods but never closes, publishes or
# reopens one.
PERIOD_REFUSAL = "你只能查看评定期，没有评定、公布或重新打开的权限。"


def _require_street_staff(user, message: str) -> None:
    if not acts_on_whole_street(user):
        raise PermissionDenied(message)


def _in_scope(model, pk: int, user) -> bool:
    return model.objects.scoped_for(user).filter(pk=pk).exists()


# --- Scores -----------------------------------------------------------------------------------


@transaction.atomic
def score_save(*, score: Score, user) -> Score:
    """Enter or correct a score of an open period, inside the user's scope."""
    action = "add" if score.pk is None else "change"
    require(user, f"indicators.{action}_score", message="你只能查看评分，没有录入或更正的权限。")
    if score.pk is not None and not _in_scope(Score, score.pk, user):
        raise PermissionDenied("这条评分不在你的工作范围内。")
    if score.subject_id and not _in_scope(Score.subject.field.related_model, score.subject_id, user):
        raise PermissionDenied("这个评定对象不在你的工作范围内。")
    if score.pk is not None:
        # The period of the stored row decides: a closed period's scores stay as they were.
        stored = Score.objects.select_related("period").get(pk=score.pk)
        if not stored.period.is_open:
            raise ValidationError({"period": f"“{stored.period}”已评定，评分不能再修改。"})
    if score.period_id:
        # Read (and lock) the period afresh: a close committed meanwhile must refuse this score,
        # and a close waiting on the lock sees it.
        score.period = Period.objects.select_for_update().select_related("scheme").get(pk=score.period_id)
    score.full_clean()
    score._history_user = user
    score.save()
    return score


@transaction.atomic
def score_delete(*, score: Score, user) -> None:
    if not _in_scope(Score, score.pk, user):
        raise PermissionDenied("这条评分不在你的工作范围内。")
    if not Score.objects.filter(pk=score.pk, period__status=Period.Status.OPEN).exists():
        raise ValidationError("已评定的评定期，评分不能删除。")
    score._history_user = user
    score.delete()


# --- Closing a period ---------------------------------------------------------------------------


def _rules_of(scheme: Scheme) -> dict:
    dimensions = list(scheme.dimensions.order_by("number"))
    if not dimensions:
        raise ValidationError(f"方案“{scheme}”还没有评分维度，不能评定。")
    weights = sum((d.weight for d in dimensions), Decimal(0))
    if weights != WEIGHT_TOTAL:
        raise ValidationError(f"方案“{scheme}”各维度权重之和应为 100，现为 {weights.normalize():f}，请先调整。")
    return {
        "scheme": scheme.pk,
        "scheme_name": str(scheme),
        "thresholds": [str(t) for t in scheme.thresholds],
        "rectification_level": scheme.rectification_level,
        "honour_level": scheme.honour_level,
        "dimensions": [
            {"id": d.pk, "name": d.name, "weight": str(d.weight), "max_points": str(d.max_points)} for d in dimensions
        ],
    }


def _incomplete_subjects(period: Period, dimension_count: int) -> list[str]:
    rows = (
        Score.objects.filter(period=period)
        .values("subject__name")
        .annotate(n=Count("pk"))
        .filter(n__lt=dimension_count)
        .order_by("subject__name")
        .values_list("subject__name", flat=True)
    )
    return list(rows[: NAMED_IN_MESSAGE + 1])


def _same_series(period: Period):
    """The periods a period's stars are compared with: same street, same kind of subject."""
    return Period.objects.filter(street_id=period.street_id, scheme__subject_kind=period.scheme.subject_kind)


def _previous_period(period: Period) -> Period | None:
    """The latest closed or published period of the series that ended before this one."""
    return (
        _same_series(period)
        .exclude(status=Period.Status.OPEN)
        .filter(ends_on__lt=period.ends_on)
        .order_by("-ends_on")
        .first()
    )


@transaction.atomic
def period_close(*, period: Period, user) -> Period:
    """Close a period: scores freeze, the rules in force are copied onto it, and the rating
    pass is queued. Street staff only. Closing a closed period changes nothing."""
    _require_street_staff(user, "只有街道工作人员可以评定。")
    require(user, "indicators.change_period", message=PERIOD_REFUSAL)
    if not _in_scope(Period, period.pk, user):
        raise PermissionDenied("这个评定期不在你的工作范围内。")
    return period_close_unchecked(period=period, closed_by=user)


@transaction.atomic
def period_close_unchecked(*, period: Period, closed_by=None) -> Period:
    """``period_close`` without the permission check, for the demo data and the benchmark
    (``closed_by`` None: the system)."""
    period = Period.objects.select_for_update().select_related("scheme").get(pk=period.pk)
    if not period.is_open:
        return period
    rules = _rules_of(period.scheme)
    incomplete = _incomplete_subjects(period, len(rules["dimensions"]))
    if incomplete:
        names = "、".join(incomplete[:NAMED_IN_MESSAGE]) + ("等" if len(incomplete) > NAMED_IN_MESSAGE else "")
        raise ValidationError(f"以下对象的评分不完整（每个维度都要有得分）：{names}。")
    if not Score.objects.filter(period=period).exists():
        raise ValidationError(f"“{period}”还没有任何评分，不能评定。")
    later = _same_series(period).exclude(status=Period.Status.OPEN).filter(ends_on__gt=period.ends_on).first()
    if later is not None:
        # Its stars were compared with an older period; rating this one now would leave that
        # comparison wrong. Reopen the later one first.
        raise ValidationError(f"评定须按时间先后进行：更晚的“{later}”已评定，请先重新打开它。")
    period.status = Period.Status.CLOSED
    period.closed_at = timezone.now()
    period.closed_by = closed_by if getattr(closed_by, "pk", None) else None
    period.rules = rules
    period.previous_period = _previous_period(period)
    period.ratings_computed_at = None
    period._history_user = period.closed_by
    period._change_reason = "评定"
    period.save()
    transaction.on_commit(lambda: _queue_ratings(period.pk))
    return period


def _queue_ratings(period_id: int) -> None:
    from .tasks import compute_period_ratings

    compute_period_ratings.delay(period_id)


def _total_expression(rules: dict):
    """Σ score × (weight ÷ 满分) over the dimensions of the rules, rounded to two decimals. The
    factor is worked out here in Decimal: the database only multiplies (SQLite would divide two
    whole numbers as integers)."""
    decimal = DecimalField(max_digits=40, decimal_places=20)
    factor = Case(
        *[
            When(dimension_id=d["id"], then=Value(Decimal(d["weight"]) / Decimal(d["max_points"])))
            for d in rules["dimensions"]
        ],
        default=Value(Decimal(0)),
        output_field=decimal,
    )
    return Round(Sum(F("value") * factor, output_field=decimal), 2)


def _ratings_select(period: Period, now) -> tuple[str, list]:
    """One SELECT yielding a rating row per scored subject: total and stars (the ORM builds
    them, the star rule as ``stars.stars_case``), then rank in the street, the previous stars
    and the movement around it."""
    rules = period.rules
    thresholds = [Decimal(t) for t in rules["thresholds"]]
    inner = (
        Score.objects.filter(period=period)
        .order_by()
        .values(_subject=F("subject_id"), _street=F("subject__street_id"))
        .annotate(_total=_total_expression(rules))
        .annotate(_stars=stars_case(F("_total"), thresholds))
        .values("_subject", "_street", "_total", "_stars")
    )
    inner_sql, inner_params = inner.query.sql_with_params()
    qn = connection.ops.quote_name
    rating = qn(Rating._meta.db_table)
    subject, stars, period_column = (qn(Rating._meta.get_field(n).column) for n in ("subject", "stars", "period"))
    sql = (
        # Names come from the models' _meta and the ORM; every value is a parameter.
        f"SELECT %s, c._subject, c._total, c._stars, p.{stars}, "  # noqa: S608
        f"CASE WHEN p.{stars} IS NULL THEN 'new' WHEN c._stars > p.{stars} THEN 'up' "
        f"WHEN c._stars < p.{stars} THEN 'down' ELSE 'same' END, "
        f"RANK() OVER (PARTITION BY c._street ORDER BY c._total DESC), %s "
        f"FROM ({inner_sql}) c "
        f"LEFT JOIN {rating} p ON p.{subject} = c._subject AND p.{period_column} = %s"
    )
    # Placeholders in text order: the two literals, the inner query's, the previous period.
    return sql, [period.pk, db_datetime(now), *inner_params, period.previous_period_id]


RATING_COLUMNS = ["period", "subject", "total", "stars", "previous_stars", "movement", "rank", "created_at"]


@dataclass(frozen=True)
class PassResult:
    rated: int = 0
    cases_opened: int = 0
    cases_closed: int = 0


@transaction.atomic
def period_ratings_compute(*, period_id: int) -> PassResult:
    """The rating pass of a closed period. Idempotent: a period already computed, reopened
    meanwhile or gone is left alone. Queries: the period, leftovers, the ratings INSERT…SELECT
    and its history, new cases and their history, closed cases and their history, the period."""
    period = Period.objects.select_for_update().filter(pk=period_id).first()
    if period is None or period.is_open or period.ratings_computed_at is not None:
        return PassResult()
    if period.previous_period_id:
        # Closed in quick succession, the previous period's pass may not have run yet: its
        # stars are what this one moves from, so it goes first (a no-op when already done).
        period_ratings_compute(period_id=period.previous_period_id)
    now = timezone.now()
    user_id = period.closed_by_id
    reason = f"{period}评定"
    _discard_ratings(period, user_id=user_id, reason="重新评定前清除", when=now)

    sql, params = _ratings_select(period, now)
    rated = insert_select(Rating, RATING_COLUMNS, sql, params)
    ratings = Rating.objects.filter(period=period)
    copy_to_history(ratings, history_type="+", when=now, user_id=user_id, reason=reason)

    level = period.rules["rectification_level"]
    opened = _open_cases(period, level=level, now=now, user_id=user_id)
    closed = _close_cases(period, level=level, now=now, user_id=user_id)

    period.ratings_computed_at = now
    period._history_user = period.closed_by
    period._change_reason = f"星级计算完成：{rated} 个对象"
    period.save(update_fields=["ratings_computed_at"])
    transaction.on_commit(registry.invalidate)
    public_content_changed()  # the INSERT … SELECTs and UPDATEs above send no post_save
    return PassResult(rated=rated, cases_opened=opened, cases_closed=closed)


def _open_cases(period: Period, *, level: int, now, user_id) -> int:
    """A case for every subject rated at or below ``level`` that has no open case."""
    open_case = RectificationCase.objects.filter(subject_id=OuterRef("subject_id"), status="open")
    weak = (
        Rating.objects.filter(period=period, stars__lte=level)
        .exclude(Exists(open_case))
        .order_by()
        .values("subject_id")
    )
    weak_sql, weak_params = weak.query.sql_with_params()
    columns = ["subject", "opened_in", "status", "analysis", "measures", "owner", "created_at", "updated_at", "is_demo"]
    sql = f"SELECT w.subject_id, %s, 'open', '', '', '', %s, %s, %s FROM ({weak_sql}) w"  # noqa: S608
    stamp = db_datetime(now)
    opened = insert_select(RectificationCase, columns, sql, [period.pk, stamp, stamp, period.is_demo, *weak_params])
    if opened:
        new = RectificationCase.objects.filter(opened_in=period, created_at=now)
        copy_to_history(new, history_type="+", when=now, user_id=user_id, reason=f"{period}评定为{level}星及以下")
    return opened


def _close_cases(period: Period, *, level: int, now, user_id) -> int:
    """Open cases of subjects this period rates above ``level``, opened by an earlier period."""
    above = Rating.objects.filter(period=period, stars__gt=level).values("subject_id")
    closed = RectificationCase.objects.filter(
        status=RectificationCase.Status.OPEN,
        opened_in__ends_on__lt=period.ends_on,
        subject_id__in=Subquery(above),
    ).update(status=RectificationCase.Status.CLOSED, closed_in=period, updated_at=now)
    if closed:
        done = RectificationCase.objects.filter(closed_in=period, updated_at=now)
        copy_to_history(done, history_type="~", when=now, user_id=user_id, reason=f"{period}评定高于{level}星，销号")
    return closed


def _discard_ratings(period: Period, *, user_id, reason: str, when) -> int:
    ratings = Rating.objects.filter(period=period)
    if not ratings.exists():
        return 0
    copy_to_history(ratings, history_type="-", when=when, user_id=user_id, reason=reason)
    return ratings._raw_delete(ratings.db)


@transaction.atomic
def period_publish(*, period: Period, user) -> Period:
    """Put a rated period on the public honour roll. Street staff only."""
    _require_street_staff(user, "只有街道工作人员可以公布评定结果。")
    require(user, "indicators.change_period", message=PERIOD_REFUSAL)
    if not _in_scope(Period, period.pk, user):
        raise PermissionDenied("这个评定期不在你的工作范围内。")
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status == Period.Status.PUBLISHED:
        return period
    if period.status != Period.Status.CLOSED or period.ratings_computed_at is None:
        raise ValidationError(f"“{period}”尚未评定完成，不能公布。")
    period.status = Period.Status.PUBLISHED
    period.published_at = timezone.now()
    period._history_user = user
    period._change_reason = "公布"
    period.save()
    transaction.on_commit(registry.invalidate)
    return period


@transaction.atomic
def period_reopen(*, period: Period, user, reason: str) -> Period:
    """Undo a close so scores can be corrected: street staff only, with a reason that stays in
    the change history. A published period stays as published, and so does a period a later
    rated period has been compared with. The close's ratings are removed; cases it opened that
    nobody has worked on yet are removed, cases it closed are open again."""
    _require_street_staff(user, "只有街道工作人员可以重新打开评定期。")
    require(user, "indicators.change_period", message=PERIOD_REFUSAL)
    if not _in_scope(Period, period.pk, user):
        raise PermissionDenied("这个评定期不在你的工作范围内。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写重新打开的原因。"})
    period = Period.objects.select_for_update().select_related("scheme").get(pk=period.pk)
    if period.status == Period.Status.PUBLISHED:
        raise ValidationError(f"“{period}”已公布，不能重新打开。")
    if period.status != Period.Status.CLOSED:
        raise ValidationError(f"“{period}”正在评分中，无需重新打开。")
    later = Period.objects.filter(previous_period=period).exclude(status=Period.Status.OPEN).first()
    if later is not None:
        raise ValidationError(f"“{later}”已与本期比较升降，不能重新打开本期。")
    now = timezone.now()
    _discard_ratings(period, user_id=user.pk, reason=f"重新打开：{reason}", when=now)

    untouched = RectificationCase.objects.filter(
        opened_in=period, status=RectificationCase.Status.OPEN, analysis="", measures="", owner=""
    ).filter(deadline__isnull=True, instructor__isnull=True, mentors__isnull=True, visits__isnull=True)
    for case in untouched:
        case._history_user, case._change_reason = user, f"重新打开{period}：{reason}"
        case.delete()
    for case in RectificationCase.objects.filter(closed_in=period):
        case.status, case.closed_in, case.updated_at = RectificationCase.Status.OPEN, None, now
        case._history_user, case._change_reason = user, f"重新打开{period}：{reason}"
        case.save()

    period.status = Period.Status.OPEN
    period.closed_at = period.closed_by = period.ratings_computed_at = period.previous_period = None
    period.rules = {}
    period._history_user = user
    period._change_reason = f"重新打开：{reason}"
    period.save()
    transaction.on_commit(registry.invalidate)
    return period


# --- Rectification ------------------------------------------------------------------------------


@transaction.atomic
def case_save(*, case: RectificationCase, user) -> RectificationCase:
    """Keep a case's 一村一策 plan, instructor and mentors. Cases are opened and closed by the
    rating pass only."""
    if case.pk is None:
        raise PermissionDenied("整顿案例由星级评定自动纳入，不能手工新建。")
    if not _in_scope(RectificationCase, case.pk, user):
        raise PermissionDenied("这个整顿案例不在你的工作范围内。")
    case.updated_at = timezone.now()
    case.full_clean()
    case._history_user = user
    case.save()
    return case


@transaction.atomic
def visit_add(
    *, case: RectificationCase, user, visited_on: date, notes: str, next_steps: str = "", once: str = ""
) -> FollowUpVisit:
    """Record a follow-up visit to a subject under rectification (its 指导员, a mentor or the
    community's secretary). A form sent twice (``once``, see ``core.once``) records
    one visit and answers the second time with it."""
    require(user, "indicators.add_followupvisit", message="你只能查看整顿案例，没有记录走访的权限。")
    if not _in_scope(RectificationCase, case.pk, user):
        raise PermissionDenied("这个整顿案例不在你的工作范围内。")

    def same(first):
        return (first.case_id, first.visitor_id, first.visited_on) == (case.pk, user.pk, visited_on)

    if (first := first_of(FollowUpVisit, once, same=same)) is not None:
        return first
    visit = FollowUpVisit(case=case, visited_on=visited_on, notes=notes, next_steps=next_steps, visitor=user)
    visit.full_clean()
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": "走访日期不能晚于今天。"})
    visit._history_user = user
    return insert_once(visit, once, visit.save, same=same)


@transaction.atomic
def instructor_save(*, instructor: Instructor, user) -> Instructor:
    _require_street_staff(user, "指导员由街道工作人员管理。")
    instructor.full_clean()
    instructor._history_user = user
    instructor.save()
    transaction.on_commit(registry.invalidate)
    return instructor


# --- Reference data -----------------------------------------------------------------------------


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@transaction.atomic
def indicators_load(*, path: Path = INDICATORS_FIXTURE) -> list[Scheme]:
    """Load the default schemes and the published key figures. Idempotent: records are matched
    on their natural keys and saved only when something changed; a scheme already used by a
    rated period is left as it is (a change needs a new version)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    articles = data["articles"]
    schemes = []
    for item in data["schemes"]:
        street = Street.objects.get(name=item["street"])
        key = {"street": street, "subject_kind": item["subject_kind"], "year": item["year"], "version": item["version"]}
        existing = Scheme.objects.filter(**key).first()
        if existing is not None and existing.periods.exclude(status=Period.Status.OPEN).exists():
            schemes.append(existing)
            continue
        scheme, _ = upsert(
            Scheme,
            defaults={
                "name": item["name"],
                "star5_min": Decimal(item["thresholds"][0]),
                "star4_min": Decimal(item["thresholds"][1]),
                "star3_min": Decimal(item["thresholds"][2]),
                "star2_min": Decimal(item["thresholds"][3]),
                "rectification_level": item["rectification_level"],
                "honour_level": item["honour_level"],
                "description": item["description"],
            },
            **key,
        )
        for number, dimension_data in enumerate(item["dimensions"], start=1):
            dimension, _ = upsert(
                Dimension,
                scheme=scheme,
                name=dimension_data["name"],
                defaults={
                    "number": number,
                    "weight": Decimal(dimension_data["weight"]),
                    "max_points": Decimal(dimension_data["max_points"]),
                    "description": dimension_data.get("description", ""),
                },
            )
            for sub_number, sub in enumerate(dimension_data.get("sub_indicators", []), start=1):
                upsert(
                    SubIndicator,
                    dimension=dimension,
                    name=sub["name"],
                    defaults={"number": sub_number, "max_points": Decimal(sub["max_points"])},
                )
        schemes.append(scheme)

    for order, item in enumerate(data["published_figures"]):
        street = Street.objects.get(name=item["street"])
        article = articles[item["source"]]
        upsert(
            PublishedFigure,
            street=street,
            label=item["label"],
            defaults={
                "value": Decimal(str(item["value"])),
                "unit": item["unit"],
                "comparison": item["comparison"],
                "figure_name": item.get("figure", ""),
                "source": item["source"],
                "article": article["title"],
                "published_on": _date(article.get("published_on")),
                "date_note": article.get("date_note", ""),
                "note": item.get("note", ""),
                "sort_order": order,
            },
        )
    return schemes


# --- Scheme copy ------------------------------------------------------------------------------

SCHEME_COPY_REFUSAL = "只有街道工作人员可以复制评分方案。"


@transaction.atomic
def scheme_copy(*, source: Scheme, street: Street, user, year: int | None = None) -> Scheme:
    """A new scheme of ``street`` with ``source``'s dimensions, weights, sub-indicators,
    thresholds and levels, for the street to edit before a period uses it. ``source`` may be any
    street's scheme (schemes are published rules, not personal data) and is only read. The copy
    takes the next free version of its street, kind and year, so nothing in use is replaced."""
    _require_street_staff(user, SCHEME_COPY_REFUSAL)
    scope = scope_of(user)
    if not scope.everything and scope.street_id != street.pk:
        raise PermissionDenied("只能把方案复制到你所在的街道。")
    year = year or source.year
    taken = Scheme.objects.filter(street=street, subject_kind=source.subject_kind, year=year)
    version = (taken.aggregate(latest=Max("version"))["latest"] or 0) + 1
    copy = Scheme(
        street=street,
        name=source.name,
        subject_kind=source.subject_kind,
        year=year,
        version=version,
        star5_min=source.star5_min,
        star4_min=source.star4_min,
        star3_min=source.star3_min,
        star2_min=source.star2_min,
        rectification_level=source.rectification_level,
        honour_level=source.honour_level,
        description=(f"复制自{source.street.name}“{source}”。\n" + source.description).strip(),
    )
    copy._history_user = user
    copy.full_clean()
    copy.save()
    for dimension in source.dimensions.prefetch_related("sub_indicators"):
        new_dimension = Dimension(
            scheme=copy,
            number=dimension.number,
            name=dimension.name,
            weight=dimension.weight,
            max_points=dimension.max_points,
            description=dimension.description,
        )
        new_dimension._history_user = user
        new_dimension.save()
        for item in dimension.sub_indicators.all():
            new_item = SubIndicator(
                dimension=new_dimension,
                number=item.number,
                name=item.name,
                max_points=item.max_points,
                description=item.description,
            )
            new_item._history_user = user
            new_item.save()
    return copy
