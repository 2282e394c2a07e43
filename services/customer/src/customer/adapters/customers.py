"""Storing and loading customers (with their phones and tags)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from servicekit.db import among
from servicekit.timestamps import as_utc
from sqlalchemy import Select, String, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from customer.adapters.tables import (
    KEY_CARRIES,
    customer_emails,
    customer_phones,
    customer_search_keys,
    customer_tags,
    customers,
)
from customer.domain.customers import with_every_channel
from customer.domain.duplicates import email_key
from customer.domain.phones import digits
from customer.domain.pinyin import search_keys

#: Columns of the customers table a client edits (phones and tags live in their own tables).
COLUMNS = tuple(column.name for column in customers.columns
                if column.name not in ("id", "version", "created_at", "updated_at"))

_REACH_COLUMNS = (customers.c.id, customers.c.store_id, customers.c.erased_at, customers.c.merged_into)

# On PostgreSQL a customer is read with its phones and tags in one statement (one round trip instead of three:
# the most frequent read of the service); elsewhere (SQLite) they are read after it (_complete).
_PHONES = (select(func.array_agg(aggregate_order_by(customer_phones.c.phone, customer_phones.c.position)))
           .where(customer_phones.c.customer_id == customers.c.id).scalar_subquery().label("_phones"))
_TAGS = (select(func.array_agg(aggregate_order_by(customer_tags.c.tag, customer_tags.c.tag)))
         .where(customer_tags.c.customer_id == customers.c.id).scalar_subquery().label("_tags"))
# Built once: SQLAlchemy remembers a statement's cache key, so a read does not work it out again each time.
_BY_ID = {"postgresql": select(customers, _PHONES, _TAGS).where(customers.c.id == bindparam("customer_id")),
          "other": select(customers).where(customers.c.id == bindparam("customer_id"))}


class CustomerRepository:
    """Customers in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, customer_id: str, for_update: bool = False) -> dict[str, Any] | None:
        """The customer with `customer_id`, or None; `for_update` locks the row until commit."""
        query = _BY_ID.get(self.session.get_bind().dialect.name, _BY_ID["other"])
        if for_update:
            query = query.with_for_update(of=customers)
        row = self.session.execute(query, {"customer_id": customer_id}).mappings().first()
        return None if row is None else self._complete([dict(row)])[0]

    def many(self, customer_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The customers with these ids, in the same order."""
        wanted = among(self.session, customers.c.id, list(customer_ids))
        rows = self.session.execute(self._select().where(wanted)).mappings()
        by_id = {row["id"]: dict(row) for row in rows}
        return self._complete([by_id[i] for i in customer_ids if i in by_id])

    def _select(self) -> Select:
        if self.session.get_bind().dialect.name == "postgresql":
            return select(customers, _PHONES, _TAGS)
        return select(customers)

    def _complete(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if rows and "_phones" in rows[0]:
            phones = {row["id"]: row.pop("_phones") or [] for row in rows}
            tags = {row["id"]: row.pop("_tags") or [] for row in rows}
        else:
            phones, tags = self._phones_and_tags([row["id"] for row in rows])
        for row in rows:
            numbers = phones[row["id"]]
            row.update(phone=numbers[0] if numbers else None, phones=numbers[1:], tags=tags[row["id"]],
                       created_at=as_utc(row["created_at"]), updated_at=as_utc(row["updated_at"]),
                       consent=with_every_channel(row["consent"]))  # stored before WeChat: not granted
        return rows

    def _phones_and_tags(self, ids: list[str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        phones: dict[str, list[str]] = defaultdict(list)
        for customer_id, phone in self.session.execute(
                select(customer_phones.c.customer_id, customer_phones.c.phone)
                .where(among(self.session, customer_phones.c.customer_id, ids)).order_by(customer_phones.c.position)):
            phones[customer_id].append(phone)
        tags: dict[str, list[str]] = defaultdict(list)
        for customer_id, tag in self.session.execute(
                select(customer_tags.c.customer_id, customer_tags.c.tag)
                .where(among(self.session, customer_tags.c.customer_id, ids)).order_by(customer_tags.c.tag)):
            tags[customer_id].append(tag)
        return phones, tags

    def phone_owners(self, phones: Iterable[str]) -> dict[str, str]:
        """{phone: customer id} for those of `phones` that belong to a customer."""
        rows = self.session.execute(select(customer_phones.c.phone, customer_phones.c.customer_id)
                                    .where(customer_phones.c.phone.in_(list(phones))))
        return dict(rows.all())  # type: ignore[arg-type]  # rows of two columns are pairs

    def email_holders(self, emails: Iterable[str | None]) -> dict[str, str]:
        """{email as compared: the id of the (oldest) live customer holding it} for those of `emails` held."""
        return {key: ids[0] for key, ids in email_holders(self.session, emails).items()}

    def add(self, customer: dict[str, Any]) -> None:
        """Insert a new customer (its phones, e-mail and tags too)."""
        self.session.execute(insert(customers).values(
            id=customer["id"], version=customer["version"], created_at=customer["created_at"],
            updated_at=customer["updated_at"], **{name: customer[name] for name in COLUMNS if name in customer}))
        self._write_phones(customer["id"], [customer["phone"], *customer["phones"]])
        self.write_email(customer["id"], customer.get("email"))
        self._write_tags(customer["id"], customer["tags"])
        self.write_search_keys(customer)

    def update(self, customer: dict[str, Any], expected_version: int, changed: Iterable[str],
               email_if_free: bool = False) -> bool:
        """Write the `changed` fields of `customer` and bump its version, only if it is still at
        `expected_version` (compare-and-set: of two concurrent writers one wins); True when written.
        A changed e-mail is claimed for the customer (`email_if_free`: only when no one else holds it, as a
        merge or its undo restores what may have been shared before; otherwise the unique key refuses it)."""
        changed = set(changed)
        values = {name: customer[name] for name in COLUMNS if name in changed}
        result = self.session.execute(
            update(customers).where(customers.c.id == customer["id"], customers.c.version == expected_version)
            .values(version=expected_version + 1, updated_at=customer["updated_at"], **values))
        if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE or DELETE gives a CursorResult, typed Result
            return False
        if changed & {"phone", "phones"}:
            self.session.execute(delete(customer_phones).where(customer_phones.c.customer_id == customer["id"]))
            self._write_phones(customer["id"], [customer["phone"], *customer["phones"]])
        if "email" in changed:
            self.session.execute(delete(customer_emails).where(customer_emails.c.customer_id == customer["id"]))
            self.write_email(customer["id"], customer.get("email"), if_free=email_if_free)
        if "tags" in changed:
            self.session.execute(delete(customer_tags).where(customer_tags.c.customer_id == customer["id"]))
            self._write_tags(customer["id"], customer["tags"])
        if "name" in changed:  # (a change of what the keys carry is followed by a trigger)
            self.write_search_keys(customer)
        return True

    def reach(self, customer_ids: Sequence[str]) -> list[Any]:
        """(id, store_id, erased_at, merged_into) of those of the customers that exist: who may reach them."""
        return list(self.session.execute(select(*_REACH_COLUMNS).where(customers.c.id.in_(customer_ids))).all())

    def reach_of(self, customer_id: str) -> Any:
        """(id, store_id, erased_at, merged_into) of one customer, or None."""
        return self.session.execute(select(*_REACH_COLUMNS).where(customers.c.id == customer_id)).first()

    def current_version(self, customer_id: str) -> int | None:
        """The committed version of a customer, read afresh."""
        return self.session.execute(select(customers.c.version).where(customers.c.id == customer_id)).scalar()

    def write_search_keys(self, customer: dict[str, Any]) -> None:
        """(Re)write the keys the customer's name is found by (any part of it, its pinyin, its initials), each
        with what the keys carry of the customer (KEY_CARRIES)."""
        customer_id = customer["id"]
        self.session.execute(delete(customer_search_keys).where(customer_search_keys.c.customer_id == customer_id))
        carried = {name: customer.get(name) for name in KEY_CARRIES}
        keys = [{"customer_id": customer_id, "kind": key.kind, "position": key.position, "key": key.key, **carried}
                for key in search_keys(customer["name"])]
        if keys:
            self.session.execute(insert(customer_search_keys), keys)

    def write_email(self, customer_id: str, email: str | None, if_free: bool = False) -> None:
        """Let the customer hold `email` (as compared); `if_free`: only when no one holds it (else the unique
        key refuses a second holder: IntegrityError)."""
        key = email_key(email)
        if key is None:
            return
        if if_free and self.session.execute(select(customer_emails.c.customer_id)
                                            .where(customer_emails.c.email == key)).first() is not None:
            return
        self.session.execute(insert(customer_emails).values(email=key, customer_id=customer_id))

    def free_phones(self, customer_id: str) -> None:
        """The customer holds no phone number any more (merged into another: the survivor takes them)."""
        self.session.execute(delete(customer_phones).where(customer_phones.c.customer_id == customer_id))

    def merged_into(self, customer_id: str) -> list[str]:
        """The ids of the records merged into the customer (its tombstones)."""
        return list(self.session.execute(select(customers.c.id).where(customers.c.merged_into == customer_id))
                    .scalars())

    def free_email(self, customer_id: str) -> None:
        """The customer holds no e-mail any more (merged into another, or erased)."""
        self.session.execute(delete(customer_emails).where(customer_emails.c.customer_id == customer_id))

    def _write_phones(self, customer_id: str, phones: list[str]) -> None:
        self.session.execute(insert(customer_phones), [
            {"phone": phone, "customer_id": customer_id, "position": position,
             "digits_reversed": digits(phone)[::-1]} for position, phone in enumerate(phones)])

    def _write_tags(self, customer_id: str, tags: list[str]) -> None:
        if tags:
            self.session.execute(insert(customer_tags), [{"customer_id": customer_id, "tag": tag} for tag in tags])


def email_holders(session: Session, emails: Iterable[str | None]) -> dict[str, list[str]]:
    """{email as compared: the live (neither merged nor erased) customers with it, oldest first} for those of
    `emails` (compared trimmed and in lower case) that someone has."""
    wanted = sorted({key for key in map(email_key, emails) if key})
    if not wanted:
        return {}
    holders: dict[str, list[str]] = {}
    for email, customer_id in session.execute(
            select(customers.c.email, customers.c.id)
            .where(among(session, func.lower(customers.c.email, type_=String(320)), wanted),
                   customers.c.merged_into.is_(None),
                   customers.c.erased_at.is_(None))
            .order_by(customers.c.created_at, customers.c.id)):
        key = email_key(email)
        if key:
            holders.setdefault(key, []).append(customer_id)
    return holders
