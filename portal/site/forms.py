"""The residents' forms. Each says in plain Chinese what is wrong, in the field's own words
(``core.forms``); a bad post changes nothing."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField

from core import forms as chinese
from core.once import OnceField
from organizations.models import Community, ServiceCenter
from organizations.validators import validate_phone
from volunteers.models import ServiceOrder


class VolunteerSignUpForm(chinese.Form):
    name = forms.CharField(label="姓名", max_length=30)
    phone = forms.CharField(label="手机号（用作登录名，不会公开）", max_length=20, validators=[validate_phone])
    community = forms.ModelChoiceField(label="所在社区", queryset=Community.objects.order_by("name"))
    password = forms.CharField(label="设置密码（至少 8 位，不要只用数字）", widget=forms.PasswordInput, min_length=8)
    show_name = forms.BooleanField(label="同意在活动名单中公开我的姓名", required=False)
    agree = forms.BooleanField(label="我已阅读并同意下面的个人信息说明")

    def __init__(self, *args, street=None, **kwargs):
        super().__init__(*args, **kwargs)
        if street is not None:
            self.fields["community"].queryset = Community.objects.filter(street=street).order_by("name")


class ServiceOrderForm(chinese.Form):
    short_names = {"center": "服务中心", "need": "求助内容", "wanted_when": "希望的时间"}

    center = forms.ModelChoiceField(label="向哪个服务中心点单", queryset=ServiceCenter.objects.none())
    category = forms.ChoiceField(label="服务类别", choices=ServiceOrder.Category.choices)
    need = forms.CharField(label="需要什么帮助", widget=forms.Textarea(attrs={"rows": 4}), max_length=500)
    wanted_when = forms.CharField(label="希望的时间（选填）", max_length=60, required=False)
    contact_name = forms.CharField(label="联系人", max_length=30)
    contact_phone = forms.CharField(
        label="联系电话（只给服务中心，不会公开）", max_length=20, validators=[validate_phone]
    )
    # Back and submit again sends the same token: the first order's page, no second order.
    once = OnceField()

    def __init__(self, *args, street=None, **kwargs):
        super().__init__(*args, **kwargs)
        centers = ServiceCenter.objects.public().order_by("level", "name")
        self.fields["center"].queryset = centers.filter(street=street) if street is not None else centers


class OrderRatingForm(chinese.Form):
    rating = forms.TypedChoiceField(
        label="满意度", coerce=int, choices=[(5, "非常满意"), (4, "满意"), (3, "一般"), (2, "不满意"), (1, "很不满意")]
    )
    comment = forms.CharField(
        label="意见（选填）", widget=forms.Textarea(attrs={"rows": 3}), max_length=300, required=False
    )


class OrderLookupForm(chinese.Form):
    code = forms.CharField(label="点单查询码", max_length=20)


class VolunteerLoginForm(chinese.ChineseFormMixin, AuthenticationForm):
    """A volunteer signs in with the phone number they registered (the username) and a password."""

    phone_fields = ("username",)
    username = UsernameField(
        label="手机号", widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "手机号或密码不正确，请重新输入（密码区分大小写）。",
    }
