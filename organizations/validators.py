import re

from django.core.exceptions import ValidationError

_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def validate_phone(value: str) -> None:
    """A mainland mobile (11 digits) or a landline with its area code, e.g. 0757-86281234."""
    if value and not _PHONE.match(value):
        raise ValidationError("电话号码格式不正确：应为11位手机号或带区号的固定电话（如0757-86281234）。")


def id_number_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_id_number(value: str) -> None:
    """An 18-character resident ID number (GB 11643) with a correct check character."""
    if not value:
        return
    value = value.upper()
    if not re.match(r"^\d{17}[\dX]$", value):
        raise ValidationError("身份证号应为18位：17位数字加1位数字或X。")
    if id_number_check_char(value[:17]) != value[17]:
        raise ValidationError("身份证号校验位不正确。")
