"""Customers as spreadsheet rows: the columns of an export, and reading the cells of an import.

An export can be imported again: the same column names. Imports also take the Chinese headings
dealers' own sheets use (姓名, 手机, 意向级别 …) and the usual Chinese values (男/女, 意向客户/保有客户,
是/否). Reading turns text cells into field values and names every cell it cannot read; the rules a
customer must keep are checked afterwards, the same way as for the API.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

#: Columns an import may fill, in export order.
COLUMNS = ("external_id", "name", "phone", "phones", "kind", "stage", "gender", "birthday", "email", "province",
           "city", "district", "address", "industry", "employer", "job_title", "source", "owner", "deputy_owner",
           "tags", "notes", "intent_grade", "wanted_model", "consent_sms", "consent_phone", "consent_email",
           "purchase_type", "store_id", "wechat_openid", "consent_wechat")
#: Columns an export adds that an import reads past (they are the archive's to set, not a sheet's).
READ_ONLY = ("id", "version", "tier", "points_balance", "key_customer", "blacklisted", "created_at", "updated_at")
EXPORT_COLUMNS = ("id", *COLUMNS, *READ_ONLY[1:])
HEADINGS = {
    "编号": "external_id", "外部编号": "external_id", "客户编号": "external_id", "姓名": "name", "客户姓名": "name",
    "名称": "name", "手机": "phone", "手机号": "phone", "手机号码": "phone", "电话": "phone", "联系电话": "phone",
    "其他电话": "phones", "类型": "kind", "客户类型": "kind", "阶段": "stage", "性别": "gender", "生日": "birthday",
    "出生日期": "birthday", "邮箱": "email", "电子邮箱": "email", "省": "province", "省份": "province", "市": "city",
    "城市": "city", "区": "district", "区县": "district", "地址": "address", "行业": "industry",
    "工作单位": "employer", "单位": "employer", "职务": "job_title", "职位": "job_title", "来店原因": "source",
    "来源": "source", "顾问": "owner", "销售顾问": "owner", "副顾问": "deputy_owner", "标签": "tags",
    "备注": "notes", "意向级别": "intent_grade", "意向车型": "wanted_model", "短信": "consent_sms",
    "电话回访": "consent_phone", "邮件": "consent_email", "购车类型": "purchase_type", "购买类型": "purchase_type",
    "门店": "store_id", "门店编号": "store_id",
    "微信OpenID": "wechat_openid", "微信openid": "wechat_openid", "微信OpenId": "wechat_openid",
    "微信 OpenID": "wechat_openid", "OpenID": "wechat_openid", "openid": "wechat_openid", "微信": "consent_wechat",
    "微信通知": "consent_wechat", "微信消息": "consent_wechat",
}
#: Headings of a WeChat account name (微信号): not the openid a template message is sent to.
WECHAT_ID_HEADINGS = ("微信号", "微信账号", "微信ID", "微信id")
VALUES = {
    "kind": {"意向客户": "prospect", "a卡": "prospect", "保有客户": "owner", "c卡": "owner"},
    "gender": {"男": "male", "女": "female", "其他": "other"},
    "stage": {"线索": "lead", "意向": "prospect", "保有": "owner", "忠诚": "loyal", "流失": "lost"},
    "purchase_type": {"首次购车": "first", "首购": "first", "增购": "additional", "换购": "replacement"},
}
#: A vehicle's columns (and dealers' Chinese headings of them), which a file of vehicles brings in.
VEHICLE_COLUMNS = ("plate", "vin", "model", "delivered_on", "odometer_km")
VEHICLE_HEADINGS = ("车牌", "车牌号", "车牌号码", "车架号", "VIN", "车型", "交车日期", "里程")
_YES, _NO = {"true", "yes", "y", "1", "是", "同意"}, {"false", "no", "n", "0", "否", "不同意"}
_LIST_SEPARATORS = re.compile(r"[;,，；、|]")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


class UnreadableHeader(ValueError):
    """The first row does not name columns an import knows; `errors` maps each column to what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{column}: {message}" for column, message in errors.items()))
        self.errors = errors


def _heading_problem(heading: str, field: str, before: list[str | None]) -> str | None:
    """What is wrong with a column's heading (`field`: what it names), after the columns `before` it; None if
    nothing."""
    if heading in WECHAT_ID_HEADINGS:
        return ("A WeChat account name (微信号) is not the openid template messages are sent to: "
                "name the column wechat_openid (微信OpenID) and fill it with the openids the "
                "official account (公众号) gives.")
    if field in VEHICLE_COLUMNS or heading in VEHICLE_HEADINGS:
        return ("A vehicle's column: import the customers first, then their vehicles with "
                "POST /api/v1/customers/vehicles/imports (each row naming its customer by phone).")
    if field not in COLUMNS:
        return f"Unknown column; the columns are {', '.join(COLUMNS)} (or their Chinese headings)."
    if field in before:
        return "This column appears twice."
    return None


def read_header(cells: Sequence[Any]) -> list[str | None]:
    """The field of each column (None for a read-only one); UnreadableHeader for unknown or repeated ones."""
    if len(cells) > len(EXPORT_COLUMNS):  # more must repeat or be unknown: one error, not one per column
        raise UnreadableHeader({"header": f"The first row has {len(cells):,} columns; an import reads "
                                          f"{len(EXPORT_COLUMNS)} at most (those of an export)."})
    fields: list[str | None] = []
    errors: dict[str, str] = {}
    for cell in cells:
        heading = "" if cell is None else str(cell).strip()
        field = HEADINGS.get(heading, heading.lower())
        if field in READ_ONLY:
            fields.append(None)
            continue
        problem = _heading_problem(heading, field, fields)
        if problem is not None:
            errors[heading or f"column {len(fields) + 1}"] = problem
        fields.append(field)
    if not errors and "name" not in fields and "phone" not in fields and "external_id" not in fields:
        errors["header"] = "The first row must name the columns, e.g. name, phone, kind."
    if errors:
        raise UnreadableHeader(errors)
    return fields


def _text(cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # a phone typed into a spreadsheet becomes a number
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()


def _day(text: str) -> date:
    match = _DATE.match(text)
    if not match:
        raise ValueError("Not a date; write it as YYYY-MM-DD.")
    return date(*(int(part) for part in match.groups()))


def _flag(text: str) -> bool:
    lowered = text.lower()
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    raise ValueError("Write yes or no (是/否, true/false, 1/0).")


def row_values(fields: Sequence[str | None], cells: Sequence[Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(the values of one row's filled cells, {column: what cannot be read}); empty cells are left out."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    region: dict[str, str] = {}
    consent: dict[str, bool] = {}
    for field, cell in zip(fields, cells, strict=False):
        if field is None or cell is None:
            continue
        text = cell.strip() if type(cell) is str else _text(cell)  # a CSV's cells are all text
        if not text:
            continue
        try:
            if field in ("phones", "tags"):
                values[field] = [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]
            elif field == "birthday":
                values[field] = _day(text).isoformat()
            elif field in ("province", "city", "district"):
                region[field] = text
            elif field.startswith("consent_"):
                consent[field[len("consent_"):]] = _flag(text)
            else:
                values[field] = VALUES.get(field, {}).get(text.lower(), text)
        except ValueError as exc:
            errors[field] = str(exc)
    if region:
        values["region"] = region
    if consent:
        values["consent"] = consent
    return values, errors


def column_of(field: str) -> str:
    """The column an error on a customer field belongs to ("region.city" -> "city", "phones.1" -> "phones")."""
    head, _, rest = field.partition(".")
    if head == "region" and rest:
        return rest
    if head == "consent" and rest:
        return f"consent_{rest}"
    return head


def export_row(customer: Mapping[str, Any]) -> list[Any]:
    """One customer as the cells of an export row (in EXPORT_COLUMNS order)."""
    region = customer.get("region") or {}
    consent = customer.get("consent") or {}
    cells: list[Any] = []
    for column in EXPORT_COLUMNS:
        if column in ("province", "city", "district"):
            value = region.get(column)
        elif column.startswith("consent_"):
            value = consent.get(column[len("consent_"):])
        else:
            value = customer.get(column)
        if isinstance(value, list):
            value = ";".join(value)
        elif isinstance(value, datetime | date):
            value = value.isoformat()
        elif value is not None and not isinstance(value, bool | int | str):
            value = str(value)
        cells.append(value)
    return cells
