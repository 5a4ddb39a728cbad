"""Progress photos in a real browser (Debian's Chromium through Playwright) on a 390×844 phone of
three device pixels per CSS pixel: a project page with three 12-megapixel photos loads less than
1 MB of images, the thumbnails only, without the page jumping as they arrive; a tap opens the
display copy. Screenshots are kept in bench/out/screenshots/ to be looked at."""

from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from projects import services
from projects.tests.factories import SecretaryProjectFactory, camera_photo

from .test_browser import CHROMIUM, PASSWORD, PHONE, browser  # noqa: F401 - the shared browser fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is installed by `make test`"),
]
SHOTS = Path(__file__).resolve().parent.parent / "bench" / "out" / "screenshots"

# The page's cumulative layout shift, as Chromium reports it (shifts right after a tap excluded).
MEASURE_LAYOUT_SHIFT = """
window.layoutShift = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) { if (!entry.hadRecentInput) { window.layoutShift += entry.value; } }
}).observe({ type: "layout-shift", buffered: true });
"""


@pytest.fixture
def project(guicheng, settings, tmp_path):
    """A public 书记工程 whose latest update carries three 4032×3024 phone photos (5 MB each),
    posted by its secretary through the workspace's service."""
    from organizations.services import staff_user_create

    settings.MEDIA_ROOT = tmp_path
    guihua = guicheng.communities.get(name="桂花社区")
    secretary = staff_user_create(username="guihua", password=PASSWORD, communities=[guihua])
    project = SecretaryProjectFactory(community=guihua, year=2023, title="老旧小区加装电梯", is_public=True)
    services.progress_update_add(
        user=secretary, project=project, date=date(2023, 3, 1), text="完成入户意愿摸查。", percent=15
    )
    services.progress_update_add(
        user=secretary,
        project=project,
        date=date(2023, 5, 1),
        text="桂花园东区三部电梯井道完工，居民代表到现场查看。",
        percent=40,
        photos=[camera_photo(f"IMG_2023050{n}_1015.jpg") for n in range(1, 4)],
    )
    return project


def _phone(chromium):
    context = chromium.new_context(
        viewport=PHONE,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.add_init_script(MEASURE_LAYOUT_SHIFT)
    page = context.new_page()
    errors, images = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: images.append(response) if response.request.resource_type == "image" else None)
    SHOTS.mkdir(parents=True, exist_ok=True)
    return context, page, errors, images


def _loaded(images) -> dict[str, int]:
    return {response.url: len(response.body()) for response in images if response.ok}


def test_a_project_page_with_three_camera_photos_costs_a_phone_under_1_mb(browser, live_server, project):  # noqa: F811
    photos = list(project.updates.get(percent=40).photos.order_by("pk"))
    assert sum(photo.image.size for photo in photos) > 12_000_000
    context, page, errors, images = _phone(browser)

    # when a resident opens the project page on their phone (from a WeChat link)
    page.goto(live_server.url + reverse("site:project", args=[project.pk]))
    page.wait_for_load_state("networkidle")
    page.screenshot(path=SHOTS / "site-project-photos-first-view.png")

    # then what loaded with the first view is under 1 MB, and no original is among it
    first_view = _loaded(images)
    assert sum(first_view.values()) < 1_000_000, first_view
    assert not any(photo.image.url in url for photo in photos for url in first_view)

    # and reading down to the photos loads their thumbnails (480 px wide: sharp at 3×), nothing more
    page.locator(".photos").scroll_into_view_if_needed()
    page.wait_for_function("[...document.querySelectorAll('.photos img')].every((img) => img.complete)")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=SHOTS / "site-project-photos.png", full_page=True)
    loaded = _loaded(images)
    media = {url: size for url, size in loaded.items() if "/media/" in url}
    assert sorted(url.removeprefix(live_server.url) for url in media) == sorted(photo.thumb.url for photo in photos)
    assert sum(loaded.values()) < 1_000_000, loaded
    shown = page.eval_on_selector_all(
        ".photos img", "(imgs) => imgs.map((img) => [img.currentSrc, img.getBoundingClientRect().width])"
    )
    assert [(src.endswith("-thumb.jpg"), round(width)) for src, width in shown] == [(True, 144)] * 3
    # the width/height attributes kept each photo's place: nothing moved as they arrived
    assert page.evaluate("window.layoutShift") < 0.01
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # when they tap a photo, the display copy opens (1280 px), not the 5 MB original
    with page.expect_response(lambda response: "-display.jpg" in response.url) as opened:
        page.locator(".photos a").first.click()
    assert len(opened.value.body()) < 400_000
    assert errors == []
    context.close()


def test_the_project_page_with_photos_on_a_desktop(browser, live_server, project):  # noqa: F811
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + reverse("site:project", args=[project.pk]))
    page.locator(".photos").scroll_into_view_if_needed()
    page.wait_for_function("[...document.querySelectorAll('.photos img')].every((img) => img.complete)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "site-project-photos-desktop.png", full_page=True)
    # a desktop screen of one device pixel per CSS pixel needs the thumbnail only
    sources = page.eval_on_selector_all(".photos img", "(imgs) => imgs.map((img) => img.currentSrc)")
    assert len(sources) == 3 and all(src.endswith("-thumb.jpg") for src in sources)
    context.close()


def test_the_secretary_sees_the_photos_in_the_workspace_and_opens_the_original(browser, live_server, project):  # noqa: F811
    context, page, errors, _ = _phone(browser)
    page.goto(f"{live_server.url}/admin/login/?next=/workspace/")
    page.fill("#id_username", "guihua")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/workspace/")

    page.goto(live_server.url + reverse("workspace:project_progress", args=[project.pk]))
    # the photo field lets the secretary pick from the gallery: the camera is not forced
    field = page.locator("input[name=photos]")
    assert field.get_attribute("capture") is None
    assert field.get_attribute("multiple") is not None
    page.locator(".photos").scroll_into_view_if_needed()
    page.wait_for_function("[...document.querySelectorAll('.photos img')].every((img) => img.complete)")
    page.screenshot(path=SHOTS / "workspace-progress-photos.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # the recent updates' photos link to the original as uploaded
    original = project.updates.get(percent=40).photos.order_by("pk").first().image
    with page.expect_response(lambda response: response.url.endswith(original.url)) as opened:
        page.locator(".photos a").first.click()
    assert opened.value.status == 200 and len(opened.value.body()) == original.size
    assert errors == []
    context.close()
