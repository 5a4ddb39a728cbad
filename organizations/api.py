"""The API of the organizations app: communities and service centres (public, read-only), and
the centres as open data (Open Referral HSDS JSON and CSV). Reads go through
``organizations.selectors``; hours through ``organizations.opening``."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import CSVRenderer, DescribedModelSerializer, IdFilter, PublicReadMixin, csv_response

from . import opening, selectors
from .models import Community, ServiceCenter

# --- Communities ---------------------------------------------------------------------------------


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True, help_text="编号")
    name = serializers.CharField(read_only=True, help_text="名称")


class CommunitySerializer(DescribedModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, help_text="社区类型（中文）")
    street = NamedSerializer(read_only=True, help_text="所属街道（镇）")
    area_cluster = NamedSerializer(read_only=True, allow_null=True, help_text="所属片区，没有则为空")
    grids = serializers.SerializerMethodField(help_text="各级网格数")

    class Meta:
        model = Community
        fields = ["id", "name", "kind", "kind_label", "street", "area_cluster", "grids", "is_demo"]
        extra_kwargs = {
            "name": {"help_text": "社区名称"},
            "kind": {"help_text": "社区类型：urban 城市社区，rural 农村社区"},
            "is_demo": {"help_text": "是否演示数据（由系统生成，不是真实社区）"},
        }

    @extend_schema_field(
        inline_serializer(
            "GridCounts",
            {
                "level_1": serializers.IntegerField(help_text="一级网格（社区）数"),
                "level_2": serializers.IntegerField(help_text="二级网格（居民小组/物业小区/商圈楼宇）数"),
                "level_3": serializers.IntegerField(help_text="三级网格（责任区）数"),
            },
        )
    )
    def get_grids(self, community) -> dict:
        return {f"level_{n}": getattr(community, f"grids_level_{n}") for n in (1, 2, 3)}


class CommunityFilter(filters.FilterSet):
    street = IdFilter(field_name="street_id", help_text="街道（镇）编号")
    area_cluster = IdFilter(field_name="area_cluster_id", help_text="片区编号")
    kind = filters.ChoiceFilter(choices=Community.Kind.choices, help_text="社区类型")

    class Meta:
        model = Community
        fields = ["street", "area_cluster", "kind"]


@extend_schema(tags=["社区"])
class CommunityViewSet(PublicReadMixin, viewsets.ReadOnlyModelViewSet):
    """社区：所属街道、片区和各级网格数（公开）。"""

    permission_classes = [AllowAny]
    serializer_class = CommunitySerializer
    filterset_class = CommunityFilter

    def get_queryset(self):
        return selectors.public_communities()


# --- Service centres -----------------------------------------------------------------------------


class IntervalSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(help_text="星期几：0 周一 … 6 周日")
    weekday_label = serializers.CharField(help_text="星期（中文）")
    opens_at = serializers.CharField(help_text="开门时间（HH:MM，北京时间）")
    closes_at = serializers.CharField(help_text="关门时间（HH:MM，北京时间）")


class DaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="日期")
    weekday_label = serializers.CharField(help_text="星期（中文）")
    closed = serializers.BooleanField(help_text="当天是否闭馆")
    intervals = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2),
        help_text="开放时段：[开门, 关门]（HH:MM，北京时间）的列表",
    )
    label = serializers.CharField(help_text="开放时段（中文），闭馆为“闭馆”")
    note = serializers.CharField(help_text="与平常不同的原因：节假日、调休、特殊安排；平常为空")


def _today():
    # The portal's time zone is Beijing time; organizations imports none of the other apps.
    return timezone.localdate()


def _hours(center) -> opening.Hours:
    if not hasattr(center, "_api_hours"):
        center._api_hours = opening.Hours.of(center)
    return center._api_hours


def _day(schedule: opening.DaySchedule) -> dict:
    return {
        "date": schedule.day,
        "weekday_label": opening.WEEKDAYS[schedule.day.weekday()],
        "closed": schedule.is_closed,
        "intervals": [[f"{a:%H:%M}", f"{b:%H:%M}"] for a, b in schedule.intervals],
        "label": schedule.label,
        "note": schedule.note,
    }


class CenterSerializer(DescribedModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True, help_text="层级（中文）")
    community = NamedSerializer(read_only=True, allow_null=True, help_text="所在社区；街道级中心为空")
    services = serializers.SerializerMethodField(help_text="提供的服务")
    open_now = serializers.SerializerMethodField(help_text="此刻是否开放")
    status = serializers.SerializerMethodField(help_text="开放状态（中文），如“已闭馆 · 下次开放 11月24日 周二 09:00”")
    next_opening = serializers.SerializerMethodField(help_text="下次开放时间；开放中或两周内不开放为空")
    weekly_hours = serializers.SerializerMethodField(help_text="平常每周的开放时段")
    week = serializers.SerializerMethodField(help_text="今天起 7 天的开放安排（已计入节假日、调休和特殊安排）")

    class Meta:
        model = ServiceCenter
        fields = [
            "id",
            "name",
            "level",
            "level_label",
            "community",
            "address",
            "latitude",
            "longitude",
            "phone",
            "description",
            "services",
            "open_now",
            "status",
            "next_opening",
            "weekly_hours",
            "week",
            "is_demo",
        ]
        extra_kwargs = {
            "is_demo": {"help_text": "是否演示数据（地址、开放时间等由系统生成，不是真实情况）"},
            "level": {"help_text": "层级代码"},
            "latitude": {"help_text": "纬度（GCJ-02）"},
            "longitude": {"help_text": "经度（GCJ-02）"},
            "phone": {"help_text": "中心的公开联系电话"},
        }

    def _now(self):
        return self.context.setdefault("now", timezone.now())

    def get_services(self, center) -> list[str]:
        return [service.name for service in center.services.all()]

    def get_open_now(self, center) -> bool:
        return opening.is_open_at(_hours(center), self._now())

    def get_status(self, center) -> str:
        return opening.status_text(_hours(center), self._now())

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_opening(self, center):
        if opening.is_open_at(_hours(center), self._now()):
            return None
        upcoming = opening.next_opening(_hours(center), self._now())
        return upcoming.isoformat() if upcoming else None

    @extend_schema_field(IntervalSerializer(many=True))
    def get_weekly_hours(self, center) -> list[dict]:
        return [
            {
                "weekday": day,
                "weekday_label": opening.WEEKDAYS[day],
                "opens_at": f"{a:%H:%M}",
                "closes_at": f"{b:%H:%M}",
            }
            for day in sorted(_hours(center).weekly)
            for a, b in _hours(center).weekly[day]
        ]

    @extend_schema_field(DaySerializer(many=True))
    def get_week(self, center) -> list[dict]:
        return [_day(schedule) for schedule in opening.week(_hours(center), _today())]


class CenterFilter(filters.FilterSet):
    level = filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _) in selectors.PUBLIC_CENTER_LEVELS.items()],
        method="filter_level",
        help_text="层级：street 街道、area 片区、community 社区、station 小区、building 楼宇、society 经济社阵地",
    )
    community = IdFilter(field_name="community_id", help_text="社区编号")
    street = IdFilter(field_name="street_id", help_text="街道（镇）编号")
    open = filters.BooleanFilter(method="filter_open", help_text="true：只要此刻开放的")

    class Meta:
        model = ServiceCenter
        fields = ["level", "community", "street", "open"]

    def filter_level(self, queryset, name, value):
        return queryset.filter(level__in=selectors.PUBLIC_CENTER_LEVELS[value][1])

    def filter_open(self, queryset, name, value):
        # Open or not is computed from the hours in Python (holidays, 调休): filter by the ids.
        now = timezone.now()
        open_ids = [center.pk for center in queryset if opening.is_open_at(opening.Hours.of(center), now) == value]
        return queryset.filter(pk__in=open_ids)


@extend_schema(tags=["党群服务中心"])
class CenterViewSet(PublicReadMixin, viewsets.ReadOnlyModelViewSet):
    """已公布的党群服务中心（“1+45+N”）：地址、服务、结构化开放时间和“此刻是否开放”（公开）。"""

    permission_classes = [AllowAny]
    serializer_class = CenterSerializer
    filterset_class = CenterFilter
    fresh_seconds = 60  # “开放中” moves with the clock

    def get_queryset(self):
        return selectors.public_centers(today=_today(), with_services=True)


# --- Open data: Open Referral HSDS --------------------------------------------------------------

HSDS_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
EXCEPTION_HORIZON_DAYS = 90


def _hsds_schedules(center, today) -> list[dict]:
    """Weekly schedules, then every day of the coming ``EXCEPTION_HORIZON_DAYS`` that differs from
    the regular week (statutory holiday, 调休 workday, a dated exception) as a one-day schedule."""
    hours = _hours(center)
    location_id = f"location-{center.pk}"
    rows = [
        {
            "id": f"schedule-{center.pk}-{HSDS_DAYS[day]}-{index}",
            "location_id": location_id,
            "service_id": f"service-{center.pk}",
            "freq": "WEEKLY",
            "wkst": "MO",
            "byday": HSDS_DAYS[day],
            "opens_at": f"{opens:%H:%M}",
            "closes_at": f"{closes:%H:%M}",
            "timezone": "UTC+08:00",
            "description": f"{opening.WEEKDAYS[day]} {opens:%H:%M}–{closes:%H:%M}",
        }
        for day in sorted(hours.weekly)
        for index, (opens, closes) in enumerate(hours.weekly[day])
    ]
    for offset in range(EXCEPTION_HORIZON_DAYS):
        schedule = opening.day_schedule(hours, today + timedelta(days=offset))
        if not schedule.note:
            continue
        base = {
            "location_id": location_id,
            "service_id": f"service-{center.pk}",
            "valid_from": schedule.day.isoformat(),
            "valid_to": schedule.day.isoformat(),
            "dtstart": schedule.day.isoformat(),
            "timezone": "UTC+08:00",
            "description": f"{schedule.day:%Y-%m-%d} {schedule.label}",
            "notes": schedule.note,
        }
        if schedule.is_closed:
            rows.append(
                {"id": f"exception-{center.pk}-{schedule.day:%Y%m%d}", **base, "opens_at": None, "closes_at": None}
            )
        for index, (opens, closes) in enumerate(schedule.intervals):
            rows.append(
                {
                    "id": f"exception-{center.pk}-{schedule.day:%Y%m%d}-{index}",
                    **base,
                    "opens_at": f"{opens:%H:%M}",
                    "closes_at": f"{closes:%H:%M}",
                }
            )
    return rows


def centers_hsds(*, today) -> dict:
    """The published centres as Open Referral HSDS 3.0 tables: the organisation running each
    (its street's party working committee), the location, the service offered there, and the
    schedules, holiday exceptions included. Five queries."""
    centers = list(selectors.public_centers(today=today, with_services=True).select_related("street"))
    # The hours prefetch covers a fortnight; the horizon needs the exceptions beyond it too.
    horizon = today + timedelta(days=EXCEPTION_HORIZON_DAYS)
    exceptions: dict[int, list] = {}
    for exception in selectors.opening_exceptions_between(center_ids=[c.pk for c in centers], start=today, end=horizon):
        exceptions.setdefault(exception.center_id, []).append(exception)
    organizations, locations, services, links, schedules = {}, [], [], [], []
    for center in centers:
        hours = opening.Hours.of(center)
        hours.exceptions.clear()
        for exception in exceptions.get(center.pk, []):
            hours.exceptions[exception.date].append(exception)
        center._api_hours = hours
        organization_id = f"organization-street-{center.street_id}"
        organizations.setdefault(
            organization_id,
            {
                "id": organization_id,
                "name": center.street.party_org_name or f"{center.street.name}党工委",
                "description": f"{center.street.name}党群服务中心体系（1+45+N）",
            },
        )
        locations.append(
            {
                "id": f"location-{center.pk}",
                "organization_id": organization_id,
                "location_type": "physical",
                "name": center.name,
                "description": center.description,
                "latitude": float(center.latitude) if center.latitude is not None else None,
                "longitude": float(center.longitude) if center.longitude is not None else None,
                "addresses": [
                    {
                        "id": f"address-{center.pk}",
                        "location_id": f"location-{center.pk}",
                        "address_1": center.address,
                        "city": "佛山市",
                        "region": center.street.name,
                        "state_province": "广东省",
                        "country": "CN",
                        "address_type": "physical",
                    }
                ],
                "phones": [{"id": f"phone-{center.pk}", "number": center.phone}] if center.phone else [],
            }
        )
        services.append(
            {
                "id": f"service-{center.pk}",
                "organization_id": organization_id,
                "name": f"{center.name} 党群服务",
                "description": "、".join(s.name for s in center.services.all()),
                "status": "active",
            }
        )
        links.append(
            {
                "id": f"service-at-location-{center.pk}",
                "service_id": f"service-{center.pk}",
                "location_id": f"location-{center.pk}",
            }
        )
        schedules.extend(_hsds_schedules(center, today))
    return {
        "hsds_version": "3.0",
        "generated_at": timezone.now().isoformat(),
        "organizations": list(organizations.values()),
        "locations": locations,
        "services": services,
        "service_at_locations": links,
        "schedules": schedules,
    }


CENTER_CSV_HEADER = ["编号", "名称", "层级", "社区", "地址", "纬度", "经度", "电话", "服务", "每周开放时间"]


def centers_csv_rows(*, today) -> list[list]:
    rows = []
    for center in selectors.public_centers(today=today, with_services=True):
        hours = _hours(center)
        weekly = "；".join(
            f"{opening.WEEKDAYS[day]} " + "、".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in hours.weekly[day])
            for day in sorted(hours.weekly)
        )
        rows.append(
            [
                center.pk,
                center.name,
                center.get_level_display(),
                center.community.name if center.community_id else "",
                center.address,
                center.latitude if center.latitude is not None else "",
                center.longitude if center.longitude is not None else "",
                center.phone,
                "、".join(s.name for s in center.services.all()),
                weekly,
            ]
        )
    return rows


class CentersHsdsView(PublicReadMixin, APIView):
    """党群服务中心开放数据：Open Referral HSDS 3.0 JSON（机构、地点、服务、开放时间，含节假日例外）。"""

    permission_classes = [AllowAny]
    fresh_seconds = 3600  # the holiday horizon moves by the day

    @extend_schema(tags=["开放数据"], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(centers_hsds(today=_today()))


class CentersCsvView(PublicReadMixin, APIView):
    """党群服务中心开放数据：CSV（UTF-8）。"""

    permission_classes = [AllowAny]
    renderer_classes = [CSVRenderer]
    fresh_seconds = 3600

    @extend_schema(tags=["开放数据"], responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        return csv_response(CENTER_CSV_HEADER, centers_csv_rows(today=_today()), "centers.csv")
