"""The secretaries' workspace in a real browser (Debian's Chromium through Playwright) on a
390×844 phone: a progress update in three taps from the workspace home, a draft that survives a
lost connection and is sent when it comes back, a batch of hours confirmed at once. Screenshots
are kept in bench/out/screenshots/ to be looked at."""

import io
from pathlib import Path

import pytest
from PIL import Image

from organizations.services import staff_user_create
from projects.models import ProgressUpdate
from projects.tests.factories import SecretaryProjectFactory
from volunteers.models import ServiceRecord
from volunteers.tests.factories import ServiceRecordFactory, VolunteerFactory

from .test_browser import CHROMIUM, PASSWORD, PHONE, browser  # noqa: F401 - the shared browser fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is installed by `make test`"),
]
SHOTS = Path(__file__).resolve().parent.parent / "bench" / "out" / "screenshots"

# Counts the taps (clicks) a page receives, across page loads of the tab.
COUNT_TAPS = """
document.addEventListener("click", () => {
  sessionStorage.setItem("taps", String(Number(sessionStorage.getItem("taps") || 0) + 1));
}, true);
"""


@pytest.fixture
def secretary(guicheng, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return staff_user_create(
        username="guihua", password=PASSWORD, communities=[guicheng.communities.get(name="桂花社区")]
    )


@pytest.fixture
def project(secretary, guicheng):
    return SecretaryProjectFactory(community=guicheng.communities.get(name="桂花社区"), year=2023, title="加装电梯攻坚")


def _signed_in_phone(chromium, base):
    context = chromium.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{base}/admin/login/?next=/workspace/")
    page.fill("#id_username", "guihua")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/workspace/")
    SHOTS.mkdir(parents=True, exist_ok=True)
    return context, page, errors


def _photo(tmp_path) -> Path:
    path = tmp_path / "camera.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), "orange").save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_a_progress_update_takes_three_taps_from_the_workspace_home(browser, live_server, project, tmp_path):  # noqa: F811
    context, page, errors = _signed_in_phone(browser, live_server.url)
    page.add_init_script(COUNT_TAPS)
    page.reload()
    page.screenshot(path=SHOTS / "workspace-home.png", full_page=True)

    # tap 1: 更新进展 on the project's card
    page.get_by_role("link", name="更新进展").click()
    page.wait_for_selector("form[data-draft]")
    # the text field has the focus: the secretary types, the keyboard's "next" reaches the percent
    assert page.evaluate("document.activeElement.name") == "text"
    page.keyboard.type("完成12栋加装电梯意愿摸查")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("45")
    # tap 2: the photo (the file input offers the phone's camera or a photo taken earlier)
    assert page.get_attribute("input[name=photos]", "capture") is None
    page.set_input_files("input[name=photos]", _photo(tmp_path))
    page.screenshot(path=SHOTS / "workspace-progress.png", full_page=True)
    # tap 3: submit
    page.get_by_role("button", name="提交进展").click()
    page.wait_for_url(f"{live_server.url}/workspace/")
    page.wait_for_selector(".messages")

    taps = int(page.evaluate("sessionStorage.getItem('taps')")) + 1  # + the photo picker, which is no click
    assert taps == 3
    update = ProgressUpdate.objects.get(project=project)
    assert (update.text, update.percent, update.photos.count()) == ("完成12栋加装电梯意愿摸查", 45, 1)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert errors == []
    context.close()


def test_a_draft_survives_a_lost_connection_and_is_sent_when_it_returns(browser, live_server, project, tmp_path):  # noqa: F811
    context, page, errors = _signed_in_phone(browser, live_server.url)
    page.goto(f"{live_server.url}/workspace/projects/{project.pk}/progress/")
    page.wait_for_selector("html[data-offline=ready]", state="attached")  # the phone keeps a copy

    # given the connection drops while the secretary writes
    context.set_offline(True)
    page.fill("textarea[name=text]", "暴雨后巡查，电梯井基坑无积水")
    page.fill("input[name=percent]", "50")
    page.set_input_files("input[name=photos]", _photo(tmp_path))
    page.get_by_role("button", name="提交进展").click()
    page.locator(".draft-status", has_text="网络不通").wait_for()
    assert page.locator(".connection").is_visible()
    page.screenshot(path=SHOTS / "workspace-offline-draft.png", full_page=True)
    assert not ProgressUpdate.objects.exists()

    # when the page is opened again (still offline: from the phone's copy), the draft is there
    page.reload()
    page.screenshot(path=SHOTS / "workspace-offline-reload.png", full_page=True)
    page.locator(".draft-status", has_text="已恢复").wait_for()
    assert page.input_value("textarea[name=text]") == "暴雨后巡查，电梯井基坑无积水"
    assert "1 张照片" in page.locator(".draft-status").inner_text()

    # then, back online, it is sent by itself, once, with its photo
    context.set_offline(False)
    page.wait_for_url(f"{live_server.url}/workspace/", timeout=15000)
    update = ProgressUpdate.objects.get(project=project)
    assert (update.percent, update.photos.count()) == (50, 1)
    # the service worker's "offline" failures are expected console noise; nothing else
    assert [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e and "Failed to fetch" not in e] == []
    context.close()


def test_a_batch_of_hours_is_confirmed_at_once(browser, live_server, secretary, guicheng):  # noqa: F811
    volunteer = VolunteerFactory(community=guicheng.communities.get(name="桂花社区"), name="梁志愿")
    records = [ServiceRecordFactory(volunteer=volunteer) for _ in range(4)]
    context, page, errors = _signed_in_phone(browser, live_server.url)
    page.get_by_role("link", name="确认时长").click()
    page.wait_for_selector("input.check-all")
    assert page.locator("input[name=records]").count() == 4

    page.check("input.check-all")
    page.screenshot(path=SHOTS / "workspace-hours.png", full_page=True)
    page.get_by_role("button", name="确认所选").click()
    page.wait_for_selector(".messages")

    assert "已确认 4 条" in page.locator(".messages").inner_text()
    assert set(ServiceRecord.objects.filter(pk__in=[r.pk for r in records]).values_list("status", flat=True)) == {
        "confirmed"
    }
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert errors == []
    context.close()


def test_every_workspace_page_fits_a_phone(browser, live_server, project, secretary, guicheng):  # noqa: F811
    from indicators.tests.factories import RectificationCaseFactory
    from organizations.models import ServiceCenter
    from organizations.tests.factories import PartyOrganizationFactory
    from volunteers.tests.factories import ServiceOrderFactory

    guihua = guicheng.communities.get(name="桂花社区")
    center = ServiceCenter.objects.filter(community=guihua).first()
    order = ServiceOrderFactory(center=center)
    case = RectificationCaseFactory(subject=PartyOrganizationFactory(community=guihua), deadline=None)
    ServiceRecordFactory(volunteer=VolunteerFactory(community=guihua))
    pages = {
        "records": "/workspace/hours/",
        "orders": "/workspace/orders/",
        "order": f"/workspace/orders/{order.pk}/",
        "centers": "/workspace/centers/",
        "center-hours": f"/workspace/centers/{center.pk}/hours/",
        "activity-new": "/workspace/activities/new/",
        "case-visit": f"/workspace/cases/{case.pk}/visit/",
    }
    context, page, errors = _signed_in_phone(browser, live_server.url)
    for name, path in pages.items():
        page.goto(live_server.url + path)
        page.screenshot(path=SHOTS / f"workspace-{name}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
        assert page.locator("h1").count() == 1, name
    assert errors == []
    context.close()


def _sign_in(page, base, username):
    page.goto(f"{base}/admin/login/?next=/workspace/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/workspace/")


DRAFTS_ON_PHONE = """async () => {
  const names = (await indexedDB.databases()).map((db) => db.name);
  if (!names.includes("portal-workspace")) { return 0; }
  const db = await new Promise((ok, ko) => {
    const r = indexedDB.open("portal-workspace"); r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error);
  });
  if (!db.objectStoreNames.contains("drafts")) { db.close(); return 0; }
  const count = await new Promise((ok) => {
    const r = db.transaction("drafts").objectStore("drafts").count(); r.onsuccess = () => ok(r.result);
  });
  db.close();
  return count;
}"""


def test_a_draft_left_on_a_shared_phone_never_reaches_the_next_login(browser, live_server, project, guicheng):  # noqa: F811
    staff_user_create(username="guihua2", password=PASSWORD, communities=[guicheng.communities.get(name="桂花社区")])
    # Without the service worker: Chromium's offline emulation does not hold back a POST that
    # passes by a service worker (it reached the server), and the drafts are what is tested.
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", has_touch=True, service_workers="block"
    )
    page = context.new_page()
    progress = f"{live_server.url}/workspace/projects/{project.pk}/progress/"

    # given secretary A writes a progress update offline and it waits on the phone
    _sign_in(page, live_server.url, "guihua")
    page.goto(progress)
    page.wait_for_selector("form[data-draft-ready]", state="attached")
    # The connection drops as the update is sent. (Chromium's offline emulation is not used
    # here: a POST it fails can still reach the server.)
    page.route("**/progress/", lambda route: route.abort() if route.request.method == "POST" else route.continue_())
    page.fill("textarea[name=text]", "上一位书记离线写的进展")
    page.fill("input[name=percent]", "60")
    page.get_by_role("button", name="提交进展").click()
    page.locator(".draft-status", has_text="网络不通").wait_for()
    assert page.evaluate(DRAFTS_ON_PHONE) == 1
    assert not ProgressUpdate.objects.exists()
    page.goto("about:blank")  # A leaves the page before the connection returns

    # when A logs out from the workspace
    page.unroute("**/progress/")
    page.goto(f"{live_server.url}/workspace/")
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_selector("html[data-forgotten=yes]", state="attached")
    page.screenshot(path=SHOTS / "workspace-logged-out.png", full_page=True)

    # then the phone keeps nothing of A's, and B, logging in, sees no draft and sends nothing
    assert page.evaluate(DRAFTS_ON_PHONE) == 0
    assert page.evaluate("caches.has('workspace-v1')") is False
    _sign_in(page, live_server.url, "guihua2")
    page.goto(progress)
    page.wait_for_selector("form[data-draft-ready]", state="attached")
    page.wait_for_timeout(1000)  # time for a restored draft to be sent, were there one
    assert page.input_value("textarea[name=text]") == ""
    assert page.locator(".draft-status").inner_text() == ""
    assert not ProgressUpdate.objects.exists()
    context.close()


def test_a_form_opened_once_works_offline_and_its_draft_is_sent_once(browser, live_server, project, monkeypatch):  # noqa: F811
    from portal.workspace import views

    # Every progress POST that reaches the server, counted where the view receives it.
    posts = []
    progress_view = views._progress

    def counted(request, **kwargs):
        if request.method == "POST":
            posts.append(request.POST.get("text"))
        return progress_view(request, **kwargs)

    monkeypatch.setattr(views, "_progress", counted)
    base, path = live_server.url, f"/workspace/projects/{project.pk}/progress/"
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # given a fresh phone whose secretary signs in straight to the form: the workspace's first visit
    page.goto(f"{base}/admin/login/?next={path}")
    page.fill("#id_username", "guihua")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(base + path)
    page.wait_for_selector("html[data-offline=ready]", state="attached")  # the phone keeps a copy

    # when the connection drops and they submit (the POST is refused outright as well: Chromium's
    # offline emulation has let a POST through a service worker reach the server)
    context.set_offline(True)
    context.route(f"**{path}", lambda route: route.abort() if route.request.method == "POST" else route.fallback())
    page.fill("textarea[name=text]", "台风过后检查电梯井")
    page.fill("input[name=percent]", "55")
    page.get_by_role("button", name="提交进展").click()
    page.locator(".draft-status", has_text="网络不通").wait_for()
    assert posts == [] and not ProgressUpdate.objects.exists()

    # and reload the page, still offline
    page.reload()
    page.locator(".draft-status", has_text="已恢复").wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "workspace-offline-first-visit.png", full_page=True)

    # then the page is the styled one, with the draft restored and a notice saying what happens
    assert page.evaluate("getComputedStyle(document.querySelector('.masthead')).backgroundColor") == "rgb(200, 22, 29)"
    assert page.evaluate("getComputedStyle(document.querySelector('.connection')).backgroundColor") == (
        "rgb(255, 241, 194)"
    )
    assert page.input_value("textarea[name=text]") == "台风过后检查电梯井"
    assert page.input_value("input[name=percent]") == "55"
    assert "联网后自动发送" in page.locator(".draft-status").inner_text()
    assert "当前没有网络" in page.locator(".connection").inner_text()
    assert posts == [] and not ProgressUpdate.objects.exists()

    # and back online the draft is sent by itself, once
    context.unroute(f"**{path}")
    context.set_offline(False)
    page.wait_for_url(f"{base}/workspace/", timeout=15000)
    page.wait_for_selector(".messages")
    assert "已记录" in page.locator(".messages").inner_text()
    page.wait_for_timeout(1000)  # time for a second send, were there one
    assert posts == ["台风过后检查电梯井"]
    update = ProgressUpdate.objects.get(project=project)
    assert (update.text, update.percent) == ("台风过后检查电梯井", 55)
    assert errors == []
    context.close()


def test_a_secretary_is_offered_only_what_they_can_do(browser, live_server, project, guicheng):  # noqa: F811
    from projects.tests.factories import WorkItemFactory, WorkPlanFactory, WorkThemeFactory
    from volunteers.tests.factories import ServiceOrderFactory, VolunteerTeamFactory

    guihua = guicheng.communities.get(name="桂花社区")
    item = WorkItemFactory(
        theme=WorkThemeFactory(plan=WorkPlanFactory(street=guicheng, year=2023)), title="老旧小区改造"
    )
    order = ServiceOrderFactory(center__community=guihua)
    VolunteerTeamFactory(community=guihua, name="桂花红马甲服务队")
    context, page, errors = _signed_in_phone(browser, live_server.url)

    # given the secretary's workspace, while a 730 item of their street lags: no way to its form
    page.screenshot(path=SHOTS / "workspace-home-secretary.png", full_page=True)
    assert page.locator(f"a[href='/workspace/730/{item.pk}/progress/']").count() == 0
    assert "730" not in page.locator("main").inner_text()
    # and its address, opened all the same, explains instead of showing a form
    page.goto(f"{live_server.url}/workspace/730/{item.pk}/progress/")
    page.screenshot(path=SHOTS / "workspace-730-refused.png", full_page=True)
    assert page.locator("h1").inner_text() == "730要点由街道填报"
    assert page.locator("form[data-draft]").count() == 0

    # when they accept an order and press 派单并答复 with nothing chosen
    page.goto(f"{live_server.url}/workspace/orders/{order.pk}/")
    page.get_by_role("button", name="受理", exact=True).click()
    page.get_by_role("button", name="派单并答复").click()
    page.wait_for_selector(".messages")
    page.locator("#answer .errorlist").scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "workspace-order-answer-error.png")
    page.screenshot(path=SHOTS / "workspace-order-answer-error-full.png", full_page=True)

    # then the error is in the answer form, under the team list, and the decline form has none
    error = page.locator("#answer .errorlist")
    assert error.count() == 1 and "请选择派出的服务队" in error.inner_text()
    team_box = page.locator("#answer select[name=answer-team]").bounding_box()
    assert error.bounding_box()["y"] > team_box["y"]
    assert page.locator("#decline .errorlist").count() == 0
    assert "必填" not in page.locator("main").inner_text()
    # the 403 and the 400 are logged by the browser as such; no script failed
    assert [e for e in errors if "Failed to load resource" not in e] == []
    context.close()
