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
import math
import os
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse

from indicators.models import Rating
from organizations.models import Community, PartyMember, ServiceCenter, Street
from organizations.selectors import default_street
from portal.screen import urls as screen_urls
from portal.site import urls as site_urls
from projects.models import SecretaryProject, WorkPlan
from volunteers.models import Activity, PostClaim, ServiceOrder, Volunteer

from .url_names import url_names

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _all(name, queryset):
    return [reverse(f"site:{name}", args=[pk]) for pk in queryset.values_list("pk", flat=True)]


def _rated_subjects():
    published = Rating.objects.filter(period__status="published")
    return published.values_list("subject_id", flat=True).distinct()[:40]


def _order_codes():
    return ServiceOrder.objects.order_by("pk").values_list("code", flat=True)[:25]


def _center_pages():
    """Every page of the directory, unfiltered and for the economic societies' 阵地 (101 of them),
    and the page after the last (it shows the last)."""
    from portal.site.views import CENTERS_PER_PAGE

    url = reverse("site:centers")
    public = ServiceCenter.objects.public().filter(street=default_street())
    pages = []
    for query, centers in (("", public), ("level=society&", public.filter(level=ServiceCenter.Level.ECONOMIC_SOCIETY))):
        last = math.ceil(centers.count() / CENTERS_PER_PAGE)
        pages += [f"{url}?{query}page={number}" for number in range(1, last + 2)]
    return pages


CRAWL = {
    "home": lambda: [reverse("site:home")],
    "figures": lambda: (
        [reverse("site:figures")]
        + [f"{reverse('site:figures')}?street={pk}" for pk in Street.objects.values_list("pk", flat=True)]
    ),
    "centers": lambda: (
        _center_pages()
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
    "activities": lambda: (
        [reverse("site:activities")]
        + [
            f"{reverse('site:activities')}?{query}"
            for query in ("when=today", "when=week&free=1", "when=month&kind=elderly", "free=1&page=2")
        ]
        + [
            f"{reverse('site:activities')}?community={pk}"
            for pk in Community.objects.filter(street=default_street()).values_list("pk", flat=True)[:5]
        ]
    ),
    "activity": lambda: _all("activity", Activity.objects.public()),
    "register": lambda: [reverse("site:register"), f"{reverse('site:register')}?next=/activities/"],
    "login": lambda: [reverse("site:login"), f"{reverse('site:login')}?next=/activities/"],
    "order_new": lambda: [reverse("site:order_new")],
    "order_lookup": lambda: [reverse("site:order_lookup")],
    "order": lambda: [
        reverse("site:order", args=[code]) for code in ServiceOrder.objects.values_list("code", flat=True)[:25]
    ],
    # A volunteer's own pages, read logged in as a demo volunteer (see the test).
    "me": lambda: [reverse("site:me")],
    "certificate": lambda: [reverse("site:certificate")],
    # POST only: the directory's own cards (crawled above), sorted by a position in the body.
    "centers_near": lambda: [],
    # They act on a POST and answer with a redirect (a GET goes back to the activity), never
    # with a page of their own.
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


def test_every_public_url_is_crawled():
    names = set(url_names(site_urls.urlpatterns))

    assert names - set(CRAWL) == set(), "add these public URLs to CRAWL"
    assert set(CRAWL) - names == set()
    screen_names = set(url_names(screen_urls.urlpatterns))
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


# --- 数读: every figure shows the records it counts ----------------------------------------------

# Computable figures whose records no public page lists; their help text says so on the home page.
# Figures whose records have no public list, each with the reason; none today: 指导员 and
# 整顿提升 cases are counted on the 数读明细 page, their names and pairings are not published.
WITHOUT_PUBLIC_LIST: set[str] = set()


def _figure_values():
    from core import registry
    from organizations.selectors import default_street

    return {value.name: value for value in registry.figures_for(default_street())}


def test_every_figure_links_to_a_public_page_of_its_records(client, demo, db):
    # given the Guicheng figures with the demo records
    values = _figure_values()
    computable = [value for value in values.values() if value.computable]
    assert len(computable) >= 20

    # when the home page and every page a figure links to are read
    home = client.get(reverse("site:home")).content.decode()
    pages = {}
    for value in computable:
        if value.name in WITHOUT_PUBLIC_LIST:
            # then a figure without a public list says why, where it is shown
            assert value.public_url is None, value.name
            assert value.help and value.help in home, value.name
            continue
        # then every other figure links to a page an anonymous visitor can open, to the
        # column that counts its records
        assert value.public_url, f"{value.name}: set public_url or add it to WITHOUT_PUBLIC_LIST"
        assert f'href="{value.public_url}"' in home, value.name
        path, _, anchor = value.public_url.partition("#")
        if path not in pages:
            pages[path] = client.get(path)
        assert pages[path].status_code == 200, value.public_url
        if anchor:
            assert f'id="{anchor}"' in pages[path].content.decode(), value.public_url
    assert 'href="/figures/"' in home  # 查看各社区明细


def _number(text: str) -> Decimal:
    return Decimal(text) if text not in ("", "—") else Decimal(0)


def test_each_column_of_the_figures_page_adds_up_to_its_figure(client, demo, db):
    # given the Guicheng figures
    values = _figure_values()

    # when the 数读明细 page is read
    response = client.get(reverse("site:figures"))
    page = response.content.decode()
    table = response.context["table"]

    # then each column's total is its figure's value, and every per-community figure has one
    totals = {name: value for total in table["totals"] for name, value in total.values.items()}
    for name, total in totals.items():
        assert total == values[name].value, name
    on_page = {name for name, value in values.items() if (value.public_url or "").startswith("/figures/")}
    # the median of answer days links to the answered 点单 it is computed from: no total of its own
    assert on_page - set(totals) == {"organizations.communities", "volunteers.orders_median_days"}
    assert table["communities"] == values["organizations.communities"].value == 45

    # and each count column's rows add up to its total, but for the members holding posts in
    # several communities: counted in each community's row, once street-wide, and the page says so
    street = Street.objects.get(name=response.context["street"].name)
    claims = PostClaim.objects.active().filter(post__community__street=street)
    pairs = claims.values("member", "post__community").distinct().count()
    distinct = claims.values("member").distinct().count()
    for index, (header, total) in enumerate(zip(table["headers"], table["totals"], strict=True)):
        if header.column.shape != "count":
            continue
        summed = sum(_number(row["cells"][index]) for row in table["rows"])
        if header.column.figure == "volunteers.members_with_post":
            assert (summed, _number(total.text)) == (pairs, distinct)
            assert (f"各行相加为 {pairs}，全街道为 {distinct}" in page) is (pairs != distinct)
        else:
            assert summed == _number(total.text), header.column.figure


def test_the_directory_walks_every_centre_page_by_page(client, demo, db):
    # given the 140-odd published centres of the demo
    public = set(ServiceCenter.objects.public().filter(street=default_street()).values_list("pk", flat=True))
    assert len(public) > 100

    # when a resident follows 下一页 from the first page to the last
    seen, url, pages = [], reverse("site:centers"), 0
    while url:
        page = client.get(reverse("site:centers") + url if url.startswith("?") else url).content.decode()
        seen += [int(pk) for pk in re.findall(r'class="card-link" href="/centers/(\d+)/"', page)]
        following = re.search(r'<a rel="next" href="([^"]+)"', page)
        url = following.group(1).replace("&amp;", "&") if following else None
        pages += 1

    # then every centre is on exactly one page
    assert pages == math.ceil(len(public) / 24)
    assert sorted(seen) == sorted(public)
