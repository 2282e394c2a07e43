"""A viewer may read every screen and change nothing: no form of theirs posts anywhere but sign-out and the
language switch, and no button offers anything else."""
from __future__ import annotations

import re
import uuid

import pytest
from browsing import STAFF, sign_in
from playwright.sync_api import Page, expect
from servicekit.processes import eventually

pytestmark = pytest.mark.browser
#: What a viewer may post: ending their session and choosing their language.
ALLOWED_POSTS = {"/signout", "/language"}


def write_actions(page: Page) -> list[str]:
    """The write actions the page offers: forms posting elsewhere than ALLOWED_POSTS, every button but those
    forms' own and those that only read (in a GET form such as search and filters, or fetching with hx-get),
    and htmx attributes that change something."""
    return page.evaluate("""(allowed) => {
        const found = [];
        const own = (form) => form && (form.getAttribute('method') || 'get').toLowerCase() === 'post'
            && allowed.includes(new URL(form.action, location.href).pathname);
        for (const form of document.querySelectorAll('form')) {
            const method = (form.getAttribute('method') || 'get').toLowerCase();
            const path = new URL(form.action, location.href).pathname;
            if (method !== 'get' && !allowed.includes(path)) found.push(`form ${method} ${path}`);
        }
        for (const button of document.querySelectorAll('button, input[type=submit], input[type=button]')) {
            const form = button.form || button.closest('form');
            const searching = form && (form.getAttribute('method') || 'get').toLowerCase() === 'get';
            const reading = button.hasAttribute('hx-get') && !form;
            const label = (button.innerText || button.value || '').trim();
            if (!own(form) && !searching && !reading) found.push(`button "${label}"`);
        }
        for (const element of document.querySelectorAll('[hx-post], [hx-put], [hx-patch], [hx-delete]')) {
            found.push(`htmx ${element.outerHTML.slice(0, 80)}`);
        }
        return found;
    }""", sorted(ALLOWED_POSTS))


@pytest.fixture(scope="module")
def records(admin_api) -> dict[str, str]:
    """A customer and a complaint of this module's own (their pages are among those the viewer reads)."""
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    customer = admin_api.post("/customers", json={"name": "钱观察", "phone": phone, "kind": "owner"})
    assert customer.status_code == 201, customer.text
    customer_id = customer.json()["id"]
    # The complaint service hears of the customer a moment later.
    complaint, _seconds = eventually(lambda: admin_api.post("/complaints", json={
        "customer_id": customer_id, "channel": "phone", "category": "service", "severity": "normal",
        "description": "保养后车辆异响，客户要求回访说明。"}), lambda answer: answer.status_code == 201, timeout=30)
    return {"customer": str(customer_id), "complaint": str(complaint.json()["id"])}


def screens(records: dict[str, str]) -> list[str]:
    return ["/", "/customers", f"/customers/{records['customer']}", "/complaints",
            f"/complaints/{records['complaint']}", "/appointments", "/customers/new", "/search?q=钱观察",
            "/reports", "/reports/prospects", "/manage", "/settings/sla", "/settings/rules", "/settings/opt-outs",
            "/settings/broadcasts", "/admin/users", "/admin/api-keys", "/admin/stores", "/data/duplicates",
            "/data/imports", "/data/exports", f"/data/customers/{records['customer']}/personal-data"]


def test_the_checker_finds_a_form_that_changes_something(page, base):
    page.goto(f"{base}/signin")
    assert write_actions(page) == ['form post /signin', 'button "登录"']


def test_a_viewer_reads_every_screen_and_finds_no_write_action(page, base, records):
    viewer = STAFF["viewer"]
    sign_in(page, base, viewer.username, viewer.password)
    for path in screens(records):
        response = page.goto(f"{base}{path}")
        # 403: what only others may see (user accounts, API keys, a customer's personal data), said in place
        assert response.status in (200, 403), (path, response.status)
        expect(page.get_by_role("navigation", name="主导航")).to_be_visible()
        if response.status == 200:
            expect(page.get_by_role("heading", level=1).first).to_be_visible()
            assert page.get_by_role("heading", level=1).first.inner_text().strip(), path
        assert write_actions(page) == [], path
        # The signed-in header's own forms are there: the checker saw them and let them be.
        expect(page.get_by_role("button", name="退出登录")).to_be_visible()


def test_the_list_screens_render_their_headings_for_a_viewer(page, base):
    viewer = STAFF["viewer"]
    sign_in(page, base, viewer.username, viewer.password)
    for path, heading in [("/", "今日待办"), ("/customers", "客户"), ("/complaints", "投诉"),
                          ("/appointments", "预约")]:
        page.goto(f"{base}{path}")
        expect(page.get_by_role("heading", level=1).first).to_have_text(re.compile(heading))
        assert write_actions(page) == [], path
