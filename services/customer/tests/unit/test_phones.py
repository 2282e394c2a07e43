"""Phone numbers are validated and normalised to E.164 (mainland China by default)."""
import itertools

import pytest
from customer.domain import phones
from customer.domain.customers import normalise_phones
from customer.domain.errors import InvalidFields
from customer.domain.phones import InvalidPhone, _by_libphonenumber, normalise_phone
from hypothesis import given, settings
from hypothesis import strategies as st


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


# 11 digits starting with 1, any second digit (st.integers(0, 9) would mostly give 0, never a mobile range)
ELEVEN_DIGITS = st.builds("1{}{:09d}".format, st.sampled_from("0123456789"), st.integers(0, 10**9 - 1))
SPACES = ["", " ", "\t\n "]
# the usual spellings of 11 digits (3-4-4 or in one run), with or without a country code; {} {} {} are the groups
USUAL = st.sampled_from([f"{lead}{prefix}{{}}{first}{{}}{second}{{}}{trail}" for lead, prefix, first, second, trail
                         in itertools.product(SPACES, ["", "+86", "(+86)", "0086", "86", "+86 ", "0086-", "86 "],
                                              ["", " ", "-", "."], ["", " ", "-", "."], SPACES)])
SEPARATORS = st.sampled_from(["", " ", "-", ".", "  ", "--", "(", ")", " - "])
REGIONS = st.sampled_from(["CN", "CN", "CN", "US", "HK", "MO", "GB", "ZZ"])


@st.composite
def odd_texts(draw):
    """Any separators between any digits, other prefixes, shorter and longer digit strings."""
    number = draw(ELEVEN_DIGITS | st.integers(0, 10**16).map(str))
    gaps, early, late = draw(st.integers(0, 2**16 - 1)), draw(SEPARATORS), draw(SEPARATORS)  # separator after digit i
    number = "".join(digit + ((early if i < 5 else late) if gaps >> i & 1 else "") for i, digit in enumerate(number))
    prefix = draw(st.sampled_from(["", "+86", "(+86)", "+(86)", "0086", "86", "(86)", "+0086", "086", "0", "+860",
                                   "00 86", "8 6", "+1", "+852", "+", "8686"]))
    return draw(st.sampled_from(SPACES)) + prefix + draw(SEPARATORS) + number + draw(st.sampled_from(SPACES))


def _outcome(normalise, raw, region):
    try:
        return normalise(raw, region)
    except InvalidPhone as exc:
        return f"InvalidPhone: {exc}"


@settings(max_examples=1200, deadline=None)
@given(USUAL, ELEVEN_DIGITS, REGIONS)
def test_usual_spellings_of_mobiles_give_what_libphonenumber_gives(spelling, number, region):
    raw = spelling.format(number[:3], number[3:7], number[7:])
    assert _outcome(normalise_phone.__wrapped__, raw, region) == _outcome(_by_libphonenumber, raw, region)


@settings(max_examples=800, deadline=None)
@given(odd_texts(), REGIONS)
def test_odd_texts_give_what_libphonenumber_gives(raw, region):
    assert _outcome(normalise_phone.__wrapped__, raw, region) == _outcome(_by_libphonenumber, raw, region)


@pytest.mark.parametrize("raw", ["13800138000", "138 0013 8000", "138-0013-8000", "138.0013.8000", "+86 138 0013 8000",
                                 "+8613800138000", "(+86) 13800138000", "0086 13800138000", "86-138-0013-8000",
                                 " 17400012345 "])
def test_mainland_mobiles_do_not_need_libphonenumber(raw, monkeypatch):
    monkeypatch.setattr(phones, "_by_libphonenumber", None)
    assert normalise_phone.__wrapped__(raw).startswith("+861")
