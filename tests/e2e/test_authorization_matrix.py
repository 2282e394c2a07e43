"""The authorization matrix, end to end: every operation of the merged OpenAPI document × every role × a
caller of the whole group and one tied to store sh01 × a record of sh01, of bj01 or of no store, sent
through the gateway and straight to the service that serves it.

The cells come from the document (each operation's `x-roles`), so a new route is in the matrix the day it
exists; an operation that declares no permission, or a path parameter the matrix cannot fill, fails it.
The rules checked:
- a role the operation does not name gets 403 (never 2xx, never 5xx), before its body is read (it is sent
  empty, and a 422 would be a failure);
- a role it names is not refused (no 401/403) on a record of its own store or of no store, and finds the
  record (no 404 on a read);
- a caller tied to sh01 gets 403 or 404 on bj01's records and reports, and never sees bj01's data in a
  2xx answer; a report it asks for without a store is the report of sh01; a customer id merged into one
  of sh01's customers answers it as it answers a group-wide caller of its role (the record served is
  what is in reach); on group-wide settings (SLA policies, reminder rules) its writes are 403;
- nobody gets a 5xx.
A write refused for another store's record may be refused for its body first (400/422/428 show nothing
of the record); those are counted and printed, not failed.
Cells are sent refusals first, then allowed reads, then allowed writes (the ones that end records last),
so the records each refusal is tried on are still there.
"""
from __future__ import annotations

import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any

import httpx
import pytest
from gateway.config import DEFAULT_UPSTREAMS
from servicekit.auth import ROLES
from servicekit.processes import eventually, login, running_system

pytestmark = pytest.mark.e2e

OWN, OTHER = STORES = ("sh01", "bj01")
#: Operations anyone may call: OpenAPI says so with an empty `security`; the list is here so a new public
#: operation is a decision someone makes in this file, not an accident.
PUBLIC = {("post", "/api/v1/auth/token")}
#: Group-wide settings: changed only by callers with no store tie (PRODUCT: managers of the group).
GROUP_SETTINGS = ("/api/v1/complaints/sla-policies", "/api/v1/reminders/rules", "/api/v1/complaints/settings",
                  "/api/v1/complaints/escalation-contacts")
#: Path and body parameters naming a record of one store, and those naming something of the whole group
#: (a store's own entry is reference data every caller may read, as GET /stores lists them all).
STORE_RECORDS = ("customer_id", "asset_id", "merge_id", "import_id", "complaint_id", "notice_id", "reminder_id",
                 "appointment_id", "channel", "visit_id")
GROUP_RECORDS = ("policy_id", "rule_id", "username", "key_id", "store_id", "contact_id", "view_id")
#: Query parameters that pick a store: a report's `store`, a listing's `store_id` filter.
STORE_QUERIES = ("store", "store_id")
#: A parameter that makes a listing show records (the value report lists a segment's customers with it).
SHOWING = {"/api/v1/reports/value": {"segment": "new"}}
#: Refusals of a request's shape, answered before the record is looked up: they show nothing of it.
SHAPE_REFUSALS = {400, 415, 422, 428}
#: Requests in flight at once while nothing is written (each web worker serves 4 threads).
PARALLEL = 4
#: The prefix of a target that is an id merged into a customer of the store named after it.
MERGED = "merged:"
#: Texts for a required string field: the first its pattern admits (ids, names, times of day).
TEXTS = ("matrix_check", "Matrix check", "10:00")
#: A report's envelope (what it was asked for, how fresh it is): the rest are its figures.
ENVELOPE = frozenset({"report", "from", "to", "store", "stores", "freshness"})


@dataclass
class Caller:
    """A user of one role, of the whole group or tied to OWN, with a header for each way in."""

    username: str
    role: str
    stores: tuple[str, ...]
    gateway: dict[str, str] = field(default_factory=dict)
    direct: dict[str, str] = field(default_factory=dict)

    @property
    def tied(self) -> bool:
        """Limited to its stores (admins see every store whatever they are tied to)."""
        return bool(self.stores) and self.role != "admin"


@dataclass(frozen=True)
class Cell:
    """One request of the matrix and what must come of it."""

    method: str
    path: str
    service: str | None  # None: the gateway's own operation, reached through the gateway only
    caller: Caller
    target: str | None  # the store whose record is used; None: a record or listing of the whole group
    url: str
    query: dict[str, str]
    body: Any
    expect: str  # "role", "settings", "scope", "filter", "allow"


@pytest.fixture(scope="module")
def system(tmp_path_factory, postgres_database, amqp_url):
    """Every service with its workers, the gateway's rate limits lifted for the run."""
    processes = [("customer", "web"), ("customer", "relay"), ("customer", "consume"),
                 ("complaint", "web"), ("complaint", "relay"),
                 ("complaint", "consume"), ("reminder", "web"), ("reminder", "relay"), ("reminder", "consume"),
                 ("reminder", "schedule"), ("reporting", "web"), ("reporting", "consume")]
    env = {"CRM_RATE_LIMIT": "100000/minute", "CRM_TOKEN_RATE_LIMIT": "1000/minute",
           "CRM_REMINDER_SCHEDULER_INTERVAL": "0.3"}
    with running_system(tmp_path_factory.mktemp("e2e-matrix"), postgres_database, amqp_url, processes,
                        DEFAULT_UPSTREAMS, env=env) as running:
        yield running


def created(client: httpx.Client, method: str, url: str, headers: dict, **kwargs) -> dict:
    """The JSON of a request that must succeed."""
    response = client.request(method, url, headers=headers, **kwargs)
    assert response.is_success, f"{method} {url}: {response.status_code} {response.text}"
    return response.json()


def accepted(client: httpx.Client, method: str, url: str, headers: dict, **kwargs) -> dict:
    """The JSON of a request that succeeds once the events before it have reached the service."""
    return eventually(lambda: client.request(method, url, headers=headers, **kwargs),
                      lambda response: response.is_success)[0].json()


def phone() -> str:
    """A mobile number no other record has."""
    return f"139{uuid.uuid4().int % 10**8:08d}"


def store_records(client: httpx.Client, api: str, admin: dict, store: str, elsewhere: str) -> tuple[dict, set]:
    """One record of each kind in `store`, by parameter name, and the strings that show its data."""
    def customer(name: str, in_store: str) -> dict:
        return accepted(client, "POST", f"{api}/customers", admin, json={  # once the customer service knows admin
            "name": name, "phone": phone(), "kind": "owner", "owner": "admin", "store_id": in_store})

    main, survivor, duplicate = (customer(f"矩阵{store}{n}", store) for n in ("甲", "乙", "丙"))
    # A customer of the other store merged into this store's survivor: its id now serves this store's data.
    tombstone = customer(f"矩阵{store}外", elsewhere)
    delivered = (datetime.now(UTC) - timedelta(days=4)).date().isoformat()
    plate = f"沪M{uuid.uuid4().hex[:5].upper()}"
    asset = created(client, "POST", f"{api}/customers/{main['id']}/assets", admin, json={
        "kind": "vehicle", "model": "CR-V", "plate": plate, "delivered_on": delivered, "odometer_km": 5})
    visit = created(client, "POST", f"{api}/customers/{main['id']}/visits", admin,
                    json={"kind": "store", "purpose": "看车"})
    merge = created(client, "POST", f"{api}/customers/merges", admin,
                    json={"survivor_id": survivor["id"], "merged_id": duplicate["id"]})
    created(client, "POST", f"{api}/customers/merges", admin,
            json={"survivor_id": survivor["id"], "merged_id": tombstone["id"]})
    sheet = f"name,phone,kind\n矩阵{store}导入,{phone()},prospect\n".encode()
    job = created(client, "POST", f"{api}/customers/imports", admin, data={"mode": "create", "store_id": store},
                  files={"file": ("customers.csv", sheet, "text/csv")})
    complaint = accepted(client, "POST", f"{api}/complaints", admin, json={
        "customer_id": main["id"], "channel": "phone", "category": "service", "severity": "normal",
        "description": "矩阵投诉"})
    notice = created(client, "POST", f"{api}/complaints/{complaint['id']}/rectifications", admin,
                     json={"department": "service", "required_action": "整改"})
    accepted(client, "POST", f"{api}/reminders/opt-outs", admin, json={"customer_id": main["id"], "channel": "sms"})
    tasks, _ = eventually(lambda: client.get(f"{api}/reminders/tasks", headers=admin,
                                             params={"customer_id": main["id"]}).json().get("items"))
    task = tasks[0]
    appointment = accepted(client, "POST", f"{api}/appointments", admin, json={
        "customer_id": main["id"], "asset_id": asset["id"], "purpose": "maintenance",
        "scheduled_at": (datetime.now(UTC) + timedelta(days=2)).isoformat()})
    records = {"customer_id": main["id"], "asset_id": asset["id"], "merge_id": merge["merge_id"],
               "import_id": job["id"], "complaint_id": complaint["id"], "notice_id": notice["id"],
               "reminder_id": task["id"], "appointment_id": appointment["id"], "channel": "sms",
               "merged_customer_id": tombstone["id"], "visit_id": visit["id"]}
    shown = {main["id"], survivor["id"], duplicate["id"], asset["id"], complaint["id"], task["id"],
             appointment["id"], main["name"], survivor["name"], duplicate["name"], plate,
             main["phone"][-11:], survivor["phone"][-11:]}
    return records, shown


@dataclass
class World:
    """What the matrix is run on: callers, each store's records, the group's records, and the services."""

    gateway: str
    services: dict[str, str]
    callers: list[Caller]
    records: dict[str, dict[str, str]]
    shown: dict[str, set[str]]
    group: dict[str, str]
    owners: dict[tuple[str, str], str]  # (method, path) -> the service serving it


@pytest.fixture(scope="module")
def world(system) -> Iterator[World]:
    """Stores sh01 and bj01, a record of each kind in each, group-wide records, and a user per role and tie."""
    started = time.monotonic()
    print(f"\nsystem ready at {datetime.now(UTC):%H:%M:%S}")
    api = f"{system.gateway}/api/v1"
    admin = login(system.gateway)
    with httpx.Client(timeout=30) as client:
        for store in STORES:
            created(client, "POST", f"{api}/stores", admin, json={"id": store, "name": f"矩阵门店{store}"})
        records, shown = {}, {}
        for store, elsewhere in (STORES, STORES[::-1]):
            records[store], shown[store] = store_records(client, api, admin, store, elsewhere)
        print(f"\nrecords of both stores made in {time.monotonic() - started:.1f} s")
        policy = created(client, "POST", f"{api}/complaints/sla-policies", admin, json={
            "category": "quality", "severity": "critical", "acknowledge_minutes": 10, "respond_minutes": 30,
            "resolve_minutes": 600, "first_callback_minutes": 60})
        created(client, "POST", f"{api}/users", admin,
                json={"username": "matrix.target", "password": f"Mx-{uuid.uuid4().hex}", "role": "viewer"})
        rules = created(client, "GET", f"{api}/reminders/rules", admin)
        rule = (rules["items"] if isinstance(rules, dict) else rules)[0]
        # the one told must be a user the complaint service has heard of
        contact = accepted(client, "POST", f"{api}/complaints/escalation-contacts", admin, json={
            "store_id": "*", "level": "general_manager", "username": "matrix.target"})
        key = created(client, "POST", f"{api}/api-keys", admin, json={"name": "matrix key"})
        # the admin's own view: the callers (none of them its owner) do not see it
        view = created(client, "POST", f"{api}/saved-views", admin, json={"name": "matrix view",
                                                                         "screen": "complaints"})
        group = {"policy_id": policy["id"], "rule_id": rule["id"], "username": "matrix.target",
                 "key_id": key["id"], "store_id": OTHER, "contact_id": contact["id"], "view_id": view["id"]}
        def user(role: str, stores: tuple[str, ...]) -> Caller:
            caller = Caller(f"matrix.{role}.{stores[0] if stores else 'group'}", role, stores)
            password = f"Mx-{uuid.uuid4().hex}"
            created(client, "POST", f"{api}/users", admin, json={
                "username": caller.username, "password": password, "role": role, "stores": list(stores)})
            caller.gateway = login(system.gateway, caller.username, password)
            caller.direct = system.service_headers(caller.role, caller.username, caller.stores)
            return caller

        callers = [user(role, stores) for role in ROLES for stores in ((), (OWN,))]
        owners = {}
        for service, url in system.services.items():
            for path, item in created(client, "GET", f"{url}/openapi.json", {})["paths"].items():
                owners.update({(method, path): service for method in item if method != "parameters"})
    print(f"records and callers made in {time.monotonic() - started:.1f} s")
    yield World(system.gateway, system.services, callers, records, shown, group, owners)


def resolve(document: dict, node: dict) -> dict:
    """`node` with its $ref followed."""
    while "$ref" in node:
        node = document["components"][node["$ref"].split("/")[2]][node["$ref"].rsplit("/", 1)[1]]
    return node


def example(document: dict, name: str, schema: dict, fill: dict[str, str]) -> Any:
    """A value for a required field: a record of the cell's store by name, else one the schema admits."""
    schema = resolve(document, schema)
    if name in fill:
        return fill[name]
    if name.endswith("_ids") and name[:-1] in fill:
        return [fill[name[:-1]]]
    if "enum" in schema:
        return next(value for value in schema["enum"] if value != "*")
    kind, shape = schema.get("type"), schema.get("format")
    if kind == "object":
        return {key: example(document, key, value, fill) for key, value in schema.get("properties", {}).items()
                if key in schema.get("required", ())}
    if kind == "array":
        return [example(document, name, schema.get("items", {}), fill)] if schema.get("minItems") else []
    if kind in ("integer", "number"):
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return False
    now = datetime.now(UTC) + (timedelta(days=-30) if name.startswith("from") else timedelta(days=1))
    formatted = {"date": now.date().isoformat(), "date-time": now.isoformat(), "uuid": str(uuid.uuid4()),
                 "email": "matrix@example.com"}
    if shape in formatted:
        return formatted[shape]
    pattern = schema.get("pattern", "")
    return next((text for text in TEXTS if re.search(pattern, text)), TEXTS[0])


def body_of(document: dict, operation: dict, fill: dict[str, str]) -> tuple[str | None, Any]:
    """The minimal body the operation admits (its required fields), as (content type, value)."""
    content = operation.get("requestBody", {}).get("content", {})
    for media, entry in content.items():
        return media, example(document, "", entry.get("schema", {}), fill)
    return None, None


def targets(document: dict, path: str, method: str, operation: dict, params: list[dict]) -> list[str | None]:
    """The stores whose records the operation is tried on (None: the group's)."""
    names = {param["name"] for param in params if param["in"] == "path"}
    if names & set(STORE_RECORDS):
        # A customer's reads are also tried on an id merged into a customer of the store (the record served).
        return [*STORES, MERGED + OWN, MERGED + OTHER] if method == "get" and names == {"customer_id"} \
            else list(STORES)
    if {param["name"] for param in params if param["in"] == "query"} & set(STORE_QUERIES):
        return [*STORES, None]
    _, body = body_of(document, operation, {name: "x" for name in STORE_RECORDS})
    if isinstance(body, dict) and set(body) & set(STORE_RECORDS):
        return list(STORES)
    return [None]


def expectation(caller: Caller, method: str, path: str, roles: list[str], store: str | None,
                queried: bool) -> str:
    """What the rules say must come of `caller` calling the operation on `store`'s record."""
    if caller.role not in roles:
        return "role"
    if caller.tied and method != "get" and path.startswith(GROUP_SETTINGS):
        return "settings"
    if caller.tied and store == OTHER:
        return "filter" if queried and not path.startswith("/api/v1/reports") else "scope"
    return "allow"


def fill_for(world: World, target: str | None) -> dict[str, str]:
    """The records a request on `target` names, by parameter name (the group's where none is the store's)."""
    store = target.removeprefix(MERGED) if target else OWN
    fill = {**world.group, **world.records[store]}
    if target and target.startswith(MERGED):
        fill["customer_id"] = fill["merged_customer_id"]
    return fill


def request_of(document: dict, path: str, operation: dict, params: list[dict], target: str | None,
               fill: dict[str, str]) -> tuple[str, dict[str, str], list[str]]:
    """The URL and query of a request on `target`, and the path parameters no record fills."""
    url, query, unfilled = path, dict(SHOWING.get(path, {})), []
    for param in params:
        name = param["name"]
        if param["in"] == "path":
            if name in STORE_RECORDS + GROUP_RECORDS:
                url = url.replace(f"{{{name}}}", str(fill[name]))
            else:
                unfilled.append(name)
        elif param["in"] == "query" and name in STORE_QUERIES:
            if target is not None:
                query[name] = target.removeprefix(MERGED)
        elif param["in"] == "query" and param.get("required"):
            query[name] = str(example(document, name, param.get("schema", {}), fill))
    return url, query, unfilled


def build_cells(world: World, document: dict) -> tuple[list[Cell], list[str]]:
    """Every cell of the matrix, and every operation or parameter the matrix cannot place."""
    cells, unplaceable = [], []
    for path, item in sorted(document["paths"].items()):
        for method, operation in ((m, op) for m, op in item.items() if m != "parameters"):
            if "x-roles" not in operation:
                if (method, path) not in PUBLIC or operation.get("security") != []:
                    unplaceable.append(f"{method.upper()} {path}: declares no permission (x-roles)")
                continue
            params = [resolve(document, param) for param in [*item.get("parameters", []),
                                                              *operation.get("parameters", [])]]
            queried = any(p["in"] == "query" and p["name"] in STORE_QUERIES for p in params)
            for target in targets(document, path, method, operation, params):
                fill = fill_for(world, target)
                url, query, unfilled = request_of(document, path, operation, params, target, fill)
                unplaceable += [f"{method.upper()} {path}: no record for the path parameter {name!r}"
                                for name in unfilled]
                store = target.removeprefix(MERGED) if target else None
                media, body = body_of(document, operation, fill)
                for caller in world.callers:
                    expect = expectation(caller, method, path, operation["x-roles"], store, queried)
                    # A role refused is refused before the body is read: its body is sent empty.
                    sent = (media, {}) if expect == "role" and media == "application/json" else (media, body)
                    cells.append(Cell(method, path, world.owners.get((method, path)), caller, target, url, query,
                                      sent, expect))
    return cells, sorted(set(unplaceable))


def send(client: httpx.Client, world: World, cell: Cell, direct: bool) -> httpx.Response:
    """The cell's request, through the gateway or straight to its service."""
    base = world.services[cell.service] if direct else world.gateway
    headers = dict(cell.caller.direct if direct else cell.caller.gateway)
    media, body = cell.body
    kwargs: dict[str, Any] = {}
    if media == "application/json":
        kwargs["json"] = body
    elif media is not None:  # a form (an import's options): without its file, a body that is refused
        kwargs["data"] = {key: str(value) for key, value in body.items()}
    url = f"{base}{cell.url}"
    try:
        return client.request(cell.method.upper(), url, params=cell.query, headers=headers, **kwargs)
    except httpx.RemoteProtocolError:  # a kept-alive connection the server had just closed: nothing was read
        return client.request(cell.method.upper(), url, params=cell.query, headers=headers, **kwargs)


def verdict(world: World, cell: Cell, response: httpx.Response) -> str | None:
    """Why the answer breaks the rules, or None when it keeps them."""
    status = response.status_code
    if status >= 500:
        return "server error"
    if status == 401:
        return "a valid token refused"
    if cell.expect in ("role", "settings"):
        # Another store's record may be hidden (404) before the role is looked at: that shows nothing either.
        hidden = cell.target == OTHER or (cell.caller.tied and cell.target == MERGED + OTHER)
        return None if status == 403 or (status == 404 and hidden) else "not refused with 403"
    leaked = response.is_success and any(shown in response.text for shown in world.shown[OTHER])
    if cell.expect == "scope":
        if response.is_success:
            return "another store's record served" if cell.method == "get" else "another store's record changed"
        if status in (403, 404) or (cell.method != "get" and status in SHAPE_REFUSALS):
            return None
        return f"another store's record answered {status}"
    if cell.expect == "filter":  # a listing asked for another store: refused, or answered without its data
        return "another store's data in the answer" if leaked else None
    if status == 403:
        return "refused a caller it allows"
    if status == 404 and cell.method == "get" and cell.target in STORES:
        return "a record in reach not found"  # reads come before any write, so every record is there
    if cell.caller.tied and leaked:
        return "another store's data in the answer"
    return None


def figures(response: httpx.Response) -> Any:
    """A report's answer without its envelope."""
    return {key: value for key, value in response.json().items() if key not in ENVELOPE}


def consistency(world: World, answered: dict[tuple, tuple[Cell, httpx.Response]]) -> list[tuple]:
    """Rules across cells: a caller tied to OWN is answered alike on what is in its reach whichever way it
    is named: a customer merged into one of OWN answers as for a group-wide caller of its role, and a report
    asked without a store is the report of its stores."""
    found = []
    group = {caller.role: caller for caller in world.callers if not caller.stores}
    for (method, path, username, target, direct), (cell, response) in answered.items():
        if not cell.caller.tied or cell.expect != "allow":
            continue
        if target == MERGED + OWN:
            _, peer = answered[(method, path, group[cell.caller.role].username, target, direct)]
            if peer.status_code != response.status_code:
                found.append((f"a merged id in reach answered unlike for the group ({peer.status_code})",
                              cell, direct, response))
        elif target is None and path.startswith("/api/v1/reports") and response.is_success:
            _, own = answered[(method, path, username, OWN, direct)]
            if own.is_success and figures(own) != figures(response):
                found.append(("a report without store not cut to the caller's stores", cell, direct, response))
    return found


def order(cell: Cell) -> tuple:
    """Refusals first, then reads, then writes; the ones that end a record last."""
    ends = cell.method == "delete" or cell.path.endswith(("/erasure", "/undo", "/close", "/cancel", "/reject",
                                                          "/void"))
    return (cell.expect == "allow", cell.method != "get", ends, cell.path.endswith("/erasure"))


@pytest.mark.timeout(600)  # the whole system's start is part of it; on a busy machine that alone can take minutes
def test_every_operation_every_role_and_every_store(world):
    document = httpx.get(f"{world.gateway}/api/v1/openapi.json").json()
    assert document["x-unavailable-services"] == [], "every service's operations are in the matrix"
    cells, unplaceable = build_cells(world, document)
    assert not unplaceable, "\n".join(unplaceable)

    started, failures, shape_first, answered = time.monotonic(), [], Counter(), {}
    requests = [(cell, direct) for cell in cells for direct in ([False, True] if cell.service else [False])]
    with httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=PARALLEL * 2)) as client, \
            ThreadPoolExecutor(PARALLEL) as pool:
        for phase, batch in groupby(sorted(requests, key=lambda request: order(request[0])),
                                    key=lambda request: order(request[0])):
            batch = list(batch)
            # Refusals and reads change nothing and go in parallel; writes go one at a time, in order.
            answers = (pool.map(lambda request: send(client, world, *request), batch)
                       if phase[:2] != (True, True) else (send(client, world, *request) for request in batch))
            for (cell, direct), response in zip(batch, answers, strict=True):
                answered[(cell.method, cell.path, cell.caller.username, cell.target, direct)] = (cell, response)
                problem = verdict(world, cell, response)
                if problem:
                    failures.append((problem, cell, direct, response))
                elif cell.expect == "scope" and response.status_code in SHAPE_REFUSALS:
                    shape_first[f"{cell.method.upper()} {cell.path}"] += 1
    failures += consistency(world, answered)
    elapsed = time.monotonic() - started
    print(f"\nauthorization matrix: {len(cells)} cells, {len(requests)} requests in {elapsed:.1f} s, "
          f"done at {datetime.now(UTC):%H:%M:%S}")
    writes = Counter(response.status_code for cell, response in answered.values()
                     if cell.expect == "allow" and cell.method != "get")
    print("writes by callers allowed, by status:", dict(sorted(writes.items())))
    if shape_first:
        print("another store's record, body refused before the record was looked up:",
              json.dumps(shape_first, indent=1))
    assert not failures, report(failures)


def report(failures: list) -> str:
    """The failed cells grouped by the rule they break and the operation."""
    groups: dict[str, dict[str, list[str]]] = {}
    for problem, cell, direct, response in failures:
        key = f"{cell.method.upper()} {cell.path}"
        who = (f"{cell.caller.role}{'@' + cell.caller.stores[0] if cell.caller.stores else ''} on "
               f"{cell.target or 'group'} {'direct' if direct else 'gateway'} -> {response.status_code}")
        groups.setdefault(problem, {}).setdefault(key, []).append(who)
    lines = [f"{len(failures)} cells break the rules:"]
    for problem, operations in sorted(groups.items()):
        lines.append(f"== {problem} ({sum(map(len, operations.values()))})")
        for key, whos in sorted(operations.items()):
            lines.append(f"  {key}: {'; '.join(whos)}")
    return "\n".join(lines)


def test_an_operation_without_a_permission_or_with_a_parameter_of_no_record_fails_the_matrix():
    records = {store: {name: f"{name}-{store}" for name in (*STORE_RECORDS, "merged_customer_id")}
               for store in STORES}
    world = World("http://gateway", {}, [Caller("matrix.viewer.group", "viewer", ())], records,
                  {store: set() for store in STORES}, {name: name for name in GROUP_RECORDS}, {})
    declared = {"x-permission": "read", "x-roles": list(ROLES)}
    document = {"paths": {
        "/api/v1/auth/token": {"post": {"security": []}},
        "/api/v1/customers/{customer_id}": {"get": declared},
        "/api/v1/widgets": {"get": {"summary": "new, and nobody said who may call it"}},
        "/api/v1/gadgets/{gadget_id}": {"get": declared,
                                        "parameters": [{"in": "path", "name": "gadget_id", "required": True}]}}}
    document["paths"]["/api/v1/customers/{customer_id}"]["parameters"] = [
        {"in": "path", "name": "customer_id", "required": True}]
    cells, unplaceable = build_cells(world, document)
    assert unplaceable == ["GET /api/v1/gadgets/{gadget_id}: no record for the path parameter 'gadget_id'",
                           "GET /api/v1/widgets: declares no permission (x-roles)"]
    assert {cell.url for cell in cells if cell.path == "/api/v1/customers/{customer_id}"} == {
        "/api/v1/customers/customer_id-sh01", "/api/v1/customers/customer_id-bj01",
        "/api/v1/customers/merged_customer_id-sh01", "/api/v1/customers/merged_customer_id-bj01"}
