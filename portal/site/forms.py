"""The residents' forms. Each says in plain Chinese what is wrong, in the field's own words
(``core.forms``); a bad post changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField

from core import forms as chinese
from core.once import OnceField
from organizations.models import Community, ServiceCenter
from organizations.selectors import LEVEL_ORDER
from organizations.validators import validate_phone
from volunteers.models import Activity, ServiceOrder


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


class ActivityFilterForm(chinese.Form):
    """The activity list's filters, read from the query string so a filtered list can be shared:
    ``?community=&when=today|week|month&start=&end=&kind=&free=1``. Dates given win over ``when``."""

    WHEN = [("", "全部时间"), ("today", "今天"), ("week", "本周"), ("month", "本月")]

    community = forms.ModelChoiceField(
        label="社区", queryset=Community.objects.none(), required=False, empty_label="全部社区"
    )
    when = forms.ChoiceField(label="时间", choices=WHEN, required=False)
    start = forms.DateField(
        label="从", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(label="到", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    kind = forms.ChoiceField(label="类别", choices=[("", "全部类别"), *Activity.Category.choices], required=False)
    free = forms.BooleanField(label="只看有名额", required=False, widget=forms.CheckboxInput(attrs={"value": "1"}))

    def __init__(self, *args, street=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        communities = Community.objects.order_by("pinyin", "name")
        self.fields["community"].queryset = communities.filter(street=street) if street is not None else communities
        for name in ("start", "end"):
            self.fields[name].error_messages["invalid"] = "请填写有效的日期，如 2023-06-30。"

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "结束日期不能早于开始日期。")
        if start or end:
            cleaned["when"] = ""
        return cleaned

    def window(self, today: date) -> tuple[date | None, date | None]:
        """The days asked for, as [first, after the last) (None: open); 本周 ends on Sunday,
        本月 on the month's last day."""
        data = self.cleaned_data
        when = data.get("when")
        if when == "today":
            return today, today + timedelta(days=1)
        if when == "week":
            return today, today + timedelta(days=7 - today.weekday())
        if when == "month":
            return today, (today.replace(day=28) + timedelta(days=4)).replace(day=1)
        start, end = data.get("start"), data.get("end")
        return start, end + timedelta(days=1) if end else None

    @property
    def is_filtered(self) -> bool:
        return any(self.cleaned_data.get(name) for name in self.fields)


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

    def __init__(self, *args, street=None, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        centers = ServiceCenter.objects.public().order_by(LEVEL_ORDER, "community__pinyin", "pinyin", "pk")
        centers = centers.filter(street=street) if street is not None else centers
        self.fields["center"].queryset = centers
        rows = list(centers.select_related("community"))  # the one query for the choices
        self.fields["center"].choices = self._grouped(rows, community)
        own = [c for c in rows if community is not None and c.community_id == community.pk]
        if own and not self.initial.get("center"):
            # The resident's community centre (else their first station) is the likely one.
            main = next((c for c in own if c.level == ServiceCenter.Level.COMMUNITY), own[0])
            self.initial["center"] = main.pk

    @staticmethod
    def _grouped(centers, community) -> list:
        """The ~150 centres grouped by community: the resident's own community first, then the
        street's centres, then the other communities."""
        groups: dict[tuple, tuple[str, list]] = {}
        for center in centers:
            if center.community_id is None:
                key, label = (1, "", 0), "街道"
            elif community is not None and center.community_id == community.pk:
                key, label = (0, "", 0), f"{center.community.name}（我的社区）"
            else:
                key, label = (2, center.community.pinyin, center.community_id), center.community.name
            groups.setdefault(key, (label, []))[1].append((center.pk, center.name))
        return [("", "请选择…"), *(groups[key] for key in sorted(groups))]


class OrderRatingForm(chinese.Form):
    rating = forms.TypedChoiceField(
        label="满意度", coerce=int, choices=[(5, "非常满意"), (4, "满意"), (3, "一般"), (2, "不满意"), (1, "很不满意")]
    )
    comment = forms.CharField(
        label="意见（选填）", widget=forms.Textarea(attrs={"rows": 3}), max_length=300, required=False
    )


class OrderLookupForm(chinese.Form):
    code = forms.CharField(label="点单查询码", max_length=20)


class NearForm(forms.Form):
    """The resident's position for “离我最近”, as the browser reports it (WGS-84). Used for one
    sort and forgotten: never stored, logged or cached."""

    lat = forms.FloatField(
        label="纬度",
        min_value=-90,
        max_value=90,
        error_messages={"required": "没有收到您的位置。", "invalid": "纬度应为数字。"},
    )
    lng = forms.FloatField(
        label="经度",
        min_value=-180,
        max_value=180,
        error_messages={"required": "没有收到您的位置。", "invalid": "经度应为数字。"},
    )


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
