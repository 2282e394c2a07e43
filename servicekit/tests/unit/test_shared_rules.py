"""What the services share in the kit: domain errors answered as problem details, timestamps read back
from SQLite, pages, and the business's time zone."""
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from servicekit.config import business_time_zone
from servicekit.errors import Conflict, DomainError, Forbidden, InvalidFields, NotFound, VersionConflict
from servicekit.pages import offset
from servicekit.problems import register_problem_handlers
from servicekit.timestamps import as_utc, with_utc


class DuplicateThing(Conflict):
    def __init__(self, name: str) -> None:
        super().__init__(f"The thing {name} exists.", name=name)


@pytest.mark.parametrize(("error", "status", "title", "members"), [
    (InvalidFields({"b": ["Bad."], "a": ["Missing."]}), 422, "Unprocessable Entity",
     {"detail": "The request has invalid fields: a, b", "errors": {"b": ["Bad."], "a": ["Missing."]}}),
    (InvalidFields.one("name", "Too long."), 422, "Unprocessable Entity",
     {"detail": "The request has invalid fields: name", "errors": {"name": ["Too long."]}}),
    (NotFound("thing", "42"), 404, "Not Found", {"detail": "No thing with id 42."}),
    (DuplicateThing("x"), 409, "Conflict", {"detail": "The thing x exists.", "name": "x"}),
    (VersionConflict(3, 5, "thing"), 409, "Conflict",
     {"detail": "The thing is at version 5, not 3; reload it and retry.", "current_version": 5}),
    (Forbidden("Not yours."), 403, "Forbidden", {"detail": "Not yours."}),
    (DomainError("Plainly wrong."), 400, "Bad Request", {"detail": "Plainly wrong."}),
])
def test_a_domain_error_is_answered_by_its_base(error, status, title, members):
    app = Flask(__name__)
    register_problem_handlers(app)

    @app.get("/")
    def view():
        raise error

    response = app.test_client().get("/")
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert response.get_json() == {"type": "about:blank", "title": title, "status": status, **members}


def test_a_naive_timestamp_is_utc_and_an_aware_one_is_kept():
    naive = datetime(2026, 11, 22, 8, 0)
    assert as_utc(naive) == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    shanghai = datetime(2026, 11, 22, 16, 0, tzinfo=timezone(timedelta(hours=8)))
    assert as_utc(shanghai) is shanghai and as_utc(None) is None
    assert with_utc({"at": naive, "n": 1}) == {"at": datetime(2026, 11, 22, 8, 0, tzinfo=UTC), "n": 1}


def test_pages_count_from_one():
    assert [offset(page, 20) for page in (1, 2, 3)] == [0, 20, 40]


def test_the_business_time_zone_is_one_setting_a_service_may_override():
    assert business_time_zone({}) == ZoneInfo("Asia/Shanghai")
    assert business_time_zone({"CRM_TIMEZONE": "Asia/Urumqi"}, "CRM_X_TIMEZONE") == ZoneInfo("Asia/Urumqi")
    both = {"CRM_TIMEZONE": "Asia/Urumqi", "CRM_X_TIMEZONE": "Europe/Berlin"}
    assert business_time_zone(both, "CRM_X_TIMEZONE") == ZoneInfo("Europe/Berlin")
    assert business_time_zone({"CRM_X_TIMEZONE": "", "CRM_TIMEZONE": "UTC"}, "CRM_X_TIMEZONE") == ZoneInfo("UTC")
    with pytest.raises(ValueError, match="CRM_TIMEZONE"):
        business_time_zone({"CRM_TIMEZONE": "Mars/Olympus"})
