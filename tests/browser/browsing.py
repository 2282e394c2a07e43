"""What every browser test of the staff console does: sign in as a person would, and check a screen (axe-core
accessibility rules, a screenshot in the current language under var/screenshots/)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.11.0" / "axe.min.js"
#: axe-core impacts a screen may not have.
BLOCKING = ("serious", "critical")


@dataclass(frozen=True)
class Staff:
    username: str
    password: str
    role: str
    display_name: str


#: The people who sign in to the console in these tests.
STAFF = {
    "agent": Staff("li.si", "li-si-first-passphrase", "agent", "李四"),
    "manager": Staff("wang.gm", "wang-gm-first-passphrase", "manager", "王经理"),
    "viewer": Staff("zhao.kan", "zhao-kan-first-passphrase", "viewer", "赵看"),
}


def sign_in(page: Page, base: str, username: str, password: str, *, english: bool = False) -> None:
    """Open the console, sign in through its form, and land on Today (in English when asked), its scripts run.

    The page is shown before its deferred scripts have run; a key pressed in that moment (the "/" that focuses
    the search) reaches no listener, on a loaded machine long enough for a test to press it."""
    page.goto(f"{base}/")
    if english:
        page.get_by_role("button", name="English").click()
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
    else:
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("navigation", name=re.compile("Main|主导航"))).to_be_visible()
    page.wait_for_load_state("domcontentloaded")  # after the deferred scripts (htmx, console.js)


def accessibility_violations(page: Page) -> list[dict]:
    """axe-core's violations of impact serious or critical on the page as a person sees it: once its stylesheets
    have loaded. A page's rows are in the document before then; judged at that moment, the header's buttons have
    Bootstrap's default colours rather than the console's darker ones, and fail the contrast rule."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluate runs beside the page's Content-Security-Policy, which forbids any injected <script>.
        page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [violation for violation in result["violations"] if violation["impact"] in BLOCKING]


def check_screen(page: Page, name: str) -> None:
    """Assert the screen has no serious or critical accessibility violation; save its screenshot as
    var/screenshots/<name>-<language>.png (the language the page declares)."""
    violations = accessibility_violations(page)
    assert not violations, "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']][:5]}" for v in violations)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    language = "en" if (page.get_attribute("html", "lang") or "").startswith("en") else "zh"
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{language}.png"), full_page=True)


def switch_language(page: Page, to: str) -> None:
    """Click the language switch ("English" or "中文") and wait for the page to come back in it."""
    page.get_by_role("button", name=to).first.click()
    expect(page.locator("html")).to_have_attribute("lang", "en" if to == "English" else "zh-CN")
