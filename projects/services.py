"""Writes of the projects app. Every function takes the acting user explicitly, validates with
``full_clean()`` before saving and runs in one transaction; side effects wait for the commit."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.importing import upsert
from core.once import first_of, insert_once
from core.public_cache import public_content_changed
from core.uploads import without_metadata
from organizations.models import Community, Street
from organizations.scope import acts_on_whole_street, communities_for, require

from . import closing, rollups
from .lagging import judge, quarter_of, today_in_beijing
from .models import (
    PROJECT_DERIVED_FIELDS,
    ProgressUpdate,
    ProjectMilestone,
    ProjectTarget,
    SecretaryProject,
    StaleReminder,
    UpdatePhoto,
    WorkItem,
    WorkPlan,
    WorkTheme,
)

logger = logging.getLogger(__name__)

PROJECTS_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "projects_2023.json"


# --- Roll-ups ---------------------------------------------------------------------------------


def _write_if_changed(model, pk: int, values: dict, current: dict) -> None:
    if any(current[name] != value for name, value in values.items()):
        # A queryset update: derived figures bump neither ``updated_at`` nor the history, and
        # send no post_save, so the public pages showing the percent are told here.
        model.objects.filter(pk=pk).update(**values)
        public_content_changed()


# What a subject's newest update decides (``rollups``): a 书记工程 derives its status from them too.
LATEST_FIELDS = ("percent", "last_update_on", "progress_is_demo")


def _latest_of(subject: str, ids: list[int]) -> dict[int, tuple[int, date | None, bool]]:
    """Each subject's ``(percent, date, is_demo)`` from its newest update; one query."""
    updates = defaultdict(list)
    for subject_id, day, pk, percent, is_demo in ProgressUpdate.objects.filter(
        **{f"{subject}_id__in": ids}
    ).values_list(f"{subject}_id", "date", "pk", "percent", "is_demo"):
        updates[subject_id].append((day, pk, percent, is_demo))
    return {pk: (*rollups.latest_percent(updates[pk]), rollups.latest_is_demo(updates[pk])) for pk in ids}


def _recompute_latest(model, subject: str, rows: list[tuple]) -> None:
    """Each subject's percent, last update date and demo mark from its newest update.
    ``rows`` are the subjects' (pk, *LATEST_FIELDS) as stored."""
    latest = _latest_of(subject, [row[0] for row in rows])
    for pk, *stored in rows:
        _write_if_changed(
            model, pk, dict(zip(LATEST_FIELDS, latest[pk], strict=True)), dict(zip(LATEST_FIELDS, stored, strict=True))
        )


def _recompute_projects(project_ids: Iterable[int]) -> None:
    """Percent, last update date, demo mark and status (``rollups.progress_status``): three queries."""
    ids = list(project_ids)
    fields = (*LATEST_FIELDS, "status")
    rows = SecretaryProject.objects.filter(pk__in=ids).values_list("pk", *fields)
    latest = _latest_of("project", ids)
    pending = set(
        ProjectMilestone.objects.filter(project_id__in=ids, is_acceptance=True, done_on__isnull=True).values_list(
            "project_id", flat=True
        )
    )
    for pk, *stored in rows:
        new = dict(zip(LATEST_FIELDS, latest[pk], strict=True))
        new["status"] = rollups.progress_status(
            percent=new["percent"], last_update_on=new["last_update_on"], acceptance_pending=pk in pending
        )
        _write_if_changed(SecretaryProject, pk, new, dict(zip(fields, stored, strict=True)))


def _recompute_plan(plan_id: int, item_ids: Iterable[int] | None = None) -> None:
    """Items (all of the plan, or ``item_ids``), then every theme, then the plan."""
    items = WorkItem.objects.filter(theme__plan_id=plan_id)
    if item_ids is not None:
        items = items.filter(pk__in=list(item_ids))
    _recompute_latest(WorkItem, "item", list(items.values_list("pk", *LATEST_FIELDS)))

    by_theme, demo_themes = defaultdict(list), set()
    for theme_id, percent, weight, is_demo in WorkItem.objects.filter(theme__plan_id=plan_id).values_list(
        "theme_id", "percent", "weight", "progress_is_demo"
    ):
        by_theme[theme_id].append((percent, weight))
        if is_demo:
            demo_themes.add(theme_id)
    theme_rows = []
    for pk, percent, weight, is_demo in WorkTheme.objects.filter(plan_id=plan_id).values_list(
        "pk", "percent", "weight", "progress_is_demo"
    ):
        new_percent = rollups.weighted_mean(by_theme[pk])
        _write_if_changed(
            WorkTheme,
            pk,
            {"percent": new_percent, "progress_is_demo": pk in demo_themes},
            {"percent": percent, "progress_is_demo": is_demo},
        )
        theme_rows.append((new_percent, weight))
    plan_percent, plan_demo = WorkPlan.objects.filter(pk=plan_id).values_list("percent", "progress_is_demo").get()
    _write_if_changed(
        WorkPlan,
        plan_id,
        {"percent": rollups.weighted_mean(theme_rows), "progress_is_demo": bool(demo_themes)},
        {"percent": plan_percent, "progress_is_demo": plan_demo},
    )


@transaction.atomic
def rollups_recompute(
    *,
    project: SecretaryProject | None = None,
    item: WorkItem | None = None,
    plan: WorkPlan | None = None,
    projects: Iterable[SecretaryProject] | None = None,
) -> None:
    """The one writer of stored percents and statuses. ``project``/``projects``: their
    percent, last update date and status; ``item``: that item, its theme and its plan; ``plan``: every item and theme of
    the plan, and the plan."""
    if project is not None:
        _recompute_projects([project.pk])
    if projects is not None:
        _recompute_projects(p.pk for p in projects)
    if item is not None:
        plan_id = WorkTheme.objects.filter(pk=item.theme_id).values_list("plan_id", flat=True).get()
        _recompute_plan(plan_id, item_ids=[item.pk])
    if plan is not None:
        _recompute_plan(plan.pk)


# --- Progress updates -------------------------------------------------------------------------


# A secretary reads the 730 list; its items' progress is posted by street staff.
ITEM_PROGRESS_REFUSAL = "730要点的进展由街道工作人员填报。"


def may_post_item_progress(user) -> bool:
    """Whether ``user`` posts progress on 730 items at all (street staff and superusers); which
    items, and the permission to post, are checked as for any update."""
    return acts_on_whole_street(user)


def _locked_subject(*, project: SecretaryProject | None, item: WorkItem | None, user):
    """The subject, re-read under a row lock (updates of one subject run one at a time, so the
    roll-up of the last to commit sees them all), after checking it is in the user's scope."""
    if (project is None) == (item is None):
        raise ValidationError("一条进展必须且只能属于一个书记工程或一个730要点。")
    if item is not None and not may_post_item_progress(user):
        raise PermissionDenied(ITEM_PROGRESS_REFUSAL)
    model, pk = (SecretaryProject, project.pk) if project is not None else (WorkItem, item.pk)
    subject = model.objects.scoped_for(user).select_for_update(of=("self",)).filter(pk=pk).first()
    if subject is None:
        raise PermissionDenied("你不能为这个项目填报进展。")
    if item is not None:
        # Item roll-ups reach the theme and the plan: one writer per plan at a time.
        WorkPlan.objects.select_for_update(of=("self",)).filter(themes__items=subject).first()
    return subject


def update_correctable_by(update: ProgressUpdate, user, *, now=None) -> bool:
    """Only the author corrects an update, and only within the edit window after posting."""
    if update.pk is None:
        return True
    if not getattr(user, "is_authenticated", False) or update.author_id != user.pk:
        return False
    window = timedelta(minutes=settings.PROJECTS_UPDATE_EDIT_WINDOW_MINUTES)
    return (now or timezone.now()) - update.created_at <= window


def correction_refusal() -> str:
    minutes = settings.PROJECTS_UPDATE_EDIT_WINDOW_MINUTES
    return f"进展记录只增不改：只有填报人本人可在填报后 {minutes} 分钟内修改。如需更正，请新增一条进展。"


def _photo_create(*, update: ProgressUpdate, image: UploadedFile, caption: str, user) -> UpdatePhoto:
    photo = UpdatePhoto(update=update, image=image, caption=caption)
    photo.full_clean()  # checks the upload is a photo before it is opened to be cleaned
    photo.image = without_metadata(image)
    photo._history_user = user
    photo.save()  # with its display copy and thumbnail (``UpdatePhoto.save``)
    return photo


def photo_sizes_make(photos: Iterable[UpdatePhoto], *, again: bool = False) -> tuple[int, list[str]]:
    """The display copy and the thumbnail of photos stored without them (with ``again``, of
    all given), e.g. uploaded before the copies existed. Derived data: the rows are updated
    without a history entry. Returns how many were made and, for each photo that could not be
    (its file missing or unreadable), a line saying which; those are left as they were."""
    made, failed = 0, []
    for photo in photos:
        if photo.has_sizes and not again:
            continue
        try:
            photo.sizes_make()
        except (OSError, ValueError, SyntaxError) as error:  # what Pillow and the storage raise
            failed.append(f"进展照片 {photo.pk}（{photo.image.name}）：{error}")
            continue
        UpdatePhoto.objects.filter(pk=photo.pk).update(
            width=photo.width, height=photo.height, display=photo.display.name, thumb=photo.thumb.name
        )
        made += 1
    if made:
        public_content_changed()
    return made, failed


@transaction.atomic
def progress_update_add(
    *,
    user,
    text: str,
    percent: int,
    project: SecretaryProject | None = None,
    item: WorkItem | None = None,
    date: date | None = None,
    photos: Iterable[UploadedFile] = (),
    once: str = "",
) -> ProgressUpdate:
    """Append an update to a project's or an item's timeline and refresh the roll-ups; a past
    year's project or item takes none (``closing``: a ``ValidationError`` that says so). Sent
    twice with the same ``once`` token (a form resubmitted, a phone's draft resent: see
    ``core.once``), the first update is returned and nothing more is written; a token
    that another login already used is refused."""
    require(user, "projects.add_progressupdate", message="你只能查看进展，没有填报的权限。")
    subject = _locked_subject(project=project, item=item, user=user)

    # After the subject's lock: a concurrent copy of the same draft has committed by now.
    def same(first) -> bool:
        mine = (user.pk, project.pk if project else None, item.pk if item else None)
        return (first.author_id, first.project_id, first.item_id) == mine

    if (first := first_of(ProgressUpdate, once, same=same, refusal=DRAFT_OF_ANOTHER)) is not None:
        return first
    year = subject.year if project is not None else subject.theme.plan.year
    if not closing.accepts_updates(year):
        # A past year's timeline is its record (``closing``): nothing new is added to it.
        raise ValidationError(
            closing.closed_refusal(year, "书记工程" if project is not None else "730要点"), code="closed"
        )
    update = ProgressUpdate(
        project=subject if project is not None else None,
        item=subject if item is not None else None,
        date=date or today_in_beijing(),
        text=text,
        percent=percent,
        author=user,
    )
    update.full_clean()
    update._history_user = user
    if (first := insert_once(update, once, update.save, same=same, refusal=DRAFT_OF_ANOTHER)) is not update:
        return first
    for image in photos:
        _photo_create(update=update, image=image, caption="", user=user)
    rollups_recompute(project=update.project, item=update.item)
    return update


DRAFT_OF_ANOTHER = "这份进展已由其他账号（或为其他项目）提交过，不能以你的名义再次提交。"


@transaction.atomic
def progress_update_correct(*, update: ProgressUpdate, user, text: str, percent: int, date: date) -> ProgressUpdate:
    """Correct one's own update within the edit window; the change history keeps the original."""
    update = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    if not update_correctable_by(update, user):
        raise PermissionDenied(correction_refusal())
    update.text, update.percent, update.date = text, percent, date
    update.full_clean()
    update._history_user = user
    update.save()
    rollups_recompute(project=update.project, item=update.item)
    return update


@transaction.atomic
def progress_update_delete(*, update: ProgressUpdate, user, reason: str = "") -> None:
    """Street staff only. The deletion (and its photos') stays in the change history with the
    user and the reason; the roll-ups fall back to the previous update."""
    if not acts_on_whole_street(user):
        raise PermissionDenied("只有街道工作人员可以删除进展记录。")
    if not ProgressUpdate.objects.scoped_for(user).filter(pk=update.pk).exists():
        raise PermissionDenied("这条进展不在你的工作范围内。")
    project, item = update.project, update.item
    reason = reason or f"由街道工作人员 {user} 删除"
    for photo in update.photos.all():
        photo._history_user, photo._change_reason = user, reason
        photo.delete()
    update._history_user, update._change_reason = user, reason
    update.delete()
    rollups_recompute(project=project, item=item)


@transaction.atomic
def update_photo_add(*, update: ProgressUpdate, user, image: UploadedFile, caption: str = "") -> UpdatePhoto:
    """A photo belongs to its update: the same people, in the same window, may add one."""
    if not ProgressUpdate.objects.scoped_for(user).filter(pk=update.pk).exists():
        raise PermissionDenied("这条进展不在你的工作范围内。")
    if not update_correctable_by(update, user):
        raise PermissionDenied(correction_refusal())
    return _photo_create(update=update, image=image, caption=caption, user=user)


# --- Projects ---------------------------------------------------------------------------------


@transaction.atomic
def secretary_project_save(*, project: SecretaryProject, user) -> SecretaryProject:
    """Create or change a project. Street staff create them (the street publishes the list);
    a secretary changes their own community's."""
    if project.pk is None and not acts_on_whole_street(user):
        raise PermissionDenied("书记工程由街道统一发布，社区书记不能新建。")
    if project.pk is not None and not SecretaryProject.objects.scoped_for(user).filter(pk=project.pk).exists():
        raise PermissionDenied("这个书记工程不在你的工作范围内。")
    allowed = communities_for(user)
    if allowed is not None and not allowed.filter(pk=project.community_id).exists():
        raise PermissionDenied("不能把书记工程改到你工作范围以外的社区。")
    project.full_clean()
    project._history_user = user
    if project.pk is None:
        project.save()
    else:
        # The stored roll-up belongs to ``rollups_recompute``: a form opened before the last
        # progress update must not write its stale copy back.
        project.save(
            update_fields=[
                f.name for f in SecretaryProject._meta.concrete_fields if f.name not in {"id", *PROJECT_DERIVED_FIELDS}
            ]
        )
    return project


# --- Reminders --------------------------------------------------------------------------------


def _reminder_message(project: SecretaryProject, reasons: list[str], recipients: list[str]) -> EmailMessage:
    path = reverse("admin:projects_secretaryproject_change", args=[project.pk])
    day = project.last_update_on
    last = f"{day.year}年{day.month}月{day.day}日" if day else "尚无"
    body = "\n".join(
        [
            f"{project.community.name}党组织书记：您好！",
            "",
            f"您牵头的{project.year}年书记工程“{project.title}”目前被系统判定为滞后：",
            *[f"  · {reason}" for reason in reasons],
            "",
            f"当前完成进度：{project.percent}%；最近一次进展：{last}。",
            f"请登录桂城党建管理后台（{path}）填报最新进展。",
            "",
            "本提醒每季度只发送一次。——桂城街道党建办",
        ]
    )
    return EmailMessage(
        subject=f"【桂城党建】书记工程进度提醒：{project.community.name}“{project.title}”",
        body=body,
        to=recipients,
    )


def stale_reminders_send(*, today: date | None = None, chunk_size: int = 200) -> dict[str, int]:
    """E-mail the secretaries of each 滞后 project of the current year, once per quarter.

    Each reminder is claimed by inserting its ``StaleReminder`` row (unique per project and
    quarter) and sent inside the same transaction: a concurrent or repeated run cannot insert
    the row again, so it sends nothing; a failed send rolls the claim back, so the next daily
    run tries again. A project whose community has no secretary with an e-mail address is
    counted as ``no_recipient`` and tried again on the next run.
    """
    from .selectors import lagging_projects, secretary_emails

    today = today or today_in_beijing()
    quarter = quarter_of(today)
    counts = {"sent": 0, "already_sent": 0, "no_recipient": 0}
    already = StaleReminder.objects.filter(year=today.year, quarter=quarter).values("project_id")
    candidates = lagging_projects(today=today).filter(year=today.year)
    counts["already_sent"] = candidates.filter(pk__in=already).count()
    candidates = candidates.exclude(pk__in=already)
    emails = secretary_emails(candidates.values_list("community_id", flat=True))
    for project in candidates.iterator(chunk_size=chunk_size):
        recipients = emails.get(project.community_id, [])
        if not recipients:
            counts["no_recipient"] += 1
            continue
        reasons = judge(
            percent=project.percent, last_update_on=project.last_update_on, year=project.year, today=today
        ).reasons
        try:
            with transaction.atomic():
                StaleReminder.objects.create(
                    project=project,
                    year=today.year,
                    quarter=quarter,
                    recipients=",".join(recipients),
                    reasons="；".join(reasons),
                )
                _reminder_message(project, reasons, recipients).send(fail_silently=False)
        except IntegrityError:
            counts["already_sent"] += 1  # claimed by a run that started at the same time
            continue
        counts["sent"] += 1
    if counts["no_recipient"]:
        logger.warning("%s 个滞后书记工程所在社区没有可用邮箱的书记账号，未发送提醒", counts["no_recipient"])
    return counts


# --- Reference data ---------------------------------------------------------------------------


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@transaction.atomic
def projects_2023_load(*, path: Path = PROJECTS_FIXTURE) -> WorkPlan:
    """Load the 2023 桂城党建730 plan and the 书记工程 list (real and demo). Idempotent: records
    are matched on their natural keys and saved only when something changed."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    street = Street.objects.get(name=data["street"])

    plan_data = data["work_plan"]
    plan, _ = upsert(
        WorkPlan,
        street=street,
        year=plan_data["year"],
        defaults={
            "title": plan_data["title"],
            "short_title": plan_data["short_title"],
            "published_on": _date(plan_data["published_on"]),
            "is_public": True,
        },
    )
    for theme_data in plan_data["themes"]:
        theme, _ = upsert(
            WorkTheme,
            plan=plan,
            number=theme_data["number"],
            defaults={"title": theme_data["title"], "weight": theme_data["weight"]},
        )
        for item_data in theme_data["items"]:
            upsert(
                WorkItem,
                theme=theme,
                number=item_data["number"],
                defaults={
                    "title": item_data["title"],
                    "lead_unit": item_data["lead_unit"],
                    "responsible_person": item_data["responsible_person"],
                    "weight": item_data["weight"],
                    "deadline": _date(item_data["deadline"]),
                    "target": item_data["target"],
                    "is_demo": item_data["is_demo"],
                },
            )

    communities = {c.name: c for c in Community.objects.filter(street=street)}
    projects = []
    for project_data in data["secretary_projects"]:
        community, year = communities[project_data["community"]], project_data["year"]
        defaults = {
            "title": project_data["title"],
            "focus": project_data["focus"],
            "plan": project_data["plan"],
            "is_public": project_data["is_public"],
            "is_demo": project_data["is_demo"],
        }
        project, _ = upsert(SecretaryProject, community=community, year=year, defaults=defaults)
        projects.append(project)
        for order, target in enumerate(project_data.get("targets", [])):
            upsert(
                ProjectTarget,
                project=project,
                label=target["label"],
                defaults={"unit": target["unit"], "planned_value": target["value"], "sort_order": order},
            )
        for milestone in project_data.get("milestones", []):
            upsert(
                ProjectMilestone,
                project=project,
                number=milestone["number"],
                defaults={
                    "title": milestone["title"],
                    "due_on": _date(milestone["due_on"]),
                    "is_acceptance": milestone.get("is_acceptance", False),
                    "is_demo": milestone["is_demo"],
                },
            )
    rollups_recompute(plan=plan, projects=projects)
    return plan
