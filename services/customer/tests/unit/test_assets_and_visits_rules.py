"""Which fields each kind of asset and visit takes; VIN checks."""
from datetime import date

import pytest
from customer.domain.assets import check_asset
from customer.domain.errors import InvalidFields
from customer.domain.vehicles import InvalidVin, normalise_vin
from customer.domain.visits import check_details


def test_vin_is_17_characters_without_i_o_q():
    assert normalise_vin(" lsvau2180n2183294 ") == "LSVAU2180N2183294"
    for bad in ("LSVAU2180N218329", "LSVAU2180N21832945", "LSVAU2180N218329O", "LSVAU2180N218329-"):
        with pytest.raises(InvalidVin):
            normalise_vin(bad)


def test_vehicle_needs_a_model_and_contract_an_expiry():
    with pytest.raises(InvalidFields) as caught:
        check_asset({"kind": "vehicle", "vin": "LSVAU2180N2183294"})
    assert set(caught.value.errors) == {"model"}
    with pytest.raises(InvalidFields) as caught:
        check_asset({"kind": "service_contract", "description": "延保"})
    assert set(caught.value.errors) == {"expires_on"}


def test_vehicle_fields_on_a_property_unit_are_refused():
    with pytest.raises(InvalidFields) as caught:
        check_asset({"kind": "property_unit", "description": "3栋1201", "vin": "LSVAU2180N2183294",
                     "odometer_km": 3, "delivered_on": date(2024, 1, 1)})
    assert set(caught.value.errors) == {"vin", "odometer_km"}


def test_callback_needs_channel_and_satisfaction():
    with pytest.raises(InvalidFields) as caught:
        check_details("callback", {"channel": "sms", "satisfaction": None})
    assert set(caught.value.errors) == {"satisfaction"}
    assert check_details("callback", {"channel": "sms", "satisfaction": "satisfied", "amount": None}) == {
        "channel": "sms", "satisfaction": "satisfied"}


def test_details_of_another_kind_are_refused_naming_them():
    with pytest.raises(InvalidFields) as caught:
        check_details("store", {"odometer_km": 100, "outcome": "签约"})
    assert set(caught.value.errors) == {"odometer_km", "outcome"}
