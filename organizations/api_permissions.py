"""The API's permission for staff endpoints: the scope's rule, so it lives beside the scope."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from .scope import can


class StaffPermission(BasePermission):
    """Staff endpoints: a staff login with a scope, holding the model permission the admin would
    ask for (view to read, add to create, change for everything else) — ``can``, the check the
    workspace and the services make too. Which rows is the scope's business: every staff
    queryset is ``scoped_for(user)``."""

    message = "没有权限执行这个操作。"

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_staff):
            return False
        model = view.get_queryset().model
        if request.method in SAFE_METHODS:
            action = "view"
        elif getattr(view, "action", None) == "create":
            action = "add"
        else:
            action = "change"
        return can(user, f"{model._meta.app_label}.{action}_{model._meta.model_name}")
