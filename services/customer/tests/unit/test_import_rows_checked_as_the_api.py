"""An import checks what the API checks: an e-mail already someone's (in the archive or higher in the file) and
a row's store (that does not exist, or is not the importer's) are errors on that line; the purchase type is
read, in Chinese too."""
from __future__ import annotations

import io
import time

import pytest
from servicekit.testing import auth_headers

ADMIN = auth_headers("admin", "root")
GROUP_MANAGER = auth_headers("manager", "zhao.jl")
SZ_AGENT = auth_headers("agent", "li.si", stores=("sz01",))
READER = auth_headers("viewer", "wang.wu")


def upload(client, content: str, headers=GROUP_MANAGER, **options) -> dict:
    data = {"file": (io.BytesIO(content.encode()), "customers.csv"), **{k: str(v).lower() for k, v in options.items()}}
    response = client.post("/api/v1/customers/imports", data=data, headers=headers, content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    deadline = time.monotonic() + 20
    while (job := client.get(response.headers["Location"], headers=headers).get_json())["status"] == "running":
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    return job


def errors_of(client, job, headers=GROUP_MANAGER) -> list[tuple[int, str, str]]:
    body = client.get(f"/api/v1/customers/imports/{job['id']}/errors", headers=headers).get_json()
    return [(error["line"], error["column"], error["message"]) for error in body["items"]]


def everyone(client) -> dict[str, dict]:
    items = client.get("/api/v1/customers?page_size=200", headers=ADMIN).get_json()["items"]
    return {item["name"]: item for item in items}


@pytest.fixture
def stores(client):
    for store_id in ("sz01", "gz01"):
        assert client.post("/api/v1/stores", headers=ADMIN, json={"id": store_id, "name": store_id}).status_code == 201


@pytest.mark.parametrize("dry_run", [True, False])
def test_an_email_someone_has_or_a_row_above_has_is_an_error_on_that_line(client, new_customer, dry_run):
    known = new_customer(name="张伟", phone="13800138000", email="zhang@example.cn")
    job = upload(client, "name,phone,kind,email\n"
                         "王芳,13900139000,prospect, ZHANG@example.cn\n"   # 2: the archive's
                         "李娜,13700137000,prospect,li.na@example.cn\n"    # 3: fine
                         "赵六,13600136000,prospect,Li.Na@Example.cn\n",   # 4: line 3's
                 dry_run=dry_run)
    assert (job["created"], job["failed"]) == (1, 2)
    errors = errors_of(client, job)
    assert [(line, column) for line, column, _ in errors] == [(2, "email"), (4, "email")]
    assert known["id"] in errors[0][2] and "line 3" in errors[1][2]
    assert set(everyone(client)) == ({"张伟"} if dry_run else {"张伟", "李娜"})


def test_an_update_by_import_to_someone_elses_email_is_refused_and_to_ones_own_is_fine(client, new_customer):
    new_customer(name="张伟", phone="13800138000", email="zhang@example.cn")
    own = new_customer(name="王芳", phone="13900139000", email="wang@example.cn")
    job = upload(client, "phone,email\n13900139000,zhang@example.cn\n", mode="update")
    assert (job["updated"], job["failed"]) == (0, 1) and errors_of(client, job)[0][:2] == (2, "email")
    again = upload(client, "phone,email,notes\n13900139000,WANG@example.cn,老客户\n", mode="update")
    assert (again["updated"], again["failed"]) == (1, 0)
    assert client.get(f"/api/v1/customers/{own['id']}", headers=READER).get_json()["notes"] == "老客户"


def test_an_imported_customers_email_is_held_against_the_api(client):
    assert upload(client, "name,phone,kind,email\n张伟,13800138000,prospect,zhang@example.cn\n")["created"] == 1
    response = client.post("/api/v1/customers", headers=GROUP_MANAGER,
                           json={"name": "张 伟", "phone": "13900139000", "kind": "prospect",
                                 "email": "Zhang@example.cn"})
    assert response.status_code == 409


def test_a_rows_store_is_checked_as_the_api_checks_it(client, stores):
    content = ("name,phone,kind,store_id\n"
               "张伟,13800138000,prospect,sz01\n"       # 2: the agent's store
               "王芳,13900139000,prospect,gz01\n"       # 3: another store
               "李娜,13700137000,prospect,nowhere\n"    # 4: no such store
               "赵六,13600136000,prospect,\n")          # 5: the store of the import
    job = upload(client, content, headers=SZ_AGENT)
    assert (job["created"], job["failed"]) == (2, 2)
    assert [(line, column) for line, column, _ in errors_of(client, job, SZ_AGENT)] == [(3, "store_id"),
                                                                                         (4, "store_id")]
    created = everyone(client)
    assert set(created) == {"张伟", "赵六"} and {c["store_id"] for c in created.values()} == {"sz01"}


def test_a_group_wide_importer_imports_into_any_existing_store_the_row_names(client, stores):
    content = ("姓名,手机,类型,门店\n张伟,13800138000,prospect,sz01\n王芳,13900139000,prospect,gz01\n"
               "李娜,13700137000,prospect,x9\n")
    job = upload(client, content, store_id="sz01")
    assert (job["created"], job["failed"]) == (2, 1) and errors_of(client, job)[0][:2] == (4, "store_id")
    created = everyone(client)
    assert (created["张伟"]["store_id"], created["王芳"]["store_id"]) == ("sz01", "gz01")
    # rows of several stores: the import is not one store's to follow
    assert client.get(f"/api/v1/customers/imports/{job['id']}", headers=SZ_AGENT).status_code == 404


def test_a_rows_store_moves_a_customer_on_update_only_into_a_store_of_the_importers(client, stores):
    response = client.post("/api/v1/customers", headers=SZ_AGENT,
                           json={"name": "张伟", "phone": "13800138000", "kind": "prospect"})
    customer = response.get_json()
    job = upload(client, "phone,store_id\n13800138000,gz01\n", headers=SZ_AGENT, mode="update")
    assert (job["updated"], job["failed"]) == (0, 1)
    moved = upload(client, "phone,store_id\n13800138000,gz01\n", mode="update")
    assert moved["updated"] == 1
    assert client.get(f"/api/v1/customers/{customer['id']}", headers=ADMIN).get_json()["store_id"] == "gz01"


def test_purchase_type_is_imported_from_english_or_chinese_values_and_checked(client, events):
    content = ("姓名,手机,类型,购车类型\n张伟,13800138000,owner,换购\n王芳,13900139000,owner,增购\n"
               "李娜,13700137000,owner,first\n赵六,13600136000,owner,租车\n")
    job = upload(client, content)
    assert (job["created"], job["failed"]) == (3, 1) and errors_of(client, job)[0][:2] == (5, "purchase_type")
    created = everyone(client)
    assert {name: c["purchase_type"] for name, c in created.items()} == {
        "张伟": "replacement", "王芳": "additional", "李娜": "first"}
    assert {e.data["name"]: e.data["purchase_type"] for e in events() if e.type == "customer.created.v1"} == {
        "张伟": "replacement", "王芳": "additional", "李娜": "first"}


def test_purchase_type_through_the_api_in_events_and_history(client, new_customer, events):
    customer = new_customer(kind="owner", purchase_type="first")
    assert customer["purchase_type"] == "first"
    response = client.patch(f"/api/v1/customers/{customer['id']}", headers={**GROUP_MANAGER, "If-Match": '"1"'},
                            json={"purchase_type": "replacement"})
    assert response.status_code == 200 and response.get_json()["purchase_type"] == "replacement"
    updated = [e for e in events() if e.type == "customer.updated.v1"][-1]
    assert updated.data["purchase_type"] == "replacement"
    assert updated.data["changes"]["purchase_type"] == ["first", "replacement"]
    bad = client.patch(f"/api/v1/customers/{customer['id']}", headers={**GROUP_MANAGER, "If-Match": '"2"'},
                       json={"purchase_type": "lease"})
    assert bad.status_code == 422 and "purchase_type" in bad.get_json()["errors"]
    exported = client.get("/api/v1/customers/export", headers=READER).get_data().decode("utf-8-sig")
    assert "purchase_type" in exported.splitlines()[0] and "replacement" in exported


def test_two_records_that_shared_an_address_before_are_both_updated_by_rows_that_leave_it(app, client, new_customer):
    from customer.adapters.tables import customers
    from servicekit.webapp import service_context
    from sqlalchemy import update

    new_customer(name="张伟", phone="13800138000", email="zhang@example.cn")
    twin = new_customer(name="张 伟", phone="13900139000")
    with service_context(app).engine.begin() as connection:  # as records kept before addresses were unique
        connection.execute(update(customers).where(customers.c.id == twin["id"]).values(email="zhang@example.cn"))
    job = upload(client, "phone,notes\n13800138000,一\n13900139000,二\n", mode="update")
    assert (job["updated"], job["failed"]) == (2, 0), errors_of(client, job)
