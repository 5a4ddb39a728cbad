"""A staff login given a one-time password must change it; once it has, the flag goes."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

MUST_CHANGE_SESSION_KEY = "must_change_password"


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _password_changed(sender, instance, **kwargs):
    # ``set_password`` leaves the new raw password in ``_password`` until the save that stores it.
    if getattr(instance, "_password", None) is not None:
        from .models import PasswordChangeDue

        PasswordChangeDue.objects.filter(user=instance).delete()


@receiver(user_logged_in)
def _remember_must_change(sender, request, user, **kwargs):
    from .models import PasswordChangeDue

    if request is not None and hasattr(request, "session"):
        if PasswordChangeDue.objects.filter(user=user).exists():
            request.session[MUST_CHANGE_SESSION_KEY] = True
        else:
            request.session.pop(MUST_CHANGE_SESSION_KEY, None)
