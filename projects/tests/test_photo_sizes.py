"""A progress photo is kept as uploaded (without its EXIF) and in two smaller copies for the web:
their sizes, that they carry no EXIF either, and the command that makes them for photos stored
before the copies existed."""

import io
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse
from PIL import Image

from projects import services
from projects.models import UpdatePhoto
from projects.tasks import make_photo_thumbnails

from .factories import GPS_IFD, SecretaryProjectFactory, camera_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(community):
    return SecretaryProjectFactory(community=community("桂花社区"), year=2023)


def add(project, user, *photos):
    update = services.progress_update_add(
        user=user, project=project, date=date(2023, 5, 1), text="现场照片", percent=20, photos=photos
    )
    return list(update.photos.order_by("pk"))


def opened(field_file):
    with field_file.open("rb") as file:
        image = Image.open(io.BytesIO(file.read()))
        image.load()
    return image


def test_a_camera_photo_is_kept_whole_and_in_a_display_copy_and_a_thumbnail(project, guihua_secretary):
    # given a 4032×3024 phone photo of several MB with a GPS position
    upload = camera_photo()
    assert upload.size > 4_000_000
    assert Image.open(io.BytesIO(upload.read())).getexif().get_ifd(GPS_IFD)
    upload.seek(0)

    # when it is posted
    [photo] = add(project, guihua_secretary, upload)

    # then the original keeps every pixel, and the copies fit 1280 px and 480 px wide
    assert (photo.width, photo.height) == (4032, 3024)
    sizes = {name: opened(getattr(photo, name)) for name in ("image", "display", "thumb")}
    assert {name: image.size for name, image in sizes.items()} == {
        "image": (4032, 3024),
        "display": (1280, 960),
        "thumb": (480, 360),
    }
    assert (photo.display_size, photo.thumb_size) == ((1280, 960), (480, 360))
    # none of the three carries EXIF (the GPS position above all)
    for name, image in sizes.items():
        assert not image.getexif().get_ifd(GPS_IFD), name
        assert dict(image.getexif()) == {}, name
        assert "exif" not in image.info and "xmp" not in image.info, name
    # the copies are small JPEGs, stored beside the original
    assert photo.display.size < 400_000 and photo.thumb.size < 80_000
    assert sizes["display"].format == sizes["thumb"].format == "JPEG"
    folder = photo.image.name.rsplit("/", 1)[0]
    assert photo.display.name == f"{folder}/IMG_20230501_101500-display.jpg"
    assert photo.thumb.name == f"{folder}/IMG_20230501_101500-thumb.jpg"


def test_a_photo_taken_upright_gets_upright_copies_480_px_wide(project, guihua_secretary):
    # the camera stores 4032×3024 and the tag "turn 90° clockwise to view"
    [photo] = add(project, guihua_secretary, camera_photo(orientation=6))

    assert (photo.width, photo.height) == (3024, 4032)
    assert opened(photo.display).size == (960, 1280)
    assert opened(photo.thumb).size == photo.thumb_size == (480, 640)


def test_a_transparent_png_gets_copies_on_white(project, guihua_secretary):
    buffer = io.BytesIO()
    Image.new("RGBA", (2000, 1000), (0, 0, 0, 0)).save(buffer, "PNG")
    upload = ContentFile(buffer.getvalue(), name="scan.png")

    [photo] = add(project, guihua_secretary, upload)

    thumb = opened(photo.thumb)
    assert (thumb.format, thumb.mode, thumb.size) == ("JPEG", "RGB", (480, 240))
    assert thumb.getpixel((10, 10)) == (255, 255, 255)
    assert opened(photo.image).format == "PNG"  # the original stays as it came


def _stored_without_copies(project, user, *names):
    """Photos as an older version stored them: the original only (already without EXIF)."""
    update = services.progress_update_add(user=user, project=project, date=date(2023, 5, 1), text="旧照片", percent=5)
    photos = []
    for name in names:
        stored = default_storage.save(f"projects/updates/2023/05/{name}", camera_photo(size=(2000, 1500)))
        photos.append(UpdatePhoto.objects.create(update=update, image=stored))
    return photos


def test_the_command_makes_the_copies_of_photos_stored_before_them(project, guihua_secretary):
    old = _stored_without_copies(project, guihua_secretary, "a.jpg", "b.jpg")
    assert not any(photo.has_sizes for photo in old)
    [new] = add(project, guihua_secretary, camera_photo(size=(1600, 1200)))
    new_thumb = new.thumb.name
    out = io.StringIO()

    call_command("photo_sizes", stdout=out)

    assert "已为 2 张进展照片生成展示图和缩略图（共 3 张）" in out.getvalue()
    for photo in old:
        photo.refresh_from_db()
        assert (photo.width, photo.height) == (2000, 1500)
        assert opened(photo.display).size == (1280, 960)
        assert opened(photo.thumb).size == (480, 360)
    new.refresh_from_db()
    assert new.thumb.name == new_thumb  # a photo that has its copies is left alone

    # a second run finds nothing to do; --again makes every photo's copies anew, under the same names
    out = io.StringIO()
    call_command("photo_sizes", stdout=out)
    assert "已为 0 张" in out.getvalue()
    out = io.StringIO()
    call_command("photo_sizes", again=True, stdout=out)
    assert "已为 3 张" in out.getvalue()
    new.refresh_from_db()
    assert new.thumb.name == new_thumb


def test_the_command_says_which_photos_it_could_not_make_and_makes_the_others(project, guihua_secretary):
    good, lost = _stored_without_copies(project, guihua_secretary, "good.jpg", "lost.jpg")
    default_storage.delete(lost.image.name)
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="1 张照片无法生成"):
        call_command("photo_sizes", stdout=out, stderr=err)

    assert f"进展照片 {lost.pk}" in err.getvalue()
    good.refresh_from_db()
    lost.refresh_from_db()
    assert good.has_sizes and not lost.has_sizes


def test_the_task_makes_the_copies_of_a_photo_without_them(project, guihua_secretary):
    [photo] = _stored_without_copies(project, guihua_secretary, "queued.jpg")

    assert make_photo_thumbnails(photo.pk)
    photo.refresh_from_db()
    assert photo.has_sizes
    assert make_photo_thumbnails(photo.pk)  # idempotent
    assert not make_photo_thumbnails(photo.pk + 1000)  # deleted meanwhile


def test_staff_open_the_original_from_the_admin(client, project, guihua_secretary):
    [photo] = add(project, guihua_secretary, camera_photo(size=(1600, 1200)))
    client.force_login(guihua_secretary)

    page = client.get(reverse("admin:projects_progressupdate_change", args=[photo.update_id])).content.decode()

    link = f'<a href="{photo.image.url}" target="_blank" title="查看原图（1600×1200）">'
    assert f'{link}<img src="{photo.thumb.url}"' in page
    assert client.get(photo.image.url).status_code == 200
