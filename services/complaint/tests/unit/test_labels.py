"""Short labels (department, assignee, responsible party, staff, subcategory) are printable text on one line."""
from servicekit.testing import auth_headers

MANAGER = auth_headers("manager", "wang.manager")
AGENT = auth_headers("agent", "li.si")


def test_a_label_with_a_line_break_or_control_character_is_a_422_naming_it(client, file):
    complaint = file()
    path = f"/api/v1/complaints/{complaint['id']}"
    refused = client.post(f"{path}/assign", headers=MANAGER,
                          json={"department": "after_sales\r\nX-Injected: 1", "assignee": "zhao\tliu"})
    assert refused.status_code == 422 and set(refused.get_json()["errors"]) == {"department", "assignee"}
    assert client.get(path, headers=AGENT).get_json()["status"] == "filed"
    refused = client.post("/api/v1/complaints", headers=AGENT, json={
        "customer_id": complaint["customer_id"], "channel": "phone", "category": "service",
        "subcategory": "waiting\x1b[2Jtime", "severity": "normal", "description": "等了\n三个小时"})
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["subcategory"]
    assert client.post(f"{path}/acknowledge", headers=AGENT).status_code == 200
    assert client.post(f"{path}/assign", headers=MANAGER,
                       json={"department": "售后服务部", "assignee": "zhao.liu"}).status_code == 200
