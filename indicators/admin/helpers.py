"""Admin of 指导员 and 导师团."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count

from organizations.admin_base import (
    ScopedAdmin,
)

from .. import services
from ..models import (
    Instructor,
    Mentor,
)


class InstructorForm(forms.ModelForm):
    """The login is named by its username, so no dropdown lists every account."""

    username = forms.CharField(label="登录用户名", max_length=150, help_text="指导员在本街道的工作人员账号。")

    class Meta:
        model = Instructor
        fields = ["street", "name", "unit", "is_active", "is_demo"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["username"].initial = self.instance.user.username

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise ValidationError(f"没有用户名为“{username}”的账号。")
        self.instance.user = user
        return username


@admin.register(Instructor)
class InstructorAdmin(ScopedAdmin):
    form = InstructorForm
    list_display = ["name", "unit", "street", "user", "is_active", "case_count"]
    list_select_related = ["street", "user"]
    list_filter = ["is_active", "is_demo"]
    search_fields = ["name", "unit", "user__username"]
    autocomplete_fields = ["street"]
    fields = ["street", "username", "name", "unit", "is_active", "is_demo"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_cases=Count("cases", distinct=True))

    @admin.display(description="挂钩对象", ordering="_cases")
    def case_count(self, obj):
        return obj._cases

    def save_model(self, request, obj, form, change):
        services.instructor_save(instructor=obj, user=request.user)


@admin.register(Mentor)
class MentorAdmin(ScopedAdmin):
    list_display = ["name", "title", "street", "is_demo"]
    list_select_related = ["street"]
    list_filter = ["is_demo"]
    search_fields = ["name", "title"]
    autocomplete_fields = ["street"]
