"""The reports in words: each report's title and what it shows, and the codes of their tables, columns and
values as people read them."""
from __future__ import annotations

from flask_babel import lazy_gettext as N_  # marked for extraction, translated when shown

#: Each report the reporting service serves: its name in the API, its title and what it shows.
REPORTS = {
    "prospects": (N_("Prospects (A card)"), N_("Prospects by reason for visit, consultant, wanted model and region, "
                                               "with conversion.")),
    "owners": (N_("Owners (C card)"), N_("Owners by customer type, model, region and tier; in and out per month.")),
    "customer-flow": (N_("Customers gained and lost"), N_("New and lost customers per month.")),
    "churn": (N_("Churn"), N_("Customers with no visit in 6 months, the monthly trend and win-back reasons.")),
    "value": (N_("Customer value (RFM)"), N_("Customers by value segment, with each segment's customers.")),
    "complaints": (N_("Complaint analysis"), N_("Complaints by category, department and severity; time limits "
                                                "met; time to resolve.")),
    "callbacks": (N_("Callbacks and appointments"), N_("Callback satisfaction, first maintenance rate, appointment "
                                                       "booking and show-up rates.")),
    "staff": (N_("Staff"), N_("Per consultant and technician: prospects, conversions, visits, revenue, "
                              "complaints.")),
    "monthly": (N_("Monthly summary"), N_("The main figures of one month on one printable page.")),
}
#: The table titles and column names of the reports' CSV (codes), as people read them.
LABELS = {
    "by_dimension": N_("By dimension"), "by_month": N_("By month"), "trend": N_("Trend"),
    "winback_reasons": N_("Win-back reasons"), "segments": N_("Segments"), "weekly": N_("Weekly"),
    "monthly": N_("Monthly"), "consultants": N_("Consultants"), "technicians": N_("Technicians"),
    "summary": N_("Summary"), "sla": N_("Time limits"), "dimension": N_("Dimension"), "value": N_("Item"),
    "prospects": N_("Prospects"), "converted": N_("Converted"), "conversion_rate": N_("Conversion rate"),
    "owners": N_("Owners"), "month": N_("Calendar month"), "week": N_("Week"), "new": N_("New customers"),
    "new_prospects": N_("New prospects"), "new_owners": N_("New owners"), "lost": N_("Lost"), "net": N_("Net"),
    "reason": N_("Reason"), "count": N_("How many"), "segment": N_("Segment"), "label": N_("Name"),
    "customers": N_("Customers"), "share": N_("Share"), "spend": N_("Spend to date"), "complaints": N_("Complaints"),
    "callbacks": N_("Callbacks"), "satisfied": N_("Satisfied"), "satisfaction_rate": N_("Satisfaction rate"),
    "mean_score": N_("Mean score"), "staff": N_("Staff member"), "visits": N_("Visits"), "services": N_("Services"),
    "revenue": N_("Revenue"), "survey_attitude": N_("Attitude"), "survey_skill": N_("Skill"),
    "survey_timeliness": N_("Timeliness"), "survey_promise_kept": N_("Promise kept"), "figure": N_("Indicator"),
    "target": N_("Target"), "met": N_("Met"), "breached": N_("Breached"), "open": N_("Open"),
    "attainment": N_("Attainment"), "rate": N_("Rate"),
}
#: Dimensions, RFM segments and the monthly summary's figures (codes the reports use as values).
VALUE_LABELS = {
    "prospect_conversion_rate": N_("Prospect conversion rate"), "new_customers": N_("New customers"),
    "lost_customers": N_("Lost customers"), "churn_rate": N_("Churn rate"),
    "complaint_reopen_rate": N_("Complaint reopen rate"),
    "complaint_satisfaction_rate": N_("Satisfied after complaint callback"),
    "first_maintenance_rate": N_("First maintenance rate"), "appointment_booking_rate": N_("Appointment booking rate"),
    "appointment_show_up_rate": N_("Appointment show-up rate"),
    "source": N_("Reason for visit"), "consultant": N_("Sales consultant"), "wanted_model": N_("Wanted model"),
    "region": N_("Customer region"), "purchase_type": N_("Purchase type"), "intent_grade": N_("Intent"),
    "first_visit_month": N_("Month of first visit"), "customer_type": N_("Customer type"),
    "vehicles": N_("Vehicles owned"),
    "stage": N_("Customer stage"), "subcategory": N_("Subcategory"), "channel": N_("Channel"), "model": N_("Model"),
    "industry": N_("Industry"), "tier": N_("Tier"), "category": N_("Category"), "department": N_("Department"),
    "severity": N_("Severity"), "cause": N_("Cause"),
    "champions": N_("Champions"), "loyal": N_("Loyal"), "big_spenders_at_risk": N_("Big spenders at risk"),
    "at_risk": N_("At risk"), "promising": N_("Promising"),
}


def label(code: str) -> str:
    found = LABELS.get(code) or VALUE_LABELS.get(code)
    return str(found) if found else code
