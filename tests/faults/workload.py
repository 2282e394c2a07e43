"""The workload: stories of customers driven through the gateway by a few clients at once, each write sent with
an Idempotency-Key and sent again with the same key until answered (as a real integrator does), and what the
gateway acknowledged (2xx) recorded for the checks.

A story: a customer, their vehicle delivered four days ago (its three-day callback falls due at once and notifies
the webhook), an edit of the customer, a service visit, a complaint through its whole loop, an appointment.
"""
from __future__ import annotations

import re
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from servicekit.processes import login

#: Answers after which the same request is sent again with the same key: the system was busy or away.
RETRIED = {408, 425, 429, 500, 502, 503, 504}
#: A 422 naming something the service has not heard of yet (its event is on its way): sent again later.
NOT_YET = re.compile(r"[Uu]nknown|is known here|has no asset")
#: How long a client keeps sending one write before it gives the story up.
PATIENCE = 120.0


class Indeterminate(Exception):
    """The write's outcome is unknown to the client: the story stops. `makes`: the kind of record the write
    would have made (it may exist or not), if it was a create."""

    makes: str | None = None


class DoneAnswerLost(Indeterminate):
    """The service says the write was done and its answer lost (409): its change was kept, what it made unknown."""


@dataclass
class Ledger:
    """What the gateway acknowledged, by kind (customers, vehicles, visits, complaints, appointments), the
    writes whose outcome the client never learnt, and refusals no correct system gives this workload."""

    acked: dict[str, dict[str, dict]] = field(default_factory=lambda: defaultdict(dict))
    indeterminate: list[str] = field(default_factory=list)
    #: Creates whose outcome the client never learnt, by kind: each may have made one record the ledger lacks.
    uncertain: Counter[str] = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)
    retries: int = 0
    #: Each acknowledged record's writes, attempt by attempt (answer, X-Request-ID, replayed or not), to be
    #: read beside the services' logs when a check fails.
    trails: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, key: str, value: dict, trail: list[str] | None = None) -> None:
        with self.lock:
            self.acked[kind][key] = value
            self.trails[key] += trail or []


class Client:
    """One integrator: a token, an HTTP client and the ledger it writes to."""

    def __init__(self, gateway: str, ledger: Ledger, stop: threading.Event | None = None) -> None:
        self.http = httpx.Client(base_url=f"{gateway}/api/v1", timeout=15)
        self.gateway, self.ledger, self.stop = gateway, ledger, stop or threading.Event()
        self.headers = self._login()
        self.trail: list[str] = []  # the last write's attempts

    def _login(self) -> dict[str, str]:
        deadline = time.monotonic() + PATIENCE
        while True:
            try:
                return login(self.gateway)
            except (AssertionError, httpx.HTTPError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def write(self, method: str, path: str, body: dict, unknown_until_known: bool = False,
              makes: str | None = None) -> dict:
        """Send a write until it is answered 2xx; the same key while the answer is lost or 5xx. With
        `unknown_until_known`, a 422 naming something unknown (its event has not reached the service yet) is
        sent again later with a new key. `makes`: the ledger's kind of the record a create makes, named on
        the Indeterminate it raises when its outcome stays unknown."""
        try:
            return self._write(method, path, body, unknown_until_known)
        except Indeterminate as exc:
            exc.makes = makes
            raise

    def _write(self, method: str, path: str, body: dict, unknown_until_known: bool) -> dict:
        key, deadline, last = uuid.uuid4().hex, time.monotonic() + PATIENCE, ""
        self.trail = []
        while time.monotonic() < deadline:
            try:
                response = self.http.request(method, path, json=body, headers={**self.headers, "Idempotency-Key": key})
            except httpx.HTTPError as exc:
                last = repr(exc)
                self.trail.append(f"{time.strftime('%H:%M:%S')} {method} {path} key {key}: {last}")
            else:
                self.trail.append(f"{time.strftime('%H:%M:%S')} {method} {path} key {key}: {response.status_code} "
                                  f"request {response.headers.get('X-Request-ID')}"
                                  + (" replayed" if response.headers.get("Idempotent-Replayed") else ""))
                if response.is_success:
                    return response.json()
                last = f"{response.status_code} {response.text[:200]}"
                if response.status_code == 401:
                    self.headers = self._login()
                elif response.status_code == 409 and "was done" in response.text:
                    raise DoneAnswerLost(f"{method} {path}: {last}")
                elif response.status_code == 409 and self.stop.is_set():
                    # a claim whose request was cut off with its database connection is held for a minute
                    # (servicekit.idempotency): past the run's end the client does not wait for it
                    raise Indeterminate(f"{method} {path}: {last}")
                elif unknown_until_known and response.status_code == 422 and NOT_YET.search(response.text):
                    key = uuid.uuid4().hex
                elif response.status_code not in RETRIED and response.status_code != 409:
                    raise AssertionError(f"{method} {path} refused: {last}")
            with self.ledger.lock:
                self.ledger.retries += 1
            time.sleep(0.5)
        raise Indeterminate(f"{method} {path}: no answer in {PATIENCE:.0f} s ({last})")

    def story(self, number: int) -> None:
        """One customer's story; each acknowledged write recorded as it is answered."""
        ledger, tag = self.ledger, uuid.uuid4().hex[:6]
        customer = self.write("POST", "/customers", {"name": f"客户{tag}", "phone": f"139{number:08d}",
                                                      "kind": "owner", "owner": "admin"}, unknown_until_known=True,
                              makes="customers")
        ledger.record("customers", customer["id"], customer, self.trail)
        delivered = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=4)
        vehicle = self.write("POST", f"/customers/{customer['id']}/assets", {
            "kind": "vehicle", "model": "CR-V", "plate": f"粤B·{number:05d}", "delivered_on": delivered.isoformat(),
            "odometer_km": 10}, makes="vehicles")
        ledger.record("vehicles", vehicle["id"], vehicle, self.trail)
        try:
            edited = self.write("PATCH", f"/customers/{customer['id']}", {"version": customer["version"],
                                                                            "name": f"客户{tag}改"})
        except DoneAnswerLost:  # the service says the edit was kept: the customer is at the next version
            edited = {**customer, "version": customer["version"] + 1}
        ledger.record("customers", customer["id"], edited, self.trail)
        visit = self.write("POST", f"/customers/{customer['id']}/visits", {
            "kind": "service", "asset_id": vehicle["id"], "odometer_km": 900, "service_type": "maintenance"},
            makes="visits")
        ledger.record("visits", visit["id"], visit, self.trail)
        complaint = self.write("POST", "/complaints", {
            "customer_id": customer["id"], "channel": "phone", "category": "service", "severity": "normal",
            "subcategory": "waiting_time", "description": "保养等了三个小时"}, unknown_until_known=True)
        path = f"/complaints/{complaint['id']}"
        self.write("POST", f"{path}/acknowledge", {})
        self.write("POST", f"{path}/assign", {"department": "after_sales", "assignee": "admin"},
                   unknown_until_known=True)
        self.write("POST", f"{path}/resolve", {"resolution": "致歉", "remedy_cost": "100.00",
                                               "responsible_party": "after_sales"})
        self.write("POST", f"{path}/callbacks", {"channel": "phone", "satisfaction": "satisfied"})
        self.write("POST", f"{path}/survey", {"attitude": "satisfied", "skill": "satisfied",
                                              "timeliness": "satisfied", "promise_kept": "satisfied",
                                              "staff": ["admin"]})
        closed = self.write("POST", f"{path}/close", {})
        ledger.record("complaints", complaint["id"], closed, self.trail)
        appointment = self.write("POST", "/appointments", {
            "customer_id": customer["id"], "asset_id": vehicle["id"], "purpose": "maintenance",
            "scheduled_at": (datetime.now(UTC) + timedelta(days=2)).isoformat()}, unknown_until_known=True,
            makes="appointments")
        ledger.record("appointments", appointment["id"], appointment, self.trail)


def prepare(gateway: str) -> None:
    """Make the three-day delivery callback notify the webhook too (its task is made as before)."""
    client = Client(gateway, Ledger())
    client.write("PATCH", "/reminders/rules/delivery_callback_3d", {"channels": ["webhook"]})


def drive(gateway: str, stop: threading.Event, clients: int, ledger: Ledger) -> None:
    """Run stories on `clients` clients at once until `stop` is set; a story begun is finished (or given up as
    indeterminate) after that."""
    numbers, lock = iter(range(1, 10**8)), threading.Lock()

    def run() -> None:
        client = Client(gateway, ledger, stop)
        while not stop.is_set():
            with lock:
                number = next(numbers)
            try:
                client.story(number)
            except Indeterminate as exc:
                with ledger.lock:
                    ledger.indeterminate.append(str(exc))
                    if exc.makes:
                        ledger.uncertain[exc.makes] += 1
            except AssertionError as exc:  # a refusal the workload never provokes: reported as unexpected
                with ledger.lock:
                    ledger.refused.append(str(exc))

    threads = [threading.Thread(target=run, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
