"""The indicators admin's custom views refuse what the scope refuses, for both viewers of
``tests/test_admin_scope.py``: the 桂花社区 secretary and the street staff of another street.
(Named in that module's ``CUSTOM_URL_TESTS`` once it lists custom views.)"""

import pytest
from django.urls import reverse

from indicators.models import Period
from organizations.services import staff_user_create
from organizations.tests.factories import CommunityFactory, DistrictFactory, StreetFactory

from .factories import PeriodFactory, PublishedFigureFactory, SchemeFactory, score_all, society_branch

pytestmark = pytest.mark.django_db


@pytest.fixture
def xiqiao_staff():
    street = StreetFactory(name="西樵镇", district=DistrictFactory(name="三水区"))
    CommunityFactory(street=street, name="西樵社区")
    return staff_user_create(username="xiqiao", password=None, street=street)


def test_reopen_page_refuses_secretaries_and_another_street(
    client, guicheng, community, street_staff, guihua_secretary, xiqiao_staff, django_capture_on_commit_callbacks
):
    from indicators import services

    period = PeriodFactory(scheme=SchemeFactory(street=guicheng), quarter=1)
    score_all(period, society_branch(community("夏东社区")), 80)
    with django_capture_on_commit_callbacks(execute=True):
        services.period_close(period=period, user=street_staff)
    url = reverse("admin:indicators_period_reopen", args=[period.pk])

    client.force_login(guihua_secretary)
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "越权"}).status_code == 403
    client.force_login(xiqiao_staff)
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "越权"}).status_code == 404
    assert Period.objects.get(pk=period.pk).status == Period.Status.CLOSED
    client.force_login(street_staff)
    assert client.get(url).status_code == 200


def test_check_page_refuses_secretaries_and_shows_another_street_only_its_own(
    client, guicheng, guihua_secretary, xiqiao_staff
):
    PublishedFigureFactory(street=guicheng, label="只属于桂城的公布数据")
    url = reverse("admin:indicators_publishedfigure_check")

    client.force_login(guihua_secretary)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    client.force_login(xiqiao_staff)
    for response in (client.get(url), client.get(url, {"street": guicheng.pk})):
        assert response.status_code == 200
        assert response.context["street"] == xiqiao_staff.staff_scope.street
        assert "只属于桂城的公布数据" not in response.content.decode()
