"""Residents' volunteer pages: register with a phone and password, sign up and cancel, my hours
and points with redemption, the certificate, 点单 submitted, followed and rated; the honour roll.
Bad posts change nothing; every list is flat in queries."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from indicators.tests.factories import PeriodFactory, RatingFactory
from organizations.models import ServiceCenter
from organizations.tests.factories import PartyOrganizationFactory
from volunteers import services
from volunteers.models import PointsEntry, ServiceOrder, Signup, Volunteer
from volunteers.tests.factories import ActivityFactory, RewardFactory, VolunteerFactory, VolunteerTeamFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Guihua-2023-pass"


def django_user_model_create(username: str, password: str):
    return get_user_model().objects.create_user(username=username, password=password)


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


@pytest.fixture
def resident(client, guicheng, community):
    response = client.post(
        reverse("site:register"),
        {
            "name": "陈街坊",
            "phone": "13912345678",
            "community": community("桂花社区").pk,
            "password": PASSWORD,
            "agree": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == reverse("site:login")
    # registering does not sign in (see the test below); the resident signs in with the password
    signed_in = client.post(reverse("site:login"), {"username": "13912345678", "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.content.decode()
    return Volunteer.objects.get(phone="13912345678")


def test_registering_makes_a_login_and_a_private_volunteer(client, resident):
    assert resident.user.username == "13912345678"
    assert resident.show_name_publicly is False
    me = client.get(reverse("site:me")).content.decode()
    assert resident.number in me and "陈街坊" in me


def _answer(response, echoed: str = "") -> tuple:
    """What a visitor can observe of an answer, but for its per-visitor CSRF token, the time in
    the messages cookie's signature (the messages are compared instead) and the number the form
    shows back as typed (``echoed``)."""
    cookies = {name: morsel.value for name, morsel in response.cookies.items() if name != "csrftoken"}
    if cookies.get("messages"):
        messages = CookieStorage(None)._decode(cookies["messages"])
        assert messages is not None
        cookies["messages"] = [str(message) for message in messages]
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    if echoed:
        body = body.replace(f'value="{echoed}"', 'value="…"')
    return response.status_code, response.get("Location"), cookies, body


def test_registering_says_nothing_of_whether_a_number_has_an_account(client, guicheng, community):
    # given a number with an account, and a number without one
    taken = VolunteerFactory(community=community("桂花社区"), phone="13800000001")
    taken.user = django_user_model_create("13800000001", "Old-pass-2023!")
    taken.save()
    before = (Volunteer.objects.count(), taken.user.password)

    def register(phone: str):
        fresh = Client()
        data = {"name": "陈街坊", "phone": phone, "community": community("桂花社区").pk}
        first = fresh.post(reverse("site:register"), data | {"password": PASSWORD, "agree": "on"})
        return first, fresh.get(first["Location"])

    # when someone registers each of them
    new_first, new_next = register("13800000002")
    taken_first, taken_next = register("13800000001")

    # then both answers are the same, and so are the pages they lead to
    assert _answer(new_first) == _answer(taken_first)
    assert new_first.status_code == 302 and new_first["Location"] == reverse("site:login")
    assert _answer(new_next) == _answer(taken_next)
    assert "如这个手机号以前注册过，请用原来的密码登录" in new_next.content.decode()
    assert "已注册" not in taken_next.content.decode()
    # and only the new number got an account; the existing one is as it was
    assert Volunteer.objects.count() == before[0] + 1
    taken.user.refresh_from_db()
    assert taken.user.password == before[1]
    assert Volunteer.objects.filter(phone="13800000001").count() == 1
    # and a bad password is refused alike for both numbers
    bad = {"name": "陈街坊", "community": community("桂花社区").pk, "password": "12345678", "agree": "on"}
    answers = [
        _answer(Client().post(reverse("site:register"), bad | {"phone": phone}), echoed=phone)
        for phone in ("13800000003", "13800000001")
    ]
    assert answers[0] == answers[1] and answers[0][0] == 200
    assert Volunteer.objects.count() == before[0] + 1


def test_a_bad_registration_says_why_and_writes_nothing(client, guicheng, community, resident):
    before = Volunteer.objects.count()
    client.logout()

    response = client.post(
        reverse("site:register"),
        {"name": "", "phone": "13912345678", "community": community("桂花社区").pk, "password": "123"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "请填写姓名。" in page and "密码至少 8 位（现在 3 位）。" in page
    assert Volunteer.objects.count() == before


def test_sign_up_takes_a_place_and_cancel_gives_it_back(client, resident, community):
    activity = ActivityFactory(community=community("桂花社区"), capacity=2)
    url = reverse("site:activity", args=[activity.pk])
    assert "剩余 2 个" in client.get(url).content.decode()

    client.post(reverse("site:activity_signup", args=[activity.pk]))
    assert "剩余 1 个" in client.get(url).content.decode()
    assert Signup.objects.get(activity=activity).status == Signup.Status.REGISTERED

    client.post(reverse("site:activity_cancel", args=[activity.pk]), {"confirm": "yes"})
    assert "剩余 2 个" in client.get(url).content.decode()


def test_sign_up_needs_a_login(client, guicheng, community):
    activity = ActivityFactory(community=community("桂花社区"))

    response = client.post(reverse("site:activity_signup", args=[activity.pk]))

    assert response.status_code == 302 and reverse("site:login") in response["Location"]
    assert not Signup.objects.exists()


def test_points_are_redeemed_and_an_unaffordable_reward_is_refused(client, resident, community, street_staff):
    reward = RewardFactory(community=community("桂花社区"), points_cost=10, stock=1)
    services.points_adjust(volunteer=resident, points=15, reason="补录", user=street_staff)

    client.post(reverse("site:redeem", args=[reward.pk]))
    second = client.post(reverse("site:redeem", args=[reward.pk]), follow=True)

    assert PointsEntry.objects.filter(volunteer=resident).count() == 2  # +15, −10: once
    assert second.status_code == 200 and "积分余额" in second.content.decode()
    assert 'id="balance">5<' in second.content.decode()
    assert client.get(reverse("site:certificate")).status_code == 200


def community_of_guicheng(street):
    return street.communities.get(name="桂花社区")


def test_an_order_is_submitted_followed_and_rated_without_showing_the_contact(client, guicheng, street_staff):
    center = ServiceCenter.objects.get(name="桂城街道党群服务中心")
    center.is_published = True
    center.save()

    response = client.post(
        reverse("site:order_new"),
        {
            "center": center.pk,
            "category": "repair",
            "need": "楼道灯坏了，想请志愿者帮忙修一下",
            "contact_name": "黄女士",
            "contact_phone": "13800138000",
        },
    )
    order = ServiceOrder.objects.get()
    assert response["Location"] == reverse("site:order", args=[order.code])
    # the submitter's browser sees what it sent, contact too; anyone else with the code does not
    page = client.get(response["Location"]).content.decode()
    assert "已提交" in page and "13800138000" in page and "黄女士" in page
    page = Client().get(response["Location"]).content.decode()
    assert "已提交" in page and "13800138000" not in page and "黄女士" not in page

    services.service_order_accept(order=order, user=street_staff)
    team = VolunteerTeamFactory(community=center.community or community_of_guicheng(guicheng))
    services.service_order_answer(order=order, user=street_staff, team=team, note="周六安排电工志愿者上门")
    services.service_order_done(order=order, user=street_staff)
    client.post(reverse("site:order", args=[order.code]), {"rating": 5, "comment": "很及时"})

    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.RATED and order.rating == 5


def test_orders_are_rate_limited(client, guicheng, settings):
    center = ServiceCenter.objects.get(name="桂城街道党群服务中心")
    center.is_published = True
    center.save()
    data = {
        "center": center.pk,
        "category": "other",
        "need": "x" * 10,
        "contact_name": "黄",
        "contact_phone": "13800138000",
    }

    answers = [client.post(reverse("site:order_new"), data).status_code for _ in range(7)]

    assert answers[:5] == [302] * 5 and answers[5:] == [200, 200]
    assert ServiceOrder.objects.count() == 5


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_activity_and_honour_lists_are_flat(client, guicheng, community):
    now = timezone.now()
    period = PeriodFactory(
        scheme__street=guicheng, scheme__year=2023, status="published", closed_at=now, published_at=now
    )
    counts = []
    for size in (2, 50):
        with TestCase.captureOnCommitCallbacks(execute=True):  # the cache's version moves on commit
            while ActivityFactory._meta.model.objects.count() < size:
                ActivityFactory(community=community("桂花社区"), starts_at=timezone.now() + timedelta(days=2))
                RatingFactory(period=period, subject=PartyOrganizationFactory(community=community("桂花社区")), stars=5)
        counts.append((_count(client, reverse("site:activities")), _count(client, reverse("site:honour"))))
    assert counts[0] == counts[1]


def test_volunteer_names_show_only_with_consent(client, guicheng, community):
    VolunteerFactory(community=community("桂花社区"), name="林不公开", show_name_publicly=False)

    for url in (reverse("site:home"), reverse("site:activities")):
        assert "林不公开" not in client.get(url).content.decode()


# --- the pages of one record: flat from 2 to 50 rows ---------------------------------------------


def _flat(client, url, build) -> int:
    counts, made = [], 0
    for size in (2, 50):
        with TestCase.captureOnCommitCallbacks(execute=True):  # the cache's version moves on commit
            build(size - made)
        made = size
        counts.append(_count(client, url))
    assert counts[0] == counts[1], counts
    return counts[0]


def test_an_activity_page_is_flat(client, resident, community):
    activity = ActivityFactory(community=community("桂花社区"), capacity=100)

    def build(n):
        for _ in range(n):
            Signup.objects.create(activity=activity, volunteer=VolunteerFactory(community=activity.community))

    # session and user, the activity with its places, the volunteer, their sign-up
    assert _flat(client, reverse("site:activity", args=[activity.pk]), build) <= 6


def test_my_pages_are_flat(client, resident, community, street_staff):
    days = iter(range(3, 300))

    def build(n):
        for _ in range(n):
            start = timezone.now() - timedelta(days=next(days))
            activity = ActivityFactory(community=community("桂花社区"), starts_at=start)
            Signup.objects.create(activity=activity, volunteer=resident)
            record = services.service_record_add(
                volunteer=resident,
                activity=activity,
                started_at=activity.starts_at,
                ended_at=activity.ends_at,
                description="值守",
                user=street_staff,
            )
            services.service_record_confirm(record=record, user=street_staff)
            RewardFactory(community=community("桂花社区"))

    assert _flat(client, reverse("site:me"), build) <= 14
    assert _flat(client, reverse("site:certificate"), build) <= 8


def test_a_branchs_history_and_an_order_page_are_flat(client, guicheng, community, street_staff):
    from indicators.tests.factories import ScoreFactory

    now = timezone.now()
    published = {"status": "published", "closed_at": now, "published_at": now, "ratings_computed_at": now}
    branch = PartyOrganizationFactory(community=community("桂花社区"))
    center = ServiceCenter.objects.get(name="桂城街道党群服务中心")
    order = services.service_order_submit(
        center=center, category="repair", need="楼道灯坏了", contact_name="黄", contact_phone="13800138000"
    )
    quarters = iter(range(1, 60))

    def build(n):
        for _ in range(n):
            number = next(quarters)
            period = PeriodFactory(scheme__street=guicheng, scheme__year=2000 + number, quarter=1, **published)
            RatingFactory(period=period, subject=branch, stars=1 + number % 5)
            ScoreFactory(period=period, subject=branch)

    assert _flat(client, reverse("site:subject", args=[branch.pk]), build) <= 6
    assert _count(client, reverse("site:order", args=[order.code])) <= 4
