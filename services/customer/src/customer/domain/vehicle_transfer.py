"""Vehicles as spreadsheet rows: the columns of a vehicles export, and reading the cells of a vehicles import.

A vehicle row names its customer by the customer's phone (or external id, as the import's key says), who must
already be in the archive (import the customers first, then their vehicles); the other columns are the
vehicle's. An export can be imported again (the same column names; those that are the archive's to set are
read past). Imports also take the Chinese headings of dealers' sheets (手机, 车牌号, 车架号, 车型, 交车日期,
里程 …).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from customer.domain.transfer import UnreadableHeader, _day, _text

#: The columns that name the customer a vehicle belongs to (one of them is the import's key).
CUSTOMER_KEYS = ("phone", "external_id")
#: The vehicle's own columns.
VEHICLE_FIELDS = ("plate", "vin", "model", "delivered_on", "odometer_km")
COLUMNS = (*CUSTOMER_KEYS, *VEHICLE_FIELDS)
#: Columns an export adds that an import reads past.
READ_ONLY = ("asset_id", "customer_id", "customer_name", "store_id", "created_at")
EXPORT_COLUMNS = ("asset_id", "customer_id", "customer_name", "phone", "external_id", "store_id", *VEHICLE_FIELDS,
                  "created_at")
HEADINGS = {
    "手机": "phone", "手机号": "phone", "手机号码": "phone", "电话": "phone", "联系电话": "phone", "客户手机": "phone",
    "编号": "external_id", "外部编号": "external_id", "客户编号": "external_id",
    "车牌": "plate", "车牌号": "plate", "车牌号码": "plate", "车架号": "vin", "车辆识别代号": "vin", "vin码": "vin",
    "车型": "model", "车辆型号": "model", "交车日期": "delivered_on", "交付日期": "delivered_on",
    "购车日期": "delivered_on", "里程": "odometer_km", "里程数": "odometer_km", "行驶里程": "odometer_km",
    "公里数": "odometer_km", "姓名": "customer_name", "客户姓名": "customer_name", "门店": "store_id",
}


def read_header(cells: Sequence[Any], key: str) -> list[str | None]:
    """The field of each column (None for one read past); UnreadableHeader for unknown or repeated columns, or
    a header without the column that names the customer (`key`)."""
    if len(cells) > len(EXPORT_COLUMNS):
        raise UnreadableHeader({"header": f"The first row has {len(cells):,} columns; a vehicles import reads "
                                          f"{len(EXPORT_COLUMNS)} at most (those of a vehicles export)."})
    fields: list[str | None] = []
    errors: dict[str, str] = {}
    for cell in cells:
        heading = "" if cell is None else str(cell).strip()
        field = HEADINGS.get(heading.lower(), HEADINGS.get(heading, heading.lower()))
        if field in READ_ONLY:
            fields.append(None)
            continue
        if field not in COLUMNS:
            errors[heading or f"column {len(fields) + 1}"] = (
                f"Unknown column; the columns of a vehicles import are {', '.join(COLUMNS)} (or their Chinese "
                "headings).")
        elif field in fields:
            errors[heading] = "This column appears twice."
        fields.append(field)
    if not errors and key not in fields:
        errors["header"] = (f"The first row must name the column {key}: it says whose vehicle each row is "
                            "(import the customers first).")
    if errors:
        raise UnreadableHeader(errors)
    return fields


def row_values(fields: Sequence[str | None], cells: Sequence[Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(the values of one row's filled cells, {column: what cannot be read}); empty cells are left out."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, cell in zip(fields, cells, strict=False):
        if field is None or cell is None:
            continue
        text = cell.strip() if type(cell) is str else _text(cell)
        if not text:
            continue
        try:
            if field == "delivered_on":
                values[field] = _day(text).isoformat()
            elif field == "odometer_km":
                values[field] = _kilometres(text)
            else:
                values[field] = text
        except ValueError as exc:
            errors[field] = str(exc)
    return values, errors


def _kilometres(text: str) -> int:
    digits = text.replace(",", "").replace("，", "").removesuffix("公里").removesuffix("km").strip()
    try:
        number = float(digits)
    except ValueError:
        raise ValueError("Not a number of kilometres; write it as digits, e.g. 12000.") from None
    if not number.is_integer():
        raise ValueError("Write the kilometres as a whole number.")
    return int(number)


def export_row(vehicle: Mapping[str, Any]) -> list[Any]:
    """One vehicle (with its customer's columns) as the cells of an export row (in EXPORT_COLUMNS order)."""
    cells: list[Any] = []
    for column in EXPORT_COLUMNS:
        value = vehicle.get(column)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        cells.append(value)
    return cells
