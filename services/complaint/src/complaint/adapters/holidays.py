"""Which days are working days in mainland China, from python-holidays' China calendar.

It knows the statutory public holidays by rule for any year and, for every year the State Council has
announced, the days off moved onto weekdays and the weekend days worked instead (调休, 补班): e.g. 2026's
Spring Festival runs 15–23 February, with Saturday 14 and Saturday 28 February working days. A year not
yet announced (2027 until the notice of late 2026) has its statutory holidays but no swapped days until
the library is updated — keep `holidays` current in requirements.txt each November.
https://holidays.readthedocs.io/ ; the notices: https://www.gov.cn/zhengce/
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

import holidays


def china_working_days() -> Callable[[date], bool]:
    """`is_working_day(day)` for mainland China: weekdays that are not public holidays, plus adjusted
    working days on weekends."""
    calendar = holidays.China(years=range(date.today().year - 1, date.today().year + 3))
    return calendar.is_working_day
