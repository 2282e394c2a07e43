"""One chunk of a customer import, in its transaction: every row decided against the archive and the rows above
it (its store, its key, the customer the key names, its phone numbers and e-mail), the rows that pass written
(unless a dry run), and the chunk's progress and errors recorded."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from customer.adapters.customers import CustomerRepository, email_holders
from customer.adapters.imports import ImportRepository, add_customers, external_id_holders, phone_owners
from customer.adapters.rows import now
from customer.adapters.stores import StoreRepository
from customer.domain.changes import diff
from customer.domain.customers import EDITABLE_FIELDS, shape
from customer.domain.duplicates import email_key
from customer.domain.errors import DomainError, InvalidFields
from customer.domain.transfer import column_of
from customer.service_layer.customers import save_changes
from customer.service_layer.import_rows import Checker, NewCustomer, PreparedRow

if TYPE_CHECKING:
    from customer.service_layer.imports import ImportOptions

Error = tuple[int, str, str]
Fail = Callable[[int, InvalidFields], None]
#: (line, the customer a row updates and that customer as the row wants it, or None and None for a new one,
#: the phone numbers the customer would hold, a new one as it will be written unless this is a dry run, and the
#: e-mail the customer would have, as compared)
Planned = tuple[int, dict[str, Any] | None, dict[str, Any] | None, tuple[str, ...], NewCustomer | None, str | None]


@dataclass
class Seen:
    """What the rows above have claimed: keys, phones and e-mails, with their line."""

    keys: dict[str, int] = field(default_factory=dict)
    phones: dict[str, int] = field(default_factory=dict)
    emails: dict[str, int] = field(default_factory=dict)


def apply_chunk(session: Session, import_id: str, options: ImportOptions, size: int, prepared: list[PreparedRow],
                check: Checker, seen: Seen) -> None:
    """Decide, write and count one chunk of `size` rows (`prepared`); `seen` gains what its rows claimed."""
    errors: list[Error] = []

    def fail(line: int, problem: InvalidFields) -> None:
        errors.extend((line, column_of(name), " ".join(messages)) for name, messages in problem.errors.items())

    keyed = _keyed(session, options, prepared, seen, fail)
    owners = _PhoneOwners(session)
    planned = _claim_phones(owners, session, _planned(owners, session, options, keyed, check, fail), seen, fail)
    counts = _write(session, import_id, options, planned, errors)
    counts["failed"] = len({line for line, _, _ in errors})
    errors.sort()
    ImportRepository(session).progress(import_id, now(), size, counts, errors, options.error_rows)


def _keyed(session: Session, options: ImportOptions, prepared: list[PreparedRow], seen: Seen,
           fail: Fail) -> list[PreparedRow]:
    """The rows whose cells passed, whose store exists and is the importer's, and whose key no row above has."""
    named = sorted({row.store_id for row in prepared if row.store_id is not None})
    known = StoreRepository(session).existing(named) if named else set()
    keyed: list[PreparedRow] = []
    for row in prepared:
        try:
            if row.problem is not None:
                raise InvalidFields(row.problem)
            if row.key is None:  # prepared_chunks gives a key to every row without a problem
                raise ValueError(f"line {row.line}: a row without a problem and without a key")
            _check_store(row.store_id, known, options.stores)
            if row.key in seen.keys:
                raise InvalidFields.one(options.key, f"The same {options.key} as line {seen.keys[row.key]}.")
        except InvalidFields as problem:
            fail(row.line, problem)
            continue
        seen.keys[row.key] = row.line
        keyed.append(row)
    return keyed


def _check_store(store_id: str | None, known: set[str], stores: frozenset[str] | None) -> None:
    """InvalidFields on store_id when a row names a store that does not exist, or one not of the importer's
    stores (`stores`; None: a group-wide importer, who may import into any store), as the API refuses it."""
    if store_id is None:
        return
    if store_id not in known:
        raise InvalidFields.one("store_id", f"No store {store_id} exists.")
    if stores is not None and store_id not in stores:
        raise InvalidFields.one("store_id", f"The store {store_id} is not one of yours ({', '.join(sorted(stores))}).")


class _PhoneOwners:
    """The customers holding phone numbers, each number looked up once in the chunk (keyed by phone, the keys
    are looked up to find the customer a row names, and again among the numbers the rows claim)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.asked: set[str] = set()
        self.owners: dict[str, str] = {}

    def of(self, phones: list[str]) -> dict[str, str]:
        """{phone: customer id} for those of `phones` held (and of any asked about before)."""
        new = [phone for phone in dict.fromkeys(phones) if phone not in self.asked]
        self.owners.update(phone_owners(self.session, new))
        self.asked.update(new)
        return self.owners


def _planned(owners: _PhoneOwners, session: Session, options: ImportOptions, keyed: list[PreparedRow],
             check: Checker, fail: Fail) -> list[Planned]:
    """What each row would do to the archive (create a customer, or update the one its key names); the rows
    that may not do it fail."""
    holders = _holders(owners, session, options, [row.key for row in keyed if row.key is not None])
    current = {c["id"]: c for c in CustomerRepository(session).many(list({h for hs in holders.values() for h in hs}))}
    planned: list[Planned] = []
    for row in keyed:
        try:
            found = holders.get(row.key, []) if row.key is not None else []
            planned.append(_plan_row(row, _target(found, current, options), check))
        except InvalidFields as problem:
            fail(row.line, problem)
    return planned


def _holders(owners: _PhoneOwners, session: Session, options: ImportOptions, keys: list[str]) -> dict[str, list[str]]:
    if options.key == "phone":
        held = owners.of(keys)
        return {phone: [held[phone]] for phone in keys if phone in held}
    return external_id_holders(session, keys)


def _target(found: list[str], current: dict[str, dict[str, Any]], options: ImportOptions) -> dict[str, Any] | None:
    """The customer the row's key names (None: the row is a new one), or InvalidFields saying why the row may
    not be applied to it (or may not create one)."""
    if len(found) > 1:
        raise InvalidFields.one(options.key, f"{len(found)} customers have this {options.key}; "
                                             "import them keyed by phone.")
    target = current.get(found[0]) if found else None
    if target is None:
        if options.mode == "update":
            raise InvalidFields.one(options.key, f"No customer has this {options.key}.")
        return None
    if options.stores is not None and target.get("store_id") not in options.stores:
        raise InvalidFields.one(options.key, f"The customer with this {options.key} is not of your stores.")
    if target.get("erased_at") is not None:
        raise InvalidFields.one(options.key, f"Customer {target['id']} was erased; it takes no more changes.")
    if options.mode == "create":
        raise InvalidFields.one(options.key, f"Customer {target['id']} already has this {options.key}.")
    return target


def _plan_row(row: PreparedRow, target: dict[str, Any] | None, check: Checker) -> Planned:
    if target is None:  # a new customer: prepared with the row
        if row.problems:
            raise InvalidFields(row.problems)
        if row.new_problem:
            raise InvalidFields(row.new_problem)
        return (row.line, None, None, row.numbers, row.new, row.email)
    loaded, problems = (row.loaded, row.problems) if row.partial else check(row.values, True)
    if problems:
        raise InvalidFields(problems)
    wanted = shape(target, loaded or {})
    # an address is claimed when the row changes it (one two records shared before stays as it was)
    email = email_key(wanted.get("email")) if wanted.get("email") != target.get("email") else None
    return (row.line, target, wanted, (wanted["phone"], *wanted["phones"]), None, email)


def _claim_phones(phones: _PhoneOwners, session: Session, planned: list[Planned], seen: Seen,
                  fail: Fail) -> list[Planned]:
    """The rows whose every number and e-mail is free (or already theirs) and on no row above; the others fail."""
    owners = phones.of([number for _, _, _, numbers, _, _ in planned for number in numbers])
    addressed = email_holders(session, [email for *_, email in planned if email])
    kept = []
    for line, target, wanted, numbers, new, email in planned:
        problems = _email_problems(line, target, email, addressed, seen)
        for column, problem in _phone_problems(line, target, numbers, owners, seen):
            problems.setdefault(column, []).append(problem)
        if problems:
            fail(line, InvalidFields(problems))
            continue
        seen.phones.update(dict.fromkeys(numbers, line))
        if email:
            seen.emails[email] = line
        kept.append((line, target, wanted, numbers, new, email))
    return kept


def _email_problems(line: int, target: dict[str, Any] | None, email: str | None,
                    addressed: dict[str, list[str]], seen: Seen) -> dict[str, list[str]]:
    holders = addressed.get(email, []) if email else []
    if holders and (target is None or target["id"] not in holders):
        return {"email": [f"{email} already belongs to customer {holders[0]}."]}
    if email and seen.emails.get(email, line) != line:
        return {"email": [f"{email} is also on line {seen.emails[email]}."]}
    return {}


def _phone_problems(line: int, target: dict[str, Any] | None, numbers: tuple[str, ...], owners: dict[str, str],
                    seen: Seen) -> list[tuple[str, str]]:
    """(column, problem) for each of the row's numbers another customer holds or a row above has."""
    problems = []
    for number, column in {number: "phones" if place else "phone" for place, number in enumerate(numbers)}.items():
        owner = owners.get(number)
        if owner is not None and (target is None or owner != target["id"]):
            problems.append((column, f"{number} already belongs to customer {owner}."))
        elif seen.phones.get(number, line) != line:
            problems.append((column, f"{number} is also on line {seen.phones[number]}."))
    return problems


def _write(session: Session, import_id: str, options: ImportOptions, planned: list[Planned],
           errors: list[Error]) -> dict[str, int]:
    """Write the new customers and the changes (unless a dry run); the counts of created, updated and unchanged.
    A customer changed meanwhile is reported in `errors` and the rest goes on."""
    creates = [new for _, target, _, _, new, _ in planned if target is None]
    counts = {"created": len(creates), "updated": 0, "unchanged": 0}
    if not options.dry_run:
        # new customers, their history and consent, and one customer.created.v1 each (already rows)
        # all rows or all COPY text, as the settings chose for the chunk
        add_customers(session, [new.rows for new in creates if new is not None],  # type: ignore[arg-type]
                      session.get_bind().dialect.name == "postgresql")
    for line, target, wanted, _, _, _ in planned:
        if target is None or wanted is None:
            continue
        if not diff(target, wanted, EDITABLE_FIELDS):
            counts["unchanged"] += 1
            continue
        if not options.dry_run:
            try:
                save_changes(session, target, wanted, options.actor, "imported",
                             consent_source=f"import {options.filename or import_id}")
            except DomainError as problem:  # changed meanwhile: the row is reported, the rest goes on
                errors.append((line, options.key, str(problem)))
                continue
        counts["updated"] += 1
    return counts
