"""Global search: the results a person sees for a name, pinyin initials, phone digits, plate or VIN."""
from __future__ import annotations

from console_tests.fakeapi import envelope, problem

WEIMING = {"id": "0190a3c4-0000-7000-8000-000000000001", "name": "张伟明", "phone": "+8613800138000",
           "kind": "prospect", "stage": "prospect", "owner": "li.si", "store_id": "sz01", "tags": []}



def test_results_show_name_kind_stage_owner_store_and_phone_with_a_link_to_the_profile(agent, fake_api):
    fake_api.on("GET", "/customers", envelope([WEIMING]))
    html = agent.get("/search?q=zwm").get_data(as_text=True)
    assert 'id="search-list"' in html
    assert f'href="/customers/{WEIMING["id"]}"' in html
    for shown in ("张伟明", "意向客户", "阶段：意向", "+8613800138000", "li.si", "sz01"):
        assert shown in html
    assert fake_api.sent("GET", "/customers")[-1].url.params["q"] == "zwm"


def test_the_header_search_box_gets_the_same_list_and_keeps_what_was_typed(agent, fake_api):
    fake_api.on("GET", "/customers", envelope([WEIMING]))
    html = agent.get("/search?q=8000").get_data(as_text=True)
    assert 'id="global-search"' in html and 'value="8000"' in html
    assert html.count('id="search-list"') == 1


def test_no_match_is_said_in_words(agent, fake_api):
    fake_api.on("GET", "/customers", envelope([]))
    html = agent.get("/search?q=nobody").get_data(as_text=True)
    assert "没有与“nobody”匹配的客户" in html


def test_results_are_paginated_on_the_server(agent, fake_api):
    fake_api.on("GET", "/customers", envelope([WEIMING], total=45, page_number=2))
    html = agent.get("/search?q=zhang&page=2").get_data(as_text=True)
    assert fake_api.sent("GET", "/customers")[-1].url.params["page"] == "2"
    assert "第 2 / 3 页" in html
    assert "/search?q=zhang&amp;page=3" in html


def test_an_empty_search_asks_the_api_nothing(agent, fake_api):
    html = agent.get("/search").get_data(as_text=True)
    assert not fake_api.sent("GET", "/customers")
    assert "拼音" in html


def test_the_customer_archive_down_is_said(agent, fake_api):
    fake_api.on("GET", "/customers", problem(503, "down", service="customer"))
    html = agent.get("/search?q=zwm").get_data(as_text=True)
    assert "客户档案服务暂时不可用" in html


def test_a_name_with_markup_is_shown_as_text(agent, fake_api):
    fake_api.on("GET", "/customers", envelope([{**WEIMING, "name": "<img src=x onerror=alert(1)>"}]))
    html = agent.get("/search?q=img").get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_in_english(fake_api, app):
    from console_tests.conftest import sign_in

    fake_api.on("GET", "/customers", envelope([WEIMING]))
    html = sign_in(app, language="en").get("/search?q=zwm").get_data(as_text=True)
    assert "Prospect" in html and "Owner: li.si" in html




def test_a_query_with_nothing_searchable_in_it_finds_nobody(agent, fake_api):
    fake_api.on("GET", "/customers", problem(422, "invalid", errors={"q": ["The search text is empty."]}))
    html = agent.get("/search?q=!!").get_data(as_text=True)
    assert "没有与“!!”匹配的客户" in html
