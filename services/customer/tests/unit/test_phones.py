"""Phone numbers are validated and normalised to E.164 (mainland China by default)."""
import pytest
from customer.domain.customers import normalise_phones
from customer.domain.errors import InvalidFields
from customer.domain.phones import InvalidPhone, normalise_phone


@pytest.mark.parametrize("raw", ["138 0013 8000", "13800138000", "+86 138-0013-8000", "(+86) 13800138000",
                                 "+8613800138000", "  138.0013.8000 "])
def test_chinese_mobiles_in_any_spelling_become_one_e164_number(raw):
    assert normalise_phone(raw) == "+8613800138000"


def test_landline_with_trunk_prefix_is_normalised():
    assert normalise_phone("010 6552 9988") == "+861065529988"


def test_foreign_number_keeps_its_country():
    assert normalise_phone("+1 650 253 0000") == "+16502530000"


@pytest.mark.parametrize("raw", ["12345", "138001380001234", "abc", "138 0013 800a", "", "+86 100"])
def test_invalid_numbers_are_refused(raw):
    with pytest.raises(InvalidPhone):
        normalise_phone(raw)


def test_extra_phones_are_normalised_deduplicated_and_each_bad_one_named():
    assert normalise_phones({"phones": ["139 0000 0001", "13900000001", "+8613900000002"]})["phones"] == [
        "+8613900000001", "+8613900000002"]
    with pytest.raises(InvalidFields) as caught:
        normalise_phones({"phone": "1", "phones": ["13900000001", "x"]})
    assert set(caught.value.errors) == {"phone", "phones.1"}
