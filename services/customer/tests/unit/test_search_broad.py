"""Broad terms: a page read in rank order without gathering every hit, a count that stops and says so,
and an erased customer never found."""
import pytest
from customer.adapters import search_page, search_parts
from customer.adapters.search import matching
from customer.adapters.tables import customer_search_keys, customers
from customer.domain.search import build_filters
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import select

WRITER = auth_headers("agent", "li.si")
READER = auth_headers("viewer", "wang.wu")
NAMES = ["张三", "张山峰", "李张三", "张", "赵四", "章珊", "三张", "张三三", "周山", "张伟", "王张伟", "郑盛"]


def listing(client, query: str) -> dict:
    response = client.get(f"/api/v1/customers?{query}", headers=READER)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def crowd(new_customer):
    return [new_customer(name=name, phone=f"1380013{index:04d}")["id"] for index, name in enumerate(NAMES)]


@pytest.mark.parametrize("term", ["张", "zs", "z", "s", "zhang", "三", "张三", "zhangsan", "0000", "wei"])
def test_pages_of_a_broad_term_follow_the_full_ranking(app, client, crowd, monkeypatch, term):
    monkeypatch.setattr(search_page, "COUNT_LIMIT", 2)  # every part with 3 hits or more is read in order, not gathered
    with service_context(app).sessions() as session:
        everything = list(session.execute(matching(build_filters(q=term))[0]).scalars())
    pages = [listing(client, f"q={term}&page={page}&page_size=3") for page in range(1, 6)]
    assert [item["id"] for page in pages for item in page["items"]] == everything
    assert everything  # every term finds someone


def test_a_count_past_the_limit_is_reported_as_a_lower_bound(client, crowd, monkeypatch):
    monkeypatch.setattr(search_page, "COUNT_LIMIT", 3)
    broad = listing(client, "q=张")
    assert (broad["total"], broad["total_is_lower_bound"]) == (3, True)
    assert len(broad["items"]) == 8  # the page is whole all the same
    narrow = listing(client, "q=zhangsan")
    assert (narrow["total"], narrow["total_is_lower_bound"]) == (3, False)  # 张三, 张三三, 李张三
    everyone = listing(client, "page_size=5")
    assert (everyone["total"], everyone["total_is_lower_bound"], len(everyone["items"])) == (3, True, 5)
    monkeypatch.setattr(search_page, "COUNT_LIMIT", 5)
    # initials "zs" (张三 赵四 章珊 周山 郑盛) and starting with it (张山峰 张三三): 7 customers, no part over 5
    some = listing(client, "q=zs")
    assert (some["total"], some["total_is_lower_bound"], len(some["items"])) == (5, True, 8)  # and 李张三
    monkeypatch.setattr(search_page, "COUNT_LIMIT", 5000)
    assert (listing(client, "q=张")["total"], listing(client, "")["total_is_lower_bound"]) == (8, False)
    assert (listing(client, "q=zs")["total"], listing(client, "q=zs")["total_is_lower_bound"]) == (8, False)


def test_an_erased_customer_is_not_found_by_anything(client, crowd):
    erased = crowd[0]  # 张三, 13800130000
    manager = auth_headers("manager", "zhao.jl")
    assert client.post(f"/api/v1/customers/{erased}/erasure", headers=manager).status_code == 200
    for query in ("q=张三", "q=zhangsan", "q=zs", "q=0000", "phone=13800130000", "name=张", "", "q=erased"):
        body = listing(client, query)
        assert erased not in [item["id"] for item in body["items"]], query
    assert listing(client, "")["total"] == len(NAMES) - 1
    assert listing(client, "q=zhangsan")["total"] == 2  # 张三三 and 李张三


def test_search_keys_carry_the_customers_creation_time_whoever_writes_them(app, client, crowd):
    renamed = crowd[1]
    assert client.patch(f"/api/v1/customers/{renamed}", json={"name": "张山"},
                        headers={**WRITER, "If-Match": '"1"'}).status_code == 200
    with service_context(app).engine.connect() as db:
        rows = db.execute(select(customer_search_keys.c.created_at, customers.c.created_at)
                          .join(customers, customers.c.id == customer_search_keys.c.customer_id)).all()
    assert rows and all(key_time == customer_time for key_time, customer_time in rows)
    assert listing(client, "q=张")["items"][0]["id"] == crowd[3]  # 张 itself first, the rename kept its place


@pytest.fixture
def owned(new_customer):
    return [new_customer(name=name, phone=f"1380013{index:04d}", owner=("li.na", "zhang.san")[index % 2],
                         intent_grade="HABC"[index % 4])["id"] for index, name in enumerate(NAMES)]


@pytest.mark.parametrize("term", ["张", "zs", "三", "zhang"])
def test_a_term_filtered_on_what_the_keys_carry_follows_the_customers_as_they_change(app, client, owned,
                                                                                     monkeypatch, term):
    manager = auth_headers("manager", "zhao.jl")
    moved = client.post("/api/v1/customers/reassignments", json={"from_owner": "li.na", "to_owners": ["wu.ge"]},
                        headers=manager)
    assert moved.status_code == 200 and moved.get_json()["customers"] == 6
    version = client.get(f"/api/v1/customers/{owned[0]}", headers=READER).get_json()["version"]
    regraded = client.patch(f"/api/v1/customers/{owned[0]}", json={"intent_grade": "C"},  # 张三: was H
                            headers={**WRITER, "If-Match": f'"{version}"'})
    assert regraded.status_code == 200, regraded.get_json()
    monkeypatch.setattr(search_page, "COUNT_LIMIT", 2)  # parts with 3 hits or more are read in order, not gathered
    found = {}
    for filters in ({"owner": "wu.ge"}, {"owner": "li.na"}, {"intent_grade": "H"}, {"intent_grade": "C"},
                    {"owner": "zhang.san", "intent_grade": "B"}, {"stage": "prospect"}, {"tier": "regular"},
                    {"key_customer": False}, {"blacklisted": False}):
        wanted = build_filters(q=term, **filters)
        assert search_parts.keys_suffice(wanted)  # answered from the keys alone
        with service_context(app).sessions() as session:  # the full ranking, from the customers' own columns
            everything = list(session.execute(matching(wanted)[0]).scalars())
        query = "&".join(f"{name}={str(value).lower() if isinstance(value, bool) else value}"
                          for name, value in filters.items())
        pages = [listing(client, f"q={term}&{query}&page={page}&page_size=3") for page in range(1, 6)]
        assert [item["id"] for page in pages for item in page["items"]] == everything, filters
        found[tuple(filters.items())] = everything
    assert found[(("owner", "li.na"),)] == []  # all of li.na's customers are wu.ge's now
    assert owned[0] in found[(("owner", "wu.ge"),)] and owned[0] in found[(("intent_grade", "C"),)]
    assert owned[0] not in found[(("intent_grade", "H"),)]
