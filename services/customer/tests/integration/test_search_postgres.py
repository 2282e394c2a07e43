"""The search of broad terms on PostgreSQL: pages read in rank order from the key indexes, the count limit,
and the search keys' copies of the creation time and the store, kept by the triggers of migrations 0004 and
0006."""
import pytest
from customer.adapters import search_page, search_parts
from customer.adapters.search import matching
from customer.adapters.spreadsheets import read_rows
from customer.adapters.tables import customer_search_keys, customers
from customer.adapters.upload_bounds import count_rows
from customer.domain.search import build_filters
from customer.entrypoints.api.row_checks import check_row
from customer.service_layer import imports
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import select

pytestmark = pytest.mark.integration
WRITER = auth_headers("agent", "li.si")
READER = auth_headers("viewer", "wang.wu")
NAMES = ["张三", "张山峰", "李张三", "张", "赵四", "章珊", "三张", "张三三", "周山", "张伟", "王张伟", "郑盛",
         "David Zhang"]


def test_pages_of_broad_terms_follow_the_full_ranking_on_postgresql(pg_app, monkeypatch):
    client = pg_app.test_client()
    for index, name in enumerate(NAMES):
        response = client.post("/api/v1/customers", headers=WRITER,
                               json={"name": name, "phone": f"1380013{index:04d}", "kind": "prospect"})
        assert response.status_code == 201
    monkeypatch.setattr(search_page, "COUNT_LIMIT", 2)
    context = service_context(pg_app)
    for term in ("张", "zs", "z", "zhang", "三", "张三", "0000", "d"):
        with context.sessions() as session:
            everything = list(session.execute(matching(build_filters(q=term))[0]).scalars())
        pages = [client.get(f"/api/v1/customers?q={term}&page={page}&page_size=3", headers=READER).get_json()
                 for page in range(1, 7)]
        assert [item["id"] for page in pages for item in page["items"]] == everything, term
        first = pages[0]
        if first["total_is_lower_bound"]:  # some part found more than 2: at least 2, and so it is
            assert first["total"] == 2 and len(everything) > 2, term
        else:
            assert first["total"] == len(everything), term
    with context.engine.connect() as db:
        rows = db.execute(select(customer_search_keys.c.created_at, customers.c.created_at)
                          .join(customers, customers.c.id == customer_search_keys.c.customer_id)).all()
    assert rows and all(key_time == customer_time for key_time, customer_time in rows)


def test_an_erased_customer_is_not_found_on_postgresql(pg_app):
    client = pg_app.test_client()
    gone = client.post("/api/v1/customers", headers=WRITER,
                       json={"name": "张三", "phone": "13800138000", "kind": "prospect"}).get_json()
    kept = client.post("/api/v1/customers", headers=WRITER,
                       json={"name": "张山", "phone": "13900138000", "kind": "prospect"}).get_json()
    assert client.post(f"/api/v1/customers/{gone['id']}/erasure",
                       headers=auth_headers("manager", "zhao.jl")).status_code == 200
    for query in ("q=zs", "q=8000", ""):
        body = client.get(f"/api/v1/customers?{query}", headers=READER).get_json()
        assert [item["id"] for item in body["items"]] == [kept["id"]], query


def test_the_keys_carry_each_customers_store_through_writes_moves_and_imports(pg_app, tmp_path):
    client = pg_app.test_client()
    admin = auth_headers("admin", "root")
    for store in ("sz01", "gz01"):
        assert client.post("/api/v1/stores", headers=admin, json={"id": store, "name": store}).status_code == 201
    made = client.post("/api/v1/customers", headers=WRITER,
                       json={"name": "张三", "phone": "13800138000", "kind": "prospect", "store_id": "sz01"}).get_json()
    path = tmp_path / "customers.csv"
    path.write_text("name,phone,kind\n张山,13900139000,prospect\n", encoding="utf-8")
    context = service_context(pg_app)
    options = imports.ImportOptions(mode="create", key="phone", dry_run=False, actor="li.si", fmt="csv",
                                    store_id="gz01")
    job = imports.start_import(context.sessions, options, count_rows(path, "csv", 1_000_000))
    imports.run_import(context.sessions, job["id"], options, read_rows(path, "csv"), check_row)
    shenzhen, guangzhou = (auth_headers("viewer", "wang.wu", stores=(store,)) for store in ("sz01", "gz01"))

    def names(headers) -> list[str]:
        return [item["name"] for item in client.get("/api/v1/customers?q=zs", headers=headers).get_json()["items"]]

    assert (names(shenzhen), names(guangzhou), sorted(names(READER))) == (["张三"], ["张山"], ["张三", "张山"])
    moved = client.patch(f"/api/v1/customers/{made['id']}", json={"store_id": "gz01", "name": "张三丰"},
                         headers={**admin, "If-Match": '"1"'})
    assert moved.status_code == 200, moved.get_json()
    assert (names(shenzhen), sorted(names(guangzhou))) == ([], ["张三丰", "张山"])
    with context.engine.connect() as db:
        rows = db.execute(select(customer_search_keys.c.store_id, customers.c.store_id)
                          .join(customers, customers.c.id == customer_search_keys.c.customer_id)).all()
    assert rows and all(key_store == customer_store for key_store, customer_store in rows)


def test_filters_on_what_the_keys_carry_follow_the_customers_on_postgresql(pg_app, monkeypatch):
    """Migration 0009: a reassignment and a new grade reach the keys (its trigger), and a term filtered on
    them gives the customers the customers' own columns give, page by page."""
    client = pg_app.test_client()
    for index, name in enumerate(NAMES):
        response = client.post("/api/v1/customers", headers=WRITER, json={
            "name": name, "phone": f"1380013{index:04d}", "kind": "prospect",
            "owner": ("li.na", "zhang.san")[index % 2], "intent_grade": "HABC"[index % 4]})
        assert response.status_code == 201
    manager = auth_headers("manager", "zhao.jl")
    assert client.post("/api/v1/customers/reassignments", json={"from_owner": "li.na", "to_owners": ["wu.ge"]},
                       headers=manager).status_code == 200
    context = service_context(pg_app)
    with context.engine.begin() as db:  # a grade changed behind the API's back is followed too
        db.execute(customers.update().where(customers.c.intent_grade == "A").values(intent_grade="C"))
        pairs = db.execute(select(customer_search_keys.c.owner, customers.c.owner, customer_search_keys.c.intent_grade,
                                  customers.c.intent_grade)
                           .join(customers, customers.c.id == customer_search_keys.c.customer_id)).all()
    assert pairs and all(key_owner == owner and key_grade == grade for key_owner, owner, key_grade, grade in pairs)
    monkeypatch.setattr(search_page, "COUNT_LIMIT", 2)
    for term in ("张", "zs", "三"):
        for filters in ({"owner": "wu.ge"}, {"owner": "li.na"}, {"intent_grade": "C"}, {"intent_grade": "A"},
                        {"owner": "zhang.san", "intent_grade": "B"}):
            wanted = build_filters(q=term, **filters)
            assert search_parts.keys_suffice(wanted)
            with context.sessions() as session:
                everything = list(session.execute(matching(wanted)[0]).scalars())
            query = "&".join(f"{name}={value}" for name, value in filters.items())
            pages = [client.get(f"/api/v1/customers?q={term}&{query}&page={page}&page_size=3",
                                headers=READER).get_json() for page in range(1, 7)]
            assert [item["id"] for page in pages for item in page["items"]] == everything, (term, filters)
            if filters in ({"owner": "li.na"}, {"intent_grade": "A"}):
                assert everything == [], (term, filters)
