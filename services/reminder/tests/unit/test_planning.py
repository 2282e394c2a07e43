"""Every built-in rule on concrete dates: what is planned, when it falls due, and the reason in words."""
from dataclasses import replace
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from reminder.domain.builtin_rules import builtin_rules
from reminder.domain.planning import plan
from reminder.domain.planning_by_kind import inspection_due
from reminder.domain.planning_facts import AssetFacts, ComplaintFacts, Context, CustomerFacts
from reminder.domain.prediction import Reading

SHANGHAI = ZoneInfo("Asia/Shanghai")
RULES = {rule.id: rule for rule in builtin_rules()}


def at(day: date, hour: int = 9) -> datetime:
    """A local time in Shanghai, in UTC."""
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI).astimezone(UTC)


def planned(rule_id: str, customer: CustomerFacts, assets=(), complaints=(), today=date(2026, 11, 22), **changes):
    rule = replace(RULES[rule_id], **changes)
    return plan(customer, list(assets), list(complaints), [rule], Context(at(today, 8), SHANGHAI))


CUSTOMER = CustomerFacts(id="c1", kind="owner", owner="li.si", created_on=date(2026, 1, 5))


def car(**changes) -> AssetFacts:
    return replace(AssetFacts(id="a1", kind="vehicle", label="粤B·D12345"), **changes)


def test_delivery_callbacks_three_days_and_one_month_after_a_31_january_delivery():
    delivered = car(delivered_on=date(2027, 1, 31))
    [three] = planned("delivery_callback_3d", CUSTOMER, [delivered], today=date(2027, 1, 31))
    [month] = planned("delivery_callback_1m", CUSTOMER, [delivered], today=date(2027, 1, 31))
    assert three.due_at == at(date(2027, 2, 3)) and three.owner == "li.si"
    assert three.reason == "callback 3 days after delivery of 粤B·D12345 on 2027-01-31 → due 2027-02-03"
    assert month.due_at == at(date(2027, 2, 28))  # no 31 February: the month's last day
    assert month.key == "delivery_callback_1m:a1:2027-01-31"


def test_first_maintenance_at_three_months_without_mileage_and_earlier_when_driven_hard():
    [by_time] = planned("first_maintenance", CUSTOMER, [car(delivered_on=date(2026, 11, 30))],
                        today=date(2026, 11, 30))
    assert by_time.due_at == at(date(2027, 2, 28))
    assert by_time.reason.startswith("first maintenance: 3 months since delivery on 2026-11-30")
    # 100 km a day since delivery: 3,000 km after 30 days, long before three months
    readings = tuple(Reading(date(2026, 11, day), 10 + 100 * (day - 1)) for day in (1, 8, 15, 22))
    [by_km] = planned("first_maintenance", CUSTOMER, [car(delivered_on=date(2026, 11, 1), readings=readings)])
    assert by_km.due_at == at(date(2026, 12, 1))
    assert "at 100 km/day → 3,000 km due 2026-12-01" in by_km.reason and by_km.confidence == 0.75


def test_a_service_visit_ends_the_first_maintenance_and_plans_the_next_one():
    serviced = car(delivered_on=date(2026, 8, 1), services=((date(2026, 11, 2), 5_012),),
                   readings=(Reading(date(2026, 8, 1), 12), Reading(date(2026, 11, 2), 5_012)))
    assert planned("first_maintenance", CUSTOMER, [serviced]) == []
    [after] = planned("next_maintenance", CUSTOMER, [serviced])
    assert after.key == "next_maintenance:a1:2026-11-02"
    # 5,000 km in 93 days is about 54 km a day: the next 5,000 km come before six months
    assert after.due_at.date() < date(2027, 5, 2)
    assert after.reason.startswith("next maintenance: about 1,080 km since last service on 2026-11-02 at 54 km/day")


def test_inspection_every_two_years_then_yearly_after_ten():
    delivered = date(2016, 2, 29)
    assert inspection_due(delivered, date(2016, 3, 1), 2, 10) == date(2018, 2, 28)
    assert inspection_due(delivered, date(2024, 3, 1), 2, 10) == date(2026, 2, 28)
    assert inspection_due(delivered, date(2026, 3, 1), 2, 10) == date(2027, 2, 28)  # yearly after ten years
    first, second = planned("annual_inspection", CUSTOMER, [car(delivered_on=date(2024, 12, 10))])
    assert first.due_at == at(date(2026, 11, 10)) and "inspection of 粤B·D12345 due 2026-12-10" in first.reason
    assert second.key == "annual_inspection:a1:2028-12-10"


def test_renewal_one_month_before_expiry_and_nothing_for_an_expired_contract():
    contract = AssetFacts(id="k1", kind="service_contract", label="延保合同", expires_on=date(2027, 3, 31))
    [renewal] = planned("renewal", CUSTOMER, [contract])
    assert renewal.due_at == at(date(2027, 2, 28))
    assert renewal.reason == "延保合同 expires on 2027-03-31 → renew, remind 2027-02-28"
    assert planned("renewal", CUSTOMER, [replace(contract, expires_on=date(2026, 11, 1))]) == []


def test_insurance_renewal_a_month_before_each_delivery_anniversary():
    first, second = planned("insurance_renewal", CUSTOMER, [car(delivered_on=date(2025, 12, 20))])
    assert first.due_at == at(date(2026, 11, 20)) and first.key == "insurance_renewal:a1:2026-12-20"
    assert second.key == "insurance_renewal:a1:2027-12-20"


def test_a_29_february_birthday_is_greeted_on_28_february_in_a_common_year_within_the_grace_day():
    leapling = replace(CUSTOMER, birthday=date(1996, 2, 29))
    this_year, next_year = planned("birthday", leapling, today=date(2027, 1, 10))
    assert this_year.due_at == at(date(2027, 2, 28), 10)
    assert this_year.reason == "birthday on 2027-02-28 (29 February: greeted on 28 February in a common year)"
    assert next_year.due_at == at(date(2028, 2, 29), 10) and next_year.reason == "birthday on 2028-02-29"
    assert this_year.owner == "li.si" and not this_year.rule.task and this_year.rule.channels == ("sms",)


def test_vehicle_anniversary_says_how_old_the_car_is():
    first, _ = planned("vehicle_anniversary", CUSTOMER, [car(delivered_on=date(2025, 12, 1))])
    assert first.due_at == at(date(2026, 12, 1), 10)
    assert first.reason == "您的爱车（粤B·D12345）1岁了: delivered on 2025-12-01, 1 year on 2026-12-01"


def test_holiday_greetings_follow_the_lunar_calendar():
    found = planned("holiday_greeting", CUSTOMER, today=date(2027, 1, 1))
    days = {p.key.split(":")[2]: p.due_at for p in found if p.key.endswith(("2027-02-06", "2027-09-15"))}
    assert days == {"spring_festival": at(date(2027, 2, 6), 10), "mid_autumn": at(date(2027, 9, 15), 10)}
    spring = next(p for p in found if p.key == "holiday_greeting:c1:spring_festival:2027-02-06")
    assert spring.reason == "春节 (spring festival) on 2027-02-06"
    # the day after the Spring Festival, the next one is a lunar year later, not 365 days later
    after = planned("holiday_greeting", CUSTOMER, today=date(2027, 2, 8), params={"festivals": ["spring_festival"]})
    assert [p.key for p in after] == ["holiday_greeting:c1:spring_festival:2028-01-26",
                                      "holiday_greeting:c1:spring_festival:2029-02-13"]


def test_complaint_callback_after_resolution_or_earlier_when_its_sla_says_so():
    resolved = ComplaintFacts(id="k9", status="resolved", resolved_at=datetime(2026, 11, 24, 7, 30, tzinfo=UTC),
                              assignee="zhao.liu")
    [callback] = planned("complaint_callback", CUSTOMER, complaints=[resolved])
    assert callback.due_at == datetime(2026, 11, 25, 7, 30, tzinfo=UTC) and callback.owner == "zhao.liu"
    tight = replace(resolved, callback_due_at=datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    [sla] = planned("complaint_callback", CUSTOMER, complaints=[tight])
    assert sla.due_at == tight.callback_due_at and "(the callback's SLA target)" in sla.reason
    assert planned("complaint_callback", CUSTOMER, complaints=[replace(resolved, status="closed")]) == []


def test_contact_cadence_monthly_by_default_and_by_tier():
    customer = replace(CUSTOMER, last_contact_on=date(2026, 10, 31), tier="gold")
    [monthly] = planned("contact_cadence", customer)
    assert monthly.due_at == at(date(2026, 11, 30))
    assert monthly.reason == "no contact for 1 month since last contact on 2026-10-31 → due 2026-11-30"
    [gold] = planned("contact_cadence", customer, params={"months": 1, "tier_days": {"gold": 14}})
    # 14 days after 31 October was 14 November: already past, so due now (planned at 08:00 on 22 November)
    assert gold.due_at == at(date(2026, 11, 22), 8) and gold.reason.endswith("(gold) since last contact on "
                                                                            "2026-10-31 → due 2026-11-14")
    [never] = planned("contact_cadence", replace(CUSTOMER, last_contact_on=None))
    assert never.reason.startswith("no contact for 1 month since registration on 2026-01-05")


def test_lost_customer_six_months_after_the_last_visit_for_owners_only():
    customer = replace(CUSTOMER, last_visit_on=date(2026, 8, 31))
    [lost] = planned("lost_customer", customer)
    assert lost.due_at == at(date(2027, 2, 28))
    assert "win-back call, record why they left" in lost.reason
    assert planned("lost_customer", replace(customer, kind="prospect")) == []
    # imported long after the last visit: the win-back is due now, not skipped as too late
    [long_ago] = planned("lost_customer", replace(customer, last_visit_on=date(2025, 1, 2)))
    assert long_ago.due_at == at(date(2026, 11, 22), 8) and "since 2025-01-02" in long_ago.reason


def test_an_erased_customer_and_a_switched_off_rule_plan_nothing():
    assert planned("birthday", replace(CUSTOMER, birthday=date(1990, 5, 1), erased=True)) == []
    assert planned("birthday", replace(CUSTOMER, birthday=date(1990, 5, 1)), enabled=False) == []


def test_the_rule_owner_overrides_the_customer_owner():
    [callback] = planned("delivery_callback_3d", CUSTOMER, [car(delivered_on=date(2026, 11, 20))],
                         owner="callback.desk")
    assert callback.owner == "callback.desk"
