"""数读: the registry's public API, cached values invalidated on change, the figures' admin links
counting what the figures count, published beside computed, and the 数读核对 page's scope."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import registry
from core.registry import Figure, figures_for, register
from indicators import selectors
from indicators.models import PublishedFigure
from organizations.models import Street
from organizations.services import staff_user_create
from organizations.tests.factories import CommunityFactory, DistrictFactory, StreetFactory

from .factories import PublishedFigureFactory

pytestmark = pytest.mark.django_db

CHECK_URL = reverse("admin:indicators_publishedfigure_check")


def _value(street, name):
    return {value.name: value for value in figures_for(street)}[name]


@pytest.fixture
def test_figure():
    figure = register(
        Figure(
            name="tests.thirty",
            label="测试指标",
            unit="支",
            compute=lambda street: 30,
            admin_url=lambda street: f"/admin/?street={street.pk}",
            order=999,
        )
    )
    yield figure
    registry.unregister(figure.name)


def test_a_registered_figure_is_computed_with_its_time_and_links(street, test_figure):
    value = _value(street, "tests.thirty")

    assert (value.label, value.value, value.unit, value.computable) == ("测试指标", 30, "支", True)
    assert value.urls == {"admin": f"/admin/?street={street.pk}"}
    assert value.as_of is not None


def test_names_are_unique_and_dotted(test_figure):
    with pytest.raises(ValueError, match="already registered"):
        register(Figure(name="tests.thirty", label="重复", unit="", compute=lambda street: 1))
    with pytest.raises(ValueError, match="dotted"):
        register(Figure(name="nodot", label="无点", unit="", compute=lambda street: 1))


def test_a_broken_figure_cannot_be_computed_and_the_others_still_are(street):
    register(Figure(name="tests.broken", label="坏指标", unit="", compute=lambda street: 1 / 0))
    try:
        values = {v.name: v for v in figures_for(street)}
    finally:
        registry.unregister("tests.broken")
    assert values["tests.broken"].value is None
    assert values["organizations.communities"].value == 0


def test_values_are_cached_and_a_change_invalidates_them(street):
    CommunityFactory(street=street)
    assert _value(street, "organizations.communities").value == 1

    with CaptureQueriesContext(connection) as stored:
        _value(street, "organizations.communities")
    assert len(stored) == 1  # the stored snapshot, not recomputed

    CommunityFactory(street=street)  # post_save marks every street's figures stale
    assert _value(street, "organizations.communities").value == 2


def test_the_periodic_refresh_recomputes_every_street(street):
    from indicators.tasks import refresh_key_figures

    CommunityFactory(street=street)
    before = _value(street, "organizations.communities")
    Street.objects.filter(pk=street.pk).update(name="改名街道")  # a bulk write sends no signal

    assert refresh_key_figures.delay().get() == Street.objects.count()
    assert _value(street, "organizations.communities").as_of >= before.as_of


def test_the_beat_schedule_refreshes_the_figures(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["indicators-refresh-figures"]
    assert entry["task"] == "indicators.tasks.refresh_key_figures"


def test_each_count_figure_links_to_a_list_of_as_many_records(admin_client, guicheng):
    # Rates and figures whose records are not the rows they link to are left out.
    skip = {
        "organizations.one_shoulder_rate",
        "organizations.cross_appointment_rate",
        "organizations.joint_meeting_communities",
    }
    checked = 0
    for value in figures_for(guicheng):
        if value.name in skip or not value.admin_url or value.value is None:
            continue
        response = admin_client.get(value.admin_url)
        assert response.status_code == 200, value.admin_url
        assert response.context["cl"].result_count == value.value, value.name
        checked += 1
    assert checked >= 10


def test_a_figure_with_no_records_says_it_cannot_be_computed(guicheng):
    value = _value(guicheng, "organizations.reserve_cadres_per_community")

    assert value.value is None and not value.computable
    assert "暂不能计算" in value.help


# --- Published beside computed ------------------------------------------------------------------


def test_published_values_are_compared_with_the_computed_ones(street):
    for _ in range(3):
        CommunityFactory(street=street)
    same = PublishedFigureFactory(street=street, label="社区", value=3, figure_name="organizations.communities")
    differs = PublishedFigureFactory(
        street=street, label="社区（旧）", value=45, figure_name="organizations.communities"
    )
    at_least = PublishedFigureFactory(
        street=street, label="社区不少于", value=2, comparison="at_least", figure_name="organizations.communities"
    )
    cannot = PublishedFigureFactory(
        street=street, label="后备干部", value=2, figure_name="organizations.reserve_cadres_per_community"
    )
    unlinked = PublishedFigureFactory(street=street, label="参展企业", value=34)

    checks = {c.published: c for c in selectors.published_vs_computed(street=street)}

    assert checks[same].status == "match"
    assert checks[differs].status == "differs" and checks[differs].computed.value == 3
    assert checks[at_least].status == "match"
    assert checks[cannot].status == "not_computable" and checks[cannot].computed.value is None
    assert checks[unlinked].status == "not_linked" and checks[unlinked].computed is None
    assert selectors.figures_differing(street=street) == [checks[differs]]


def test_a_published_figure_must_name_a_registered_figure(street):
    figure = PublishedFigure(street=street, label="x", value=Decimal(1), figure_name="nothing.here")
    with pytest.raises(Exception, match="没有名为"):
        figure.full_clean()


def test_the_fixture_links_every_published_figure_it_names(guicheng):
    from indicators.services import indicators_load

    indicators_load()
    indicators_load()  # idempotent

    linked = PublishedFigure.objects.exclude(figure_name="")
    assert PublishedFigure.objects.filter(street=guicheng).count() == 17
    assert set(linked.values_list("figure_name", flat=True)) <= set(registry.registered_names())
    assert PublishedFigure.history.count() == 17


# --- The 数读核对 page -----------------------------------------------------------------------------


def test_the_check_page_shows_published_beside_computed_and_flags_differences(street_client, guicheng):
    from indicators.services import indicators_load

    indicators_load()

    response = street_client.get(CHECK_URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "数读核对：桂城街道" in page
    assert "⚠ 不一致" in page  # the reference data alone holds no members: 在册党员 differs
    checks = {c.published.label: c for c in response.context["checks"]}
    assert checks["社区"].status == "match"  # the reference data holds all 45 communities
    assert checks["每个社区储备的后备干部"].status_label == "暂无法计算"


def test_staff_of_another_street_never_see_guicheng(client, guicheng):
    PublishedFigureFactory(street=guicheng, label="只属于桂城的公布数据")
    other = StreetFactory(name="西樵镇", district=DistrictFactory(name="三水区"))
    PublishedFigureFactory(street=other, label="西樵的公布数据")
    client.force_login(staff_user_create(username="xiqiao", password=None, street=other))

    response = client.get(CHECK_URL, {"street": guicheng.pk})

    assert response.status_code == 200
    assert response.context["street"] == other
    assert "只属于桂城的公布数据" not in response.content.decode()
    assert "西樵的公布数据" in response.content.decode()


def test_a_superuser_picks_the_street(admin_client, guicheng):
    other = StreetFactory(name="西樵镇", district=DistrictFactory(name="三水区"))
    PublishedFigureFactory(street=other, label="西樵的公布数据")

    default = admin_client.get(CHECK_URL)
    picked = admin_client.get(CHECK_URL, {"street": other.pk})

    assert default.context["street"] == guicheng
    assert picked.context["street"] == other
    assert "西樵的公布数据" in picked.content.decode()
    assert admin_client.get(CHECK_URL, {"street": "999999"}).status_code == 403


def test_secretaries_do_not_get_the_check_page(guihua_client):
    assert guihua_client.get(CHECK_URL).status_code == 403


def test_the_refresh_button_recomputes(street_client, guicheng):
    response = street_client.post(CHECK_URL)
    assert response.status_code == 302
