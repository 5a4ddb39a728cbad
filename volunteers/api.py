"""The API of the volunteers app: public activities with free places; a volunteer signing up
and cancelling; staff confirming hours and answering 点单 in their scope. Reads through
``volunteers.selectors``, writes through ``volunteers.services``."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from core.api import DescribedModelSerializer, IdField, IdFilter, PublicReadMixin
from organizations.api import NamedSerializer
from organizations.api_permissions import StaffPermission
from organizations.scope import can

from . import selectors, services
from .models import Activity, ServiceOrder, ServiceRecord, Signup, VolunteerTeam

# --- Activities ------------------------------------------------------------------------------------


class ActivitySerializer(DescribedModelSerializer):
    team = NamedSerializer(read_only=True, allow_null=True, help_text="服务队")
    center = NamedSerializer(read_only=True, allow_null=True, help_text="举办的党群服务中心")
    community = NamedSerializer(read_only=True, allow_null=True, help_text="社区")
    free_places = serializers.SerializerMethodField(help_text="剩余名额")

    class Meta:
        model = Activity
        fields = [
            "id", "title", "description", "team", "center", "community", "place", "organiser",
            "starts_at", "ends_at", "capacity", "free_places", "is_demo",
        ]  # fmt: skip
        extra_kwargs = {
            "is_demo": {"help_text": "是否演示数据（由系统生成，不是真实活动）"},
            "description": {"help_text": "活动介绍"},
            "place": {"help_text": "地点"},
            "organiser": {"help_text": "主办单位"},
        }

    def get_free_places(self, activity) -> int:
        return selectors.free_places(activity)


class ActivityFilter(filters.FilterSet):
    community = IdFilter(field_name="community_id", help_text="社区编号")
    center = IdFilter(field_name="center_id", help_text="党群服务中心编号")
    team = IdFilter(field_name="team_id", help_text="服务队编号")
    starts_after = filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte", help_text="开始时间不早于")
    starts_before = filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt", help_text="开始时间早于")

    class Meta:
        model = Activity
        fields = ["community", "center", "team", "starts_after", "starts_before"]


class SignupSerializer(DescribedModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True, help_text="状态（中文）")

    class Meta:
        model = Signup
        fields = ["id", "activity", "status", "status_label", "created_at"]
        extra_kwargs = {
            "activity": {"help_text": "活动编号"},
            "status": {"help_text": "状态代码：registered 已报名，waitlisted 候补，cancelled 已取消"},
        }


@extend_schema(tags=["志愿活动"])
class ActivityViewSet(PublicReadMixin, viewsets.ReadOnlyModelViewSet):
    """公开的志愿活动（未结束的），含剩余名额（公开）；志愿者登录后报名、取消报名。"""

    permission_classes = [AllowAny]
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    fresh_seconds = 60  # an activity drops off the list when it ends

    def get_queryset(self):
        if self.action in ("signup", "cancel"):
            return Activity.objects.public()
        return selectors.activities_upcoming()

    def _volunteer(self):
        volunteer = selectors.volunteer_of(self.request.user)
        if volunteer is None:
            raise ApiValidationError({"non_field_errors": ["请先用手机号注册为志愿者。"]})
        return volunteer

    @extend_schema(summary="报名（满员则候补）", request=None, responses={201: SignupSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated], filter_backends=[])
    def signup(self, request, pk=None):
        activity = self.get_object()
        signup = services.signup_register(activity=activity, volunteer=self._volunteer(), user=request.user)
        return Response(SignupSerializer(signup).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="取消报名", request=None, responses={200: SignupSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated], filter_backends=[])
    def cancel(self, request, pk=None):
        activity = self.get_object()
        signup = selectors.signup_of(volunteer=self._volunteer(), activity_id=activity.pk)
        if signup is None:
            raise NotFound("你没有报名这个活动。")
        signup = services.signup_cancel(signup=signup, user=request.user)
        return Response(SignupSerializer(signup).data)


# --- Service records (staff) -----------------------------------------------------------------------


class ServiceRecordSerializer(DescribedModelSerializer):
    volunteer = serializers.SerializerMethodField(help_text="志愿者（编号、姓名）")
    activity = NamedSerializer(read_only=True, allow_null=True, help_text="活动")
    status_label = serializers.CharField(source="get_status_display", read_only=True, help_text="状态（中文）")

    class Meta:
        model = ServiceRecord
        fields = [
            "id", "volunteer", "activity", "description", "started_at", "ended_at", "hours", "status",
            "status_label", "reviewed_at", "review_note",
        ]  # fmt: skip
        extra_kwargs = {
            "description": {"help_text": "服务内容"},
            "started_at": {"help_text": "开始时间"},
            "ended_at": {"help_text": "结束时间"},
            "status": {"help_text": "状态代码：pending 待确认，confirmed 已确认，rejected 已退回"},
            "reviewed_at": {"help_text": "确认时间"},
            "review_note": {"help_text": "确认备注"},
        }

    @extend_schema_field(
        inline_serializer(
            "RecordVolunteer",
            {"number": serializers.CharField(help_text="志愿者编号"), "name": serializers.CharField(help_text="姓名")},
        )
    )
    def get_volunteer(self, record) -> dict:
        return {"number": record.volunteer.number, "name": record.volunteer.name}


class ConfirmSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="确认备注")


class BatchSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), min_length=1, max_length=500,
        help_text="服务记录编号（最多 500 条）",
    )  # fmt: skip
    decision = serializers.ChoiceField(
        choices=[("confirm", "确认"), ("reject", "退回")], help_text="confirm 确认，reject 退回"
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="退回原因（退回时必填）")

    def validate(self, data):
        if data["decision"] == "reject" and not data.get("note", "").strip():
            raise serializers.ValidationError({"note": "退回须说明原因。"})
        return data


class RecordFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ServiceRecord.Status.choices, help_text="状态")

    class Meta:
        model = ServiceRecord
        fields = ["status"]


@extend_schema(tags=["工作人员：志愿服务时长"])
class ServiceRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """工作范围内的志愿服务时长记录；确认后计入积分。"""

    permission_classes = [StaffPermission]
    serializer_class = ServiceRecordSerializer
    filterset_class = RecordFilter

    def get_queryset(self):
        return selectors.service_records_for(user=self.request.user)

    @extend_schema(summary="确认时长", request=ConfirmSerializer, responses={200: ServiceRecordSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def confirm(self, request, pk=None):
        record = self.get_object()
        serializer = ConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.service_record_confirm(record=record, user=request.user, **serializer.validated_data)
        return Response(ServiceRecordSerializer(record).data)

    @extend_schema(
        summary="批量确认或退回",
        description="所选记录在一个事务里处理：全部成功，或一条也不处理并说明是哪一条、为什么（400）。"
        "含工作范围外的记录时返回 404，什么也不处理。",
        request=BatchSerializer,
        responses={
            200: inline_serializer(
                "RecordBatchResult",
                {
                    "confirmed": serializers.IntegerField(help_text="本次确认条数"),
                    "already": serializers.IntegerField(help_text="此前已确认条数"),
                    "rejected": serializers.IntegerField(help_text="本次退回条数"),
                },
            )
        },
    )
    @action(detail=False, methods=["post"], filter_backends=[])
    def batch(self, request):
        serializer = BatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        ids = set(data["ids"])
        records = list(self.get_queryset().filter(pk__in=ids))
        if len(records) < len(ids):
            raise NotFound("所选记录中有不在你工作范围内或不存在的记录。")
        result = {"confirmed": 0, "already": 0, "rejected": 0}
        if data["decision"] == "confirm":
            result.update(services.service_records_confirm(records=records, user=request.user))
        else:
            result["rejected"] = services.service_records_reject(records=records, user=request.user, note=data["note"])
        return Response(result)


# --- 点单 (staff) -----------------------------------------------------------------------------------


class OrderSerializer(DescribedModelSerializer):
    center = NamedSerializer(read_only=True, help_text="党群服务中心")
    status_label = serializers.CharField(source="get_status_display", read_only=True, help_text="状态（中文）")
    category_label = serializers.CharField(source="get_category_display", read_only=True, help_text="类别（中文）")
    answer_activity = NamedSerializer(read_only=True, allow_null=True, help_text="响应的活动")
    answer_team = NamedSerializer(read_only=True, allow_null=True, help_text="响应的服务队")

    class Meta:
        model = ServiceOrder
        fields = [
            "id", "code", "center", "category", "category_label", "need", "wanted_when", "contact_name",
            "contact_phone", "address", "status", "status_label", "submitted_at", "accepted_at", "answered_at",
            "answer_activity", "answer_team", "answer_note", "done_at", "rating",
        ]  # fmt: skip
        extra_kwargs = {
            "category": {"help_text": "类别代码"},
            "need": {"help_text": "需求"},
            "wanted_when": {"help_text": "希望的时间"},
            "contact_name": {"help_text": "联系人（仅工作范围内可受理点单的工作人员可见）"},
            "contact_phone": {"help_text": "联系电话（仅工作范围内可受理点单的工作人员可见）"},
            "address": {"help_text": "地址（仅工作范围内可受理点单的工作人员可见）"},
            "status": {"help_text": "状态代码"},
            "rating": {"help_text": "居民评价（1–5）"},
        }

    def to_representation(self, order):
        data = super().to_representation(order)
        user = getattr(self.context.get("request"), "user", None)
        if user is None or not can(user, "volunteers.change_serviceorder"):
            # Only who answers the order calls the resident back; a view-only account reads
            # the need without the contact details.
            data |= {"contact_name": "", "contact_phone": "", "address": ""}
        return data


class AnswerSerializer(serializers.Serializer):
    """Choices come from the user's scope, as the service demands."""

    activity = IdField(queryset=Activity.objects.none(), required=False, allow_null=True, help_text="响应的活动编号")
    team = IdField(queryset=VolunteerTeam.objects.none(), required=False, allow_null=True, help_text="响应的服务队编号")
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="答复")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.context.get("request"), "user", None)
        self.fields["activity"].queryset = Activity.objects.scoped_for(user)
        self.fields["team"].queryset = VolunteerTeam.objects.scoped_for(user)


class OrderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ServiceOrder.Status.choices, help_text="状态")
    category = filters.ChoiceFilter(choices=ServiceOrder.Category.choices, help_text="类别")

    class Meta:
        model = ServiceOrder
        fields = ["status", "category"]


@extend_schema(tags=["工作人员：自助点单"])
class ServiceOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """工作范围内居民的点单：受理、派单答复。"""

    permission_classes = [StaffPermission]
    serializer_class = OrderSerializer
    filterset_class = OrderFilter

    def get_queryset(self):
        return selectors.service_orders_for(user=self.request.user)

    @extend_schema(summary="受理", request=None, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def accept(self, request, pk=None):
        order = services.service_order_accept(order=self.get_object(), user=request.user)
        return Response(OrderSerializer(order, context=self.get_serializer_context()).data)

    @extend_schema(summary="派单答复（活动或服务队）", request=AnswerSerializer, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def answer(self, request, pk=None):
        order = self.get_object()
        serializer = AnswerSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order = services.service_order_answer(
            order=order, user=request.user, activity=data.get("activity"), team=data.get("team"),
            note=data.get("note", ""),
        )  # fmt: skip
        return Response(OrderSerializer(order, context=self.get_serializer_context()).data)
