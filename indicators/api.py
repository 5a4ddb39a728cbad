"""The API of the indicators app: the 流动星级 honour roll and a subject's public rating history,
the 数读 key figures, and staff entering scores. Reads through ``indicators.selectors`` and the
registry, writes through ``indicators.services.score_save``."""

from __future__ import annotations

from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core import registry
from core.api import DescribedModelSerializer, IdField, IdFilter, PublicReadMixin, query_int
from organizations import selectors as organizations_selectors
from organizations.api import NamedSerializer
from organizations.api_permissions import StaffPermission
from organizations.models import PartyOrganization

from . import selectors, services
from .models import Dimension, Period, Rating, Score
from .subjects import SubjectKind

# --- Honour roll and rating history ----------------------------------------------------------------


class PeriodSerializer(DescribedModelSerializer):
    class Meta:
        model = Period
        fields = ["id", "name", "year", "quarter", "starts_on", "ends_on"]
        extra_kwargs = {
            "name": {"help_text": "评定期"},
            "quarter": {"help_text": "季度，年度评定为空"},
        }


class SubjectSerializer(DescribedModelSerializer):
    community = NamedSerializer(read_only=True, allow_null=True, help_text="所在社区")
    economic_society = NamedSerializer(read_only=True, allow_null=True, help_text="所在经济社")

    class Meta:
        model = PartyOrganization
        fields = ["id", "name", "community", "economic_society"]
        extra_kwargs = {"name": {"help_text": "党组织名称"}}


class RatingSerializer(DescribedModelSerializer):
    subject = SubjectSerializer(read_only=True, help_text="评定对象")
    movement_label = serializers.CharField(source="get_movement_display", read_only=True, help_text="升降（中文）")
    is_demo = serializers.BooleanField(
        source="period.is_demo",
        read_only=True,
        help_text="是否演示数据（评定期的评分由系统生成，星级和总分不是真实评定）",
    )

    class Meta:
        model = Rating
        fields = ["id", "subject", "total", "stars", "previous_stars", "movement", "movement_label", "rank", "is_demo"]
        extra_kwargs = {
            "stars": {"help_text": "星级（1–5）"},
            "previous_stars": {"help_text": "上期星级，首次评定为空"},
            "movement": {"help_text": "升降代码：up、down、same、new"},
            "rank": {"help_text": "街道内排名"},
        }


@extend_schema(
    tags=["星级荣誉榜"],
    parameters=[OpenApiParameter("period", int, description="评定期编号；不填为最近公布的一期")],
)
class HonourRollViewSet(PublicReadMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """流动星级荣誉榜：已公布评定期中达到表彰星级的党组织（公开）。"""

    permission_classes = [AllowAny]
    serializer_class = RatingSerializer
    filter_backends = []

    def get_queryset(self):
        period_id = query_int(self.request, "period", "请填写有效的评定期编号。")
        if period_id is not None:
            period = selectors.published_period(pk=period_id)
        else:
            street = organizations_selectors.default_street()
            period = (
                selectors.latest_rated_period(
                    street=street, subject_kind=SubjectKind.SOCIETY_BRANCH, published_only=True
                )
                if street
                else None
            )
        return selectors.honour_roll(period=period) if period else Rating.objects.none()


class DimensionRowSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="维度")
    weight = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="权重")
    max_points = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="满分")
    value = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True, help_text="得分")
    street_average = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, help_text="同期街道平均分"
    )
    previous_value = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True, help_text="上期得分")


class HistoryEntrySerializer(serializers.Serializer):
    period = PeriodSerializer(source="rating.period", help_text="评定期")
    stars = serializers.IntegerField(source="rating.stars", help_text="星级")
    previous_stars = serializers.IntegerField(source="rating.previous_stars", allow_null=True, help_text="上期星级")
    movement = serializers.CharField(source="rating.movement", help_text="升降代码")
    total = serializers.DecimalField(source="rating.total", max_digits=6, decimal_places=2, help_text="总分")
    rank = serializers.IntegerField(source="rating.rank", allow_null=True, help_text="街道内排名")
    dimensions = DimensionRowSerializer(source="rows", many=True, help_text="各维度得分与街道平均、上期对比")
    is_demo = serializers.BooleanField(
        source="rating.period.is_demo", help_text="是否演示数据（评定期的评分由系统生成，星级和得分不是真实评定）"
    )


class RatingHistorySerializer(serializers.Serializer):
    subject = SubjectSerializer(help_text="评定对象")
    history = HistoryEntrySerializer(many=True, help_text="已公布各期的星级，最新在前")


class RatingHistoryView(PublicReadMixin, APIView):
    """一个党组织的流动星级历史（仅已公布的评定期），逐维度说明（公开）。"""

    permission_classes = [AllowAny]

    @extend_schema(tags=["星级荣誉榜"], responses={200: RatingHistorySerializer})
    def get(self, request, subject_id: int):
        history = selectors.rating_history(subject=subject_id, published_only=True)
        if not history:
            raise Http404
        data = {"subject": history[0].rating.subject, "history": history}
        return Response(RatingHistorySerializer(data).data)


# --- 数读 --------------------------------------------------------------------------------------------


class FigureSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="指标代码")
    label = serializers.CharField(help_text="指标名称")
    unit = serializers.CharField(help_text="单位")
    value = serializers.FloatField(allow_null=True, help_text="数值；暂无法计算为空")
    as_of = serializers.DateTimeField(
        help_text="截至时间：数值按此时的记录计算，记录变化后自动重算；首页、数读明细和大屏显示同一时间"
    )
    is_demo = serializers.BooleanField(help_text="是否计入了演示数据（是则不是真实统计）")
    help = serializers.CharField(help_text="说明（如为何暂无法计算）")


class FiguresView(PublicReadMixin, APIView):
    """数读：由记录计算的关键数字（公开）。"""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=["数读"],
        parameters=[OpenApiParameter("street", int, description="街道（镇）编号；不填为桂城街道")],
        responses={200: FigureSerializer(many=True)},
    )
    def get(self, request):
        street_id = query_int(request, "street", "请填写有效的街道编号。")
        street = (
            organizations_selectors.street(pk=street_id)
            if street_id is not None
            else organizations_selectors.default_street()
        )
        if street is None:
            raise Http404
        return Response(FigureSerializer(registry.figures_for(street), many=True).data)


# --- Scores (staff) -------------------------------------------------------------------------------


class ScoreSerializer(DescribedModelSerializer):
    """Choices come from the user's scope, as in the admin: a subject outside it is “无效”."""

    period = IdField(queryset=Period.objects.none(), help_text="评定期编号")
    subject = IdField(queryset=PartyOrganization.objects.none(), help_text="评定对象编号")
    dimension = IdField(queryset=Dimension.objects.none(), help_text="维度编号")

    class Meta:
        model = Score
        fields = ["id", "period", "subject", "dimension", "value", "evidence"]
        extra_kwargs = {
            "evidence": {"help_text": "评分依据"},
        }
        # The database's uniqueness (one score per period, subject and dimension) is checked by
        # the service's full_clean, which answers in Chinese.
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        self.fields["period"].queryset = Period.objects.scoped_for(user)
        self.fields["subject"].queryset = PartyOrganization.objects.scoped_for(user)
        self.fields["dimension"].queryset = Dimension.objects.scoped_for(user)


class ScoreFilter(filters.FilterSet):
    period = IdFilter(field_name="period_id", help_text="评定期编号")
    subject = IdFilter(field_name="subject_id", help_text="评定对象编号")
    dimension = IdFilter(field_name="dimension_id", help_text="维度编号")

    class Meta:
        model = Score
        fields = ["period", "subject", "dimension"]


@extend_schema(tags=["工作人员：战斗力指数评分"])
class ScoreViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):  # fmt: skip
    """工作人员在工作范围内录入、更正评分（评分中的评定期）。"""

    permission_classes = [StaffPermission]
    serializer_class = ScoreSerializer
    filterset_class = ScoreFilter

    def get_queryset(self):
        return selectors.scores_for(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.score_save(score=Score(**serializer.validated_data), user=self.request.user)

    def perform_update(self, serializer):
        score = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(score, name, value)
        serializer.instance = services.score_save(score=score, user=self.request.user)
