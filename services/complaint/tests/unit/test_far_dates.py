"""Every day the API takes lies between 1900 and 2199: a far one is a 422 naming the field (filed_from=0001-01-01
was an overflow, a 500)."""
import pytest
from servicekit.testing import auth_headers

AGENT = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "wang.manager")
FAR = ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"]


@pytest.mark.parametrize("far", FAR)
@pytest.mark.parametrize("field", ["filed_from", "filed_to"])
def test_a_far_day_in_the_complaint_filters_is_a_422_naming_it(client, field, far):
    response = client.get("/api/v1/complaints", query_string={field: far}, headers=AGENT)
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert list(response.get_json()["errors"]) == [field]
    assert "1900-01-01 and 2199-12-31" in response.get_json()["errors"][field][0]


@pytest.mark.parametrize("far", FAR)
def test_a_far_due_day_of_a_rectification_is_a_422_naming_it(client, file, far):
    complaint = file()
    response = client.post(f"/api/v1/complaints/{complaint['id']}/rectifications", headers=MANAGER,
                           json={"department": "after_sales", "required_action": "培训", "due_on": far})
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["due_on"]
    listing = client.get(f"/api/v1/complaints/{complaint['id']}/rectifications", headers=AGENT)
    assert listing.status_code == 200 and listing.get_json() == []
