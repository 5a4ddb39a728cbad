"""Fixtures of the projects tests. The Guicheng data is loaded once per test module (the root
``guicheng_module``: about a second a load) inside a transaction rolled back when the module
ends; every test still runs in its own savepoint, so nothing one test writes is seen by the next."""

import pytest


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


@pytest.fixture(scope="module")
def _projects_2023_once(guicheng_module, django_db_blocker):
    """The 2023 plan and projects, loaded once per module that asks (inside the module's
    rolled-back transaction). Only for tests that read them or write in their own savepoint;
    the tests of the loading itself load for themselves."""
    from projects.services import projects_2023_load

    with django_db_blocker.unblock():
        return projects_2023_load()


@pytest.fixture
def plan_2023(_projects_2023_once, guicheng):
    return _projects_2023_once


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploaded photos and thumbnails go to a temporary folder, never to the repository's media/.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Staff users are created in many tests; the real hasher would spend most of the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
