"""Run by deploy/prod-check.sh through `manage.py shell`: one progress update with a photo on a
public 书记工程 and one on a project made private, through the same service the workspace uses.
Prints "public <url> <file>" and "private <url> <file>" for the checks."""

import io

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from projects.models import SecretaryProject, UpdatePhoto
from projects.services import progress_update_add

admin = get_user_model().objects.get(username="admin")
public, private = SecretaryProject.objects.filter(is_public=True).order_by("pk")[:2]
private.is_public = False
private.save(update_fields=["is_public"])


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
