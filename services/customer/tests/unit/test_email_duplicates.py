"""An e-mail address belongs to one customer, as a phone does (PRODUCT.md 2.1: the same phone or email never
creates a second customer silently): a 409 naming the customer who has it, on create and on edit."""
from __future__ import annotations

import pytest
from customer.adapters.customers import CustomerRepository
from customer.adapters.tables import customer_emails, customers
from customer.domain.errors import DuplicateEmail
from customer.service_layer import customers as use_cases
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

WRITER = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "chen.jie")
READER = auth_headers("viewer", "wang.wu")


def create(client, **fields):
    body = {"name": "张伟", "kind": "prospect", **fields}
    return client.post("/api/v1/customers", json=body, headers=WRITER)


def test_the_same_address_whatever_its_case_is_a_409_naming_the_customer_who_has_it(client, new_customer, events):
    first = new_customer(phone="13800138000", email="Zhang.Wei@Example.cn")
    response = create(client, phone="13900139000", email="zhang.wei@example.CN")
    assert response.status_code == 409
    problem = response.get_json()
    assert problem["existing_customer_id"] == first["id"] and problem["email"] == "zhang.wei@example.CN"
    assert first["id"] in problem["detail"]
    assert [event.type for event in events()] == ["customer.created.v1"]
    assert client.get("/api/v1/customers", headers=READER).get_json()["total"] == 1


def test_an_edit_to_someone_elses_address_is_a_409_and_to_ones_own_in_another_case_is_fine(client, new_customer):
    first = new_customer(phone="13800138000", email="li.na@example.cn")
    second = new_customer(phone="13900139000", email="wang.fang@example.cn")
    path = f"/api/v1/customers/{second['id']}"
    response = client.patch(path, headers={**WRITER, "If-Match": '"1"'}, json={"email": "LI.NA@example.cn"})
    assert response.status_code == 409 and response.get_json()["existing_customer_id"] == first["id"]
    own = client.patch(f"/api/v1/customers/{first['id']}", headers={**WRITER, "If-Match": '"1"'},
                       json={"email": "Li.Na@example.cn"})
    assert own.status_code == 200 and own.get_json()["email"] == "Li.Na@example.cn"
    # the old address of an edited customer is free again
    moved = client.patch(path, headers={**WRITER, "If-Match": '"1"'}, json={"email": "wang.fang@home.cn"})
    assert moved.status_code == 200
    assert create(client, phone="13700137000", email="wang.fang@example.cn").status_code == 201


def test_an_erased_customers_address_is_free_again(client, new_customer):
    gone = new_customer(phone="13800138000", email="li.na@example.cn")
    assert client.post(f"/api/v1/customers/{gone['id']}/erasure", headers=MANAGER).status_code == 200
    assert create(client, phone="13900139000", email="li.na@example.cn").status_code == 201


def test_after_a_merge_the_survivors_address_is_held_and_the_merged_records_other_one_is_nobodys(client,
                                                                                                new_customer):
    survivor = new_customer(phone="13800138000", email="zhang@example.cn")
    merged = new_customer(name="张 伟", phone="13900139000", email="zhang.wei@work.cn")
    merge = client.post("/api/v1/customers/merges", headers=MANAGER,
                        json={"survivor_id": survivor["id"], "merged_id": merged["id"]})
    assert merge.status_code == 201, merge.get_json()
    held = create(client, phone="13700137000", email="ZHANG@example.cn")
    assert held.status_code == 409 and held.get_json()["existing_customer_id"] == survivor["id"]
    assert create(client, phone="13600136000", email="zhang.wei@work.cn").status_code == 201


def test_a_merge_that_takes_the_merged_records_address_names_the_survivor(client, new_customer):
    survivor = new_customer(phone="13800138000", email=None)
    merged = new_customer(name="张 伟", phone="13900139000", email="zhang.wei@work.cn")
    assert client.post("/api/v1/customers/merges", headers=MANAGER,
                       json={"survivor_id": survivor["id"], "merged_id": merged["id"]}).status_code == 201
    response = create(client, phone="13700137000", email="zhang.wei@work.cn")
    assert response.status_code == 409 and response.get_json()["existing_customer_id"] == survivor["id"]


def test_two_records_that_shared_an_address_before_merge_and_undo_cleanly(app, client, new_customer):
    older = new_customer(phone="13800138000", email="zhang@example.cn")
    younger = new_customer(name="张 伟", phone="13900139000")
    with service_context(app).engine.begin() as connection:  # as records kept before addresses were unique
        connection.execute(update(customers).where(customers.c.id == younger["id"]).values(email="zhang@example.cn"))
    merge = client.post("/api/v1/customers/merges", headers=MANAGER,
                        json={"survivor_id": younger["id"], "merged_id": older["id"]})
    assert merge.status_code == 201
    with service_context(app).engine.connect() as connection:
        assert connection.execute(select(customer_emails.c.customer_id)).scalars().all() == [younger["id"]]
    undo = client.post(f"/api/v1/customers/merges/{merge.get_json()['merge_id']}/undo", headers=MANAGER)
    assert undo.status_code == 200, undo.get_json()
    assert {client.get(f"/api/v1/customers/{c['id']}", headers=READER).get_json()["email"]
            for c in (older, younger)} == {"zhang@example.cn"}


def test_the_database_refuses_a_second_holder_and_a_race_is_told_as_the_409(app, monkeypatch):
    sessions = service_context(app).sessions
    first = use_cases.create_customer(sessions, {"name": "张伟", "phone": "13800138000", "kind": "prospect",
                                                 "email": "zhang@example.cn"}, "li.si")
    with sessions() as session, pytest.raises(IntegrityError):
        CustomerRepository(session).write_email(first["id"] + "-other", "ZHANG@example.cn ")
        session.flush()
    # a concurrent request registered the address between the check and the insert: the check saw nothing
    monkeypatch.setattr(CustomerRepository, "email_holders", lambda self, emails: {})
    calls = []
    real = use_cases._refuse_taken_email

    def after_the_race(repo, email, customer_id):
        calls.append(email)
        if len(calls) > 1:  # the look after the unique key refused the insert sees the holder
            monkeypatch.undo()
        real(repo, email, customer_id)
    monkeypatch.setattr(use_cases, "_refuse_taken_email", after_the_race)
    with pytest.raises(DuplicateEmail) as raised:
        use_cases.create_customer(sessions, {"name": "张 伟", "phone": "13900139000", "kind": "prospect",
                                             "email": "Zhang@Example.cn"}, "li.si")
    assert raised.value.existing_customer_id == first["id"]
