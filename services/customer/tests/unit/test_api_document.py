"""The service's OpenAPI document is one an integrator's tools can read."""


def _bounds(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"):
                yield f"{path}/{key}", value
            yield from _bounds(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _bounds(value, f"{path}/{index}")


def test_every_numeric_bound_in_the_openapi_document_is_a_number(client):
    document = client.get("/openapi.json").json
    assert document["paths"], "the document lists the API"
    wrong = {path: value for path, value in _bounds(document) if not isinstance(value, int | float)}
    assert wrong == {}
