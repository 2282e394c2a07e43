"""A label is printable text on one line: control characters and line separators are refused."""
import pytest
from marshmallow import Schema, ValidationError
from servicekit.labels import Label


class Named(Schema):
    name = Label(40, required=True)


@pytest.mark.parametrize("bad", ["a\r\nb", "a\nb", "a\tb", "a\x00", "a\x1b[2J", "a\u2028b", "a\x85b", " ", "x" * 41])
def test_a_label_with_a_control_character_blank_or_too_long_is_refused(bad):
    with pytest.raises(ValidationError) as refused:
        Named().load({"name": bad})
    assert list(refused.value.messages) == ["name"]


@pytest.mark.parametrize("good", ["生日祝福 (birthday greeting)", "after_sales", "售后 · 二部"])
def test_a_printable_label_is_taken_as_it_is(good):
    assert Named().load({"name": good}) == {"name": good}
