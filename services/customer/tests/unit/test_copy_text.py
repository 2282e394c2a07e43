"""A new customer's rows as COPY text: exactly each cell escaped by COPY's rules, whatever the text holds."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from customer.adapters.imports import NEW_CUSTOMER_TABLES, copy_text, new_customer_rows
from customer.domain.pinyin import search_keys
from hypothesis import given, settings
from hypothesis import strategies as st
from servicekit.events import dumps
from sqlalchemy import JSON

# text with every character COPY treats specially, next to Chinese and plain letters
texts = st.text(alphabet=st.sampled_from(["a", "张", "伟", " ", "\t", "\n", "\r", "\\", "N", '"', "{"]), max_size=8)
maybe = st.one_of(st.none(), texts)


def by_the_rules(rows) -> tuple[str, ...]:
    """Each cell on its own: NULL as \\N, JSON columns dumped, then backslash, tab, newline and CR escaped."""
    tables = []
    for (table, columns), values in zip(NEW_CUSTOMER_TABLES, rows, strict=True):
        lines = []
        for row in values:
            cells = []
            for name, value in zip(columns, row, strict=True):
                if value is None:
                    cells.append("\\N")
                    continue
                if isinstance(table.c[name].type, JSON):
                    text = dumps(value)
                elif isinstance(value, bool):
                    text = "t" if value else "f"
                elif isinstance(value, datetime | date):
                    text = value.isoformat()
                else:
                    text = str(value)
                cells.append(text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r"))
            lines.append("\t".join(cells) + "\n")
        tables.append("".join(lines))
    return tuple(tables)


@settings(max_examples=300, deadline=None)
@given(name=texts.filter(str.strip), address=maybe, notes=maybe, tags=st.lists(texts, max_size=3),
       region=st.one_of(st.none(), st.fixed_dictionaries({"city": maybe})), store=maybe, actor=texts, source=texts,
       body=texts, credit=st.one_of(st.none(), st.just(Decimal("12.50"))))
def test_copy_text_is_every_cell_escaped_by_the_rules(name, address, notes, tags, region, store, actor, source, body,
                                                      credit):
    at = datetime(2026, 11, 22, 8, 30, tzinfo=UTC)
    record = {"id": str(uuid.uuid4()), "version": 1, "name": name, "phone": "+8613800138000",
              "phones": ["+8613800138001"], "kind": "owner", "birthday": date(1985, 3, 2), "address": address,
              "notes": notes, "tags": tags, "region": region, "consent": {"sms": True, "phone": False, "email": True},
              "store_id": store, "key_customer": False, "credit_limit": credit, "created_at": at, "updated_at": at}
    rows = new_customer_rows(record, search_keys(name), {"notes": [None, notes]}, actor, source,
                             (str(uuid.uuid4()), "customer.created.v1", record["id"], body, at))
    assert copy_text(rows) == by_the_rules(rows)
