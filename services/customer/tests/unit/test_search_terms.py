"""Reading search input: phone suffixes, whole numbers, plates, VINs and the one search box."""
from datetime import date

import pytest
from customer.domain.errors import InvalidFields
from customer.domain.search import build_filters, parse_q, phone_filter
from customer.domain.vehicles import plate_key


def test_a_whole_number_in_any_spelling_searches_its_e164_digits():
    assert phone_filter("138 0013 8000") == "8613800138000"
    assert phone_filter("+86 13800138000") == "8613800138000"


def test_four_or_more_digits_search_as_a_suffix():
    assert phone_filter("8000") == "8000"
    assert phone_filter("0013-8000") == "00138000"


@pytest.mark.parametrize("term", ["800", "abcd", "张三", "12a4"])
def test_too_short_or_not_a_phone_is_refused(term):
    with pytest.raises(InvalidFields) as caught:
        phone_filter(term)
    assert "phone" in caught.value.errors


def test_q_with_digits_is_also_a_phone_suffix_and_a_plate():
    terms = parse_q(" 8000 ")
    assert (terms.name, terms.phone_suffix, terms.plate, terms.vin) == ("8000", "8000", "8000", None)


def test_q_with_a_vin_is_read_as_a_vin():
    terms = parse_q("lsvau2180n2183294")
    assert terms.vin == "LSVAU2180N2183294"
    assert terms.phone_suffix is None


def test_q_with_a_name_is_not_a_phone():
    terms = parse_q("王")
    assert terms.phone_suffix is None and terms.vin is None and terms.plate is None


def test_plates_compare_without_case_or_separators():
    assert plate_key("粤b·12345") == plate_key("粤B 12345") == "粤B12345"


def test_filters_name_each_bad_value():
    with pytest.raises(InvalidFields) as caught:
        build_filters(phone="12", vin="ABC", q="  ", created_from=date(2024, 2, 1), created_to=date(2024, 1, 1))
    assert set(caught.value.errors) == {"phone", "vin", "q", "created_to"}


def test_filters_keep_exact_values():
    filters = build_filters(owner="li.si", kind="owner", plate="京a-88888")
    assert (filters.owner, filters.kind, filters.plate) == ("li.si", "owner", "京A88888")
