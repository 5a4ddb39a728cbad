"""The API documentation in a real browser (Debian's Chromium through Playwright), under the
portal's Content-Security-Policy: Swagger UI and ReDoc load from local assets, render, and the
browser reports no CSP violation, no failed request and no script error. (ReDoc's page alone
allows inline styles, see ``portal.middleware``; no page allows inline script.)"""

import os
import shutil

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium is installed by `make test`"),
]


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        page = browser.new_page()
        # Nothing may leave the server: a CDN request would fail the test.
        page.route("**/*", lambda route: route.continue_() if "localhost" in route.request.url else route.abort())
        yield page
        browser.close()


def _watch(page) -> list[str]:
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    return problems


def test_swagger_ui_renders_under_the_csp(page, live_server):
    problems = _watch(page)
    page.goto(f"{live_server.url}/api/schema/swagger-ui/")
    page.wait_for_selector(".opblock", timeout=20000)
    assert page.locator(".opblock").count() > 30
    assert "桂城党建 API" in page.inner_text("body")
    assert problems == [], problems


def test_redoc_renders_under_the_csp(page, live_server):
    problems = _watch(page)
    page.goto(f"{live_server.url}/api/schema/redoc/")
    page.wait_for_selector("h1", timeout=20000)
    page.wait_for_timeout(500)
    assert "桂城党建 API" in page.inner_text("h1")
    assert page.locator("[data-section-id^='tag/']").count() > 5
    # ReDoc 2.5 renders Redocly's logo from its CDN in the sidebar, with no option to turn it
    # off: the CSP blocks it (and so does the route above). That one request is the only
    # problem allowed; any other CSP report, failed request or script error fails the test.
    logo = "cdn.redoc.ly/redoc/logo-mini.svg"
    assert [problem for problem in problems if logo not in problem] == []
