import pytest

from organizations.models import (
    Community,
    EconomicSociety,
    OpeningInterval,
    PartyOrganization,
    ServiceCenter,
)
from organizations.services import guicheng_load

pytestmark = pytest.mark.django_db


def test_guicheng_fixture_holds_every_named_record(guicheng):
    assert Community.objects.filter(street=guicheng).count() == 45
    named = Community.objects.filter(is_demo=False)
    assert named.count() == 17
    assert set(named.values_list("name", flat=True)) >= {"灯湖社区", "桂花社区", "同心社区", "夏东社区", "翠颐社区"}
    assert set(EconomicSociety.objects.filter(community__name="夏东社区").values_list("name", flat=True)) == {
        "二洲经济社",
        "五房沙经济社",
        "孔溪经济社",
        "涌口经济社",
        "三洲经济社",
    }
    qiandenghu = PartyOrganization.objects.get(name="千灯湖联合党委")
    assert qiandenghu.kind == PartyOrganization.Kind.JOINT
    assert set(qiandenghu.spanned_communities.values_list("name", flat=True)) == {
        "灯湖社区",
        "中汇社区",
        "同成社区",
        "同德社区",
    }
    assert PartyOrganization.objects.joint().count() == 3
    assert ServiceCenter.objects.filter(level=ServiceCenter.Level.STREET).get().name == "桂城街道党群服务中心"
    # “1+45+N”: one street centre, 45 community centres, and the named stations.
    assert ServiceCenter.objects.filter(level=ServiceCenter.Level.COMMUNITY).count() == 45
    assert ServiceCenter.objects.get(name="万锦豪园小区党建广场").community.name == "灯湖社区"


def test_loading_twice_changes_nothing(guicheng):
    counts = (Community.objects.count(), PartyOrganization.objects.count(), OpeningInterval.objects.count())
    history = (Community.history.count(), PartyOrganization.history.count(), ServiceCenter.history.count())

    guicheng_load()

    assert (Community.objects.count(), PartyOrganization.objects.count(), OpeningInterval.objects.count()) == counts
    # Nothing was re-saved: no new history rows (dates and choices compare equal to the file's).
    assert (Community.history.count(), PartyOrganization.history.count(), ServiceCenter.history.count()) == history
