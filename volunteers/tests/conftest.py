"""Fixtures of the volunteers tests: the Guicheng data once per module (rolled back at its end),
a volunteer with a login in 桂花社区, and fast password hashing."""

import pytest

from organizations.tests.factories import UserFactory

from .factories import VolunteerFactory


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def guihua(community):
    return community("桂花社区")


@pytest.fixture
def tongxin(community):
    return community("同心社区")


@pytest.fixture
def volunteer(guihua):
    """A 桂花社区 volunteer who logs in to the public site (not staff)."""
    user = UserFactory(username="zhiyuanzhe", is_staff=False)
    return VolunteerFactory(community=guihua, user=user, name="陈锦华")
