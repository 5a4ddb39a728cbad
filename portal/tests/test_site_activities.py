"""Residents' activity pages (issue 18): the list filtered by community, date, kind and free
places in a link that can be shared; a waitlisted resident's place in the queue; cancelling
asks first; registering or logging in from an activity comes back to it."""

import datetime as dt
from unittest import mock
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from volunteers import services
from volunteers.models import Activity, Signup, Volunteer
from volunteers.tests.factories import ActivityFactory, VolunteerFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Guihua-2023-pass"
BEIJING = dt.timezone(dt.timedelta(hours=8))
# A Wednesday morning: 本周 runs to Sunday the 16th, 本月 to the 31st.
NOW = dt.datetime(2031, 3, 12, 10, 0, tzinfo=BEIJING)


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def fixed_now():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield NOW


def _at(day: int, hour: int, month: int = 3) -> dt.datetime:
    return dt.datetime(2031, month, day, hour, 0, tzinfo=BEIJING)


def _page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:500]
    return response.content.decode()


def _full(activity):
    for _ in range(activity.capacity):
        Signup.objects.create(activity=activity, volunteer=VolunteerFactory(community=activity.community))


@pytest.fixture
def board(guicheng, community, fixed_now):
    """Four activities: today, this Saturday (full), later this month (同心社区), next month."""
    guihua, tongxin = community("桂花社区"), community("同心社区")
    elderly, environment, health = Activity.Category.ELDERLY, Activity.Category.ENVIRONMENT, Activity.Category.HEALTH
    made = {
        "today": ActivityFactory(community=guihua, title="今日长者助餐", category=elderly, starts_at=_at(12, 15)),
        "week": ActivityFactory(
            community=guihua, title="周六河涌清理", category=environment, starts_at=_at(15, 9), capacity=2
        ),
        "month": ActivityFactory(community=tongxin, title="月中义诊", category=health, starts_at=_at(22, 9)),
        "later": ActivityFactory(community=guihua, title="四月长者探访", category=elderly, starts_at=_at(20, 9, 4)),
    }
    _full(made["week"])
    # and what the list never shows: over already, not public
    ActivityFactory(community=guihua, title="昨日已结束", starts_at=_at(11, 9))
    ActivityFactory(community=guihua, title="内部活动", starts_at=_at(13, 9), is_public=False)
    return made


def _shown(client, query: str) -> set[str]:
    page = _page(client, f"{reverse('site:activities')}?{query}")
    titles = {"今日长者助餐", "周六河涌清理", "月中义诊", "四月长者探访", "昨日已结束", "内部活动"}
    return {title for title in titles if title in page}


def test_the_list_is_filtered_by_date_community_kind_and_free_places(client, board, community):
    tongxin = community("同心社区")
    everything = {"今日长者助餐", "周六河涌清理", "月中义诊", "四月长者探访"}

    assert _shown(client, "") == everything
    assert _shown(client, "when=today") == {"今日长者助餐"}
    assert _shown(client, "when=week") == {"今日长者助餐", "周六河涌清理"}
    assert _shown(client, "when=month") == {"今日长者助餐", "周六河涌清理", "月中义诊"}
    assert _shown(client, "start=2031-03-14&end=2031-03-22") == {"周六河涌清理", "月中义诊"}
    assert _shown(client, "start=2031-04-01") == {"四月长者探访"}
    assert _shown(client, "end=2031-03-12") == {"今日长者助餐"}
    assert _shown(client, f"community={tongxin.pk}") == {"月中义诊"}
    assert _shown(client, "kind=elderly") == {"今日长者助餐", "四月长者探访"}
    # 有名额: the full one goes
    assert _shown(client, "free=1") == everything - {"周六河涌清理"}
    assert _shown(client, "when=week&free=1") == {"今日长者助餐"}
    # dates given win over 今天/本周/本月
    assert _shown(client, "when=today&start=2031-04-01") == {"四月长者探访"}


def test_a_filtered_list_is_a_link_that_opens_with_its_filters_set(client, board, community):
    guihua = community("桂花社区")

    page = _page(client, f"{reverse('site:activities')}?community={guihua.pk}&when=week&kind=environment&free=1")

    assert f'<option value="{guihua.pk}" selected>桂花社区</option>' in page
    assert '<option value="week" selected>本周</option>' in page
    assert '<option value="environment" selected>环境整治</option>' in page
    assert 'name="free" value="1" id="id_free" checked' in page
    # nothing matches: the page says so and offers the whole list
    assert "没有符合条件的活动" in page and "共 0 个活动" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2031-02-30", "请填写有效的日期"),
        ("start=2031-03-20&end=2031-03-14", "结束日期不能早于开始日期"),
        ("kind=party", "所选的类别无效，请重新选择"),
        ("community=999999", "所选的社区无效，请重新选择"),
        ("when=year", "所选的时间无效，请重新选择"),
    ],
)
def test_a_bad_filter_says_why_with_a_400(client, board, query, message):
    page = _page(client, f"{reverse('site:activities')}?{query}", status=400)

    assert message in page and "筛选条件有误" in page
    assert "今日长者助餐" not in page


def test_another_streets_community_is_not_a_filter(client, board):
    from organizations.tests.factories import CommunityFactory

    elsewhere = CommunityFactory()
    ActivityFactory(community=elsewhere, title="别处的活动", starts_at=_at(13, 9))

    page = _page(client, f"{reverse('site:activities')}?community={elsewhere.pk}", status=400)
    assert "别处的活动" not in page and "别处的活动" not in _page(client, reverse("site:activities"))


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_filtered_list_is_flat_in_queries(client, guicheng, community, fixed_now):
    guihua = community("桂花社区")
    url = f"{reverse('site:activities')}?community={guihua.pk}&when=month&kind=elderly&free=1"
    counts, days = [], iter(range(60))
    for size in (2, 50):
        with TestCase.captureOnCommitCallbacks(execute=True):  # the cache's version moves on commit
            while Activity.objects.count() < size:
                activity = ActivityFactory(
                    community=guihua, category="elderly", starts_at=NOW + dt.timedelta(hours=2 + next(days) % 400)
                )
                Signup.objects.create(activity=activity, volunteer=VolunteerFactory(community=guihua))
        # the street, the communities of the filter and the one asked for, the count, the page
        counts.append(_count(client, url))
    assert counts[0] == counts[1] <= 5, counts


# --- a resident with a login -------------------------------------------------------------------


@pytest.fixture
def resident(client, guicheng, community):
    volunteer = services.volunteer_account_register(
        phone="13912345678", name="陈街坊", password=PASSWORD, community=community("桂花社区"), show_name=False
    )
    client.force_login(volunteer.user)
    return volunteer


def test_a_waitlisted_resident_sees_their_place_in_the_queue(client, resident, community, street_staff):
    # given an activity with one place, taken, and two people waiting
    guihua = community("桂花社区")
    activity = ActivityFactory(community=guihua, capacity=1)
    first, *waiting = (VolunteerFactory(community=guihua) for _ in range(3))
    first_signup = services.signup_register(activity=activity, volunteer=first, user=street_staff)
    for volunteer in waiting:
        services.signup_register(activity=activity, volunteer=volunteer, user=street_staff)
    url = reverse("site:activity", args=[activity.pk])

    # when the resident signs up
    response = client.post(reverse("site:activity_signup", args=[activity.pk]), follow=True)

    # then they are told, and shown, that they are third in the queue
    page = response.content.decode()
    assert "你是候补第 3 位" in page and "候补第 3 位</span>" in page
    assert "候补第 3 位" in _page(client, reverse("site:me"))

    # and when the one with the place cancels, the first waiting takes it and the resident moves up
    services.signup_cancel(signup=first_signup, user=street_staff)
    assert "候补第 2 位</span>" in _page(client, url)
    assert "候补第 2 位" in _page(client, reverse("site:me"))


def test_cancelling_asks_first_and_only_the_confirming_button_cancels(client, resident, community):
    activity = ActivityFactory(community=community("桂花社区"), capacity=3)
    client.post(reverse("site:activity_signup", args=[activity.pk]))
    url, cancel = reverse("site:activity", args=[activity.pk]), reverse("site:activity_cancel", args=[activity.pk])

    # the page offers 取消报名 as a question that opens without script, its form confirming
    page = _page(client, url)
    assert '<details class="confirm">' in page and "<summary>取消报名</summary>" in page
    assert "确定要取消吗？你的名额会让给候补的人" in page
    assert f'action="{cancel}"' in page and 'name="confirm" value="yes"' in page

    # a post without the confirmation, or a visit to the URL, cancels nothing
    refused = client.post(cancel, follow=True)
    assert "请点“确定取消报名”确认" in refused.content.decode()
    assert client.get(cancel)["Location"] == url
    assert Signup.objects.get(activity=activity).status == Signup.Status.REGISTERED

    # the confirming button does
    client.post(cancel, {"confirm": "yes"})
    assert Signup.objects.get(activity=activity).status == Signup.Status.CANCELLED
    assert "已取消报名" in _page(client, url)


# --- registering and logging in from an activity -------------------------------------------------


def test_registering_from_an_activity_comes_back_to_it_with_the_sign_up_offered(guicheng, community):
    client = Client()
    activity = ActivityFactory(community=community("桂花社区"), title="桂花园义剪")
    back = reverse("site:activity", args=[activity.pk])
    with_next = f"?next={quote(back)}"

    # the activity page sends an anonymous resident to log in or register, and back
    page = _page(client, back)
    assert f'href="{reverse("site:login")}{with_next}"' in page
    assert f'href="{reverse("site:register")}{with_next}"' in page
    # the registration form carries it, and its link to the login page too
    page = _page(client, reverse("site:register") + with_next)
    assert f'<input type="hidden" name="next" value="{back}">' in page
    assert f'href="{reverse("site:login")}{with_next}"' in page

    registered = client.post(
        reverse("site:register"),
        {
            "name": "陈街坊",
            "phone": "13912345678",
            "community": community("桂花社区").pk,
            "password": PASSWORD,
            "agree": "on",
            "next": back,
        },
    )
    assert registered["Location"] == reverse("site:login") + with_next
    login_page = _page(client, registered["Location"])
    assert f'<input type="hidden" name="next" value="{back}">' in login_page
    assert f'href="{reverse("site:register")}{with_next}"' in login_page

    logged_in = client.post(registered["Location"], {"username": "13912345678", "password": PASSWORD, "next": back})
    assert logged_in["Location"] == back
    page = _page(client, back)
    assert "报名参加" in page and "登录后报名" not in page
    client.post(reverse("site:activity_signup", args=[activity.pk]))
    assert Signup.objects.get(activity=activity).volunteer == Volunteer.objects.get(phone="13912345678")


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/", "//evil.example/activities/1/", "javascript:alert(1)", "http:///evil"]
)
def test_a_next_to_elsewhere_is_ignored(guicheng, community, unsafe):
    client = Client()
    encoded = quote(unsafe, safe="")

    page = _page(client, f"{reverse('site:register')}?next={encoded}")
    assert "evil" not in page and "javascript" not in page
    registered = client.post(
        reverse("site:register"),
        {
            "name": "陈街坊",
            "phone": "13912345678",
            "community": community("桂花社区").pk,
            "password": PASSWORD,
            "agree": "on",
            "next": unsafe,
        },
    )
    assert registered["Location"] == reverse("site:login")
    logged_in = client.post(reverse("site:login"), {"username": "13912345678", "password": PASSWORD, "next": unsafe})
    assert logged_in["Location"] == reverse("site:me")


def test_signing_up_logged_out_comes_back_to_the_activity(guicheng, community):
    client = Client()
    activity = ActivityFactory(community=community("桂花社区"))
    services.volunteer_account_register(
        phone="13912345678", name="陈街坊", password=PASSWORD, community=community("桂花社区"), show_name=False
    )

    # a sign-up posted from a page left open after logging out goes to the login page
    response = client.post(reverse("site:activity_signup", args=[activity.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("site:login"))
    # and after logging in, the way back lands on the activity, its button offered again
    logged_in = client.post(response["Location"], {"username": "13912345678", "password": PASSWORD})
    assert client.get(logged_in["Location"])["Location"] == reverse("site:activity", args=[activity.pk])
    assert not Signup.objects.exists()
