"""点单 tied to the resident's account (issue 18): an order placed logged in is theirs and listed on
/me/; the form starts from what the account knows and from their community's centres; the
status page repeats what was asked, the contact to its owner only, with a copy button."""

import re

import pytest
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organizations.models import ServiceCenter
from volunteers import services
from volunteers.models import ServiceOrder

pytestmark = pytest.mark.django_db
PASSWORD = "Guihua-2023-pass"


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _resident(community_name: str, phone: str, name: str, community):
    return services.volunteer_account_register(
        phone=phone, name=name, password=PASSWORD, community=community(community_name), show_name=False
    )


@pytest.fixture
def chen(client, guicheng, community):
    volunteer = _resident("桂花社区", "13912345678", "陈街坊", community)
    client.force_login(volunteer.user)
    return volunteer


def _order(client, center, need="楼道灯坏了，想请志愿者帮忙修一下", **fields):
    data = {
        "center": center.pk,
        "category": "repair",
        "need": need,
        "wanted_when": "周六上午",
        "contact_name": "陈街坊",
        "contact_phone": "13912345678",
    } | fields
    response = client.post(reverse("site:order_new"), data)
    assert response.status_code == 302, response.content.decode()[:800]
    return ServiceOrder.objects.get(code=response["Location"].rstrip("/").rsplit("/", 1)[1])


def _guihua_centre():
    return ServiceCenter.objects.get(name="桂花社区党群服务中心")


def test_an_order_placed_logged_in_is_the_accounts_and_listed_on_me(client, chen, guicheng, community):
    # given an anonymous order and another resident's order
    anonymous = _order(Client(), _guihua_centre(), need="匿名提交的点单", contact_phone="13800000009")
    other = Client()
    other.force_login(_resident("同心社区", "13700000001", "林街坊", community).user)
    theirs = _order(other, _guihua_centre(), need="别人的点单", contact_phone="13700000001")

    # when the resident places an order
    mine = _order(client, _guihua_centre())

    # then it is theirs, and /me/ lists it, and only it, with its status and a link
    assert mine.submitted_by == chen.user and anonymous.submitted_by is None
    page = client.get(reverse("site:me")).content.decode()
    assert f'href="{reverse("site:order", args=[mine.code])}"' in page
    assert "家电维修：楼道灯坏了" in page and "已提交" in page and "桂花社区党群服务中心" in page
    assert anonymous.code not in page and theirs.code not in page and "别人的点单" not in page

    # and as it moves on, /me/ says so
    services.service_order_accept(order=mine, user=_staff(guicheng))
    assert "已受理" in client.get(reverse("site:me")).content.decode()


def _staff(street):
    from organizations.services import staff_user_create

    return staff_user_create(username="jiedao", password="Test-pass-2023!", street=street)


def test_the_form_is_prefilled_from_the_account(client, chen):
    page = client.get(reverse("site:order_new")).content.decode()

    assert re.search(r'name="contact_name"[^>]*value="陈街坊"', page)
    assert re.search(r'name="contact_phone"[^>]*value="13912345678"', page)
    # and not for anyone else
    anonymous = Client().get(reverse("site:order_new")).content.decode()
    assert "陈街坊" not in anonymous and "13912345678" not in anonymous


def _groups(page: str) -> list[tuple[str, list[str]]]:
    select = re.search(r'<select name="center".*?</select>', page, re.S).group(0)
    return [
        (label, re.findall(r"<option[^>]*>([^<]+)</option>", body))
        for label, body in re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S)
    ]


def test_the_centres_start_at_the_residents_community_with_its_centre_chosen(client, chen, guicheng, community):
    # given a station of 桂花社区 besides its community centre
    ServiceCenter.objects.create(
        street=guicheng, community=community("桂花社区"), name="桂花园党群服务站", level="station", is_published=True
    )

    page = client.get(reverse("site:order_new")).content.decode()

    # then the resident's community comes first, its centre chosen, then the street's, then the rest
    groups = _groups(page)
    assert groups[0] == ("桂花社区（我的社区）", ["桂花社区党群服务中心", "桂花园党群服务站"])
    assert groups[1][0] == "街道" and "桂城街道党群服务中心" in groups[1][1]
    others = [label for label, _ in groups[2:]]
    assert "同心社区" in others and "桂花社区" not in others and len(others) >= 40
    assert re.search(rf'<option value="{_guihua_centre().pk}" selected>桂花社区党群服务中心</option>', page)
    # every published centre of the street is offered once
    offered = [name for _, names in groups for name in names]
    assert sorted(offered) == sorted(
        ServiceCenter.objects.public().filter(street=guicheng).values_list("name", flat=True)
    )
    # a centre named in the link wins over the resident's own
    street_centre = ServiceCenter.objects.get(name="桂城街道党群服务中心")
    linked = client.get(f"{reverse('site:order_new')}?center={street_centre.pk}").content.decode()
    assert re.search(rf'<option value="{street_centre.pk}" selected>', linked)
    assert f'<option value="{_guihua_centre().pk}" selected>' not in linked
    # anonymous: grouped alike, their community unknown, nothing chosen
    anonymous = Client().get(reverse("site:order_new")).content.decode()
    assert _groups(anonymous)[0][0] == "街道"
    assert '<option value="" selected>请选择…</option>' in anonymous


def test_the_status_page_repeats_the_order_and_shows_the_contact_to_its_owner_only(client, chen, guicheng, community):
    mine = _order(client, _guihua_centre())
    url = reverse("site:order", args=[mine.code])

    # the owner, in this browser or another one logged in, sees what they asked and their contact
    for owner in (client, _logged_in(chen.user)):
        response = owner.get(url)
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        page = response.content.decode()
        assert "楼道灯坏了，想请志愿者帮忙修一下" in page and "周六上午" in page and "桂花社区党群服务中心" in page
        assert "陈街坊 · 13912345678" in page
    # with a copy button for the code that names itself to a screen reader
    assert 'data-copy="order-code" aria-label="复制查询码"' in page and "portal/copy.js" in page
    # another resident, and anyone anonymous, with the code see what was asked but no contact
    other = _logged_in(_resident("同心社区", "13700000001", "林街坊", community).user)
    for stranger in (other, Client()):
        page = stranger.get(url).content.decode()
        assert "楼道灯坏了" in page and "周六上午" in page
        assert "13912345678" not in page and "陈街坊" not in page


def _logged_in(user) -> Client:
    fresh = Client()
    fresh.force_login(user)
    return fresh


def test_an_anonymous_order_is_followed_with_its_code_and_its_session_sees_the_contact(guicheng):
    resident = Client()
    order = _order(resident, _guihua_centre(), contact_name="黄女士", contact_phone="13800138000")
    url = reverse("site:order", args=[order.code])

    assert order.submitted_by is None
    assert "黄女士 · 13800138000" in resident.get(url).content.decode()
    # looked up with the code elsewhere: the order, not the contact
    looked_up = Client().get(f"{reverse('site:order_lookup')}?code={order.code.lower()}", follow=True)
    page = looked_up.content.decode()
    assert looked_up.status_code == 200 and order.code in page and "楼道灯坏了" in page
    assert "13800138000" not in page and "黄女士" not in page


def test_a_declined_order_says_why(client, chen, guicheng):
    order = _order(client, _guihua_centre())
    services.service_order_decline(order=order, user=_staff(guicheng), reason="不属于服务中心受理范围，已转物业")

    page = client.get(reverse("site:order", args=[order.code])).content.decode()

    assert "不予受理" in page and "已转物业" in page and "已办结" not in page


# --- flat in queries -----------------------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_me_with_orders_and_the_order_form_are_flat(client, chen, guicheng, community):
    counts = []
    for size in (2, 50):
        with TestCase.captureOnCommitCallbacks(execute=True):
            while ServiceOrder.objects.count() < size:
                n = ServiceOrder.objects.count()
                services.service_order_submit(
                    center=_guihua_centre(), category="repair", need=f"需要{n}", contact_name="陈",
                    contact_phone="13912345678", user=chen.user,
                )  # fmt: skip
                ServiceCenter.objects.create(
                    street=guicheng,
                    community=community("桂花社区"),
                    name=f"站点{n}",
                    level="station",
                    is_published=True,
                )
        counts.append((_count(client, reverse("site:me")), _count(client, reverse("site:order_new"))))
    assert counts[0] == counts[1], counts
    # /me/ as before plus its orders; the form: session, user, volunteer, street, centres
    assert counts[0][1] <= 5, counts
