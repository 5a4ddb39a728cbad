import pytest

from organizations.services import staff_user_create
from organizations.tests.factories import CommunityFactory, DistrictFactory, StreetFactory

from .factories import PeriodFactory, SchemeFactory


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run what the services queue after commit (the rating pass) before the test goes on."""

    def run(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return run


@pytest.fixture
def street():
    return StreetFactory(name="测试街道", district=DistrictFactory(name="测试区"))


@pytest.fixture
def staff(street):
    return staff_user_create(username="jiedao-test", password=None, street=street)


@pytest.fixture
def scheme(street):
    return SchemeFactory(street=street, year=2023)


@pytest.fixture
def rural(street):
    return CommunityFactory(street=street, rural=True, name="测试农村社区")


@pytest.fixture
def quarters(scheme):
    return [PeriodFactory(scheme=scheme, quarter=q) for q in (1, 2, 3, 4)]
