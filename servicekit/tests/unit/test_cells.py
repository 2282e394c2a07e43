"""Export cells no spreadsheet evaluates, and an import reads back exactly what was exported."""
from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from servicekit.cells import csv_row, csv_writer, unquoted, xlsx_row

#: What a spreadsheet reads as a formula (OWASP, CSV injection), spelled out here rather than imported.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Text that starts like a formula (or like quoted text) more often than random text would.
texts = st.text(alphabet=st.sampled_from("=+-@\t\r'#A1 张\"") | st.characters(), max_size=12)


def _csv(rows: list[list]) -> list[list[str]]:
    out = io.StringIO()
    writer = csv_writer(out)
    for row in rows:
        writer.writerow(csv_row(row))
    return list(csv.reader(io.StringIO(out.getvalue(), newline="")))


@settings(deadline=None)  # timed on a shared machine, a first example can take past the 200 ms default
@given(st.lists(texts, min_size=1, max_size=5))
def test_no_csv_text_cell_starts_like_a_formula_and_the_import_gets_the_text_back(values):
    [written] = _csv([values])
    assert [cell for cell in written if cell.startswith(FORMULA_START)] == []
    assert [unquoted(cell) for cell in written] == values


def test_numbers_stay_numbers_and_text_that_looks_like_one_is_quoted():
    out = io.StringIO()
    csv_writer(out).writerow(csv_row([-12.5, -3, 0, True, None, "-12.5", "+8613800138000", float("-inf")]))
    assert out.getvalue() == '-12.5,-3,0,True,"","\'-12.5","\'+8613800138000","\'-inf"\r\n'


@settings(max_examples=5, deadline=None)  # a workbook written and read each time: many values in one
@given(st.lists(texts.filter(lambda text: text.isprintable()), min_size=1, max_size=300))  # XML: no controls
def test_xlsx_text_is_text_never_a_formula_or_an_error_and_the_import_gets_it_back(values):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    for value in [*values, "#N/A"]:
        sheet.append(xlsx_row(sheet, [value, -12.5]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = list(load_workbook(buffer).worksheets[0].iter_rows())
    texts_read = [text for text, _ in rows]
    assert {cell.data_type for cell in texts_read if cell.value is not None} == {"s"}  # no formula, no error
    assert [unquoted(cell.value or "") for cell in texts_read] == [*values, "#N/A"]
    assert all(cell.quotePrefix for cell in texts_read if (cell.value or "").startswith(FORMULA_START))
    assert {(number.data_type, number.value) for _, number in rows} == {("n", -12.5)}
