"""Uploads (issue 16): a photo's pixels are counted from its header and a photo over
``PORTAL_MAX_PHOTO_PIXELS`` is refused with "图片尺寸过大" before anything decodes it — in the
workspace, the admin and the API alike — and an update carries at most nine photos everywhere.

A PNG of one bit a pixel, all white, is a few KB on disk for any size: made here row by row, so
the test itself never holds the picture in memory either."""

from __future__ import annotations

import struct
import tracemalloc
import zlib
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from projects.models import ProgressUpdate, UpdatePhoto
from projects.tests.factories import SecretaryProjectFactory
from projects.validators import validate_photo

pytestmark = pytest.mark.django_db

TOO_LARGE = "图片尺寸过大"
MB = 1024 * 1024


def png(width: int, height: int, name: str = "big.png") -> SimpleUploadedFile:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes((width + 7) // 8)  # filter byte, then the row's bits
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    return SimpleUploadedFile(name, data, content_type="image/png")


@pytest.fixture
def guihua_project(community):
    return SecretaryProjectFactory(community=community("桂花社区"), year=2023)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@contextmanager
def memory_peak():
    """The peak of Python's allocations and what Pillow allocated for pixels meanwhile (its
    image memory is not Python's, so tracemalloc alone would not see a decode)."""
    found = {}
    Image.core.reset_stats()
    tracemalloc.start()
    try:
        yield found
    finally:
        _, python_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        pixels = Image.core.get_stats()["allocated_blocks"] * Image.core.get_block_size()
        found |= {"python": python_peak, "pixels": pixels, "total": python_peak + pixels}


def test_the_size_is_read_from_the_header_and_checked_first(settings):
    # given a 20000×20000 PNG (400 M pixels, 49 KB) and one of 9000×9000 (81 M, Pillow's own
    # check does not even warn)
    huge, large = png(20_000, 20_000), png(9_000, 9_000)
    assert huge.size < 100 * 1024

    for upload in (huge, large):
        with pytest.raises(Exception) as refused:
            validate_photo(upload)
        assert TOO_LARGE in " ".join(refused.value.messages)
    settings.PORTAL_MAX_PHOTO_PIXELS = 100_000_000
    validate_photo(large)  # the limit is a setting


def test_the_workspace_refuses_it_before_decoding(guihua_client, guihua_project):
    url = reverse("workspace:project_progress", args=[guihua_project.pk])

    for width in (20_000, 9_000):
        with memory_peak() as peak:
            response = guihua_client.post(
                url, {"text": "进展", "percent": 10, "photos": [png(width, width)]}, HTTP_ACCEPT="application/json"
            )

        assert response.status_code == 400
        messages = " ".join(error["message"] for error in response.json()["errors"]["photos"])
        assert "第 1 张照片" in messages and TOO_LARGE in messages
        # a 9000×9000 photo decoded and re-encoded takes 160 MB of pixels; refused, nothing is
        assert peak["total"] < 50 * MB, peak
    assert not ProgressUpdate.objects.exists()


def test_the_workspace_takes_nine_photos_at_most(guihua_client, guihua_project):
    url = reverse("workspace:project_progress", args=[guihua_project.pk])
    photos = [png(40, 30, f"{n}.png") for n in range(10)]

    response = guihua_client.post(
        url, {"text": "进展", "percent": 10, "photos": photos}, HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 400
    assert "最多上传 9 张" in " ".join(error["message"] for error in response.json()["errors"]["photos"])
    assert not ProgressUpdate.objects.exists() and not UpdatePhoto.objects.exists()
    # nine are fine
    for photo in photos:
        photo.seek(0)
    response = guihua_client.post(url, {"text": "进展", "percent": 10, "photos": photos[:9]})
    assert response.status_code == 302
    assert UpdatePhoto.objects.count() == 9


def test_the_admin_refuses_it(street_client, guihua_project):
    # an update with a photo, and a photo in the update's photo inline
    data = {
        "project": guihua_project.pk,
        "date": "2023-08-01",
        "percent": 10,
        "text": "进展",
        "photo": png(20_000, 20_000),
        "photos-TOTAL_FORMS": 1,
        "photos-INITIAL_FORMS": 0,
        "photos-MIN_NUM_FORMS": 0,
        "photos-MAX_NUM_FORMS": 1000,
        "photos-0-image": png(9_000, 9_000, "inline.png"),
        "photos-0-caption": "",
    }

    with memory_peak() as peak:
        response = street_client.post(reverse("admin:projects_progressupdate_add"), data)

    assert response.status_code == 200
    assert response.content.decode().count(TOO_LARGE) == 2
    assert peak["total"] < 50 * MB, peak
    assert not ProgressUpdate.objects.exists()


def test_the_api_refuses_it(guihua_secretary, guihua_project):
    api = APIClient()
    api.force_authenticate(guihua_secretary)
    url = reverse("api:project-updates", args=[guihua_project.pk])

    with memory_peak() as peak:
        response = api.post(url, {"text": "进展", "percent": 10, "photos": [png(20_000, 20_000), png(9_000, 9_000)]})

    assert response.status_code == 400, response.content
    errors = response.json()["photos"]
    assert TOO_LARGE in " ".join(errors["0"]) and TOO_LARGE in " ".join(errors["1"])
    assert peak["total"] < 50 * MB, peak
    assert not ProgressUpdate.objects.exists()
