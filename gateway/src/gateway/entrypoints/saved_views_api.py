"""Saved views of the console's lists (a filter under a name, shared with a store if wished): /api/v1/saved-views.

The gateway keeps them because it knows people and their stores; the console keeps no data of its own."""
from __future__ import annotations

from flask import current_app
from servicekit.auth import Identity, current_identity, require_store, requires
from servicekit.pagination import Blueprint
from servicekit.problems import Problem
from servicekit.webapp import service_context

from gateway.domain.saved_views import DuplicateSavedView, NotYours, SavedView, UnknownSavedView, Viewer
from gateway.entrypoints.schemas import SavedViewCreateSchema, SavedViewQuerySchema, SavedViewSchema
from gateway.service_layer import saved_views

blp = Blueprint("saved_views", __name__, url_prefix="/api/v1/saved-views",
                description="A list's filter kept under a name by a person, shared with their store if they wish.")


def _sessions():
    return service_context(current_app).sessions


def _viewer(identity: Identity) -> Viewer:
    return Viewer(identity.subject, identity.may("manage"), identity.store_scope)


def _shown(view: SavedView, viewer: Viewer) -> dict:
    return {**view.__dict__, "deletable": view.deletable_by(viewer)}


def _shared_with(identity: Identity, store_id: str | None) -> str | None:
    """The store a shared view goes to: the one named (one of the caller's), else the caller's only store, else
    (a caller of the whole group) the whole group; a 422 when a caller of several stores names none."""
    if store_id is not None:
        require_store(store_id, identity)
        return store_id
    if identity.store_scope is None:
        return None
    if len(identity.stores) == 1:
        return identity.stores[0]
    raise Problem(422, "Unprocessable Content", "The request body has invalid fields: store_id",
                  errors={"store_id": ["You work for several stores: name the one to share the view with ("
                                       + ", ".join(sorted(identity.stores)) + ")."]})


@blp.route("", methods=["GET"])
@requires("read")
@blp.arguments(SavedViewQuerySchema, location="query")
@blp.response(200, SavedViewSchema(many=True))
@blp.paginate()
def index(args: dict, pagination_parameters):
    """The caller's own views and those shared with one of their stores (every shared view, for a caller of the
    whole group), by name; `screen` narrows them to one list."""
    viewer = _viewer(current_identity())
    views, total = saved_views.list_views(_sessions(), viewer, args.get("screen"), pagination_parameters.first_item,
                                          pagination_parameters.page_size)
    pagination_parameters.item_count = total
    return [_shown(view, viewer) for view in views]


@blp.route("", methods=["POST"])
@requires("write")
@blp.arguments(SavedViewCreateSchema)
@blp.response(201, SavedViewSchema)
@blp.alt_response(409, response="CONFLICT")
def create(body: dict):
    """Save a list's filter under a name; `shared` lets the people of the store see it too (viewers change
    nothing: they open the views shared with them)."""
    identity = current_identity()
    store_id = _shared_with(identity, body.get("store_id")) if body["shared"] else None
    try:
        view = saved_views.save_view(_sessions(), identity.subject, body["name"], body["screen"], body["query"],
                                     body["shared"], store_id)
    except DuplicateSavedView:
        raise Problem(409, "Conflict", f"You have a view named '{body['name']}' of this list already.") from None
    return _shown(view, _viewer(identity))


@blp.route("/<view_id>", methods=["DELETE"])
@requires("write")
@blp.response(204)
def remove(view_id: str):
    """Delete a view: its owner may, and a manager of the store it is shared with."""
    try:
        saved_views.delete_view(_sessions(), _viewer(current_identity()), view_id)
    except UnknownSavedView:
        raise Problem(404, "Not Found", f"There is no saved view '{view_id}'.") from None
    except NotYours:
        raise Problem(403, "Forbidden", "Only its owner or a manager of the store it is shared with may delete "
                                        "this view.") from None
