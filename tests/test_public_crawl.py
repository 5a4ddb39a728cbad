"""No personal data on any public page.

With the Guicheng demo data loaded (10,300 members with phone numbers, ID numbers, addresses
and birth dates), every public URL is visited as an anonymous resident — every page of every
kind: each published centre, each community, each public project, each filter — and no
member's phone, ID number, address or birth date may appear in any of them.

``CRAWL`` says how to reach every URL name of the public site, ``SCREEN_CRAWL`` every URL name
of the lobby big screen; a new public URL without an entry here fails
``test_every_public_url_is_crawled``.
"""

from __future__ import annotations

import io
import os
import re
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, reverse

from indicators.models import Rating
from organizations.models import Community, PartyMember, ServiceCenter, Street
from portal.screen import urls as screen_urls
from portal.site import urls as site_urls
from projects.models import SecretaryProject, WorkPlan
from volunteers.models import Activity, ServiceOrder, Volunteer

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _all(name, queryset):
    return [reverse(f"site:{name}", args=[pk]) for pk in queryset.values_list("pk", flat=True)]


def _rated_subjects():
    published = Rating.objects.filter(period__status="published")
    return published.values_list("subject_id", flat=True).distinct()[:40]


def _order_codes():
    return ServiceOrder.objects.order_by("pk").values_list("code", flat=True)[:25]


CRAWL = {
    "home": lambda: [reverse("site:home")],
    "centers": lambda: (
        [reverse("site:centers")]
        + [
            f"{reverse('site:centers')}?level={level}&open=1"
            for level in ("street", "area", "community", "station", "building", "society")
        ]
        + [f"{reverse('site:centers')}?community={pk}" for pk in Community.objects.values_list("pk", flat=True)[:5]]
    ),
    "center": lambda: _all("center", ServiceCenter.objects.public()),
    "streets": lambda: [reverse("site:streets")],
    "community": lambda: _all("community", Community.objects.all()),
    "projects": lambda: [reverse("site:projects"), reverse("site:projects") + "?lagging=1"],
    "projects_year": lambda: [
        reverse("site:projects_year", args=[y])
        for y in SecretaryProject.objects.values_list("year", flat=True).distinct()
    ],
    "project": lambda: _all("project", SecretaryProject.objects.public()),
    "plan": lambda: [reverse("site:plan")],
    "plan_year": lambda: [reverse("site:plan_year", args=[p.year]) for p in WorkPlan.objects.public()],
    "plan_print": lambda: [reverse("site:plan_print", args=[p.year]) for p in WorkPlan.objects.public()],
    # a community's pinyin finds its organisations too: the widest answers the search gives
    "robots": lambda: [reverse("site:robots")],
    "honour": lambda: [reverse("site:honour")],
    "subject": lambda: [
        reverse("site:subject", args=[pk])
        for pk in Rating.objects.filter(period__status="published").values_list("subject_id", flat=True).distinct()[:40]
    ],
    "activities": lambda: [reverse("site:activities")],
    "activity": lambda: _all("activity", Activity.objects.public()),
    "register": lambda: [reverse("site:register")],
    "login": lambda: [reverse("site:login")],
    "order_new": lambda: [reverse("site:order_new")],
    "order_lookup": lambda: [reverse("site:order_lookup")],
    "order": lambda: [
        reverse("site:order", args=[code]) for code in ServiceOrder.objects.values_list("code", flat=True)[:25]
    ],
    # A volunteer's own pages, read logged in as a demo volunteer (see the test).
    "me": lambda: [reverse("site:me")],
    "certificate": lambda: [reverse("site:certificate")],
    # POST only: they answer with a redirect, never with a page of their own.
    "activity_signup": lambda: [],
    "activity_cancel": lambda: [],
    "redeem": lambda: [],
    "logout": lambda: [],
    "search": lambda: [f"{reverse('site:search')}?q={q}" for q in ("社区", "党支部", "gh", "x", "1", "13")],
}


SCREEN_CRAWL = {
    "home": lambda: [reverse("screen:home")],
    "street": lambda: [reverse("screen:street", args=[pk]) for pk in Street.objects.values_list("pk", flat=True)],
    "panels": lambda: [reverse("screen:panels", args=[pk]) for pk in Street.objects.values_list("pk", flat=True)],
}


def _url_names(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _url_names(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield pattern.name


def test_every_public_url_is_crawled():
    names = set(_url_names(site_urls.urlpatterns))

    assert names - set(CRAWL) == set(), "add these public URLs to CRAWL"
    assert set(CRAWL) - names == set()
    screen_names = set(_url_names(screen_urls.urlpatterns))
    assert screen_names - set(SCREEN_CRAWL) == set(), "add these big-screen URLs to SCREEN_CRAWL"
    assert set(SCREEN_CRAWL) - screen_names == set()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    from django.db import transaction

    # Everything `make run` loads: the Guicheng data and every app's demo.
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        mock.patch.dict(os.environ, DJANGO_ADMIN_PASSWORD="Crawl-2023-pass"),
    ):
        call_command("bootstrap", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


DATE = re.compile(r"(\d{4})[-年/.](\d{1,2})[-月/.](\d{1,2})")
DIGITS = re.compile(r"\d{7,}")


def test_no_personal_data_on_any_public_page(client, demo, db, django_user_model):
    # given every member's private values
    phones, ids, addresses, births = set(), set(), set(), set()
    for phone, id_number, address, birth in PartyMember.objects.values_list(*PartyMember.PRIVATE_FIELDS):
        phones.add(phone) if phone else None
        ids.add(id_number) if id_number else None
        addresses.add(address) if address else None
        births.add(birth) if birth else None
    assert len(phones) > 5000 and len(ids) > 5000 and len(addresses) > 1000 and len(births) > 1000
    # a demo volunteer with a login reads their own pages; every other volunteer's name stays
    # off every page unless they consented, and so do all volunteer phones and ID numbers
    own = Volunteer.objects.filter(show_name_publicly=False).order_by("pk").first()
    own.user = django_user_model.objects.create_user(username="crawl-volunteer", password="Crawl-pass-2023")
    own.save()
    for phone, id_number in Volunteer.objects.values_list("phone", "id_number"):
        phones.add(phone) if phone else None
        ids.add(id_number) if id_number else None
    hidden_names = set(
        Volunteer.objects.filter(show_name_publicly=False).exclude(pk=own.pk).values_list("name", flat=True)
    )
    assert len(hidden_names) > 100
    needles = sorted(addresses | hidden_names, key=len)
    birth_days = {(b.year, b.month, b.day) for b in births}

    # when every public page is read
    own_pages = {reverse("site:me"), reverse("site:certificate")}
    urls = [url for make in [*CRAWL.values(), *SCREEN_CRAWL.values()] for url in make()]
    assert len(urls) > 150
    assert reverse("screen:home") in urls
    assert any("/honour/" in url and url != reverse("site:honour") for url in urls)  # ratings were published
    for url in urls:
        if url in own_pages:
            client.force_login(own.user)
        response = client.get(url)
        client.logout()
        assert response.status_code == 200, url
        page = response.content.decode()

        # then no phone or ID number (digit runs), birth date (any date form) or address appears
        digits = set(DIGITS.findall(page)) | set(re.findall(r"\d{17}[\dX]", page))
        assert not digits & phones, url
        assert not digits & ids, url
        dates = {(int(y), int(m), int(d)) for y, m, d in DATE.findall(page)}
        assert not dates & birth_days, url
        leaked = next((address for address in needles if address in page), None)
        assert leaked is None, (url, leaked)
