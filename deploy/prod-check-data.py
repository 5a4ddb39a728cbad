"""Run by deploy/prod-check.sh through `manage.py shell`: one progress update with a photo on a
public 书记工程 and one on a private one (both of this year), through the same service the workspace uses.
Prints "public <url> <file>" and "private <url> <file>" for the checks."""

import io

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from projects.lagging import today_in_beijing
from projects.models import SecretaryProject, UpdatePhoto
from projects.services import progress_update_add

admin = get_user_model().objects.get(username="admin")
# Past years' projects take no new update: the check's two are this year's, as a street's would be.
this_year = today_in_beijing().year
public, private = (
    SecretaryProject.objects.create(
        community=project.community,
        year=this_year,
        title=f"生产检查：{project.title}",
        focus=project.focus,
        is_public=is_public,
    )
    for project, is_public in zip(SecretaryProject.objects.order_by("pk")[:2], (True, False), strict=True)
)


def photo(name: str, colour: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (96, 64), colour).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


for label, project, colour in (("public", public, "red"), ("private", private, "blue")):
    update = progress_update_add(
        user=admin,
        project=project,
        text="生产检查：现场照片",
        percent=project.percent or 0,
        photos=[photo(f"{label}.jpg", colour)],
    )
    image = UpdatePhoto.objects.get(update=update).image
    print(label, image.url, image.path)
