"""Staff find a community or a centre by pinyin or its initials, in lists and autocompletes."""

import pytest
from django.urls import reverse

from organizations.models import Community, ServiceCenter, initials_of, pinyin_of

pytestmark = pytest.mark.django_db


def test_pinyin_is_filled_for_loaded_and_demo_communities(guicheng):
    guihua = Community.objects.get(name="桂花社区")
    assert (guihua.pinyin, guihua.initials) == ("guihuashequ", "ghsq")
    assert Community.objects.get(name="演示社区01").initials == "yssq01"
    assert not Community.objects.filter(pinyin="").exists()
    assert not ServiceCenter.objects.filter(initials="").exists()
    assert (pinyin_of("夏南一社区"), initials_of("夏南一社区")) == ("xiananyishequ", "xnysq")


def test_list_search_by_initials(street_client):
    response = street_client.get(reverse("admin:organizations_community_changelist"), {"q": "ghsq"})
    assert [c.name for c in response.context["cl"].result_list] == ["桂花社区"]


def test_autocomplete_answers_pinyin_within_the_scope(guihua_client):
    # the 桂花 secretary picks the community of a new grid by typing pinyin
    url = reverse("admin:autocomplete")
    params = {"app_label": "organizations", "model_name": "grid", "field_name": "community"}
    found = guihua_client.get(url, params | {"term": "guihua"}).json()["results"]
    assert [r["text"] for r in found] == ["桂花社区"]
    # and the same search for 同心社区 finds nothing: it is outside their scope
    assert guihua_client.get(url, params | {"term": "txsq"}).json()["results"] == []


def test_centre_search_by_initials(street_client):
    response = street_client.get(reverse("admin:organizations_servicecenter_changelist"), {"q": "gcjddqfwzx"})
    assert [c.name for c in response.context["cl"].result_list] == ["桂城街道党群服务中心"]
