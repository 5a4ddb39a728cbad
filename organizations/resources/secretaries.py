"""The secretary logins import: accounts with a one-time password shown once, changed at first login."""

from __future__ import annotations

import re
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from import_export import fields, instance_loaders

from core.importing import (
    StrictManyToManyWidget,
    TextWidget,
    cell_text,
    restore_formula,
)

from ..importing import ScopedResource, street_field
from ..models import (
    Community,
    PasswordChangeDue,
    StaffScope,
)
from ..services import roles_sync


def one_time_password() -> str:
    """12 characters a person can type from a printout: no 0/O or 1/l/I."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


class SecretaryLoader(instance_loaders.ModelInstanceLoader):
    """The accounts the file names (by phone, the login name), read in one query."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        phones: set[str] = set()
        if dataset is not None and "手机" in (dataset.headers or []):
            phones = {cell_text(restore_formula(value)) for value in dataset["手机"]} - {""}
        self.instances = {scope.user.username: scope for scope in self.get_queryset().filter(user__username__in=phones)}
        resource.taken_logins = set(
            get_user_model()._default_manager.filter(username__in=phones).values_list("username", flat=True)
        )

    def get_instance(self, row):
        return self.instances.get(cell_text(row.get("手机")))


class SecretaryAccountResource(ScopedResource):
    """Community secretaries' logins: name, phone (the login name) and community. A new phone
    gets an account with the 社区书记 role, a one-time password (handed to the importing staff
    member once, never stored in clear) and must change it at first login. A phone already
    registered as a secretary of the street keeps its password; its name and communities are
    updated. The file holds phones: export is for street staff only."""

    name = fields.Field(attribute="account_name", column_name="姓名", widget=TextWidget())
    phone = fields.Field(attribute="account_phone", column_name="手机", widget=TextWidget())
    street = street_field()
    communities = fields.Field(
        attribute="communities",
        column_name="社区",
        widget=StrictManyToManyWidget(Community, parents={"street__name": "街道"}, label="社区"),
    )

    key_columns = ("手机",)
    select_related = ("user", "street")
    prefetch_related = ("communities",)
    taken_logins: set[str] = frozenset()

    class Meta(ScopedResource.Meta):
        model = StaffScope
        name = "社区书记账号（新账号发放一次性密码）"
        fields = ("name", "phone", "street", "communities")
        import_id_fields = ("phone",)
        export_order = fields
        instance_loader_class = SecretaryLoader

    def __init__(self, new_passwords: list | None = None, **kwargs):
        super().__init__(**kwargs)
        self.new_passwords = new_passwords if new_passwords is not None else []

    def get_queryset(self):
        return super().get_queryset().filter(whole_street=False)

    def dehydrate_name(self, scope) -> str:
        return getattr(scope, "account_name", None) or scope.user.first_name

    def dehydrate_phone(self, scope) -> str:
        return scope.user.username

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self.new_passwords.clear()

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or instance.pk is None:
            return False
        communities = {c.pk for c in self.fields["communities"].clean(row)}
        return (
            instance.account_name == original.user.first_name
            and instance.street_id == original.street_id
            and communities == {c.pk for c in original.communities.all()}
        )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        instance.account_name = getattr(instance, "account_name", "")
        if not instance.account_name:
            errors.setdefault("account_name", []).append(ValidationError("必填，不能为空。"))
        phone = instance.account_phone = getattr(instance, "account_phone", "")
        if not re.fullmatch(r"1\d{10}", phone or ""):
            errors.setdefault("account_phone", []).append(
                ValidationError("请填写 11 位手机号：它是登录名，也用于找回密码。")
            )
        elif instance.pk is None and phone in self.taken_logins:
            errors.setdefault("account_phone", []).append(
                ValidationError("这个手机号已是其他街道或街道工作人员的登录名，不能作为本街道的书记账号。")
            )
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        if is_create:
            _, secretary_group = roles_sync()
            user = get_user_model()(username=instance.account_phone, first_name=instance.account_name, is_staff=True)
            password = one_time_password()
            user.set_password(password)
            user.save()
            user.groups.add(secretary_group)
            instance.user = user
            instance.whole_street = False
            if not kwargs.get("dry_run"):
                self.new_passwords.append((instance.account_name, instance.account_phone, password))
        elif instance.user.first_name != instance.account_name:
            instance.user.first_name = instance.account_name
            instance.user.save(update_fields=["first_name"])
        instance.save()
        if is_create:
            PasswordChangeDue.objects.create(user=instance.user)
