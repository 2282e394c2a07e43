"""The JSON body of each report, as reporting.service_layer.reports builds it: what the OpenAPI document says
each report sends (the views send the built data as it is; these schemas only describe it)."""
from __future__ import annotations

from marshmallow import Schema

from reporting.entrypoints.api.bodies.customers import (
    ChurnReport,
    CustomerFlowReport,
    OwnersReport,
    ProspectsReport,
    ValueReport,
)
from reporting.entrypoints.api.bodies.monthly import MonthlyReport
from reporting.entrypoints.api.bodies.service import CallbacksReport, ComplaintsReport, StaffReport

#: Each report's body, by the report's name in its path.
BODIES: dict[str, type[Schema]] = {
    "prospects": ProspectsReport, "owners": OwnersReport, "customer-flow": CustomerFlowReport,
    "churn": ChurnReport, "value": ValueReport, "complaints": ComplaintsReport, "callbacks": CallbacksReport,
    "staff": StaffReport, "monthly": MonthlyReport,
}
