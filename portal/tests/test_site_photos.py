"""Progress photos on the pages: a phone is sent the thumbnail (with a srcset for screens that need
more), never the camera's original; a project page with three 12-megapixel photos costs less
than 1 MB of images on a phone; staff reach the original from the workspace; the photo field lets
a secretary pick a photo taken earlier."""

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from portal.templatetags.photos import TIMELINE_SIZES
from projects import services
from projects.models import UpdatePhoto
from projects.tests.factories import ProgressUpdateFactory, SecretaryProjectFactory, camera_photo

from .test_site import _queries, committed

pytestmark = pytest.mark.django_db

PHONE_WIDTH, PHONE_DPR = 390, 3  # an iPhone 12-15: 390 CSS px, three device pixels each


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def project(community):
    return SecretaryProjectFactory(community=community("桂花社区"), year=2023, title="老旧小区加装电梯")


@pytest.fixture
def three_photos(project, guihua_secretary):
    """A public project whose update carries three 4032×3024 phone photos (about 5 MB each)."""
    update = services.progress_update_add(
        user=guihua_secretary,
        project=project,
        date=date(2023, 5, 1),
        text="三部电梯井道完工",
        percent=40,
        photos=[camera_photo(f"IMG_{n}.jpg") for n in range(3)],
    )
    return list(update.photos.order_by("pk"))


class Images(HTMLParser):
    """The <img> tags of a page, as dicts of their attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.found.append(dict(attrs))


def picked_by_the_phone(img: dict) -> str:
    """The srcset candidate a browser takes for a 390 px phone at 3 device pixels per CSS pixel:
    the narrowest at least as wide as the image's displayed size (``sizes``) in device pixels."""
    assert img["sizes"] == TIMELINE_SIZES == "9rem"
    needed = 9 * 16 * PHONE_DPR
    candidates = sorted((int(width), url) for url, width in re.findall(r"(\S+) (\d+)w", img["srcset"]))
    return next((url for width, url in candidates if width >= needed), candidates[-1][1])


def _bytes(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return len(b"".join(response.streaming_content))


def test_a_project_page_sends_a_phone_the_thumbnails_under_1_mb_in_all(client, project, three_photos):
    html = client.get(reverse("site:project", args=[project.pk])).content.decode()

    images = Images(html).found
    assert len(images) == 3
    first_view = {img["src"] for img in images} | {picked_by_the_phone(img) for img in images}
    total = sum(_bytes(client, url) for url in first_view)
    assert total < 1_000_000, total
    # the originals would have been ten times that: the test measures something
    originals = sum(photo.image.size for photo in three_photos)
    assert originals > 12_000_000
    assert all(photo.image.url not in html for photo in three_photos)


def test_each_photo_is_its_thumbnail_with_a_srcset_its_size_and_lazy_loading(client, project, three_photos):
    html = client.get(reverse("site:project", args=[project.pk])).content.decode()

    for photo, img in zip(three_photos, Images(html).found, strict=True):
        assert img["src"] == photo.thumb.url  # the small size first
        assert img["srcset"] == f"{photo.thumb.url} 480w, {photo.display.url} 1280w"
        assert (img["width"], img["height"]) == ("480", "360")  # the place is kept while it loads
        assert img["loading"] == "lazy"
        assert img["alt"] == "进展照片"
        # a tap opens the display copy
        assert f'<a href="{photo.display.url}" title="查看大图"><img src="{photo.thumb.url}"' in html


def test_a_photo_without_its_copies_yet_is_text_never_the_original(client, project, guihua_secretary):
    update = ProgressUpdateFactory(project=project)
    photo = UpdatePhoto.objects.create(update=update, image="projects/updates/2023/05/old.jpg", caption="旧照片")

    html = client.get(reverse("site:project", args=[project.pk])).content.decode()

    assert "旧照片（处理中）" in html
    assert photo.image.url not in html
    assert not Images(html).found


def test_the_api_gives_the_copies_and_the_size(client, project, three_photos):
    body = client.get(reverse("api:project-detail", args=[project.pk])).json()

    photo = three_photos[0]
    [sent, *_] = next(u for u in body["updates"] if u["photos"])["photos"]
    assert sent == {
        "url": photo.image.url,
        "display_url": photo.display.url,
        "thumbnail_url": photo.thumb.url,
        "width": 4032,
        "height": 3024,
        "caption": "",
    }


def test_the_project_page_stays_flat_with_photos(client, project):
    """Each photo's URLs and sizes come from its row: no query, no file opened."""
    update = ProgressUpdateFactory(project=project)
    counts = []
    for n in (2, 50):
        with committed():
            for i in range(UpdatePhoto.objects.count(), n):
                UpdatePhoto.objects.create(
                    update=update,
                    image=f"projects/updates/{i}.jpg",
                    display=f"projects/updates/{i}-display.jpg",
                    thumb=f"projects/updates/{i}-thumb.jpg",
                    width=4032,
                    height=3024,
                )
        count, sql = _queries(client, reverse("site:project", args=[project.pk]))
        counts.append(count)
    assert counts[0] == counts[1], "\n".join(sql)
    assert client.get(reverse("site:project", args=[project.pk])).content.decode().count("<img") == 50


# --- The workspace --------------------------------------------------------------------------------


def test_the_photo_field_offers_the_gallery_as_well_as_the_camera(guihua_client, project):
    html = guihua_client.get(reverse("workspace:project_progress", args=[project.pk])).content.decode()

    [field] = re.findall(r"<input[^>]*name=\"photos\"[^>]*>", html)
    assert "capture" not in field  # "capture" would open the camera only
    assert 'accept="image/jpeg,image/png,image/webp"' in field and "multiple" in field
    assert "也可以从相册选择已拍的照片" in html


def test_the_workspace_shows_recent_photos_linking_to_the_original(guihua_client, project, three_photos):
    html = guihua_client.get(reverse("workspace:project_progress", args=[project.pk])).content.decode()

    for photo in three_photos:
        assert f'<a href="{photo.image.url}" title="查看原图"><img src="{photo.thumb.url}"' in html
    # and the original is there for the staff who may see it
    assert guihua_client.get(three_photos[0].image.url).status_code == 200


def test_the_workspace_progress_page_stays_flat_with_photos(guihua_client, project):
    update = ProgressUpdateFactory(project=project)
    url = reverse("workspace:project_progress", args=[project.pk])
    counts = []
    for n in (2, 50):
        for i in range(UpdatePhoto.objects.count(), n):
            UpdatePhoto.objects.create(
                update=update,
                image=f"projects/updates/{i}.jpg",
                display=f"projects/updates/{i}-display.jpg",
                thumb=f"projects/updates/{i}-thumb.jpg",
                width=3024,
                height=4032,
            )
        count, sql = _queries(guihua_client, url)
        counts.append(count)
    assert counts[0] == counts[1], "\n".join(sql)
