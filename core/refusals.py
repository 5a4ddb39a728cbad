"""How a service's refusal reads to a person: the one text the admin, the residents' site and
the workspace show for a ``ValidationError`` or a ``PermissionDenied`` raised by a service."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError


def refusal_text(error: ValidationError | PermissionDenied) -> str:
    """The messages of a ``ValidationError`` joined with "；", or the ``PermissionDenied``'s."""
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return str(error) or "没有权限。"
