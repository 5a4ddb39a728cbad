"""Forms shared by the admin and the workspace, so both check a centre's week the same way."""

from __future__ import annotations

from django import forms


class WeekFormSet(forms.BaseInlineFormSet):
    """A centre's regular week: besides each row's own checks (the model's, against the rows
    already saved), the rows being saved together may not overlap on the same day either."""

    def clean(self):
        super().clean()
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("opens_at") and form.cleaned_data.get("closes_at")
        ]  # fmt: skip
        for index, a in enumerate(kept):
            for b in kept[index + 1 :]:
                if a["weekday"] == b["weekday"] and a["opens_at"] < b["closes_at"] and b["opens_at"] < a["closes_at"]:
                    day = dict(self.model.Weekday.choices)[a["weekday"]]
                    raise forms.ValidationError(
                        f"{day}的开放时段 {a['opens_at']:%H:%M}–{a['closes_at']:%H:%M} 与 "
                        f"{b['opens_at']:%H:%M}–{b['closes_at']:%H:%M} 重叠。"
                    )
