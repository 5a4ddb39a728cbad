"""The API of the projects app: 书记工程 with targets, milestones and their public timeline, the
730 plan, a secretary's progress update with photos, and both as CSV open data. Reads through
``projects.selectors``, writes through ``projects.services.progress_update_add``."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core import once
from core.api import CSVRenderer, DescribedModelSerializer, IdFilter, PublicReadMixin, csv_response, query_int
from organizations.api import NamedSerializer

from . import selectors, services
from .models import ProgressUpdate, ProjectMilestone, ProjectTarget, SecretaryProject, WorkItem, WorkPlan, WorkTheme
from .validators import MAX_PHOTOS_PER_UPDATE, PhotoFormField


class TargetSerializer(DescribedModelSerializer):
    class Meta:
        model = ProjectTarget
        fields = ["label", "unit", "planned_value", "achieved_value"]
        extra_kwargs = {
            "label": {"help_text": "目标"},
            "achieved_value": {"help_text": "已完成值"},
        }


class MilestoneSerializer(DescribedModelSerializer):
    class Meta:
        model = ProjectMilestone
        fields = ["number", "title", "due_on", "done_on", "is_demo"]
        extra_kwargs = {
            "title": {"help_text": "节点"},
            "done_on": {"help_text": "实际完成日期，未完成为空"},
            "is_demo": {"help_text": "是否演示数据（报道没有写明、由演示数据补足的节点）"},
        }


class PhotoSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField(help_text="原图地址（经权限检查的 /media/ 地址，已去除 EXIF 定位）")
    display_url = serializers.SerializerMethodField(help_text="展示图地址（长边至多 1280 像素），尚未生成时为空")
    thumbnail_url = serializers.SerializerMethodField(help_text="缩略图地址（宽至多 480 像素），尚未生成时为空")
    width = serializers.IntegerField(help_text="原图宽（像素），尚未读取时为空", allow_null=True)
    height = serializers.IntegerField(help_text="原图高（像素），尚未读取时为空", allow_null=True)
    caption = serializers.CharField(help_text="说明")

    def get_url(self, photo) -> str:
        return photo.image.url

    def get_display_url(self, photo) -> str | None:
        return photo.display.url if photo.has_sizes else None

    def get_thumbnail_url(self, photo) -> str | None:
        return photo.thumb.url if photo.has_sizes else None


class UpdateSerializer(DescribedModelSerializer):
    photos = PhotoSerializer(many=True, read_only=True, help_text="照片")

    class Meta:
        model = ProgressUpdate
        fields = ["id", "date", "text", "percent", "photos", "is_demo"]
        extra_kwargs = {
            "text": {"help_text": "进展内容"},
            "percent": {"help_text": "完成进度（%）"},
            "is_demo": {"help_text": "是否演示数据（由系统生成，不是真实进展）"},
        }


class ProjectSerializer(DescribedModelSerializer):
    community = NamedSerializer(read_only=True, help_text="社区")
    status_label = serializers.CharField(source="get_status_display", read_only=True, help_text="状态（中文）")
    is_lagging = serializers.BooleanField(read_only=True, help_text="按规则计算的“滞后”标记")
    accepts_updates = serializers.BooleanField(
        read_only=True, help_text="是否还接受新的进展：往年的书记工程已结束，不再接受（提交会得到 400 和原因）"
    )
    targets = TargetSerializer(many=True, read_only=True, help_text="可量化目标")
    milestones = MilestoneSerializer(many=True, read_only=True, help_text="季度节点")

    class Meta:
        model = SecretaryProject
        fields = [
            "id",
            "year",
            "community",
            "title",
            "focus",
            "plan",
            "status",
            "status_label",
            "percent",
            "last_update_on",
            "is_lagging",
            "accepts_updates",
            "is_public",
            "is_demo",
            "progress_is_demo",
            "targets",
            "milestones",
        ]
        extra_kwargs = {
            "focus": {"help_text": "聚焦的问题"},
            "plan": {"help_text": "工作计划"},
            "status": {
                "help_text": "状态代码，按进展自动计算：not_started 未启动、in_progress 推进中、"
                "awaiting_acceptance 待验收、done 已完成"
            },
            "percent": {"help_text": "完成进度（%），取最新一条进展"},
            "is_public": {"help_text": "是否公开（未公开的只有工作范围内的工作人员能看到）"},
            "is_demo": {"help_text": "项目本身是否演示数据（由系统生成，不是真实项目）"},
            "progress_is_demo": {"help_text": "完成进度是否来自演示数据（最新一条进展为演示数据，真实项目也可能如此）"},
        }


class ProjectDetailSerializer(ProjectSerializer):
    updates = serializers.SerializerMethodField(help_text="进展时间线，最新在前")

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "updates"]

    @extend_schema_field(UpdateSerializer(many=True))
    def get_updates(self, project) -> list[dict]:
        updates = selectors.timeline(project=project, public_only=project.is_public)
        return UpdateSerializer(updates, many=True, context=self.context).data


class ProjectFilter(filters.FilterSet):
    year = IdFilter(help_text="年度")
    community = IdFilter(field_name="community_id", help_text="社区编号")
    street = IdFilter(field_name="community__street_id", help_text="街道（镇）编号")
    status = filters.ChoiceFilter(choices=SecretaryProject.Status.choices, help_text="状态（按进展自动计算）")
    lagging = filters.BooleanFilter(field_name="is_lagging", help_text="true：只要按规则滞后的")

    class Meta:
        model = SecretaryProject
        fields = ["year", "community", "street", "status", "lagging"]


class UpdateCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, help_text="进展内容")
    percent = serializers.IntegerField(min_value=0, max_value=100, help_text="完成进度（%）")
    date = serializers.DateField(required=False, help_text="进展日期，默认今天")
    photos = serializers.ListField(
        # validate_photo first (size, pixels, format), as the admin's and the workspace's fields
        child=serializers.ImageField(_DjangoImageField=PhotoFormField, help_text="照片（JPEG、PNG 或 WebP）"),
        required=False,
        max_length=MAX_PHOTOS_PER_UPDATE,
        help_text=f"照片，最多 {MAX_PHOTOS_PER_UPDATE} 张",
    )
    once = serializers.CharField(
        required=False, allow_blank=True, max_length=64,
        help_text="一次性提交编号（也可用请求头 Idempotency-Key）：同一编号再次提交不会重复记录，返回第一次的结果",
    )  # fmt: skip


@extend_schema(tags=["书记工程"])
class ProjectViewSet(PublicReadMixin, viewsets.ReadOnlyModelViewSet):
    """书记工程：目标、季度节点、进度和滞后标记；详情含公开的进展时间线（公开）。登录的工作人员
    还能看到本工作范围内未公开的项目，和管理后台一致。"""

    permission_classes = [AllowAny]
    filterset_class = ProjectFilter
    fresh_seconds = 3600  # 滞后 is computed against today: it may turn overnight

    def get_queryset(self):
        return selectors.projects_visible_to(self.request.user)

    def get_serializer_class(self):
        if self.action == "updates":
            return UpdateCreateSerializer
        return ProjectDetailSerializer if self.action == "retrieve" else ProjectSerializer

    @extend_schema(
        summary="书记填报进展（可附照片）",
        request={"multipart/form-data": UpdateCreateSerializer, "application/json": UpdateCreateSerializer},
        responses={201: UpdateSerializer},
        parameters=[
            OpenApiParameter(
                once.HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                description="一次性提交编号（最多 64 个字符）：同一编号再次提交不会重复记录，返回第一次的结果",
            )
        ],
    )  # fmt: skip
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def updates(self, request, pk=None):
        project = get_object_or_404(SecretaryProject.objects.all(), pk=pk)
        serializer = UpdateCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {**serializer.validated_data, "once": once.token_of(request, serializer.validated_data)}
        update = services.progress_update_add(user=request.user, project=project, **data)
        # A resend answers as the first send did: same body, same status.
        return Response(UpdateSerializer(update).data, status=status.HTTP_201_CREATED)


# --- 730 ------------------------------------------------------------------------------------------


class ItemSerializer(DescribedModelSerializer):
    is_lagging = serializers.BooleanField(read_only=True, help_text="按规则计算的“滞后”标记")

    class Meta:
        model = WorkItem
        fields = [
            "id",
            "number",
            "title",
            "lead_unit",
            "weight",
            "deadline",
            "target",
            "percent",
            "last_update_on",
            "is_lagging",
            "is_demo",
            "progress_is_demo",
        ]
        extra_kwargs = {
            "number": {"help_text": "序号"},
            "weight": {"help_text": "权重"},
            "target": {"help_text": "目标"},
            "percent": {"help_text": "完成进度（%）"},
            "is_demo": {"help_text": "牵头单位、权重、时限、目标是否演示数据（要点名称来自公开报道）"},
            "progress_is_demo": {"help_text": "完成进度是否来自演示数据"},
        }


class ThemeSerializer(DescribedModelSerializer):
    items = ItemSerializer(many=True, read_only=True, help_text="要点")

    class Meta:
        model = WorkTheme
        fields = ["number", "title", "weight", "percent", "progress_is_demo", "items"]
        extra_kwargs = {
            "weight": {"help_text": "权重"},
            "percent": {"help_text": "完成进度（%），由要点加权汇总"},
            "progress_is_demo": {"help_text": "完成进度是否计入了演示数据"},
        }


class PlanSerializer(DescribedModelSerializer):
    street = NamedSerializer(read_only=True, help_text="街道（镇）")
    themes = ThemeSerializer(many=True, read_only=True, help_text="7 个主题")

    class Meta:
        model = WorkPlan
        fields = [
            "id", "year", "title", "short_title", "street", "published_on", "percent", "progress_is_demo", "themes",
        ]  # fmt: skip
        extra_kwargs = {
            "title": {"help_text": "名称"},
            "short_title": {"help_text": "简称"},
            "percent": {"help_text": "总进度（%），由主题加权汇总"},
            "progress_is_demo": {"help_text": "总进度是否计入了演示数据"},
        }


class PlanFilter(filters.FilterSet):
    year = IdFilter(help_text="年度")
    street = IdFilter(field_name="street_id", help_text="街道（镇）编号")

    class Meta:
        model = WorkPlan
        fields = ["year", "street"]


@extend_schema(tags=["桂城党建730"])
class PlanViewSet(PublicReadMixin, viewsets.ReadOnlyModelViewSet):
    """桂城党建730：7 个主题、30 个要点及其进度和滞后标记（公开）。"""

    permission_classes = [AllowAny]
    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    fresh_seconds = 3600  # 滞后 is computed against today

    def get_queryset(self):
        return selectors.public_plans()


# --- Open data -------------------------------------------------------------------------------------

YEAR_PARAMETER = OpenApiParameter("year", int, description="年度；不填为全部年度")


def _demo(record: bool, progress: bool) -> str:
    """The open data's 演示数据 column: which of a row's values are invented."""
    if record:
        return "是"
    return "进度为演示数据" if progress else "否"


def _year(request) -> int | None:
    return query_int(request, "year", "请填写有效的年度，如 2023。")


class ProjectsCsvView(PublicReadMixin, APIView):
    """书记工程进度开放数据：CSV（UTF-8）。"""

    permission_classes = [AllowAny]
    fresh_seconds = 3600
    renderer_classes = [CSVRenderer]

    @extend_schema(tags=["开放数据"], parameters=[YEAR_PARAMETER], responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        year = _year(request)
        projects = selectors.public_projects()
        if year is not None:
            projects = projects.filter(year=year)
        header = ["编号", "年度", "社区", "项目", "状态", "进度(%)", "最近进展", "滞后", "演示数据"]
        rows = [
            [p.pk, p.year, p.community.name, p.title, p.get_status_display(), p.percent, p.last_update_on or "",
             "是" if p.is_lagging else "否", _demo(p.is_demo, p.progress_is_demo)]
            for p in projects
        ]  # fmt: skip
        return csv_response(header, rows, f"secretary-projects-{year or 'all'}.csv")


class PlanCsvView(PublicReadMixin, APIView):
    """桂城党建730 进度开放数据：CSV（UTF-8）。"""

    permission_classes = [AllowAny]
    fresh_seconds = 3600
    renderer_classes = [CSVRenderer]

    @extend_schema(tags=["开放数据"], parameters=[YEAR_PARAMETER], responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        year = _year(request)
        header = [
            "年度",
            "主题",
            "要点序号",
            "要点",
            "牵头单位",
            "权重",
            "完成时限",
            "进度(%)",
            "最近进展",
            "滞后",
            "演示数据",
        ]
        rows = [
            [i.theme.plan.year, f"{i.theme.number}. {i.theme.title}", i.number, i.title, i.lead_unit, i.weight,
             i.deadline or "", i.percent, i.last_update_on or "", "是" if i.is_lagging else "否",
             _demo(i.is_demo, i.progress_is_demo)]
            for i in selectors.public_plan_items(year=year)
        ]  # fmt: skip
        return csv_response(header, rows, f"guicheng-730-{year or 'all'}.csv")
