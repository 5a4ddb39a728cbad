"""Cache invalidation for the stored roll-ups (the one use of signals the house style allows):
a 730 item or theme created, re-weighted or deleted changes its plan's percent even without a
progress update, and a 书记工程's milestone marked or dated as its acceptance step changes the
project's status (待验收 → 已完成). Updates themselves go through ``services``, which recompute
explicitly."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from .models import ProjectMilestone, SecretaryProject, WorkItem, WorkPlan, WorkTheme


def _recompute_plan(plan_id: int | None) -> None:
    from .services import rollups_recompute

    plan = WorkPlan.objects.filter(pk=plan_id).first()
    if plan is not None:  # gone when the whole plan is being deleted
        rollups_recompute(plan=plan)


def item_changed(sender, instance: WorkItem, **kwargs) -> None:
    if kwargs.get("raw"):
        return  # loaddata: the caller recomputes once at the end
    plan_id = WorkTheme.objects.filter(pk=instance.theme_id).values_list("plan_id", flat=True).first()
    _recompute_plan(plan_id)


def theme_changed(sender, instance: WorkTheme, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    _recompute_plan(instance.plan_id)


def milestone_changed(sender, instance: ProjectMilestone, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    from .services import rollups_recompute

    project = SecretaryProject.objects.filter(pk=instance.project_id).first()
    if project is not None:  # gone when the whole project is being deleted
        rollups_recompute(project=project)


def connect() -> None:
    for signal in (post_save, post_delete):
        signal.connect(item_changed, sender=WorkItem, dispatch_uid=f"projects.item_changed.{signal}")
        signal.connect(theme_changed, sender=WorkTheme, dispatch_uid=f"projects.theme_changed.{signal}")
        signal.connect(milestone_changed, sender=ProjectMilestone, dispatch_uid=f"projects.milestone_changed.{signal}")
