"""Residents' logins: a resident registers on the public site."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from organizations.models import Community

from ..models import Volunteer
from .teams import _volunteer_store


@transaction.atomic
def volunteer_account_register(
    *, phone: str, name: str, password: str, community: Community, show_name: bool
) -> Volunteer | None:
    """A resident signs up on the public site: a login named by their phone number (no SMS: the
    password is theirs to keep) and a resident volunteer record of the community they choose.
    The phone number stays private; the name is shown only with ``show_name``.

    Whether a number already has a login is nobody's business until owning the number can be
    proved (issue 16): the password is checked alike, and a number that has a login gets
    ``None`` — nothing written, that login's password and name unchanged — after the same
    hashing work a new login costs, so neither the answer nor its time tells the two apart."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.password_validation import validate_password

    User = get_user_model()
    phone = phone.strip()
    user = User(username=phone, first_name=name.strip()[:30])
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    if User.objects.filter(username=phone).exists():
        make_password(password)
        return None
    user.set_password(password)
    user.full_clean(exclude=["password"], validate_unique=False)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        return None  # the same number registered a moment ago: as above
    volunteer = Volunteer(
        community=community,
        name=name.strip(),
        kind=Volunteer.Kind.RESIDENT,
        user=user,
        phone=phone,
        show_name_publicly=show_name,
    )
    # The resident registers themselves: no staff permission or scope is asked for.
    return _volunteer_store(volunteer, user)
