"""Use cases: issue a rectification notice (整改通知单) to the responsible department and track it to done [000]."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from servicekit.db import unit_of_work
from servicekit.pages import Page, offset
from sqlalchemy.orm import Session, sessionmaker

from complaint.adapters.complaints import ComplaintRepository
from complaint.adapters.rectifications import RectificationRepository
from complaint.adapters.render import rectification_html
from complaint.domain.complaints import Complaint, Happened
from complaint.domain.errors import Conflict, InvalidFields, NotFound
from complaint.service_layer.complaints import Stores, complaint_in_scope, now


def _save(session: Session, complaint: Complaint) -> None:
    if not ComplaintRepository(session).save(complaint):
        raise Conflict("The complaint was changed by someone else meanwhile; reload it and retry.")


def issue(sessions: sessionmaker[Session], complaint_id: str, values: dict[str, Any], actor: str,
          stores: Stores = None, today: date | None = None) -> dict[str, Any]:
    """Issue a notice to a department; it is kept on the complaint's timeline. It cannot be due before `today`
    (the business calendar's date)."""
    at = now()
    due_on = values.get("due_on")
    if due_on is not None and today is not None and due_on < today:
        raise InvalidFields.one("due_on", f"{due_on.isoformat()} is in the past; a notice is due today "
                                f"({today.isoformat()}) or later.")
    with unit_of_work(sessions) as session:
        complaint = complaint_in_scope(session, complaint_id, stores, for_update=True)
        if complaint.status == "rejected":
            raise Conflict("A rejected complaint was not upheld: there is nothing to rectify.")
        notice = {"id": str(uuid.uuid4()), "complaint_id": complaint_id, "department": values["department"],
                  "required_action": values["required_action"], "due_on": values.get("due_on"), "status": "open",
                  "issued_by": actor, "issued_at": at, "outcome": None, "done_by": None, "done_at": None}
        RectificationRepository(session).add(notice)
        complaint.happened.append(Happened("rectification_issued", at, actor, complaint.status, complaint.status,
                                           {"notice_id": notice["id"], "department": values["department"]}))
        _save(session, complaint)
    return notice


def complete(sessions: sessionmaker[Session], complaint_id: str, notice_id: str, outcome: str,
             actor: str, stores: Stores = None) -> dict[str, Any]:
    """The department reports the rectification done."""
    at = now()
    with unit_of_work(sessions) as session:
        complaint = complaint_in_scope(session, complaint_id, stores, for_update=True)
        repo = RectificationRepository(session)
        notice = repo.get(complaint_id, notice_id, for_update=True)
        if notice is None:
            raise NotFound("rectification notice", notice_id)
        if not repo.complete(notice_id, outcome, actor, at):
            raise Conflict(f"The rectification notice {notice_id} is already done.")
        complaint.happened.append(Happened("rectification_done", at, actor, complaint.status, complaint.status,
                                           {"notice_id": notice_id}))
        _save(session, complaint)
        done = repo.get(complaint_id, notice_id)
        if done is None:  # completed just above, in this transaction
            raise NotFound("rectification notice", notice_id)
        return done


def of_complaint(sessions: sessionmaker[Session], complaint_id: str, stores: Stores = None) -> list[dict[str, Any]]:
    """The complaint's notices, oldest first."""
    with unit_of_work(sessions) as session:
        complaint_in_scope(session, complaint_id, stores)
        return RectificationRepository(session).of_complaint(complaint_id)


def search(sessions: sessionmaker[Session], filters: dict[str, Any], page: int, page_size: int) -> Page:
    """One page of the notices matching every filter (department, status, store; `stores`: only those stores'),
    the earliest due first."""
    with unit_of_work(sessions) as session:
        items, total = RectificationRepository(session).search(filters, offset(page, page_size), page_size)
    return Page(items, total, page, page_size)


def printed(sessions: sessionmaker[Session], complaint_id: str, notice_id: str, zone: ZoneInfo,
            stores: Stores = None) -> str:
    """The notice as a page to print (HTML, its moments in the business time zone `zone`), with its complaint and
    the customer's name."""
    with unit_of_work(sessions) as session:
        complaint = complaint_in_scope(session, complaint_id, stores)
        notice = RectificationRepository(session).get(complaint_id, notice_id)
        if notice is None:
            raise NotFound("rectification notice", notice_id)
        name = ComplaintRepository(session).customer_name(complaint.customer_id)
    return rectification_html(notice, complaint, name, zone)
