"""Forms that read like Chinese: every field of the residents' site, the workspace and the admin
says what is wrong in its own words ("姓名最多 30 个字", "请填写手机号"), offers "请选择…" instead of
Django's "---------", and asks for a phone number with the phone keypad (``type="tel"``).

``polish(field, name=...)`` does it to one form field; the site's and the workspace's forms
inherit ``Form`` / ``ModelForm`` (or ``ChineseFormMixin``), and the admin's shared base polishes
every field it builds and every form it shows (``polished``), keeping the admin's label colon,
a full-width "：" (locale/zh_Hans).

A message the form set itself is kept: only Django's generic texts are replaced, each with one
derived from the field's label (its verbose name), the parenthesis left out: "手机号（用作登录名，
不会公开）" is "手机号".
"""

from __future__ import annotations

import re

from django import forms
from django.core import validators
from django.utils.choices import BlankChoiceIterator

EMPTY_LABEL = "请选择…"
DASH = "---------"
# A label that starts with what the user does: "设置密码" asks "请设置密码", and is "密码" after.
_VERBS = ("设置", "填写", "选择", "上传")
_ASIDE = re.compile(r"[（(][^）)]*[）)]")


def noun_of(label) -> str:
    """The field's name for a sentence: its label without asides in parentheses or a colon."""
    text = _ASIDE.sub("", str(label or "")).strip().rstrip(":：").strip()
    return text or "这一项"


def is_phone(name: str) -> bool:
    return "phone" in name


def _tel(field: forms.Field) -> None:
    widget = field.widget
    if getattr(widget, "input_type", None) in ("text", "tel"):
        widget.input_type = "tel"
        widget.attrs.setdefault("inputmode", "tel")
        widget.attrs.setdefault("autocomplete", "tel")


def _empty_choice(field: forms.Field) -> None:
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label == DASH:
            field.empty_label = EMPTY_LABEL  # its choices (the widget's too) read it when listed
    elif isinstance(field, forms.ChoiceField):
        choices = field.choices
        if isinstance(choices, BlankChoiceIterator):  # a model field's choices: the blank added lazily
            if list(choices.blank_choice) == [("", DASH)]:
                field.choices = BlankChoiceIterator(choices.choices, [("", EMPTY_LABEL)])
        elif isinstance(choices, list) and ("", DASH) in choices:
            field.choices = [
                (value, EMPTY_LABEL) if (value, label) == ("", DASH) else (value, label) for value, label in choices
            ]


def _defaults(field: forms.Field) -> dict:
    messages = {}
    for cls in reversed(type(field).__mro__):
        messages.update(getattr(cls, "default_error_messages", {}))
    return messages


def _is_generic(field: forms.Field, key: str, defaults: dict) -> bool:
    return key in field.error_messages and key in defaults and str(field.error_messages[key]) == str(defaults[key])


def _invalid(field: forms.Field, noun: str) -> dict[str, str]:
    """Django's "输入一个有效的…" for the field's type, said of the field."""
    if isinstance(field, forms.SplitDateTimeField):
        return {"invalid_date": f"{noun}的日期无效。", "invalid_time": f"{noun}的时间无效。"}
    kinds = (
        (forms.IntegerField, "应为整数"),
        ((forms.DecimalField, forms.FloatField), "应为数字"),
        (forms.DateTimeField, "不是有效的日期和时间"),
        (forms.DateField, "不是有效的日期"),
        (forms.TimeField, "不是有效的时间"),
        ((forms.EmailField, forms.URLField), "的格式不正确"),
    )
    for kind, text in kinds:
        if isinstance(field, kind):
            return {"invalid": f"{noun}{text}。"}
    return {}


def _messages(field: forms.Field, noun: str, label: str, verb: str) -> None:
    chooses = isinstance(field, forms.ChoiceField | forms.ModelChoiceField | forms.FileField)
    if isinstance(field, forms.BooleanField):
        required = f"请勾选“{_ASIDE.sub('', label).strip() or noun}”。"
    elif verb:
        required = f"请{verb}{noun}。"
    else:
        required = f"请{'选择' if chooses else '填写'}{noun}。"
    wanted = {"required": required, **_invalid(field, noun)}
    if chooses and not isinstance(field, forms.FileField):
        wanted["invalid_choice"] = f"所选的{noun.replace('%', '%%')}无效，请重新选择。"
    defaults = _defaults(field)
    for key, message in wanted.items():
        if _is_generic(field, key, defaults):
            field.error_messages[key] = message
    if isinstance(field, forms.SplitDateTimeField):  # the admin's date and time boxes say it themselves
        field.fields[0].error_messages["invalid"] = field.error_messages["invalid_date"]
        field.fields[1].error_messages["invalid"] = field.error_messages["invalid_time"]


def _validators(field: forms.Field, noun: str, unit: str) -> None:
    noun = noun.replace("%", "%%")
    said = {
        validators.MaxLengthValidator: f"{noun}最多 %(limit_value)d {unit}（现在 %(show_value)d {unit}）。",
        validators.MinLengthValidator: f"{noun}至少 %(limit_value)d {unit}（现在 %(show_value)d {unit}）。",
        validators.MaxValueValidator: f"{noun}不能大于 %(limit_value)s。",
        validators.MinValueValidator: f"{noun}不能小于 %(limit_value)s。",
    }
    for index, validator in enumerate(field.validators):
        message = said.get(type(validator))
        # Only Django's own wording: a validator made with a message of its own keeps it.
        if message is not None and "message" not in vars(validator):
            field.validators[index] = type(validator)(validator.limit_value, message=message)


def polish(field: forms.Field, *, name: str = "", noun: str | None = None, phone: bool = False) -> forms.Field:
    """``field`` (a form field, changed in place) in the portal's Chinese; see the module's doc."""
    _empty_choice(field)
    if field.widget.is_hidden:
        return field
    phone = phone or is_phone(name)
    if phone:
        _tel(field)
    label = str(field.label or "")
    noun = noun or noun_of(label)
    verb = next((verb for verb in _VERBS if noun.startswith(verb) and len(noun) > len(verb)), "")
    if verb:
        noun = noun[len(verb) :]
    if isinstance(field, forms.TimeField) and "时" not in noun:
        noun += "时间"  # "开门" is "开门时间"
    _messages(field, noun, label, verb)
    password = isinstance(field.widget, forms.PasswordInput)
    _validators(field, noun, "位" if phone or password else "个字")
    return field


class PolishedFieldsMixin:
    """Every field of the form polished (``polish``) when the form is made: also the fields a
    form declares itself, which the admin's ``formfield_for_dbfield`` never sees.

    ``short_names`` gives a field a shorter name for its messages than its label
    ("向哪个服务中心点单" is "服务中心"); ``phone_fields`` marks phone fields whose name does not
    say "phone" (a login's username)."""

    short_names: dict[str, str] = {}
    phone_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            polish(field, name=name, noun=self.short_names.get(name), phone=name in self.phone_fields)


class ChineseFormMixin(PolishedFieldsMixin):
    """The site's and the workspace's forms: polished fields, and labels without a colon (the
    label stands above its field)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def polished(form_class: type) -> type:
    """``form_class`` with ``PolishedFieldsMixin`` (the admin's forms, made per request)."""
    if issubclass(form_class, PolishedFieldsMixin):
        return form_class
    return type(form_class.__name__, (PolishedFieldsMixin, form_class), {"__module__": form_class.__module__})


class Form(ChineseFormMixin, forms.Form):
    pass


class ModelForm(ChineseFormMixin, forms.ModelForm):
    pass
