"""从其他街道复制评分方案: a chosen scheme's dimensions, weights, sub-indicators and lines become a
new version in the copier's street; only street staff (or a superuser) copy, into their street."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from indicators import services
from indicators.models import Dimension, Scheme, SubIndicator
from organizations.services import staff_user_create
from organizations.tests.factories import DistrictFactory, StreetFactory

from .factories import SchemeFactory, SubIndicatorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def source():
    other = StreetFactory(name="大沥镇", district=DistrictFactory(name="南海区"))
    scheme = SchemeFactory(street=other, year=2025, version=1, star5_min=Decimal(92), honour_level=4)
    for dimension in scheme.dimensions.all():
        SubIndicatorFactory(dimension=dimension, name=f"{dimension.name}细项", max_points=Decimal(10))
    return scheme


def test_street_staff_copy_another_streets_scheme_as_a_new_version(street_client, guicheng, source):
    SchemeFactory(street=guicheng, year=2025, version=1, subject_kind=source.subject_kind)
    sources_before = (Dimension.objects.filter(scheme=source).count(), SubIndicator.objects.count())

    page = street_client.get(reverse("admin:indicators_scheme_changelist"))
    assert "从其他街道复制评分方案" in page.content.decode()
    response = street_client.post(reverse("admin:indicators_scheme_copy"), {"source": source.pk, "street": guicheng.pk})

    copy = Scheme.objects.get(street=guicheng, version=2)
    assert response.status_code == 302
    assert response.url == reverse("admin:indicators_scheme_change", args=[copy.pk])
    assert (copy.year, copy.star5_min, copy.honour_level) == (2025, Decimal(92), 4)
    assert copy.description.startswith("复制自大沥镇")
    assert [(d.number, d.name, d.weight) for d in copy.dimensions.all()] == [
        (d.number, d.name, d.weight) for d in source.dimensions.all()
    ]
    assert sorted(SubIndicator.objects.filter(dimension__scheme=copy).values_list("name", "max_points")) == sorted(
        SubIndicator.objects.filter(dimension__scheme=source).values_list("name", "max_points")
    )
    # the source is untouched
    assert (Dimension.objects.filter(scheme=source).count(), SubIndicator.objects.count() // 2) == (
        sources_before[0],
        sources_before[1],
    )
    assert copy.history.first().history_user.username == "jiedao"


def test_a_chosen_year_is_used(street_client, guicheng, source):
    street_client.post(
        reverse("admin:indicators_scheme_copy"), {"source": source.pk, "street": guicheng.pk, "year": 2027}
    )

    assert Scheme.objects.get(street=guicheng).year == 2027


def test_street_staff_cannot_copy_into_another_street(street_client, guicheng, source):
    response = street_client.post(
        reverse("admin:indicators_scheme_copy"), {"source": source.pk, "street": source.street_id}
    )

    assert response.status_code == 400
    assert "street" in response.context["form"].errors
    assert Scheme.objects.count() == 1


def test_a_bad_year_is_a_400_with_the_field_named(street_client, guicheng, source):
    response = street_client.post(
        reverse("admin:indicators_scheme_copy"), {"source": source.pk, "street": guicheng.pk, "year": "1800"}
    )

    assert response.status_code == 400
    assert "year" in response.context["form"].errors
    assert Scheme.objects.count() == 1


def test_a_secretary_cannot_copy(guihua_client, guihua_secretary, guicheng, source):
    page = guihua_client.get(reverse("admin:indicators_scheme_copy"))

    assert page.status_code == 403
    with pytest.raises(PermissionDenied):
        services.scheme_copy(source=source, street=guicheng, user=guihua_secretary)
    assert Scheme.objects.count() == 1


def test_a_superuser_chooses_the_street(admin_client, guicheng, source):
    admin_client.post(reverse("admin:indicators_scheme_copy"), {"source": source.pk, "street": guicheng.pk})

    assert Scheme.objects.filter(street=guicheng).count() == 1


def test_the_service_refuses_another_street_for_street_staff(guicheng, source):
    staff = staff_user_create(username="x", password=None, street=guicheng)

    with pytest.raises(PermissionDenied):
        services.scheme_copy(source=source, street=source.street, user=staff)


def test_the_copy_page_costs_few_queries(street_client, guicheng, source, django_assert_max_num_queries):
    for year in range(2010, 2030):
        SchemeFactory(street=source.street, year=year)
    with django_assert_max_num_queries(12):
        page = street_client.get(reverse("admin:indicators_scheme_copy"))
    assert page.status_code == 200
