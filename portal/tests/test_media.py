"""Uploads are served through the scope, a photo's display copy and thumbnail included, and photos
lose their EXIF (the GPS position above all) before they are stored."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from organizations.services import staff_user_create
from organizations.tests.factories import CommunityFactory, DistrictFactory, StreetFactory
from projects import services
from projects.tests.factories import SecretaryProjectFactory

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def phone_photo(*, name="IMG_0001.jpg", orientation: int | None = None) -> SimpleUploadedFile:
    """A JPEG as a phone writes it: camera make, a GPS position (桂城, 23.03°N 113.15°E) and,
    when asked, an orientation tag."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[GPS_IFD] = {1: "N", 2: (23.0, 1.0, 48.0), 3: "E", 4: (113.0, 9.0, 0.0)}
    if orientation:
        exif[ORIENTATION] = orientation
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(buffer, "JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def photos(guicheng, community, street_staff):
    """A photo of 桂花社区's public project and one of 同心社区's unpublished project; returns
    ``{place: (original url, display copy url, thumbnail url)}``."""
    made = {}
    for name, public in (("桂花社区", True), ("同心社区", False)):
        project = SecretaryProjectFactory(community=community(name), year=2023, is_public=public)
        update = services.progress_update_add(
            user=street_staff, project=project, date=date(2023, 5, 1), text="进展", percent=20, photos=[phone_photo()]
        )
        photo = update.photos.get()
        made[name] = (photo.image.url, photo.display.url, photo.thumb.url)
    return made


def _status(client, url) -> int:
    return client.get(url).status_code


def test_anonymous_sees_public_photos_only(client, photos):
    for url in photos["桂花社区"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "public, max-age=86400"
        assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"  # a JPEG
    assert [_status(client, url) for url in photos["同心社区"]] == [404, 404, 404]


def test_a_secretary_sees_their_own_communitys_unpublished_photos_not_anothers(
    client, photos, guihua_secretary, tongxin_secretary
):
    client.force_login(guihua_secretary)
    assert [_status(client, url) for url in photos["同心社区"]] == [404, 404, 404]
    assert [_status(client, url) for url in photos["桂花社区"]] == [200, 200, 200]

    client.force_login(tongxin_secretary)
    for url in photos["同心社区"]:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"


def test_street_staff_see_their_streets_photos_and_no_other_streets_staff_do(client, photos, street_staff):
    client.force_login(street_staff)
    assert [_status(client, url) for url in photos["同心社区"]] == [200, 200, 200]

    far_street = StreetFactory(name="西樵镇", district=DistrictFactory(name="三水区"))
    CommunityFactory(street=far_street)
    other = Client()
    other.force_login(staff_user_create(username="xiqiao", password=None, street=far_street))
    assert [_status(other, url) for url in photos["同心社区"]] == [404, 404, 404]


def test_nothing_outside_the_registered_uploads_is_served(client, photos, settings, tmp_path, admin_client):
    (tmp_path / "stray.jpg").write_bytes(b"\xff\xd8 not registered")
    for path in ("/media/stray.jpg", "/media/../portal/settings.py", "/media/%2e%2e/manage.py", "/media/nope.jpg"):
        assert _status(client, path) == 404, path
        assert _status(admin_client, path) == 404, path


def test_a_thumbnail_easy_thumbnails_made_before_the_copies_still_follows_its_photo(client, photos):
    from easy_thumbnails.files import get_thumbnailer

    from projects.models import UpdatePhoto

    older = {}
    for place, (original, *_) in photos.items():
        photo = UpdatePhoto.objects.get(image=original.removeprefix("/media/"))
        older[place] = get_thumbnailer(photo.image).get_thumbnail({"size": (320, 240), "crop": "smart"}).url

    assert _status(client, older["桂花社区"]) == 200
    assert _status(client, older["同心社区"]) == 404


def test_production_hands_the_bytes_to_nginx(client, photos, settings):
    settings.PORTAL_MEDIA_ACCEL_PREFIX = "/protected-media/"
    url = photos["桂花社区"][0]

    response = client.get(url)

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected-media/" + url.removeprefix("/media/")
    assert response["Content-Type"] == "image/jpeg"
    assert response.content == b""


def test_an_uploaded_photo_is_stored_without_exif_and_upright(guicheng, community, street_staff):
    # given a phone photo with a GPS position, taken holding the phone sideways
    project = SecretaryProjectFactory(community=community("桂花社区"), year=2023)
    upload = phone_photo(orientation=6)  # "rotate 90° clockwise to view"
    with Image.open(io.BytesIO(upload.read())) as sent:
        assert sent.getexif().get_ifd(GPS_IFD)  # the test photo really carries a position
    upload.seek(0)

    # when
    update = services.progress_update_add(
        user=street_staff, project=project, date=date(2023, 5, 1), text="x", percent=5, photos=[upload]
    )

    # then the stored file has no EXIF at all, and the pixels were turned instead
    stored = update.photos.get().image
    with Image.open(stored.open("rb")) as image:
        assert not image.getexif().get_ifd(GPS_IFD)
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info
        assert image.size == (20, 40)
