"""No personal data in any anonymous API answer.

With everything ``make run`` loads (the Guicheng data and every app's demo: 10,000+ members with
phones, ID numbers, addresses and birth dates, volunteers, 点单 with contact details), every
anonymous API URL is read — every list page, every record's detail, the open-data files — and
no member's or volunteer's phone, ID number, address or birth date, no 点单 contact detail and
no volunteer's name without consent may appear.

``CRAWL`` says how to reach every anonymous URL name of the API; a URL name that is neither in
it nor in ``NOT_ANONYMOUS`` fails ``test_every_anonymous_api_url_is_crawled``.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from indicators.models import Rating
from organizations.models import Community, PartyMember, ServiceCenter
from portal import api_urls
from projects.models import SecretaryProject, WorkPlan
from volunteers.models import Activity, ServiceOrder, Volunteer

from .test_public_crawl import DATE, DIGITS, demo  # noqa: F401 - the module-scoped demo data
from .url_names import url_names

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _url(name, *args):
    return reverse(f"api:{name}", args=args)


def _details(name, queryset):
    return [_url(name, pk) for pk in queryset.values_list("pk", flat=True)]


CRAWL = {
    "community-list": lambda: [_url("community-list")],
    "community-detail": lambda: _details("community-detail", Community.objects.all()),
    "center-list": lambda: (
        [_url("center-list")]
        + [
            f"{_url('center-list')}?level={level}"
            for level in ("street", "community", "station", "building", "society")
        ]
        + [f"{_url('center-list')}?open=true"]
    ),
    "center-detail": lambda: _details("center-detail", ServiceCenter.objects.public()),
    "project-list": lambda: [_url("project-list"), f"{_url('project-list')}?lagging=true"],
    "project-detail": lambda: _details("project-detail", SecretaryProject.objects.public()),
    "plan-list": lambda: [_url("plan-list")],
    "plan-detail": lambda: _details("plan-detail", WorkPlan.objects.public()),
    "honour-list": lambda: [_url("honour-list")],
    "rating-history": lambda: [
        _url("rating-history", pk)
        for pk in Rating.objects.filter(period__status="published").values_list("subject_id", flat=True).distinct()[:40]
    ],
    "figures": lambda: [_url("figures")],
    "activity-list": lambda: [_url("activity-list")],
    "activity-detail": lambda: _details("activity-detail", Activity.objects.public().upcoming()),
    "open-centers-hsds": lambda: [_url("open-centers-hsds")],
    "open-centers-csv": lambda: [_url("open-centers-csv")],
    "open-projects-csv": lambda: [_url("open-projects-csv")],
    "open-plan-csv": lambda: [_url("open-plan-csv")],
    "schema": lambda: [_url("schema")],
}

NOT_ANONYMOUS = {
    # writes (need a login) and the staff endpoints (401 for anonymous callers)
    "project-updates",
    "activity-signup",
    "activity-cancel",
    "token",
    "score-list",
    "score-detail",
    "service-record-list",
    "service-record-detail",
    "service-record-confirm",
    "service-record-batch",
    "order-list",
    "order-detail",
    "order-accept",
    "order-answer",
    # HTML pages that only load the schema
    "swagger-ui",
    "redoc",
}


def test_every_anonymous_api_url_is_crawled():
    names = set(url_names(api_urls.urlpatterns))

    assert names - set(CRAWL) - NOT_ANONYMOUS == set(), "add these API URLs to CRAWL"
    assert (set(CRAWL) | NOT_ANONYMOUS) - names == set()


def test_staff_endpoints_refuse_anonymous_callers(db):
    client = APIClient()
    for name in ("score-list", "service-record-list", "order-list"):
        assert client.get(_url(name)).status_code == 401, name


def _pages(client, url):
    """Every page of a paginated list, else the one answer."""
    while url:
        response = client.get(url, {"page_size": 200} if "?" not in url else None)
        assert response.status_code == 200, (url, response.content[:200])
        yield url, response.content.decode("utf-8-sig")
        body = response.json() if response["Content-Type"].startswith("application/json") else None
        url = body.get("next") if isinstance(body, dict) and "next" in body else None


def test_no_personal_data_in_any_anonymous_answer(demo, db, settings):  # noqa: F811
    settings.API_THROTTLE_RATES = {"anon": "100000/min", "user": "100000/min"}
    # given every private value of members, volunteers and 点单
    phones, ids, addresses, births = set(), set(), set(), set()
    for phone, id_number, address, birth in PartyMember.objects.values_list(*PartyMember.PRIVATE_FIELDS):
        phones.add(phone) if phone else None
        ids.add(id_number) if id_number else None
        addresses.add(address) if address else None
        births.add(birth) if birth else None
    for phone, id_number in Volunteer.objects.values_list("phone", "id_number"):
        phones.add(phone) if phone else None
        ids.add(id_number) if id_number else None
    orders = list(ServiceOrder.objects.values_list("contact_phone", "address"))
    assert orders, "the demo has 点单"
    for phone, address in orders:
        phones.add(phone) if phone else None
        addresses.add(address) if address else None
    hidden_names = set(Volunteer.objects.filter(show_name_publicly=False).values_list("name", flat=True))
    assert len(phones) > 5000 and len(ids) > 5000 and len(addresses) > 1000 and len(hidden_names) > 100
    needles = sorted(addresses | hidden_names, key=len)
    birth_days = {(b.year, b.month, b.day) for b in births}

    # when every anonymous API answer is read
    client = APIClient()
    urls = [url for make in CRAWL.values() for url in make()]
    assert len(urls) > 150
    read = 0
    for start in urls:
        for url, text in _pages(client, start):
            read += 1
            # then no phone or ID number, birth date or address appears
            digits = set(DIGITS.findall(text)) | set(re.findall(r"\d{17}[\dX]", text))
            assert not digits & phones, url
            assert not digits & ids, url
            dates = {(int(y), int(m), int(d)) for y, m, d in DATE.findall(text)}
            assert not dates & birth_days, url
            leaked = next((needle for needle in needles if needle in text), None)
            assert leaked is None, (url, leaked)
    assert read >= len(urls)
