import io
import os
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from projects import services
from projects.models import ProgressUpdate, SecretaryProject, UpdatePhoto

from .factories import SecretaryProjectFactory, WorkItemFactory

pytestmark = pytest.mark.django_db


def image_file(name="photo.jpg", image_format="JPEG", size=(64, 48), noisy=False) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    if noisy:  # random pixels do not compress: the file is about 3 bytes per pixel
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 22, 29))
    image.save(buffer, image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def guihua_project(community):
    return SecretaryProjectFactory(community=community("桂花社区"), year=2023, title="全力推进老旧小区改造")


@pytest.fixture
def tongxin_project(community):
    return SecretaryProjectFactory(community=community("同心社区"), year=2023, title="新市民融合")


def add(project, user, percent=30, day=date(2023, 5, 1), **kwargs):
    return services.progress_update_add(
        user=user, project=project, date=day, text="完成动员", percent=percent, **kwargs
    )


def test_a_secretary_adds_updates_and_the_project_rolls_up(guihua_project, guihua_secretary):
    # when
    add(guihua_project, guihua_secretary, percent=30, day=date(2023, 4, 1))
    add(guihua_project, guihua_secretary, percent=55, day=date(2023, 7, 1))
    # an update about an earlier date posted later does not become the "latest"
    add(guihua_project, guihua_secretary, percent=45, day=date(2023, 6, 1))

    # then
    guihua_project.refresh_from_db()
    assert (guihua_project.percent, guihua_project.last_update_on) == (55, date(2023, 7, 1))
    assert ProgressUpdate.history.filter(history_type="+", history_user=guihua_secretary).count() == 3


def test_a_secretary_cannot_post_to_another_communitys_project(tongxin_project, guihua_secretary):
    with pytest.raises(PermissionDenied):
        add(tongxin_project, guihua_secretary)
    assert not ProgressUpdate.objects.exists()


def test_a_secretary_cannot_post_to_a_730_item(guicheng, guihua_secretary, street_staff):
    item = WorkItemFactory(theme__plan__street=guicheng, theme__plan__year=2023)

    with pytest.raises(PermissionDenied):
        services.progress_update_add(user=guihua_secretary, item=item, text="x", percent=5, date=date(2023, 5, 1))
    services.progress_update_add(user=street_staff, item=item, text="x", percent=5, date=date(2023, 5, 1))

    item.refresh_from_db()
    assert item.percent == 5
    assert item.theme.plan.__class__.objects.get(pk=item.theme.plan_id).percent == 5


def test_bad_input_is_a_validation_error_in_chinese(guihua_project, guihua_secretary):
    with pytest.raises(ValidationError, match="100"):
        add(guihua_project, guihua_secretary, percent=101)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        add(guihua_project, guihua_secretary, day=timezone.localdate() + timedelta(days=2))
    assert not ProgressUpdate.objects.exists()


def test_the_author_corrects_within_the_window_and_the_history_keeps_the_original(guihua_project, guihua_secretary):
    update = add(guihua_project, guihua_secretary, percent=30)

    services.progress_update_correct(update=update, user=guihua_secretary, text="更正", percent=35, date=update.date)

    update.refresh_from_db()
    guihua_project.refresh_from_db()
    assert (update.text, update.percent, guihua_project.percent) == ("更正", 35, 35)
    assert list(update.history.order_by("history_date").values_list("percent", flat=True)) == [30, 35]


def test_nobody_else_corrects_an_update(guihua_project, guihua_secretary, street_staff, admin_user):
    update = add(guihua_project, guihua_secretary)

    for user in (street_staff, admin_user):
        with pytest.raises(PermissionDenied, match="只增不改"):
            services.progress_update_correct(update=update, user=user, text="改", percent=90, date=update.date)
    update.refresh_from_db()
    assert update.percent == 30


def test_the_author_cannot_correct_after_the_window(guihua_project, guihua_secretary, settings):
    settings.PROJECTS_UPDATE_EDIT_WINDOW_MINUTES = 30
    update = add(guihua_project, guihua_secretary)
    ProgressUpdate.objects.filter(pk=update.pk).update(created_at=timezone.now() - timedelta(minutes=31))
    update.refresh_from_db()

    with pytest.raises(PermissionDenied):
        services.progress_update_correct(update=update, user=guihua_secretary, text="改", percent=90, date=update.date)
    with pytest.raises(PermissionDenied):
        services.update_photo_add(update=update, user=guihua_secretary, image=image_file())
    assert services.update_correctable_by(update, guihua_secretary, now=update.created_at + timedelta(minutes=30))


def test_only_street_staff_delete_and_the_deletion_is_audited(guihua_project, guihua_secretary, street_staff):
    # given two updates, the latest at 60 %
    add(guihua_project, guihua_secretary, percent=30, day=date(2023, 4, 1))
    latest = add(guihua_project, guihua_secretary, percent=60, day=date(2023, 5, 1), photos=[image_file()])

    # a secretary may not delete, not even their own
    with pytest.raises(PermissionDenied):
        services.progress_update_delete(update=latest, user=guihua_secretary)

    # when street staff delete it
    latest_pk = latest.pk
    services.progress_update_delete(update=latest, user=street_staff, reason="重复填报")

    # then the roll-up falls back and the history names who and why
    guihua_project.refresh_from_db()
    assert guihua_project.percent == 30
    deleted = ProgressUpdate.history.get(id=latest_pk, history_type="-")
    assert (deleted.history_user, deleted.history_change_reason, deleted.percent) == (street_staff, "重复填报", 60)
    assert UpdatePhoto.history.filter(history_type="-", history_user=street_staff).count() == 1


def test_photos_are_checked_by_content_and_size(guihua_project, guihua_secretary, settings):
    fake = SimpleUploadedFile("photo.jpg", b"<html>not an image</html>", content_type="image/jpeg")
    gif = image_file("photo.gif", "GIF")
    settings.PORTAL_MAX_PHOTO_BYTES = 10_000
    big = image_file("big.png", "PNG", size=(100, 100), noisy=True)

    for bad, message in [(fake, "无法识别"), (gif, "不支持 GIF"), (big, "不能超过")]:
        with pytest.raises(ValidationError, match=message):
            add(guihua_project, guihua_secretary, photos=[bad])
    # nothing written, not even the update the photo came with
    assert not ProgressUpdate.objects.exists()
    assert not UpdatePhoto.objects.exists()


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_a_good_photo_is_stored_with_its_display_copy_and_thumbnail(
    guihua_project, guihua_secretary, settings, image_format
):
    update = add(guihua_project, guihua_secretary, photos=[image_file(f"p.{image_format.lower()}", image_format)])

    photo = update.photos.get()
    assert photo.image.path.startswith(str(settings.MEDIA_ROOT))
    assert (photo.width, photo.height) == (64, 48)
    for copy in (photo.display, photo.thumb):
        with Image.open(copy.path) as image:
            assert (image.format, image.size) == ("JPEG", (64, 48))  # a small photo is not enlarged


def test_secretary_project_save_rules(guihua_project, tongxin_project, guihua_secretary, street_staff, community):
    guihua_project.plan = "新的计划"
    services.secretary_project_save(project=guihua_project, user=guihua_secretary)

    with pytest.raises(PermissionDenied):
        services.secretary_project_save(project=tongxin_project, user=guihua_secretary)
    guihua_project.community = community("同心社区")  # moving one's project out of scope
    with pytest.raises(PermissionDenied, match="工作范围以外"):
        services.secretary_project_save(project=guihua_project, user=guihua_secretary)
    guihua_project.refresh_from_db()
    new = SecretaryProject(community=community("桂花社区"), year=2024, title="新项目", focus="x")
    with pytest.raises(PermissionDenied, match="街道统一发布"):
        services.secretary_project_save(project=new, user=guihua_secretary)
    services.secretary_project_save(project=new, user=street_staff)
    assert SecretaryProject.objects.filter(community__name="桂花社区").count() == 2


def test_saving_a_project_never_overwrites_the_stored_roll_up(guihua_project, guihua_secretary):
    stale_copy = SecretaryProject.objects.get(pk=guihua_project.pk)  # read before the update
    add(guihua_project, guihua_secretary, percent=70)

    stale_copy.title = "改名"
    services.secretary_project_save(project=stale_copy, user=guihua_secretary)

    guihua_project.refresh_from_db()
    assert (guihua_project.title, guihua_project.percent) == ("改名", 70)
