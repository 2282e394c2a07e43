"""Saved views against the fake API: each list's menu of views opening the list with their filter, saving the
current filter (for oneself or shared with one's store), refusals beside the form, deleting."""
from __future__ import annotations

import httpx
import pytest

from console_tests.conftest import sign_in
from console_tests.fakeapi import envelope, page, problem
from console_tests.test_complaints import complaint

VIEW_ID = "0123456789abcdef0123456789abcdef"


def view(**changes) -> dict:
    return {"id": VIEW_ID, "name": "超时投诉", "screen": "complaints", "query": "breached=true&status=filed",
            "owner": "li.si", "shared": False, "store_id": None, "created_at": "2026-12-01T01:00:00+00:00",
            "deletable": True, **changes}


@pytest.fixture
def english(app):
    return sign_in(app, "agent", "li.si", stores=("bj01",), language="en")


def test_each_list_has_its_saved_views_menu_with_the_current_filter(english, fake_api):
    fake_api.on("GET", "/complaints", envelope([complaint()]))
    fake_api.on("GET", "/customers", envelope([])).on("GET", "/stores", envelope([]))
    fake_api.on("GET", "/reminders/tasks", envelope([], page_size=50))
    for path, screen in (("/complaints?status=filed&page=2", "complaints"), ("/customers?tag=x", "customers"),
                         ("/", "today")):
        html = english.get(path).get_data(as_text=True)
        assert f'hx-get="/saved-views/{screen}?query=' in html and 'hx-trigger="load"' in html, path
    html = english.get("/complaints?status=filed").get_data(as_text=True)
    assert 'href="/saved-views/complaints?query=status%3Dfiled"' in html


def test_the_menu_lists_the_views_of_the_list_each_opening_the_list_with_its_filter(english, fake_api):
    fake_api.on("GET", "/saved-views", page([view(), view(id="f" * 32, name="北京店本周", owner="bj.manager",
                                                       shared=True, store_id="bj01", deletable=False)]))
    response = english.htmx("GET", "/saved-views/complaints?query=status%3Dfiled%26page%3D3")
    html = response.get_data(as_text=True)
    assert "<html" not in html  # a fragment, for htmx
    assert 'href="/complaints?breached=true&amp;status=filed"' in html and "北京店本周" in html
    assert "Shared" in html and "by bj.manager" in html
    assert 'name="query" value="status=filed"' in html  # the filter without its page
    [asked] = fake_api.sent("GET", "/saved-views")
    assert asked.url.params["screen"] == "complaints"


def test_saving_keeps_the_filter_under_a_name_and_opens_the_list_with_it(english, fake_api):
    fake_api.on("POST", "/saved-views", httpx.Response(201, json=view()))
    response = english.post("/saved-views/complaints", {"name": " 超时投诉 ", "query": "breached=true&page=4",
                                                        "shared": "true"})
    assert response.status_code == 303 and response.headers["Location"] == "/complaints?breached=true"
    assert fake_api.body("POST", "/saved-views") == {"name": "超时投诉", "screen": "complaints",
                                                     "query": "breached=true", "shared": True}


def test_a_refused_save_is_shown_beside_the_form(english, fake_api):
    fake_api.on("GET", "/saved-views", page([]))
    fake_api.on("POST", "/saved-views", problem(409, "You have a view named '超时投诉' of this list already."))
    taken = english.post("/saved-views/complaints", {"name": "超时投诉", "query": "breached=true"})
    assert taken.status_code == 409
    assert "You have a view named &#39;超时投诉&#39; of this list already." in taken.get_data(as_text=True)
    fake_api.on("POST", "/saved-views", problem(422, "invalid", errors={"name": ["Must not be blank."]}))
    blank = english.post("/saved-views/complaints", {"name": "", "query": "breached=true"})
    html = blank.get_data(as_text=True)
    assert blank.status_code == 422 and "Must not be blank." in html and 'aria-invalid="true"' in html


def test_a_person_of_several_stores_chooses_the_store_to_share_with(app, fake_api):
    fake_api.on("GET", "/saved-views", page([]))
    fake_api.on("POST", "/saved-views", httpx.Response(201, json=view()))
    both = sign_in(app, "agent", "both", stores=("bj01", "sh01"), language="en")
    html = both.get("/saved-views/customers?query=tag%3Dx").get_data(as_text=True)
    assert "Share with one of my stores" in html and '<option value="sh01">sh01</option>' in html
    both.post("/saved-views/customers", {"name": "车展客户", "query": "tag=x", "shared": "true", "store_id": "sh01"})
    assert fake_api.body("POST", "/saved-views")["store_id"] == "sh01"


def test_the_page_of_views_offers_delete_only_where_the_api_allows_it(english, fake_api):
    fake_api.on("GET", "/saved-views", page([view(), view(id="f" * 32, name="别人的", owner="bj.manager",
                                                       shared=True, store_id="bj01", deletable=False)]))
    html = english.get("/saved-views/complaints").get_data(as_text=True)
    assert html.count(">Delete</button>") == 1 and "Store bj01" in html and "Only me" in html
    fake_api.on("DELETE", f"/saved-views/{VIEW_ID}", httpx.Response(204))
    deleted = english.post(f"/saved-views/complaints/{VIEW_ID}/delete", {"query": "status=filed"})
    assert deleted.status_code == 303 and len(fake_api.sent("DELETE", f"/saved-views/{VIEW_ID}")) == 1
    fake_api.on("DELETE", f"/saved-views/{VIEW_ID}", problem(403, "Only its owner may delete this view."))
    refused = english.post(f"/saved-views/complaints/{VIEW_ID}/delete", {})
    assert refused.status_code == 403 and "Only its owner may delete this view." in refused.get_data(as_text=True)
    assert english.post("/saved-views/complaints/..%2Fusers/delete", {}).status_code == 404
    assert english.get("/saved-views/reports").status_code == 404


def test_a_saved_view_of_today_opens_today_with_the_filter(english, fake_api):
    fake_api.on("GET", "/saved-views", page([view(screen="today", query="store=bj01")]))
    html = english.htmx("GET", "/saved-views/today").get_data(as_text=True)
    assert 'href="/?store=bj01"' in html
    assert fake_api.sent("GET", "/saved-views")[0].url.params["screen"] == "today"


def test_someone_of_the_whole_group_shares_with_the_whole_group(manager, fake_api):
    fake_api.on("GET", "/saved-views", page([]))
    html = manager.get("/saved-views/today").get_data(as_text=True)
    assert "与整个集团共享" in html and 'name="store_id"' not in html


def test_a_viewer_opens_saved_views_but_saves_and_deletes_none(viewer, fake_api):
    fake_api.on("GET", "/saved-views", page([view(owner="bj.manager", shared=True, store_id="bj01")]))
    menu = viewer.htmx("GET", "/saved-views/complaints").get_data(as_text=True)
    assert 'href="/complaints?breached=true&amp;status=filed"' in menu and "<form" not in menu
    full = viewer.get("/saved-views/complaints").get_data(as_text=True)
    assert "超时投诉" in full and 'method="post" action="/saved-views' not in full


def test_a_filter_about_to_be_saved_and_the_saved_ones_read_as_words_not_as_a_query_string(english, fake_api):
    fake_api.on("GET", "/saved-views", page([view()]))
    saving = english.htmx("GET", "/saved-views/complaints?query=status%3Dfiled%26severity%3Dserious")
    html = saving.get_data(as_text=True)
    assert "Filter: Status Filed · Severity Serious" in html and "status=filed&amp;severity" not in html.split(
        'name="query"')[0]
    listed = english.get("/saved-views/complaints").get_data(as_text=True)
    assert "SLA breached Yes · Status Filed" in listed
