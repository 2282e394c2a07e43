"""Customer archive at size, on throwaway PostgreSQL databases: bulk import, export memory, search latency.

    .venv/bin/python -m bench.customers [--import-rows 100000] [--export-sizes 10000,100000]
                                        [--search-customers 1000000] [--skip import,export,search]

- import: the service's own import (the code the background job runs: read the CSV, check every row as
  the API does, look keys and phones up, write customers, phones, tags, search keys, history and one
  customer.created.v1 each, chunk by chunk with progress) of rows from bench.generate, against a bare
  bulk insert of the same customers and phones (SQLAlchemy executemany, 1000 rows a transaction, no
  checks, no events) into a fresh database in the same run; and the same import into one store.
- export: the peak resident memory (VmHWM) of a fresh process streaming an export of N customers (loaded
  with COPY) as CSV and as XLSX, for two sizes, against the same process running the same query without
  writing rows (baseline): constant memory means the same peak at both sizes.
- search: p50/p99 of the search the API runs (count + one page of 50 + the customers) for what people
  type (a whole name, its pinyin, initials, a given name, a phone's last 4 digits, a whole phone, a plate,
  a VIN, a plate's end without its province, a VIN's last 6 characters) over N customers in six stores with
  their vehicles, for some of them as typed by staff limited to one store, against a lookup by primary key
  in the same run; and, reported apart from "all", a given name and initials among one consultant's
  customers and a given name among hot (H) prospects.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from servicekit.testing import ThrowawayDatabases

from bench.generate import MODELS, PLATE_LETTERS, REGIONS, STORES, History, make_vin

SEED = 11
#: Kinds of term also searched by a caller limited to one store.
SCOPED_KINDS = ("name", "initials", "given_name", "phone_4")
#: Kinds of term also searched with a filter on the customers (a consultant's own customers, hot prospects):
#: reported apart, not in "all".
FILTERED = (("given_name", "owner", "liu.yang"), ("initials", "owner", "liu.yang"), ("given_name", "intent_grade", "H"))
IMPORT_HEADER = ("name", "phone", "kind", "gender", "birthday", "email", "province", "city", "district", "address",
                 "industry", "source", "owner", "tags", "intent_grade", "wanted_model", "consent_sms", "consent_phone",
                 "consent_email")


# --- import ---------------------------------------------------------------------------------------------------

def write_import_csv(path: Path, rows: int) -> None:
    """`rows` generated customers as an import file (the columns an export writes)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(IMPORT_HEADER)
        for values in History(seed=SEED, customers=rows, visits=0, complaints=0).import_rows():
            region, consent = values["region"], values["consent"]
            writer.writerow([values["name"], values["phone"], values["kind"], values["gender"], values["birthday"],
                             values["email"] or "", region["province"], region["city"], region["district"],
                             values["address"], values["industry"], values["source"], values["owner"],
                             ";".join(values["tags"]), values["intent_grade"] or "", values["wanted_model"],
                             consent["sms"], consent["phone"], consent["email"]])


def bare_insert(url: str, rows: int) -> float:
    """Seconds to insert the same customers and their phones with plain executemany, no checks or events."""
    from customer.adapters.tables import customer_phones, customers
    from customer.domain.phones import digits, normalise_phone
    from servicekit.db import make_engine
    from sqlalchemy import insert

    now = datetime.now(UTC)
    records, phones = [], []
    for values in History(seed=SEED, customers=rows, visits=0, complaints=0).import_rows():
        customer_id = str(uuid.uuid4())
        phone = normalise_phone(values["phone"])
        records.append({"id": customer_id, "version": 1, "created_at": now, "updated_at": now,
                        **{k: v for k, v in values.items() if k not in ("phone", "tags")},
                        "stage": "owner" if values["kind"] == "owner" else "prospect"})
        phones.append({"phone": phone, "customer_id": customer_id, "position": 0,
                       "digits_reversed": digits(phone)[::-1]})
    engine = make_engine(url)
    started = time.perf_counter()
    with engine.connect() as connection:
        for start in range(0, rows, 1000):
            with connection.begin():
                connection.execute(insert(customers), records[start:start + 1000])
                connection.execute(insert(customer_phones), phones[start:start + 1000])
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def service_import(url: str, path: Path, store_id: str | None = None,
                   create_store: bool = True) -> tuple[float, dict[str, Any]]:
    """Seconds for the service's import of the file (its new customers in `store_id`, created first, if
    given), and the import's final state (the run the API starts: for a file this size, with the worker
    process that checks rows ahead of the writing, started inside the time measured)."""
    from customer.adapters.spreadsheets import read_rows
    from customer.adapters.tables import stores
    from customer.adapters.upload_bounds import count_rows
    from customer.entrypoints.api.row_checks import check_row
    from customer.service_layer import imports
    from servicekit.db import make_engine, make_session_factory
    from sqlalchemy import insert

    engine = make_engine(url)
    sessions = make_session_factory(engine)
    if store_id is not None and create_store:
        with engine.begin() as connection:
            connection.execute(insert(stores).values(id=store_id, name=store_id, created_at=datetime.now(UTC)))
    options = imports.ImportOptions(mode="create", key="phone", dry_run=False, actor="bench", fmt="csv",
                                    filename=path.name, store_id=store_id)
    started = time.perf_counter()
    bound = sys.maxsize  # the bounded count and reading the API runs, with a limit no file reaches
    job = imports.start_import(sessions, options, count_rows(path, "csv", bound))
    imports.run_import(sessions, job["id"], options, read_rows(path, "csv", bound), check_row)
    elapsed = time.perf_counter() - started
    state = imports.get_import(sessions, job["id"])
    engine.dispose()
    return elapsed, state


def copy_rows(path: Path, store_id: str | None = None) -> list[tuple[str, ...]]:
    """The rows the import writes for each row of the file, table by table (customers, phones, e-mails, tags,
    search keys, history, consent, outbox), as the COPY text it sends: made by the import's own functions,
    once, outside any time measured (each database gets the same rows, ids included)."""
    from customer.adapters.spreadsheets import read_rows
    from customer.domain.transfer import read_header
    from customer.entrypoints.api.row_checks import check_row
    from customer.service_layer.import_rows import RowSettings, prepare_chunk

    rows = read_rows(path, "csv", sys.maxsize)
    fields = read_header(next(rows)[1])
    settings = RowSettings("create", "phone", False, store_id, "bench", f"import {path.name}", str(uuid.uuid4()),
                           True)
    texts = []
    for row in prepare_chunk(list(rows), fields, settings, check_row):
        assert row.new is not None, row
        texts.append(row.new.rows)
    return texts  # type: ignore[return-value]  # COPY text, as settings asked


def bare_copy(url: str, texts: list[tuple[str, ...]]) -> float:
    """Seconds to COPY the rows the import writes (`copy_rows`) into the same tables, 1,000 customers a
    transaction as the import, and nothing else: no reading, checks, look-ups, events built, or progress."""
    import psycopg
    from customer.adapters.imports import NEW_CUSTOMER_TABLES

    statements = [f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN' for table, columns in NEW_CUSTOMER_TABLES]
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        started = time.perf_counter()
        for start in range(0, len(texts), 1000):
            chunk = texts[start:start + 1000]
            with connection.transaction(), connection.cursor() as cursor:
                for place, statement in enumerate(statements):
                    text = "".join([each[place] for each in chunk])
                    if text:
                        with cursor.copy(statement) as copy:
                            copy.write(text)
        return time.perf_counter() - started


def import_figures(databases: ThrowawayDatabases, rows: int, runs: int) -> dict[str, Any]:
    """The service's import against a bare COPY of the same rows into the same tables, each into a fresh migrated
    database, `runs` times alternating (medians; the machine is shared); once each, the import into one store
    against its bare COPY, and the old baseline (customers and phones only, with executemany) for reference."""
    from customer.entrypoints.runner import MIGRATIONS
    from servicekit.db import upgrade

    def fresh(name: str) -> str:
        url = databases.create(name)
        upgrade(url, MIGRATIONS)
        return url

    bare_s, import_s, states = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "customers.csv"
        write_import_csv(path, rows)
        texts = copy_rows(path)
        for run in range(runs):
            # each database dropped once measured: autovacuum would otherwise work on it during the next runs
            bare_url, import_url = fresh(f"bare{run}"), fresh(f"import{run}")
            bare_s.append(bare_copy(bare_url, texts))
            databases.drop(bare_url)
            seconds, state = service_import(import_url, path)
            databases.drop(import_url)
            import_s.append(seconds)
            states.append(state)
            print(json.dumps({"run": run, "bare_copy_s": round(bare_s[-1], 2), "import_s": round(seconds, 2),
                              "ratio": round(seconds / bare_s[-1], 2)}), flush=True)
        insert_url = fresh("insert")
        insert_s = bare_insert(insert_url, rows)
        databases.drop(insert_url)
        # the same file into one store (its customers' keys then also go into the indexes by store)
        store_texts = copy_rows(path, STORES[0])
        store_bare_url, store_url = fresh("store_bare"), fresh("store")
        for url in (store_bare_url, store_url):
            with databases_connection(url) as connection:
                connection.execute("INSERT INTO stores (id, name, created_at) VALUES (%s, %s, now())",
                                   (STORES[0], STORES[0]))
        store_bare = bare_copy(store_bare_url, store_texts)
        databases.drop(store_bare_url)
        store_seconds, store_state = service_import(store_url, path, STORES[0], create_store=False)
    for each in (*states, store_state):
        assert each["created"] == rows and each["failed"] == 0, each
    bare, seconds = statistics.median(bare_s), statistics.median(import_s)
    # the machine's load when it ended (1 and 5 minutes): figures taken on a busy machine are pessimistic
    return {"rows": rows, "runs": runs, "bare_copy_s": [round(s, 2) for s in bare_s],
            "import_s": [round(s, 2) for s in import_s],
            "ratios": [round(i / b, 2) for i, b in zip(import_s, bare_s, strict=True)],
            "median_bare_copy_s": round(bare, 2), "median_import_s": round(seconds, 2),
            "import_rows_per_s": round(rows / seconds), "ratio": round(seconds / bare, 2),
            "median_of_ratios": round(statistics.median(i / b for i, b in zip(import_s, bare_s, strict=True)), 2),
            "old_baseline_bare_insert_s": round(insert_s, 2),
            "ratio_to_old_baseline": round(seconds / insert_s, 2),
            "into_one_store_s": round(store_seconds, 2), "into_one_store_bare_copy_s": round(store_bare, 2),
            "into_one_store_ratio": round(store_seconds / store_bare, 2),
            "load_avg": [round(load, 2) for load in os.getloadavg()[:2]]}


def databases_connection(url: str) -> Any:
    """An autocommitting psycopg connection to `url`."""
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


# --- export memory --------------------------------------------------------------------------------------------

EXPORT_CHILD = """
import sys
from customer.adapters.search import matching
from customer.domain.search import build_filters
from customer.service_layer.exports import export_chunks
from servicekit.db import make_engine, make_session_factory
from sqlalchemy import func, select
url, fmt, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
sessions = make_session_factory(make_engine(url))
filters = build_filters(created_to=None)
if fmt == "none":  # the baseline: the same process and query, no rows written
    with sessions() as session:
        session.execute(select(func.count()).select_from(matching(filters)[0].limit(limit).subquery())).scalar()
else:
    import customer.service_layer.exports as exports
    exports_rows = exports.export_rows
    def limited(sessions, filters):
        for index, row in enumerate(exports_rows(sessions, filters)):
            if index > limit:
                return
            yield row
    exports.export_rows = limited
    size = sum(len(chunk) for chunk in exports.export_chunks(sessions, filters, fmt))
    print(size, file=sys.stderr)
# the high-water mark of this process's own memory (ru_maxrss would still count the parent's, from before exec)
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""


def peak_rss_kib(url: str, fmt: str, limit: int) -> int:
    """Peak resident memory (KiB, VmHWM) of a fresh process exporting `limit` customers as `fmt` ("none": the
    baseline)."""
    output = subprocess.run([sys.executable, "-c", EXPORT_CHILD, url, fmt, str(limit)], check=True,
                            capture_output=True, text=True)
    return int(output.stdout.strip().splitlines()[-1])


def export_figures(url: str, sizes: list[int]) -> dict[str, Any]:
    """Peak RSS of CSV and XLSX exports of each size against the baseline process."""
    figures: dict[str, Any] = {"baseline_kib": peak_rss_kib(url, "none", max(sizes))}
    for fmt in ("csv", "xlsx"):
        for size in sizes:
            figures[f"{fmt}_{size}_kib"] = peak_rss_kib(url, fmt, size)
    return figures


# --- search ---------------------------------------------------------------------------------------------------

def load_archive(url: str, count: int) -> dict[str, list[str]]:
    """`count` generated customers with their phones, search keys and vehicles, loaded with COPY; returns
    samples of what people would type to find some of them."""
    import psycopg
    from customer.adapters.tables import KEY_CARRIES
    from customer.domain.phones import digits
    from customer.domain.pinyin import search_keys, syllables

    samples: dict[str, list[str]] = {kind: [] for kind in
                                     ("name", "pinyin", "initials", "given_name", "phone_4", "phone", "plate", "vin",
                                      "plate_end", "vin_6")}
    rng = random.Random(SEED)
    history = History(seed=SEED, customers=count, visits=0, complaints=0)
    keys_indexes = _search_key_indexes(url)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        with connection.cursor() as cursor:
            for _, drop in keys_indexes:  # built once after the load, as a bulk load does
                cursor.execute(drop)
            with cursor.copy("COPY stores (id, name, created_at) FROM STDIN") as copy:
                for store in STORES:
                    copy.write_row((store, store, datetime.now(UTC)))
            rows_of: dict[str, list[tuple]] = {"customers": [], "phones": [], "keys": [], "assets": []}
            for table, row in _customers_and_assets(history):
                if table == "customer":
                    rows_of["customers"].append((
                        row["id"], row["version"], row["name"], row["kind"], row["stage"], row["gender"],
                        row["birthday"], row["email"], row["address"], json.dumps(row["region"], ensure_ascii=False),
                        row["industry"], row["source"], row["owner"], json.dumps(row["consent"]),
                        json.dumps(row["quiet_hours"]), row["wanted_model"], row["intent_grade"], "regular", 0,
                        row["key_customer"], False, row["created_at"], row["updated_at"], row["store_id"]))
                    rows_of["phones"].append((row["phone"], row["id"], 0, digits(row["phone"])[::-1]))
                    carried = {**row, "tier": "regular", "blacklisted": False}  # as the customer row above
                    carried_values = tuple(carried[name] for name in KEY_CARRIES)
                    rows_of["keys"].extend((row["id"], k.kind, k.position, k.key, row["created_at"], *carried_values)
                                           for k in search_keys(row["name"]))
                    if rng.random() < 0.002:
                        sounds = syllables(row["name"])
                        samples["name"].append(row["name"])
                        samples["pinyin"].append("".join(sounds))
                        samples["initials"].append("".join(s[0] for s in sounds))
                        samples["given_name"].append(row["name"][1:])
                        samples["phone_4"].append(row["phone"][-4:])
                        samples["phone"].append(row["phone"][3:])
                else:
                    rows_of["assets"].append((row["id"], row["customer_id"], row["kind"], row["model"], row["plate"],
                                              row["plate"].replace("·", "").upper() if row["plate"] else None,
                                              row["vin"], row["created_at"]))
                    if rng.random() < 0.004:
                        samples["plate"].append(row["plate"])
                        samples["vin"].append(row["vin"].lower())
                        samples["plate_end"].append(row["plate"].split("·")[-1])
                        samples["vin_6"].append(row["vin"][-6:])
                if len(rows_of["customers"]) >= 20_000:
                    _flush(cursor, rows_of)
            _flush(cursor, rows_of)
            for create, _ in keys_indexes:
                cursor.execute(create)
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM (ANALYZE)")  # as autovacuum leaves a settled table: index-only scans
    return samples


def _search_key_indexes(url: str) -> list[tuple[str, str]]:
    """(CREATE, DROP) of each index of customer_search_keys as the migrations left them."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = "
                                       "'customer_search_keys' AND indexname LIKE 'ix_%'")).all()
    engine.dispose()
    return [(definition, f"DROP INDEX {name}") for name, definition in rows]


def _customers_and_assets(history: History) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each generated customer and, for an owner, the vehicle it bought (without the rest of its history,
    which the search does not read and which would take most of the loading time)."""
    for index in range(history.customers):
        rng = random.Random(history._key(index))
        customer = history._customer(rng, index)
        yield "customer", customer
        if customer["kind"] == "owner":
            model, wmi, _ = next((m for m in MODELS if m[0] == customer["wanted_model"]), MODELS[0])
            prefix = next(region[2] for region in REGIONS if region[1] == customer["region"]["city"])
            yield "asset", {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "customer_id": customer["id"],
                            "kind": "vehicle", "model": model,
                            "plate": prefix + "·" + "".join(rng.choice(PLATE_LETTERS) for _ in range(5)),
                            "vin": make_vin(wmi, index, 2024, rng), "created_at": customer["created_at"]}


def _flush(cursor: Any, rows_of: dict[str, list[tuple]]) -> None:
    from customer.adapters.tables import KEY_CARRIES

    statements = {
        "customers": "COPY customers (id, version, name, kind, stage, gender, birthday, email, address, region, "
                     "industry, source, owner, consent, quiet_hours, wanted_model, intent_grade, tier, points_balance,"
                     " key_customer, blacklisted, created_at, updated_at, store_id) FROM STDIN",
        "phones": "COPY customer_phones (phone, customer_id, position, digits_reversed) FROM STDIN",
        "keys": f"COPY customer_search_keys (customer_id, kind, position, key, created_at, {', '.join(KEY_CARRIES)})"
                " FROM STDIN",
        "assets": "COPY assets (id, customer_id, kind, model, plate, plate_key, vin, created_at) FROM STDIN",
    }
    for table in ("customers", "phones", "keys", "assets"):
        with cursor.copy(statements[table]) as copy:
            for row in rows_of[table]:
                copy.write_row(row)
        rows_of[table].clear()


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2)}


def search_figures(databases: ThrowawayDatabases, count: int, rounds: int) -> dict[str, Any]:
    """Search latencies per kind of term (and all together) against a primary-key lookup."""
    from customer.adapters.customers import CustomerRepository
    from customer.domain.search import build_filters
    from customer.entrypoints.runner import MIGRATIONS
    from customer.service_layer.queries import search
    from servicekit.db import make_engine, make_session_factory, upgrade
    from sqlalchemy import text

    url = databases.create("search")
    upgrade(url, MIGRATIONS)
    started = time.perf_counter()
    samples = load_archive(url, count)
    load_seconds = time.perf_counter() - started
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    # and what staff tied to one store type (one store of six: the search filters every hit by store)
    scope = frozenset({STORES[1]})
    terms: list[tuple[str, str, dict[str, Any]]] = [
        (kind, term, {}) for kind, values in samples.items() for term in values[:rounds]]
    terms += [(f"{kind}, one store", term, {"stores": scope}) for kind in SCOPED_KINDS
              for term in samples[kind][:rounds]]
    terms += [(f"{kind}, {name}={value}", term, {name: value}) for kind, name, value in FILTERED
              for term in samples[kind][:rounds // 2]]
    random.Random(SEED).shuffle(terms)
    with sessions() as session:
        ids = [row[0] for row in session.execute(
            text("SELECT id FROM customers TABLESAMPLE SYSTEM (1) LIMIT 500"))] or [  # 1 % of a few pages: none
            row[0] for row in session.execute(text("SELECT id FROM customers LIMIT 500"))]

    def timed(call: Callable[[], Any]) -> float:
        begin = time.perf_counter()
        call()
        return time.perf_counter() - begin

    # warm the caches, and build the queries of each kind's usual shapes of term (a search builds and compiles
    # the SQL of each new shape once per process, 10-30 ms, which would otherwise sit in the tail of the kinds
    # with few queries): 50 queries, then the first 10 of each kind; all are timed again below
    warm = terms[:50] + [each for kind in dict.fromkeys(kind for kind, _, _ in terms)
                         for each in [t for t in terms if t[0] == kind][:10]]
    for _, term, filters in warm:
        search(sessions, build_filters(q=term, **filters), 1, 50)
    per_kind: dict[str, list[float]] = {kind: [] for kind, _, _ in terms}
    found: dict[str, list[int]] = {kind: [] for kind in per_kind}
    lookups: list[float] = []
    for index, (kind, term, filters) in enumerate(terms):
        per_kind[kind].append(timed(lambda term=term, kind=kind, filters=filters: found[kind].append(
            search(sessions, build_filters(q=term, **filters), 1, 50).total)))
        customer_id = ids[index % len(ids)]

        def lookup(customer_id: str = customer_id) -> None:
            with sessions() as session:
                CustomerRepository(session).get(customer_id)
        lookups.append(timed(lookup))
    engine.dispose()
    every = [value for kind, values in per_kind.items() if "=" not in kind for value in values]
    figures = {"customers": count, "load_s": round(load_seconds, 1), "queries": len(every),
               "all": _percentiles(every), "pk_lookup": _percentiles(lookups),
               "kinds": {kind: {**_percentiles(values), "median_hits": statistics.median(found[kind]),
                                # the count stops at customer.domain.search.COUNT_LIMIT ("5,000+")
                                "counts_at_limit": sum(getattr(n, "is_lower_bound", False) for n in found[kind])}
                         for kind, values in per_kind.items() if values}}
    figures["p99_ratio_to_pk_lookup"] = round(figures["all"]["p99_ms"] / figures["pk_lookup"]["p99_ms"], 1)
    return figures


def main() -> None:
    from customer.entrypoints.runner import MIGRATIONS
    from servicekit.db import upgrade

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--import-runs", type=int, default=3, help="import and bare COPY, alternating")
    parser.add_argument("--export-sizes", default="10000,100000")
    parser.add_argument("--search-customers", type=int, default=1_000_000)
    parser.add_argument("--search-rounds", type=int, default=200, help="queries per kind of term (at most)")
    parser.add_argument("--skip", default="", help="comma-separated: import, export, search")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    sizes = [int(size) for size in args.export_sizes.split(",")]
    results: dict[str, Any] = {"started": datetime.now(UTC).isoformat(timespec="seconds"),
                               "cpus": os.cpu_count(), "python": sys.version.split()[0]}
    databases = ThrowawayDatabases()
    try:
        if "import" not in skip:
            results["import"] = import_figures(databases, args.import_rows, args.import_runs)
            print(json.dumps({"import": results["import"]}, ensure_ascii=False), flush=True)
        if "export" not in skip:
            url = databases.create("export")
            upgrade(url, MIGRATIONS)
            load_archive(url, max(sizes))
            results["export"] = export_figures(url, sizes)
            print(json.dumps({"export": results["export"]}), flush=True)
        if "search" not in skip:
            results["search"] = search_figures(databases, args.search_customers, args.search_rounds)
            print(json.dumps({"search": results["search"]}, ensure_ascii=False), flush=True)
    finally:
        databases.drop_all()
    print(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"max RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} KiB", file=sys.stderr)


if __name__ == "__main__":
    main()
