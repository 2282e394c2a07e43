"""What the reporting tests share besides fixtures: the read model's queue and every report's figures."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session, sessionmaker

#: The queue the read model's consumer reads (the events applied in the tests are filed under it).
QUEUE = "reporting.read_model"


def figures(sessions: sessionmaker[Session], start: date, end: date, store: str | None = None) -> dict:
    """Every report's data over a period, without the wall-clock time of the last apply."""
    from reporting.service_layer import reports
    from reporting.service_layer.periods import Period

    result = {}
    with sessions() as session:
        for name, build in reports.REPORTS.items():
            data = build(session, Period(start, end, None if store is None else (store,))).data
            data["freshness"] = {**data["freshness"], "last_applied_at": None}
            result[name] = data
    return result
