"""Retake the README's screenshots from a running portal with the demo data (``make run``):

    .venv/bin/python docs/screenshots.py [http://127.0.0.1:8000]

Debian's Chromium through Playwright (as the browser tests); the secretary's pages are taken as
``guihua`` with the password ``make run`` printed (``.admin-password``)."""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000"
HERE = Path(__file__).resolve().parent / "screenshots"
PHONE = {"width": 390, "height": 844}
SCREEN = {"width": 1920, "height": 1080}


def shoot(page, path: str, name: str, *, jpeg: bool = False) -> None:
    page.goto(BASE + path, wait_until="networkidle")
    file = f"{name}.jpg" if jpeg else f"{name}.png"
    page.screenshot(path=str(HERE / file), **({"type": "jpeg", "quality": 80} if jpeg else {}))
    print(f"{file}  {path}")


def main() -> None:
    password = (Path(__file__).resolve().parent.parent / ".admin-password").read_text().strip()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        phone = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="zh-CN", timezone_id="Asia/Shanghai")
        page = phone.new_page()
        shoot(page, "/", "home")
        page.goto(BASE + "/centers/", wait_until="networkidle")
        page.locator("main a[href^='/centers/']").filter(has_text="社区党群服务中心").first.click()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(HERE / "center.png"))
        print(f"center.png  {page.url}")
        shoot(page, "/activities/?free=1", "activities")
        page.goto(BASE + "/admin/login/?next=/workspace/")
        page.fill("input[name=username]", "guihua")
        page.fill("input[name=password]", password)
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_load_state("networkidle")
        shoot(page, "/workspace/", "workspace")
        screen = browser.new_context(viewport=SCREEN, locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
        shoot(screen, "/screen/", "screen", jpeg=True)
        browser.close()


if __name__ == "__main__":
    main()
