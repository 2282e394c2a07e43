"""Realistic Chinese dealership data, deterministic by seed and streamed (constant memory), for benchmarks.

    from bench.generate import History
    history = History(seed=7, customers=10_000, visits=30_000, complaints=2_000)
    for event in history.events():      # servicekit.events.Event, as the producers publish them
        body = event.to_json()          # the CloudEvents body, routing key = event.type
    for table, row in history.rows():   # ("customer" | "asset" | "visit" | "complaint" | …, data dict)
        ...                             # the same history as plain rows, for bulk loading
    for values in history.import_rows(): # what POST /api/v1/customers accepts (national phone numbers)
        ...

    .venv/bin/python -m bench.generate --customers 1000 --format events | head   # a look at the output

One customer at a time: its record, vehicles, visits, complaints, reminders and appointments, each
aggregate's events in time order (producers guarantee no more than that). Ids, names, phones and times
all come from `random.Random(seed, customer index)`, so the same seed gives the same history; sizes are
reached on average (visits and complaints are drawn per customer around their share of the totals).

What is realistic: names from common surnames, E.164 mobile numbers (unique per customer), 省/市/区
with the plate prefix of the city (粤B·12345), car models of the brands dealers sell with their price,
VINs with a valid ISO 3779 check digit, first maintenance around 3 months after delivery, callbacks
with satisfaction, lost customers (no visit for months, a win-back call with a reason), complaints that
go filed → assigned → resolved → callback → closed, sometimes escalated, breached, reopened or rejected.
Event data follows docs/events/ (customer) and the contracts of the complaint and reminder services.
"""
from __future__ import annotations

import argparse
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from servicekit.events import Event

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文斌玉梅晨浩宇欣怡子涵俊杰思远佳琪雨婷"
#: (province, city, plate prefix, districts)
REGIONS = (
    ("广东省", "广州市", "粤A", ("天河区", "越秀区", "海珠区", "番禺区", "白云区")),
    ("广东省", "深圳市", "粤B", ("南山区", "福田区", "罗湖区", "宝安区", "龙岗区")),
    ("广东省", "佛山市", "粤E", ("禅城区", "南海区", "顺德区")),
    ("广东省", "东莞市", "粤S", ("莞城街道", "南城街道", "东城街道")),
    ("北京市", "北京市", "京A", ("朝阳区", "海淀区", "东城区", "西城区", "丰台区")),
    ("上海市", "上海市", "沪A", ("浦东新区", "徐汇区", "静安区", "闵行区", "长宁区")),
    ("浙江省", "杭州市", "浙A", ("西湖区", "上城区", "拱墅区", "滨江区")),
    ("江苏省", "南京市", "苏A", ("玄武区", "鼓楼区", "建邺区", "江宁区")),
    ("江苏省", "苏州市", "苏E", ("姑苏区", "工业园区", "吴中区")),
    ("四川省", "成都市", "川A", ("锦江区", "武侯区", "青羊区", "高新区")),
    ("湖北省", "武汉市", "鄂A", ("江汉区", "武昌区", "洪山区")),
    ("湖南省", "长沙市", "湘A", ("岳麓区", "芙蓉区", "天心区")),
)
#: (model, WMI of its maker, price in CNY)
MODELS = (
    ("雅阁 2024 款 260TURBO", "LHG", 179800), ("思域 2024 款", "LHG", 129900), ("CR-V 2024 款", "LVH", 189900),
    ("凯美瑞 2024 款", "LVG", 171800), ("卡罗拉 2024 款", "LFM", 119800), ("RAV4 荣放", "LFM", 175800),
    ("帕萨特 2024 款", "LSV", 181900), ("途观L 2024 款", "LSV", 215800), ("迈腾 2024 款", "LFV", 186900),
    ("宝马 3 系", "LBV", 299900), ("奔驰 C 级", "LE4", 329900), ("比亚迪 汉 EV", "LGX", 209800),
    ("比亚迪 宋 PLUS DM-i", "LGX", 155800),
)
SOURCES = ("朋友介绍", "网络广告", "路过到店", "车展", "老客户转介绍", "电话咨询", "汽车之家", "懂车帝")
STREETS = ("建设", "人民", "中山", "解放", "新华", "和平", "朝阳", "滨海", "学府", "科技")
INDUSTRIES = ("制造业", "互联网", "金融", "教育", "医疗", "批发零售", "建筑", "政府机关", "个体经营", "物流")
PURCHASE_TYPES = ("首次购车", "增购", "换购")
CONSULTANTS = ("li.na", "wang.qiang", "zhang.wei", "chen.jing", "liu.yang", "zhao.min", "huang.lei", "zhou.jie")
TECHNICIANS = ("zhou.sa", "wu.sa", "xu.sa", "sun.tech", "ma.tech", "zhu.tech")
AGENTS = ("cr.lin", "cr.he", "cr.gao")
STORES = ("store-gz-01", "store-sz-01", "store-sz-02", "store-bj-01", "store-sh-01", "store-hz-01")
#: As the customer service names them (the first one: a first maintenance).
SERVICE_TYPES = ("maintenance", "maintenance", "repair", "accident", "warranty")
SATISFACTION = ("very_unsatisfied", "unsatisfied", "neutral", "satisfied", "very_satisfied")
SATISFACTION_WEIGHTS = (2, 5, 13, 45, 35)
SURVEY_LEVELS = ("very_unsatisfied", "unsatisfied", "satisfied", "very_satisfied")
COMPLAINT_CATEGORIES = {"quality": ("repair_quality", "parts"), "service": ("attitude", "waiting_time", "billing"),
                        "general": ("other",), "incident": ("damage",)}
DEPARTMENTS = ("sales", "service", "parts", "finance")
SEVERITIES = ("minor", "normal", "serious", "critical")
CHANNELS = ("phone", "store", "web", "email", "sms", "letter", "survey")
LOST_REASONS = ("搬家到外地", "价格原因去了其他店", "车已卖掉", "对服务不满意", "路途太远", "其他")
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
              **dict(zip("JKLMN", range(1, 6), strict=True)), "P": 7, "R": 9,
              **dict(zip("STUVWXYZ", range(2, 10), strict=True))}
VIN_YEARS = "ABCDEFGHJKLMNPRSTVWXY123456789"  # 2010 = A … (position 10)
EVENT_ID_STEP = 0x9E3779B97F4A7C15F39CC0605CEDC835  # odd: a customer's event ids never repeat
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                   "155", "156", "157", "158", "159", "166", "177", "180", "181", "182", "183", "185", "186",
                   "187", "188", "189", "198", "199")


def vin_check_digit(vin: str) -> str:
    """The ISO 3779 / North American check character (position 9) of a 17-character VIN."""
    total = sum(VIN_VALUES[char] * weight for char, weight in zip(vin, VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def make_vin(wmi: str, serial: int, year: int, rng: random.Random) -> str:
    """A 17-character VIN with a valid check digit; `serial` (< 34 * 10**6) makes it unique."""
    vds = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(5))
    plant = PLATE_LETTERS[serial // 1_000_000 % len(PLATE_LETTERS)]
    body = f"{wmi}{vds}0{VIN_YEARS[(year - 2010) % 30]}{plant}{serial % 1_000_000:06d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def mobile(index: int, seed: int) -> str:
    """A valid mainland mobile number in E.164, unique per `index` (< 10**8: the multiplier is prime to 10**8)."""
    prefix = MOBILE_PREFIXES[index % len(MOBILE_PREFIXES)]
    subscriber = (index * 7_654_321 + seed * 104_729) % 100_000_000
    return f"+86{prefix}{subscriber:08d}"


def _iso(moment: datetime) -> str:
    return moment.isoformat()


@dataclass
class CustomerHistory:
    """Everything that happened to one customer: rows by table and the events, in time order."""

    customer: dict[str, Any]
    rows: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


class History:
    """A dealership's history: `customers` customers, about `visits` visits and `complaints` complaints."""

    def __init__(self, seed: int = 1, customers: int = 1000, visits: int = 3000, complaints: int = 200,
                 start: date = date(2023, 1, 1), end: date = date(2026, 10, 31), owner_share: float = 0.6) -> None:
        if customers < 1 or visits < 0 or complaints < 0 or end <= start:
            raise ValueError("sizes must be positive and the period not empty")
        self.seed, self.customers, self.visits, self.complaints = seed, customers, visits, complaints
        self.start = datetime(start.year, start.month, start.day, tzinfo=UTC)
        self.end = datetime(end.year, end.month, end.day, tzinfo=UTC)
        self.owner_share = owner_share
        # An owner has about four times the visits of a prospect, and nearly all the complaints.
        weight = owner_share * 4 + (1 - owner_share)
        self._visits_per_prospect = visits / customers / weight
        self._complaints_per_owner = complaints / customers / max(owner_share, 1e-9)

    # --- public streams -------------------------------------------------------------------------------
    def histories(self) -> Iterator[CustomerHistory]:
        """One customer's whole history at a time."""
        for index in range(self.customers):
            yield self._customer_history(index)

    def events(self) -> Iterator[Event]:
        """Every event, customer after customer, each aggregate's events in order."""
        for history in self.histories():
            yield from history.events

    def customer_history(self, index: int) -> CustomerHistory:
        """The history of customer number `index` alone (0 ≤ index < customers): what `histories` yields
        at that place, so disjoint sets of indexes can be generated apart (in parallel processes)."""
        if not 0 <= index < self.customers:
            raise IndexError(index)
        return self._customer_history(index)

    def rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(table, row) for customers, assets, visits, complaints, reminders and appointments."""
        for history in self.histories():
            yield from history.rows

    def import_rows(self) -> Iterator[dict[str, Any]]:
        """Customers as `POST /api/v1/customers` (and the bulk import) accept them: national phone format."""
        editable = ("name", "kind", "gender", "birthday", "email", "address", "region", "industry", "employer",
                    "job_title", "source", "owner", "tags", "intent_grade", "wanted_model", "consent", "external_id")
        for index in range(self.customers):
            customer = self._customer(random.Random(self._key(index)), index)
            phone = customer["phone"][3:]
            yield {**{name: customer[name] for name in editable}, "phone": f"{phone[:3]} {phone[3:7]} {phone[7:]}"}

    # --- one customer -----------------------------------------------------------------------------------
    def _key(self, index: int) -> int:
        return self.seed * 1_000_003 + index

    def _moment(self, rng: random.Random, after: datetime, days: float) -> datetime:
        """A moment within `days` after `after`, in opening hours (09:00–18:00 Beijing time = 01:00–10:00 UTC)."""
        day = after + timedelta(days=rng.uniform(0, days))
        return day.replace(hour=rng.randint(1, 9), minute=rng.randrange(60), second=rng.randrange(60), microsecond=0)

    def _uuid(self, rng: random.Random) -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def _customer(self, rng: random.Random, index: int) -> dict[str, Any]:
        province, city, _, districts = rng.choice(REGIONS)
        gender = rng.choice(("male", "female"))
        surname = rng.choice(SURNAMES)
        name = surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        created = self._moment(rng, self.start, (self.end - self.start).days - 1)
        district = rng.choice(districts)
        kind = "owner" if rng.random() < self.owner_share else "prospect"
        model = rng.choice(MODELS)[0]
        born = date(rng.randint(1960, 2002), rng.randint(1, 12), rng.randint(1, 28))
        return {
            "id": self._uuid(rng), "version": 1, "name": name, "phone": mobile(index, self.seed), "phones": [],
            "kind": kind, "stage": "prospect" if kind == "prospect" else "owner", "gender": gender,
            "birthday": born.isoformat(), "email": f"c{index}@example.cn" if rng.random() < 0.3 else None,
            "address": f"{city}{district}{rng.choice(STREETS)}路{rng.randint(1, 999)}号",
            "region": {"province": province, "city": city, "district": district},
            "industry": rng.choice(INDUSTRIES), "employer": None, "job_title": None,
            "source": rng.choice(SOURCES), "owner": rng.choice(CONSULTANTS), "deputy_owner": None,
            "tags": [rng.choice(PURCHASE_TYPES)], "notes": None,
            "intent_grade": rng.choice("HABC") if kind == "prospect" else None, "wanted_model": model,
            "consent": {"sms": rng.random() < 0.7, "phone": rng.random() < 0.9, "email": False},
            "quiet_hours": {"start": "21:00", "end": "08:00"}, "external_id": None,
            "store_id": rng.choice(STORES), "tier": "regular", "key_customer": rng.random() < 0.05,
            "blacklisted": False, "created_at": _iso(created), "updated_at": _iso(created),
        }

    def _customer_history(self, index: int) -> CustomerHistory:
        rng = random.Random(self._key(index))
        customer = self._customer(rng, index)
        history = CustomerHistory(customer)
        cid, created = customer["id"], datetime.fromisoformat(customer["created_at"])
        owner = customer["kind"] == "owner"
        # everyone starts as a prospect at the store; owners then take delivery
        history.customer = {**customer, "kind": "prospect", "stage": "prospect",
                            "intent_grade": customer["intent_grade"] or rng.choice("HAB")}
        self._emit(history, "customer", "customer.created.v1", cid, created, dict(history.customer))
        first = self._visit(rng, history, "store", created, customer["owner"], {"purpose": "看车"})
        horizon = (self.end - first).days
        lam = self._visits_per_prospect * (4 if owner else 1) * rng.uniform(0.5, 1.5)
        count = max(0, int(lam) + (rng.random() < lam % 1) - 1)
        if not owner or horizon < 30:
            for _ in range(count):
                moment = self._moment(rng, created, min(90, max(horizon, 1)))
                kind = rng.choice(("store", "sales_call", "store"))
                details = {"purpose": "试驾"} if kind == "store" else {"purpose": "回访意向", "outcome": "考虑中"}
                self._visit(rng, history, kind, moment, customer["owner"], details)
            history.rows.insert(0, ("customer", history.customer))  # too late to deliver: stays a prospect
            return history
        delivered = self._moment(rng, first, min(60, horizon - 1))
        asset = self._asset(rng, history, index, delivered)
        self._visit(rng, history, "delivery", delivered, customer["owner"], {}, asset["id"])
        self._emit(history, "customer", "customer.updated.v1", cid, delivered + timedelta(seconds=1),
                   {"id": cid, "version": 2, "kind": "owner", "stage": "owner", "intent_grade": None,
                    "changes": {"kind": ["prospect", "owner"], "stage": ["prospect", "owner"],
                                "intent_grade": [history.customer["intent_grade"], None]}})
        history.customer = {**history.customer, "version": 2, "kind": "owner", "stage": "owner", "intent_grade": None,
                            "updated_at": _iso(delivered + timedelta(seconds=1))}
        history.rows.insert(0, ("customer", history.customer))
        self._owner_life(rng, history, asset, delivered, count - 1)
        return history

    def _owner_life(self, rng: random.Random, history: CustomerHistory, asset: dict[str, Any],
                    delivered: datetime, count: int) -> None:
        lost = rng.random() < 0.15
        last = self.end - timedelta(days=rng.uniform(200, 400)) if lost else self.end
        moment, first_service = delivered, True
        km_per_day = rng.uniform(20, 70)
        for _ in range(max(count, 0)):
            step = 92 if first_service else rng.uniform(20, 200)
            moment = moment + timedelta(days=step * rng.uniform(0.8, 1.2))
            if moment >= last:
                break
            moment = moment.replace(hour=rng.randint(1, 9))
            if first_service and rng.random() < 0.8:
                self._reminded_service(rng, history, asset, moment)
            kind = "service" if first_service or rng.random() < 0.6 else "callback"
            if kind == "service":
                details = {"odometer_km": 10 + int((moment - delivered).days * km_per_day),
                           "amount": f"{rng.randint(300, 4000)}.00",
                           "service_type": "maintenance" if first_service else rng.choice(SERVICE_TYPES[1:])}
                first_service = False
                self._visit(rng, history, "service", moment, rng.choice(TECHNICIANS), details, asset["id"])
            else:
                details = {"channel": rng.choice(("phone", "sms", "questionnaire")),
                           "satisfaction": rng.choices(SATISFACTION, SATISFACTION_WEIGHTS)[0],
                           "scores": {"overall": rng.randint(6, 10)}}
                self._visit(rng, history, "callback", moment, rng.choice(AGENTS), details)
        lam = self._complaints_per_owner * rng.uniform(0.5, 1.5)
        for _ in range(int(lam) + (rng.random() < lam % 1)):
            filed = self._moment(rng, delivered, max(1, (min(last, self.end) - delivered).days - 20))
            self._complaint(rng, history, filed)
        if lost and last + timedelta(days=183) < self.end:
            due = last + timedelta(days=183)
            self._reminder(rng, history, asset, "lost_customer", due, completed=True,
                           extra={"lost_reason": rng.choice(LOST_REASONS), "outcome": "lost"})

    # --- pieces -----------------------------------------------------------------------------------------
    def _emit(self, history: CustomerHistory, service: str, type_: str, subject: str, moment: datetime,
              data: dict[str, Any]) -> None:
        # new_event's envelope, with an id and a time that follow from the seed rather than the clock
        raw = (int(history.customer["id"].replace("-", ""), 16) + len(history.events) * EVENT_ID_STEP) % (1 << 128)
        hexed = f"{raw:032x}"
        history.events.append(Event(
            id=f"{hexed[:8]}-{hexed[8:12]}-4{hexed[13:16]}-a{hexed[17:20]}-{hexed[20:]}", type=type_,
            source=f"/guanxi/{service}", subject=subject, data=data, correlationid=history.customer["id"],
            time=moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")))

    def _visit(self, rng: random.Random, history: CustomerHistory, kind: str, moment: datetime, staff: str,
               details: dict[str, Any], asset_id: str | None = None) -> datetime:
        cid = history.customer["id"]
        visit = {"id": self._uuid(rng), "customer_id": cid, "kind": kind, "occurred_at": _iso(moment),
                 "asset_id": asset_id, "staff": staff, "notes": None, "details": details,
                 "recorded_by": staff, "created_at": _iso(moment)}
        history.rows.append(("visit", visit))
        self._emit(history, "customer", "visit.done.v1", cid, moment, {"customer_id": cid, "visit": visit})
        return moment

    def _asset(self, rng: random.Random, history: CustomerHistory, index: int, delivered: datetime) -> dict[str, Any]:
        cid = history.customer["id"]
        model, wmi, _ = next((m for m in MODELS if m[0] == history.customer["wanted_model"]), MODELS[0])
        plate_prefix = next(r[2] for r in REGIONS if r[1] == history.customer["region"]["city"])
        plate = plate_prefix + "·" + "".join(rng.choice(PLATE_LETTERS) for _ in range(5))
        asset = {"id": self._uuid(rng), "customer_id": cid, "kind": "vehicle", "model": model, "plate": plate,
                 "vin": make_vin(wmi, index, delivered.year, rng), "delivered_on": delivered.date().isoformat(),
                 "expires_on": None, "description": None, "odometer_km": 10, "created_at": _iso(delivered)}
        history.rows.append(("asset", asset))
        self._emit(history, "customer", "asset.registered.v1", cid, delivered, {"customer_id": cid, "asset": asset})
        return asset

    def _reminder(self, rng: random.Random, history: CustomerHistory, asset: dict[str, Any], rule: str,
                  due: datetime, completed: bool, extra: dict[str, Any] | None = None) -> str:
        rid, owner = self._uuid(rng), history.customer["owner"]
        base = {"reminder_id": rid, "customer_id": history.customer["id"], "asset_id": asset["id"], "rule": rule,
                "rule_kind": rule, "due_at": _iso(due), "owner": owner, "store_id": history.customer["store_id"],
                "reason": rule.replace("_", " "), "status": "due"}
        self._emit(history, "reminder", "reminder.due.v1", rid, due, base)
        sent = due + timedelta(hours=1)
        self._emit(history, "reminder", "reminder.sent.v1", rid, sent, {**base, "status": "sent", "channel": "sms"})
        if completed:
            done = {**base, "status": "done", "outcome": "booked", "completed_by": rng.choice(AGENTS),
                    "completed_at": _iso(sent + timedelta(days=1)), "lost_reason": None, "notes": None,
                    **(extra or {})}
            self._emit(history, "reminder", "reminder.completed.v1", rid, sent + timedelta(days=1), done)
        history.rows.append(("reminder", {**base, "status": "done" if completed else "sent"}))
        return rid

    def _reminded_service(self, rng: random.Random, history: CustomerHistory, asset: dict[str, Any],
                          service_at: datetime) -> None:
        """A first-maintenance reminder, a booked appointment, and (mostly) the customer turning up."""
        booked = rng.random() < 0.6
        rid = self._reminder(rng, history, asset, "first_maintenance", service_at - timedelta(days=10), booked)
        if not booked:
            return
        aid = self._uuid(rng)
        data = {"appointment_id": aid, "customer_id": history.customer["id"], "asset_id": asset["id"],
                "reminder_id": rid, "purpose": "maintenance", "scheduled_at": _iso(service_at),
                "booked_by": rng.choice(AGENTS), "store_id": history.customer["store_id"], "status": "booked"}
        self._emit(history, "reminder", "appointment.booked.v1", aid, service_at - timedelta(days=8), data)
        kept = rng.random() < 0.85
        final = {**data, "status": "kept" if kept else "no_show"}
        if kept:
            final["visit_id"] = self._uuid(rng)
        self._emit(history, "reminder", "appointment.kept.v1" if kept else "appointment.no_show.v1", aid,
                   service_at + timedelta(hours=2), final)
        history.rows.append(("appointment", final))

    def _complaint(self, rng: random.Random, history: CustomerHistory, filed: datetime) -> None:
        category = rng.choices(tuple(COMPLAINT_CATEGORIES), (45, 40, 10, 5))[0]
        severity = rng.choices(SEVERITIES, (30, 50, 15, 5))[0]
        complaint_id, customer = self._uuid(rng), history.customer
        department = "service" if category == "quality" else rng.choice(DEPARTMENTS)
        targets = {"acknowledge": 1, "respond": 3, "resolve": 5}
        sla = {name: {"due_at": _iso(filed + timedelta(days=days)), "met_at": None, "breached": False}
               for name, days in targets.items()}
        base = {"complaint_id": complaint_id, "customer_id": customer["id"], "store_id": customer["store_id"],
                "channel": rng.choice(CHANNELS), "category": category,
                "subcategory": rng.choice(COMPLAINT_CATEGORIES[category]), "severity": severity,
                "department": department, "assignee": None, "filed_at": _iso(filed)}
        steps: list[tuple[str, datetime, dict[str, Any]]] = []

        def step(type_: str, moment: datetime, status: str, **extra: Any) -> None:
            steps.append((type_, moment, {**base, "status": status, "occurred_at": _iso(moment),
                                          "actor": rng.choice(AGENTS), "sla": json.loads(json.dumps(sla)), **extra}))

        step("complaint.filed.v1", filed, "filed",
             description="客户反映保养后异响" if category == "quality" else "服务态度差")
        sla["acknowledge"]["met_at"] = _iso(filed + timedelta(hours=2))
        assignee = rng.choice(TECHNICIANS if department == "service" else CONSULTANTS)
        base["assignee"] = assignee
        assigned = filed + timedelta(hours=rng.uniform(1, 30))
        step("complaint.assigned.v1", assigned, "assigned")
        if severity in ("serious", "critical"):
            step("complaint.escalated.v1", assigned + timedelta(minutes=5), "assigned", level=1, reason="severity")
        if rng.random() < 0.05:
            step("complaint.rejected.v1", assigned + timedelta(days=2), "rejected", findings="经检查非质量问题")
            self._complaint_out(history, steps, complaint_id)
            return
        working_minutes = int(rng.lognormvariate(7.2, 0.7))  # median about 22 working hours
        resolved = assigned + timedelta(minutes=working_minutes * 2.5)
        sla["respond"]["met_at"] = _iso(assigned + timedelta(hours=4))
        if working_minutes > 5 * 8 * 60:
            sla["resolve"]["breached"] = True
            step("complaint.sla_breached.v1", filed + timedelta(days=5), "in_progress", target="resolve",
                 due_at=sla["resolve"]["due_at"])
        else:
            sla["resolve"]["met_at"] = _iso(resolved)
        reopened = rng.random() < 0.08
        for attempt in range(2 if reopened else 1):
            step("complaint.resolved.v1", resolved, "resolved", resolution="免费返修",
                 remedy_cost=f"{rng.randint(0, 2000)}.00", responsible_party=department,
                 working_minutes_to_resolve=working_minutes)
            satisfied = attempt == 1 or not reopened
            mood = rng.choices(SATISFACTION[3:], (60, 40))[0] if satisfied else rng.choice(SATISFACTION[:2])
            callback = resolved + timedelta(days=rng.uniform(1, 4))
            step("complaint.callback_recorded.v1", callback, "callback", callback_channel="phone", satisfaction=mood,
                 callback_number=attempt + 1)
            if not satisfied:
                step("complaint.reopened.v1", callback + timedelta(minutes=1), "reopened", reason="客户不满意")
                resolved = callback + timedelta(days=2)
                working_minutes += 16 * 60
                continue
            step("complaint.closed.v1", callback + timedelta(minutes=2), "closed", satisfaction=mood)
            levels = (25, 55, 15, 5)
            step("complaint.survey_recorded.v1", callback + timedelta(minutes=3), "closed",
                 **{item: rng.choices(SURVEY_LEVELS[::-1], levels)[0]
                    for item in ("attitude", "skill", "timeliness", "promise_kept")}, staff=[assignee])
        self._complaint_out(history, steps, complaint_id)

    def _complaint_out(self, history: CustomerHistory, steps: list, complaint_id: str) -> None:
        for type_, moment, data in steps:
            self._emit(history, "complaint", type_, complaint_id, moment, data)
        history.rows.append(("complaint", steps[-1][2]))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--visits", type=int, default=300)
    parser.add_argument("--complaints", type=int, default=20)
    parser.add_argument("--format", choices=("events", "rows", "import", "counts"), default="counts")
    args = parser.parse_args()
    history = History(args.seed, args.customers, args.visits, args.complaints)
    if args.format == "events":
        for event in history.events():
            print(event.to_json())
    elif args.format == "rows":
        for table, row in history.rows():
            print(json.dumps({"table": table, "row": row}, ensure_ascii=False))
    elif args.format == "import":
        for values in history.import_rows():
            print(json.dumps(values, ensure_ascii=False))
    else:
        counts: dict[str, int] = {}
        for table, _ in history.rows():
            counts[table] = counts.get(table, 0) + 1
        events = sum(1 for _ in history.events())
        print(json.dumps({**counts, "events": events}, ensure_ascii=False))


if __name__ == "__main__":
    main()
