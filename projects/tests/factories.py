import functools
import io
import random
from datetime import date
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory
from PIL import Image

from organizations.models import Community, District, Street
from projects.models import (
    ProgressUpdate,
    ProjectMilestone,
    ProjectTarget,
    SecretaryProject,
    WorkItem,
    WorkPlan,
    WorkTheme,
)


def default_street() -> Street:
    street = Street.objects.filter(name="桂城街道").first()
    if street is None:
        district, _ = District.objects.get_or_create(name="南海区")
        street = Street.objects.create(district=district, name="桂城街道")
    return street


class CommunityFactory(DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.LazyFunction(default_street)
    name = factory.Sequence(lambda n: f"测试社区{n:03d}")
    kind = Community.Kind.URBAN
    is_demo = True


class SecretaryProjectFactory(DjangoModelFactory):
    class Meta:
        model = SecretaryProject

    community = factory.SubFactory(CommunityFactory)
    year = 2023
    title = factory.Sequence(lambda n: f"书记工程{n}")
    focus = "社区治理难题"
    plan = "分季度推进"
    is_public = True


class ProjectTargetFactory(DjangoModelFactory):
    class Meta:
        model = ProjectTarget

    project = factory.SubFactory(SecretaryProjectFactory)
    label = factory.Sequence(lambda n: f"指标{n}")
    unit = "个"
    planned_value = Decimal(6)


class ProjectMilestoneFactory(DjangoModelFactory):
    class Meta:
        model = ProjectMilestone

    project = factory.SubFactory(SecretaryProjectFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = "季度节点"
    due_on = date(2023, 3, 31)


class WorkPlanFactory(DjangoModelFactory):
    class Meta:
        model = WorkPlan

    street = factory.LazyFunction(default_street)
    year = factory.Sequence(lambda n: 2030 + n)
    title = factory.LazyAttribute(lambda plan: f"{plan.year}年党建工作计划")


class WorkThemeFactory(DjangoModelFactory):
    class Meta:
        model = WorkTheme

    plan = factory.SubFactory(WorkPlanFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"主题{n}")


class WorkItemFactory(DjangoModelFactory):
    class Meta:
        model = WorkItem

    theme = factory.SubFactory(WorkThemeFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"要点{n}")
    lead_unit = "党建工作办公室"


class ProgressUpdateFactory(DjangoModelFactory):
    """Writes an update directly (no roll-up); tests of the rules go through the services."""

    class Meta:
        model = ProgressUpdate

    project = factory.SubFactory(SecretaryProjectFactory)
    item = None
    street = factory.LazyAttribute(
        lambda update: update.project.community.street if update.project else update.item.theme.plan.street
    )
    date = date(2023, 5, 1)
    text = "推进中"
    percent = 40


GPS_IFD = 0x8825
ORIENTATION = 0x0112


@functools.cache
def _camera_jpeg(width: int, height: int, orientation: int | None) -> bytes:
    # Smooth colour patches under a grain, as a 12-megapixel phone camera's JPEG compresses
    # (about 5 MB at 4032×3024): flat colour would make a file of a few KB, and pure noise one
    # no JPEG encoder could bring near a photo's size.
    rng = random.Random(f"{width}x{height}")
    patches = (max(4, width // 336), max(4, height // 336))
    small = Image.frombytes("RGB", patches, bytes(rng.randrange(256) for _ in range(patches[0] * patches[1] * 3)))
    picture = small.resize((width, height), Image.Resampling.BICUBIC)
    picture = Image.blend(picture, Image.effect_noise((width, height), 40).convert("RGB"), 0.25)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[GPS_IFD] = {1: "N", 2: (23.0, 1.0, 48.0), 3: "E", 4: (113.0, 9.0, 0.0)}  # 桂城
    if orientation:
        exif[ORIENTATION] = orientation
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=92, exif=exif.tobytes())
    return buffer.getvalue()


def camera_photo(
    name: str = "IMG_20230501_101500.jpg", size: tuple[int, int] = (4032, 3024), orientation: int | None = None
) -> SimpleUploadedFile:
    """A phone camera's photo: 4032×3024 by default, several MB, with the camera's make and a GPS
    position in its EXIF (and, when asked, an orientation tag)."""
    return SimpleUploadedFile(name, _camera_jpeg(*size, orientation), content_type="image/jpeg")
