"""The workspace's forms: what a secretary types on a phone. Each says in plain Chinese what is
wrong, in the field's own words (``core.forms``); the services behind them hold the rules, so a
bad post changes nothing."""

from __future__ import annotations

from django import forms

from core import forms as chinese
from core.once import OnceField
from organizations.forms import WeekFormSet
from organizations.models import OpeningException, OpeningInterval, ServiceCenter
from projects.models import PERCENT_VALIDATORS
from projects.validators import MAX_PHOTOS_PER_UPDATE, validate_photo
from volunteers.models import Activity, VolunteerTeam


class PhotosInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to ``MAX_PHOTOS_PER_UPDATE`` photos (none included), as the API takes, each checked
    like the admin's photo field."""

    def __init__(self, **kwargs):
        # No ``capture``: it would open the camera only, and a photo taken earlier (in the
        # gallery) could not be picked. Without it the phone offers both.
        attrs = {"accept": "image/jpeg,image/png,image/webp"}
        super().__init__(widget=PhotosInput(attrs=attrs), required=False, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS_PER_UPDATE:
            raise forms.ValidationError(
                f"一次最多上传 {MAX_PHOTOS_PER_UPDATE} 张照片（这次选了 {len(files)} 张）。", code="too_many"
            )
        errors = []
        for number, photo in enumerate(files, start=1):
            try:
                validate_photo(photo)
            except forms.ValidationError as error:
                errors.extend(f"第 {number} 张照片：{message}" for message in error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return files


class ProgressForm(chinese.Form):
    short_names = {"percent": "完成百分比"}

    # Focused on arrival: the keyboard's "next" key then reaches the percent, no tap needed.
    text = forms.CharField(
        label="进展情况", widget=forms.Textarea(attrs={"rows": 4, "autofocus": True}), max_length=2000
    )
    percent = forms.IntegerField(
        label="整体完成（%）",
        validators=PERCENT_VALIDATORS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 100}),
    )
    photos = PhotosField(
        label=f"现场照片（最多 {MAX_PHOTOS_PER_UPDATE} 张）", help_text="可以现场拍照，也可以从相册选择已拍的照片。"
    )
    # The one-time token (``core.once``): made with the page, replaced by the phone's
    # draft id when the phone keeps a draft. A draft sent again after a lost answer, or the form
    # sent twice, records one update.
    draft = OnceField()
    # Whose login the phone's draft was written under: a draft left on a shared phone is never
    # sent under the next login's name (the server refuses it too).
    draft_user = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ActivityForm(chinese.ModelForm):
    """A new activity of the user's communities, usually at one of their centres."""

    once = OnceField()

    class Meta:
        model = Activity
        fields = ["title", "category", "description", "community", "center", "place", "starts_at", "ends_at"]
        fields += ["capacity", "team", "is_public"]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, communities, centers, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        # The activity's street is its community's: without one there is nothing to place it in.
        self.fields["community"].required = True
        self.fields["community"].error_messages["required"] = "请选择活动所在的社区。"
        self.fields["center"].queryset = centers
        # A draft kept on the phone from before the field existed posts none: it keeps 其他.
        self.fields["category"].required = False
        self.fields["team"].queryset = teams
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        if communities.count() == 1:
            self.fields["community"].initial = communities.first()

    def clean(self):
        cleaned = super().clean()
        community, center = cleaned.get("community"), cleaned.get("center")
        if community and center and center.community_id not in (None, community.pk):
            self.add_error("center", "这个服务中心不属于所选社区。")
        return cleaned


class RecordsForm(chinese.Form):
    """A batch of hour records, confirmed or sent back with one note."""

    records = forms.TypedMultipleChoiceField(label="服务时长记录", coerce=int, choices=())
    decision = forms.ChoiceField(choices=[("confirm", "确认"), ("reject", "退回")])
    note = forms.CharField(label="退回原因", max_length=200, required=False)

    def __init__(self, *args, record_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["records"].choices = [(pk, pk) for pk in record_ids]
        self.fields["records"].error_messages["invalid_choice"] = "所选记录已处理或不在你的工作范围内，请刷新后重试。"
        self.fields["records"].error_messages["required"] = "请至少勾选一条记录。"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not (cleaned.get("note") or "").strip():
            self.add_error("note", "退回须说明原因，志愿者会看到。")
        return cleaned


class OrderAnswerForm(chinese.Form):
    """派单并答复: an upcoming activity of the user's scope, or one of its teams, and a word to
    the resident. Nothing chosen is an error under the choice the page offers."""

    title = "派单答复"
    short_names = {"team": "服务队"}

    activity = forms.ModelChoiceField(label="响应的活动", queryset=Activity.objects.none(), required=False)
    team = forms.ModelChoiceField(label="或派出服务队", queryset=VolunteerTeam.objects.none(), required=False)
    note = forms.CharField(label="给居民的答复", max_length=200, required=False)

    def __init__(self, *args, activities, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = activities
        self.fields["team"].queryset = teams
        for name in ("activity", "team"):
            self.fields[name].error_messages["invalid_choice"] = "所选的已不在可派范围内，请刷新后重新选择。"

    def clean(self):
        cleaned = super().clean()
        if self.errors or cleaned.get("activity") or cleaned.get("team"):
            return cleaned
        # Under the activity list when there is an activity to choose, else under the teams.
        if self.fields["activity"].queryset.exists():
            self.add_error("activity", "请选择响应的活动，或在下面选择派出的服务队。")
        elif self.fields["team"].queryset.exists():
            self.add_error("team", "请选择派出的服务队（近期没有可响应的活动）。")
        else:
            self.add_error("team", "你的工作范围内暂无近期活动和服务队可派：请先发布活动或建立服务队，或不予受理。")
        return cleaned


class OrderDeclineForm(chinese.Form):
    title = "不予受理"
    reason = forms.CharField(
        label="不予受理的原因", max_length=200, error_messages={"required": "请填写不予受理的原因。"}
    )


class VisitForm(chinese.Form):
    visited_on = forms.DateField(label="走访日期", widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label="跟踪情况", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
    next_steps = forms.CharField(
        label="下一步", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )
    once = OnceField()


TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")

IntervalFormSet = forms.inlineformset_factory(
    ServiceCenter,
    OpeningInterval,
    form=chinese.ModelForm,
    formset=WeekFormSet,
    fields=["weekday", "opens_at", "closes_at"],
    widgets={"opens_at": TIME, "closes_at": TIME},
    extra=2,
    can_delete=True,
)

ExceptionFormSet = forms.inlineformset_factory(
    ServiceCenter,
    OpeningException,
    form=chinese.ModelForm,
    fields=["date", "is_closed", "opens_at", "closes_at", "note"],
    widgets={"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), "opens_at": TIME, "closes_at": TIME},
    extra=1,
    can_delete=True,
)
