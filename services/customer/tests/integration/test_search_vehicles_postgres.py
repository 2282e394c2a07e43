"""A plate's end and a VIN's last six characters on PostgreSQL: found through their indexes (migration 0012),
ranked after an exact plate or VIN, within the caller's stores."""
from customer.adapters.search_functions import VinTail, plate_end_values, plate_ends_with
from customer.adapters.tables import assets
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import literal, select, text

ADMIN = auth_headers("admin", "root")
SZ_AGENT = auth_headers("agent", "zhou.yi", stores=("sz01",))


def _plan(connection, query) -> str:
    compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
    return "\n".join(connection.execute(text(f"EXPLAIN {compiled}")).scalars())


def test_plate_ends_and_vin_tails_are_found_by_index_within_the_callers_stores(pg_app):
    client = pg_app.test_client()
    for store_id in ("sz01", "gz01"):
        assert client.post("/api/v1/stores", headers=ADMIN, json={"id": store_id, "name": store_id}).status_code == 201
    ids = {}
    for store_id, phone, plate, vin in (("sz01", "13800138000", "粤B·12345", "LSVAU2180N2183294"),
                                        ("sz01", "13800138001", "粤B·612345", "LFV2A21K8E3000002"),
                                        ("gz01", "13900139000", "粤A·12345", "LFV2A21K8E3183294")):
        customer = client.post("/api/v1/customers", headers=ADMIN, json={
            "name": "客户", "phone": phone, "kind": "owner", "store_id": store_id}).get_json()
        ids[plate] = customer["id"]
        assert client.post(f"/api/v1/customers/{customer['id']}/assets", headers=ADMIN, json={
            "kind": "vehicle", "model": "雅阁", "plate": plate, "vin": vin}).status_code == 201

    def found(query, headers=ADMIN):
        response = client.get(f"/api/v1/customers?{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert found("q=B612345") == [ids["粤B·612345"]]
    assert set(found("q=12345")) == set(ids.values())
    assert set(found("q=12345", SZ_AGENT)) == {ids["粤B·12345"], ids["粤B·612345"]}
    assert found("plate=B12345", SZ_AGENT) == [ids["粤B·12345"]]
    assert set(found("q=183294")) == {ids["粤B·12345"], ids["粤A·12345"]}
    assert found("vin=183294", SZ_AGENT) == [ids["粤B·12345"]]
    assert found("q=183294&store_id=gz01") == [ids["粤A·12345"]]
    with service_context(pg_app).engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        plate = _plan(connection, select(assets.c.id).where(
            plate_ends_with(*map(literal, plate_end_values("B12345")))))
        vin = _plan(connection, select(assets.c.id).where(VinTail(assets.c.vin) == "183294"))
    assert "ix_assets_plate_key_reversed" in plate, plate
    assert "ix_assets_vin_tail" in vin, vin
