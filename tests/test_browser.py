"""The admin in a real browser (Debian's Chromium through Playwright): a secretary on a phone
posts progress with a photo on their 书记工程; street staff pick a community through the
autocomplete. Run by `make test`, which installs Chromium when it is missing."""

import io
import os
import shutil

import pytest
from PIL import Image

from organizations.models import Grid
from projects.models import ProgressUpdate, SecretaryProject

# Playwright's sync API runs an event loop in this thread; the ORM calls of the test itself
# happen between browser steps, never concurrently with them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium is installed by `make test`"),
]
PHONE = {"width": 390, "height": 844}
PASSWORD = "Test-pass-2023!"


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        browser.close()


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")


@pytest.fixture
def guihua_project(guicheng, guihua_secretary):
    from django.core.management import call_command

    call_command("projects_load", demo=False, stdout=io.StringIO())
    return SecretaryProject.objects.get(community__name="桂花社区", year=2023)


def test_secretary_posts_progress_with_a_photo_from_a_phone(browser, live_server, guihua_project, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    photo = tmp_path / "site.jpg"
    Image.new("RGB", (64, 48), (200, 22, 29)).save(photo, "JPEG")
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # given the 桂花 secretary on a phone, on their project
    _login(page, live_server.url, "guihua")
    page.goto(f"{live_server.url}/admin/projects/secretaryproject/{guihua_project.pk}/change/")
    assert "全力推进老旧小区改造" in page.content()

    # when they add a progress update with a photo and save
    page.get_by_text("添加另一个 进展").click()
    row = page.locator("tr.dynamic-updates:not(.has_original)").last
    row.locator("input[name$='-percent']").fill("40")
    row.locator("textarea[name$='-text']").fill("桂花园东区完成外立面改造方案公示")
    row.locator("input[type=file]").set_input_files(str(photo))
    page.click("input[name=_continue]")
    page.wait_for_load_state()

    # then it is on the timeline, with the author and the photo, and the roll-up moved
    assert page.locator(".errornote, .errorlist").all_inner_texts() == []
    assert "成功修改了" in page.locator(".messagelist").inner_text()
    update = ProgressUpdate.objects.get(project=guihua_project, text="桂花园东区完成外立面改造方案公示")
    assert update.author.username == "guihua"
    assert update.photos.count() == 1
    guihua_project.refresh_from_db()
    assert guihua_project.percent == 40
    page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    assert errors == []
    context.close()


def test_street_staff_pick_a_community_through_the_autocomplete(browser, live_server, street_staff):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()

    # given street staff on the new-grid form
    _login(page, live_server.url, "jiedao")
    page.goto(f"{live_server.url}/admin/organizations/grid/add/")

    # when they type part of a community's name into the autocomplete and pick it
    page.locator("[aria-labelledby=select2-id_community-container]").click()
    page.locator(".select2-search__field").fill("桂花")
    page.locator(".select2-results__option", has_text="桂花社区").click()
    page.select_option("#id_level", "1")
    page.select_option("#id_kind", "community")
    page.fill("#id_name", "桂花社区网格")
    page.click("input[name=_save]")

    # then the grid is saved in that community
    page.wait_for_url(f"{live_server.url}/admin/organizations/grid/")
    grid = Grid.objects.get(name="桂花社区网格")
    assert grid.community.name == "桂花社区"
    assert grid.history.get().history_user.username == "jiedao"
    context.close()
