"""An import in a real browser (Debian's Chromium through Playwright): street staff find the
template and instructions on the import page, upload an office's file (a merged title row, a
备注 column) and see the preview with the warning before confirming. Screenshots at 1440×900."""

import io
import os
import shutil
from pathlib import Path

import openpyxl
import pytest

from organizations.models import Community

from .test_browser import PASSWORD, browser  # noqa: F401 — the fixture

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium is installed by `make test`"),
]
DESKTOP = {"width": 1440, "height": 900}


def office_file(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["桂城街道新增社区名单（2024年）"])
    sheet.merge_cells("A1:E1")
    sheet.append(["街道", "社区名称", "类型", "简介", "备注"])
    sheet.append(["桂城街道", "新城社区", "城市社区", "新设社区", "待核"])
    sheet.append(["桂城街道", "新景社区", "城市社区", "", ""])
    book.save(path)
    return path


def test_street_staff_download_the_template_and_preview_an_office_file(browser, live_server, street_staff, tmp_path):  # noqa: F811
    shots = Path(os.environ.get("SHOTS_DIR") or tmp_path)  # SHOTS_DIR keeps them to look at
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "jiedao")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    # given the import page: the template and the instructions
    page.goto(f"{live_server.url}/admin/organizations/community/import/")
    link = page.locator("a.import-template-link")
    assert link.count() == 1
    assert "社区 → 网格 → 经济社 → 党组织 → 党员 → 服务中心" in page.content()
    page.screenshot(path=str(shots / "import-page-1440.png"))
    with page.expect_download() as download:
        link.click()
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert book.sheetnames == ["导入模板", "说明"]

    # when an office's file is uploaded
    page.set_input_files("#id_import_file", str(office_file(tmp_path / "社区.xlsx")))
    page.select_option("#id_format", label="xlsx")
    page.click("input[type=submit]")

    # then the preview warns of the ignored column, and nothing is written before confirming
    page.wait_for_selector("table.import-preview")
    assert "已忽略未识别的列：备注" in page.locator(".import-warnings").inner_text()
    page.screenshot(path=str(shots / "import-preview-warning-1440.png"), full_page=True)
    assert not Community.objects.filter(name="新城社区").exists()
    page.click("input[name=confirm]")
    page.wait_for_url(f"{live_server.url}/admin/organizations/community/")
    assert Community.objects.filter(name__in=["新城社区", "新景社区"]).count() == 2
    context.close()


def test_street_staff_preview_an_hours_file_then_confirm(browser, live_server, street_staff, tmp_path):  # noqa: F811
    from volunteers import services
    from volunteers.models import HoursImport, ServiceRecord
    from volunteers.tests.factories import VolunteerFactory

    VolunteerFactory(community=Community.objects.get(name="桂花社区"), number="GC00000001")
    shots = Path(os.environ.get("SHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["桂花社区五月志愿服务时长"])
    sheet.append(["志愿者编号", "姓名", "活动", "服务内容", "开始时间", "结束时间", "备注"])
    sheet.append(["GC00000001", "", "", "楼道值守", "2023-05-01 09:00", "2023-05-01 11:30", "补录"])
    book.save(tmp_path / "时长.xlsx")
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "jiedao")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    # given the upload form: the columns and the template before any upload
    page.goto(f"{live_server.url}/admin/volunteers/hoursimport/add/")
    assert "必需的列：志愿者编号、开始时间、结束时间" in page.content()
    page.screenshot(path=str(shots / "hours-import-form-1440.png"))

    # when the file is uploaded: the preview, nothing written
    page.set_input_files("#id_file", str(tmp_path / "时长.xlsx"))
    page.click("input[name=_save]")
    page.wait_for_url("**/hoursimport/*/change/")
    job = HoursImport.objects.get()
    if job.status == HoursImport.Status.QUEUED:  # no eager Celery here: the worker's run
        services.hours_import_run(job_id=job.pk)
        page.reload()
    page.wait_for_selector("form.hours-import-confirm")
    assert "已忽略未识别的列：备注" in page.content() and "楼道值守" in page.content()
    page.screenshot(path=str(shots / "hours-import-preview-1440.png"), full_page=True)
    assert not ServiceRecord.objects.exists()

    # then confirming writes the row
    page.click("form.hours-import-confirm input[type=submit]")
    page.wait_for_selector(".messagelist")
    assert HoursImport.objects.get().status == "done"
    assert ServiceRecord.objects.count() == 1
    context.close()
