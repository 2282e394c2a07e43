"""What the customer data pages share: the blueprint, their words, and who may use them."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import lazy_gettext as N_

from console.people import current_person
from console.views.customers import edit_labels

blp = Blueprint("data", "console.views.data")

IMPORT_KINDS = {"customers": N_("Customers"), "vehicles": N_("Vehicles")}
IMPORT_MODES = {"create": N_("New customers only"), "update": N_("Existing customers only"),
                "upsert": N_("New and existing customers")}
IMPORT_KEYS = {"phone": N_("Phone"), "external_id": N_("External ID (from another system)")}
IMPORT_STATUSES = {"running": N_("In progress"), "done": N_("Done"), "failed": N_("Stopped with an error")}
FORMATS = {"csv": N_("CSV file"), "xlsx": N_("Excel file (XLSX)")}
#: The evidence the duplicates API gives for a pair.
REASONS = {
    "same_email": N_("Same email"), "same_vehicle_plate": N_("Same vehicle plate"),
    "same_name_same_region": N_("Same name, same region"), "same_name": N_("Same name"),
    "same_pinyin_same_region": N_("Same pinyin, same region"), "same_pinyin": N_("Same pinyin"),
    "same_birthday": N_("Same birthday"), "same_employer": N_("Same employer"),
}
#: Which side a conflicting field takes its value from.
SIDES = {"survivor": N_("Keep this record's"), "merged": N_("Take the duplicate's"), "both": N_("Keep both")}
#: Fields where both values may be kept, joined.
JOINABLE = frozenset({"notes", "blacklist_reason"})
#: What a merge moves, by the API's counts.
MOVED = {"assets": N_("Vehicles"), "visits": N_("Visit records"), "history": N_("History entries"),
         "points": N_("Points entries"), "points_ledger": N_("Points entries"), "consent": N_("Consent records"),
         "consent_records": N_("Consent records")}


def need(permission: str) -> None:
    person = current_person()
    if not person or not person.can(permission):
        abort(403)


def field_label(name: str) -> str:
    """A customer field in words (the profile's own labels; a field they do not name, as the API names it)."""
    return edit_labels().get(name) or name.replace("_", " ")
