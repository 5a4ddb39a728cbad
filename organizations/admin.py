import base64
import io
from datetime import timedelta

import openpyxl
from django import forms
from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from core.spreadsheet import neutralise_formula

from . import opening, resources, services
from .admin_base import ScopedAdmin, ScopedImportExportAdmin, ScopedInline
from .forms import WeekFormSet
from .models import (
    AreaCluster,
    CoBuildingAgreement,
    Community,
    District,
    EconomicSociety,
    Grid,
    JointMeeting,
    Need,
    OpeningException,
    OpeningInterval,
    PartyMember,
    PartyOrganization,
    Position,
    Resource,
    ServiceCenter,
    ServiceType,
    StaffScope,
    Street,
)
from .scope import acts_on_whole_street
from .selectors import communities_with_one_shoulder


def count_of(model, fk: str) -> Subquery:
    """A correlated COUNT: evaluated only for the rows shown, where a JOIN + GROUP BY would
    aggregate every row of the table first (350,000 members at city scale)."""
    counted = model._default_manager.filter(**{fk: OuterRef("pk")}).order_by().values(fk)
    return Subquery(counted.annotate(n=Count("pk")).values("n"), output_field=IntegerField())


@admin.register(District)
class DistrictAdmin(ScopedAdmin):
    list_display = ["name", "city", "province"]
    search_fields = ["name"]


@admin.register(Street)
class StreetAdmin(ScopedAdmin):
    list_display = ["name", "district", "is_town", "party_brand", "is_demo"]
    list_select_related = ["district"]
    list_filter = ["is_town", "is_demo"]
    search_fields = ["name", "party_org_name"]
    autocomplete_fields = ["district"]


@admin.register(AreaCluster)
class AreaClusterAdmin(ScopedAdmin):
    list_display = ["name", "street", "population"]
    list_select_related = ["street"]
    search_fields = ["name"]
    autocomplete_fields = ["street"]


@admin.register(Community)
class CommunityAdmin(ScopedImportExportAdmin):
    resource_classes = [resources.CommunityResource]
    list_display = ["name", "street", "kind", "area_cluster", "grid_count", "one_shoulder", "is_demo"]
    list_select_related = ["street", "area_cluster"]
    list_filter = ["kind", "is_demo", ("area_cluster", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "initials", "pinyin", "street__name"]
    search_help_text = "可输入名称、拼音或拼音首字母（如 ghsq）。"
    autocomplete_fields = ["street", "area_cluster"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).annotate(_grid_count=count_of(Grid, "community"))
        return communities_with_one_shoulder(queryset)

    @admin.display(description="网格数", ordering="_grid_count")
    def grid_count(self, obj):
        return obj._grid_count or 0

    @admin.display(description="一肩挑", boolean=True, ordering="is_one_shoulder")
    def one_shoulder(self, obj):
        return obj.is_one_shoulder


@admin.register(Grid)
class GridAdmin(ScopedImportExportAdmin):
    resource_classes = [resources.GridResource]
    list_display = ["path", "community", "level", "kind", "is_demo"]
    list_select_related = ["community"]
    list_filter = ["level", "kind", "is_demo"]
    search_fields = ["name", "path", "community__name"]
    autocomplete_fields = ["community", "parent"]
    readonly_fields = ["path"]

    def save_model(self, request, obj, form, change):
        services.grid_save(grid=obj, user=request.user)


@admin.register(EconomicSociety)
class EconomicSocietyAdmin(ScopedImportExportAdmin):
    resource_classes = [resources.EconomicSocietyResource]
    list_display = ["name", "community", "households", "is_demo"]
    list_select_related = ["community"]
    list_filter = ["is_demo"]
    search_fields = ["name", "community__name"]
    autocomplete_fields = ["community"]


class PositionInline(ScopedInline):
    model = Position
    fk_name = "organization"
    fields = ["person", "role", "started_on", "ended_on"]
    autocomplete_fields = ["person"]

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            # Under a party organisation only party posts: a 主任 or 社长 belongs to a community
            # body, and the database would refuse the row with a 500 (its community is not here).
            kwargs["choices"] = [c for c in db_field.get_choices() if c[0] in ("", *Position.PARTY_ROLES)]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


@admin.register(PartyOrganization)
class PartyOrganizationAdmin(ScopedImportExportAdmin):
    resource_classes = [resources.PartyOrganizationResource]
    list_display = ["name", "kind", "field", "parent", "community", "member_count", "is_demo"]
    list_select_related = ["parent", "community"]
    list_filter = ["kind", "field", "is_demo"]
    search_fields = ["name", "community__name"]
    autocomplete_fields = ["street", "parent", "community", "grid", "economic_society", "spanned_communities"]
    inlines = [PositionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_member_count=count_of(PartyMember, "organization"))

    @admin.display(description="党员数", ordering="_member_count")
    def member_count(self, obj):
        return obj._member_count or 0

    def save_model(self, request, obj, form, change):
        services.party_organization_save(organization=obj, user=request.user)


@admin.register(PartyMember)
class PartyMemberAdmin(ScopedImportExportAdmin):
    resource_classes = [resources.PartyMemberResource]
    # Private fields (phone, ID number, address, birth date) stay on the change form only.
    list_display = ["name", "gender", "status", "organization", "residence_community", "joined_on", "is_demo"]
    list_select_related = ["organization", "residence_community"]
    list_filter = ["status", "gender", "is_demo"]
    search_fields = ["name", "organization__name", "=id_number", "=phone"]
    search_help_text = "按姓名或党组织搜索；身份证号、手机需完整输入。"
    autocomplete_fields = ["organization", "residence_community"]
    show_full_result_count = False


@admin.register(Position)
class PositionAdmin(ScopedImportExportAdmin):
    resource_classes = [resources.PositionResource]
    list_display = ["person", "role", "organization", "community", "economic_society", "started_on", "ended_on"]
    list_select_related = ["person", "organization", "community", "economic_society__community"]
    list_filter = ["role", ("ended_on", admin.EmptyFieldListFilter)]
    search_fields = ["person__name", "organization__name", "community__name"]
    autocomplete_fields = ["person", "organization", "community", "economic_society"]


@admin.register(ServiceType)
class ServiceTypeAdmin(ScopedAdmin):
    list_display = ["name", "sort_order"]
    search_fields = ["name"]


class OpeningIntervalInline(ScopedInline):
    model = OpeningInterval
    formset = WeekFormSet
    fields = ["weekday", "opens_at", "closes_at"]


class OpeningExceptionInline(ScopedInline):
    model = OpeningException
    fields = ["date", "is_closed", "opens_at", "closes_at", "note"]


@admin.register(ServiceCenter)
class ServiceCenterAdmin(ScopedImportExportAdmin):
    resource_classes = [resources.ServiceCenterResource, resources.WeeklyHoursResource]
    list_display = ["name", "level", "community", "phone", "open_status", "is_published", "is_demo"]
    list_select_related = ["community"]
    list_filter = ["level", "is_published", "is_demo"]
    search_fields = ["name", "initials", "pinyin", "address", "community__name"]
    search_help_text = "可输入名称、拼音或拼音首字母、地址。"
    autocomplete_fields = ["street", "community", "area_cluster", "economic_society", "services"]
    inlines = [OpeningIntervalInline, OpeningExceptionInline]

    def get_queryset(self, request):
        # Two prefetches for the whole page feed the 开放状态 column.
        today = timezone.localdate()
        upcoming = OpeningException.objects.filter(date__gte=today, date__lte=today + timedelta(days=15))
        return (
            super()
            .get_queryset(request)
            .prefetch_related("opening_intervals", Prefetch("opening_exceptions", queryset=upcoming))
        )

    @admin.display(description="开放状态")
    def open_status(self, obj):
        return opening.status_text(opening.Hours.of(obj), timezone.now())


@admin.register(OpeningInterval)
class OpeningIntervalAdmin(ScopedAdmin):
    list_display = ["center", "weekday", "opens_at", "closes_at"]
    list_select_related = ["center"]
    list_filter = ["weekday"]
    search_fields = ["center__name"]
    autocomplete_fields = ["center"]


@admin.register(OpeningException)
class OpeningExceptionAdmin(ScopedImportExportAdmin):
    resource_classes = [resources.OpeningExceptionResource]
    list_display = ["center", "date", "is_closed", "opens_at", "closes_at", "note"]
    list_select_related = ["center"]
    list_filter = ["is_closed"]
    date_hierarchy = "date"
    search_fields = ["center__name", "note"]
    autocomplete_fields = ["center"]


@admin.register(JointMeeting)
class JointMeetingAdmin(ScopedAdmin):
    list_display = ["title", "community", "held_on", "enterprise_count", "representative_count"]
    list_select_related = ["community"]
    date_hierarchy = "held_on"
    search_fields = ["title", "community__name"]
    autocomplete_fields = ["community", "participant_organizations"]


@admin.register(CoBuildingAgreement)
class CoBuildingAgreementAdmin(ScopedAdmin):
    list_display = ["partner_name", "community", "signed_on", "ends_on"]
    list_select_related = ["community"]
    search_fields = ["partner_name", "community__name"]
    autocomplete_fields = ["community", "partner_organization"]


@admin.register(Resource)
class ResourceAdmin(ScopedAdmin):
    list_display = ["title", "provider", "community", "listed_on"]
    list_select_related = ["community"]
    search_fields = ["title", "provider", "community__name"]
    autocomplete_fields = ["community"]


@admin.register(Need)
class NeedAdmin(ScopedAdmin):
    list_display = ["title", "community", "status", "raised_on", "matched_resource"]
    list_select_related = ["community", "matched_resource"]
    list_filter = ["status"]
    search_fields = ["title", "community__name"]
    autocomplete_fields = ["community", "matched_resource"]


class StaffScopeForm(forms.ModelForm):
    class Meta:
        model = StaffScope
        fields = ["user", "street", "whole_street", "communities"]

    def clean(self):
        cleaned = super().clean()
        street, communities = cleaned.get("street"), cleaned.get("communities")
        if street is None or communities is None:
            return cleaned
        if cleaned.get("whole_street") and communities:
            self.add_error("communities", "整个街道的工作范围不再单独选择社区。")
        elif not cleaned.get("whole_street") and not communities:
            self.add_error("communities", "社区书记须至少选择一个社区；街道工作人员请勾选“整个街道”。")
        elsewhere = [c.name for c in communities if c.street_id != street.pk]
        if elsewhere:
            self.add_error("communities", f"这些社区不属于{street}：{'、'.join(elsewhere)}")
        return cleaned


@admin.register(StaffScope)
class StaffScopeAdmin(ScopedImportExportAdmin):
    """Also imports community secretaries' logins: a new account's one-time password is shown
    once, on the page after the confirmed import, with an xlsx of them made in the page itself;
    it is stored nowhere in clear (not in the import's log entries, the history or the logs)."""

    form = StaffScopeForm
    resource_classes = [resources.SecretaryAccountResource]

    def has_import_permission(self, request):
        # Street staff may not edit scopes (that stays with superusers), but they onboard their
        # street's secretaries by import: the resource creates and updates only secretary
        # scopes of their own street, and never touches a street-staff login.
        return acts_on_whole_street(request.user)

    def get_import_resource_kwargs(self, request, **kwargs):
        kwargs = super().get_import_resource_kwargs(request, **kwargs)
        kwargs["new_passwords"] = request.__dict__.setdefault("_new_passwords", [])
        return kwargs

    def process_result(self, result, request):
        response = super().process_result(result, request)
        passwords = request.__dict__.get("_new_passwords") or []
        if result.has_errors() or result.has_validation_errors() or not passwords:
            return response
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "一次性密码"
        sheet.append(["姓名", "手机（登录名）", "一次性密码"])
        for row in passwords:
            sheet.append([neutralise_formula(value) for value in row])
        buffer = io.BytesIO()
        book.save(buffer)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "新账号的一次性密码",
            "passwords": passwords,
            "xlsx": base64.b64encode(buffer.getvalue()).decode(),
            "today": timezone.localdate(),
        }
        page = TemplateResponse(request, "admin/organizations/staffscope/passwords.html", context)
        add_never_cache_headers(page)
        return page

    list_display = ["user", "street", "whole_street", "community_list"]
    list_filter = ["whole_street"]
    list_select_related = ["user", "street"]
    search_fields = ["user__username", "communities__name"]
    autocomplete_fields = ["user", "street", "communities"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("communities")

    @admin.display(description="社区")
    def community_list(self, obj):
        return "、".join(c.name for c in obj.communities.all())
