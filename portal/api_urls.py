"""``/api/v1/`` (every app's ``api.py``), the token login, the OpenAPI schema with Swagger UI and
ReDoc served from local assets (drf-spectacular-sidecar), and the open-data downloads."""

from django.urls import include, path, register_converter
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from core.api import ID_PATTERN
from core.api_defaults import TokenLoginThrottle, token_expired
from indicators import api as indicators_api
from organizations import api as organizations_api
from projects import api as projects_api
from volunteers import api as volunteers_api

app_name = "api"


class IdConverter:
    """Ids in paths: digits the database can hold (a longer number is a 404, never an overflow)."""

    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "id")


class Router(DefaultRouter):
    def get_lookup_regex(self, viewset, lookup_prefix=""):
        return f"(?P<{lookup_prefix}pk>{ID_PATTERN})"


router = Router(trailing_slash=True)
router.include_root_view = False
router.register("communities", organizations_api.CommunityViewSet, basename="community")
router.register("centers", organizations_api.CenterViewSet, basename="center")
router.register("projects", projects_api.ProjectViewSet, basename="project")
router.register("plans", projects_api.PlanViewSet, basename="plan")
router.register("honour", indicators_api.HonourRollViewSet, basename="honour")
router.register("activities", volunteers_api.ActivityViewSet, basename="activity")
router.register("staff/scores", indicators_api.ScoreViewSet, basename="score")
router.register("staff/service-records", volunteers_api.ServiceRecordViewSet, basename="service-record")
router.register("staff/orders", volunteers_api.ServiceOrderViewSet, basename="order")


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="用户名（志愿者为手机号）")
    password = serializers.CharField(help_text="密码")


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Token：之后的请求带上请求头 Authorization: Token <token>")


class TokenView(ObtainAuthToken):
    """用户名和密码换取 Token（请求头 ``Authorization: Token <token>``），有效期
    ``API_TOKEN_LIFETIME_DAYS`` 天；连续失败会被锁定，同一地址的请求次数也有限制。"""

    # DRF's ObtainAuthToken sets none: without this, guesses are bounded by axes's lockout only.
    throttle_classes = [TokenLoginThrottle]

    @extend_schema(tags=["登录"], request=TokenRequestSerializer, responses={200: TokenResponseSerializer})
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            # django-axes counts the failures here as on the admin's login and refuses a locked
            # login inside ``authenticate``; say so, as the login page does, not "wrong password".
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"detail": "这个账号连续多次密码错误，登录已暂停，请稍后再试或联系街道党建办管理员。"},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            raise ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        token = Token.objects.filter(user=user).first()
        if token is not None and token_expired(token):
            token.delete()  # an expired token is never handed out again: a new one starts
            token = None
        if token is None:
            token = Token.objects.create(user=user)
        return Response({"token": token.key})


v1 = [
    path("", include(router.urls)),
    path("ratings/<id:subject_id>/", indicators_api.RatingHistoryView.as_view(), name="rating-history"),
    path("figures/", indicators_api.FiguresView.as_view(), name="figures"),
    path("auth/token/", TokenView.as_view(), name="token"),
    path("open-data/centers.hsds.json", organizations_api.CentersHsdsView.as_view(), name="open-centers-hsds"),
    path("open-data/centers.csv", organizations_api.CentersCsvView.as_view(), name="open-centers-csv"),
    path("open-data/projects.csv", projects_api.ProjectsCsvView.as_view(), name="open-projects-csv"),
    path("open-data/730.csv", projects_api.PlanCsvView.as_view(), name="open-plan-csv"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "schema/swagger-ui/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="portal/api/swagger_ui.html"),
        name="swagger-ui",
    ),
    path(
        "schema/redoc/",
        SpectacularRedocView.as_view(url_name="api:schema", template_name="portal/api/redoc.html"),
        name="redoc",
    ),
]
