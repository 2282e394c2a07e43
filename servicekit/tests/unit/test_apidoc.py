"""Every service's OpenAPI document says what the kit really sends: problem details for every error, the
X-Pagination header as JSON text, PATCH bodies that must name a field; and what it sends keeps to it."""
import json

import jsonschema
import marshmallow as ma
import pytest
from flask.views import MethodView
from servicekit.auth import requires
from servicekit.pagination import Blueprint
from servicekit.testing import auth_headers
from servicekit.webapp import create_service_app

blueprint = Blueprint("gadgets", __name__, url_prefix="/api/v1/gadgets")


class GadgetSchema(ma.Schema):
    name = ma.fields.String(required=True)
    size = ma.fields.Integer()


class GadgetPatch(ma.Schema):
    name = ma.fields.String()
    size = ma.fields.Integer()


@blueprint.route("")
class Gadgets(MethodView):
    @blueprint.response(200, GadgetSchema(many=True))
    @blueprint.paginate()
    def get(self, pagination_parameters):
        pagination_parameters.item_count = 1
        return [{"name": "one"}]


@blueprint.route("/<int:gadget_id>")
class Gadget(MethodView):
    @blueprint.arguments(GadgetPatch)
    @blueprint.response(200, GadgetSchema)
    def patch(self, data, gadget_id):
        return {"name": "one", **data}


@blueprint.route("/<int:gadget_id>/settings", methods=["PATCH"])
@requires("manage")
@blueprint.arguments(GadgetPatch)
@blueprint.response(200, GadgetSchema)
def gadget_settings(data, gadget_id):
    return {"name": "one", **data}


@pytest.fixture
def app(make_settings):
    return create_service_app(make_settings("customer"), "Gadgets", [blueprint], check_broker=False)


@pytest.fixture
def document(app):
    return app.test_client().get("/openapi.json").get_json()


def _resolved(document: dict, node: dict) -> dict:
    while "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = document["components"][kind][name]
    return node


def _validate(document: dict, instance, schema: dict) -> None:
    jsonschema.validate(instance, {**schema, "components": document["components"]})


def test_every_error_response_is_documented_as_problem_details(document):
    responses = [_resolved(document, response) for item in document["paths"].values()
                 for operation in item.values() if isinstance(operation, dict) and "responses" in operation
                 for status, response in operation["responses"].items() if not status.startswith("2")]
    assert responses
    for response in responses:
        assert set(response["content"]) == {"application/problem+json"}
    problem = document["components"]["schemas"]["Problem"]
    assert problem["properties"]["status"]["type"] == "integer"
    assert set(problem["required"]) == {"type", "title", "status"}
    assert problem["properties"]["errors"]["additionalProperties"] == {"type": "array", "items": {"type": "string"}}


def test_a_422_as_sent_matches_the_documented_problem(app, document):
    response = app.test_client().patch("/api/v1/gadgets/1", json={"size": "big"}, headers=auth_headers("agent"))
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    _validate(document, response.get_json(), {"$ref": "#/components/schemas/Problem"})


def test_the_pagination_header_is_documented_as_the_json_text_it_is(app, document):
    header = _resolved(document, document["paths"]["/api/v1/gadgets"]["get"]["responses"]["200"]["headers"]
                       ["X-Pagination"])
    assert "schema" not in header
    schema = header["content"]["application/json"]["schema"]
    sent = app.test_client().get("/api/v1/gadgets", headers=auth_headers("viewer")).headers["X-Pagination"]
    _validate(document, json.loads(sent), schema)


@pytest.mark.parametrize("body", [None, "{}", " { } "])
def test_a_patch_that_sends_nothing_to_change_is_refused_saying_so(app, document, body):
    headers = {**auth_headers("agent"), "Content-Type": "application/json"}
    response = app.test_client().patch("/api/v1/gadgets/1", data=body, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"_body": ["Send at least one field to change."]}
    schema = document["paths"]["/api/v1/gadgets/{gadget_id}"]["patch"]["requestBody"]["content"]["application/json"]
    assert schema["schema"]["minProperties"] == 1


def test_a_patch_naming_a_field_goes_through(app):
    response = app.test_client().patch("/api/v1/gadgets/1", json={"size": 3}, headers=auth_headers("agent"))
    assert response.status_code == 200 and response.get_json() == {"name": "one", "size": 3}


def test_a_method_the_path_does_not_allow_is_a_405_naming_those_it_does(app):
    response = app.test_client().delete("/api/v1/gadgets", headers=auth_headers("admin"))
    assert response.status_code == 405 and response.content_type == "application/problem+json"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_a_decimal_written_as_a_string_is_documented_as_one(make_settings):
    priced = Blueprint("priced", __name__, url_prefix="/api/v1/priced")

    class Price(ma.Schema):
        amount = ma.fields.Decimal(as_string=True, places=2)

    @priced.route("")
    class Prices(MethodView):
        @priced.response(200, Price)
        def get(self):
            return {"amount": "12.50"}

    app = create_service_app(make_settings("customer"), "Prices", [priced], check_broker=False)
    client = app.test_client()
    document = client.get("/openapi.json").get_json()
    sent = client.get("/api/v1/priced", headers=auth_headers("viewer")).get_json()
    assert sent == {"amount": "12.50"}
    _validate(document, sent, {"$ref": "#/components/schemas/Price"})


def test_every_write_documents_the_409_of_an_idempotency_key_still_in_use(document):
    operations = {(method, path): operation for path, item in document["paths"].items()
                  for method, operation in item.items() if isinstance(operation, dict) and "responses" in operation}
    assert "409" in operations["patch", "/api/v1/gadgets/{gadget_id}"]["responses"]
    assert "409" not in operations["get", "/api/v1/gadgets"]["responses"]
    conflict = _resolved(document, operations["patch", "/api/v1/gadgets/{gadget_id}"]["responses"]["409"])
    assert set(conflict["content"]) == {"application/problem+json"}


def test_an_empty_patch_from_a_role_the_view_refuses_is_a_403_not_a_422(app):
    client = app.test_client()
    refused = client.patch("/api/v1/gadgets/1/settings", headers=auth_headers("agent"))
    assert refused.status_code == 403, refused.get_json()
    assert client.patch("/api/v1/gadgets/1/settings", headers=auth_headers("manager")).status_code == 422
