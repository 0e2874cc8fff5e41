"""Due dates: an app's published reply deadline in working or calendar days.

Working days follow mainland China's official calendar (public holidays *and* make-up working
Saturdays/Sundays) from the maintained ``holidays`` package. Dates are local to China (UTC+8).
"""
from __future__ import annotations

import functools
from datetime import date, datetime, timedelta, timezone

import holidays

CHINA_TZ = timezone(timedelta(hours=8))
PIPL_DEFAULT_WORKING_DAYS = 15


@functools.lru_cache(maxsize=16)
def _china_calendar(year: int) -> holidays.HolidayBase:
    return holidays.China(years=[year])


def is_working_day(day: date) -> bool:
    return _china_calendar(day.year).is_working_day(day)


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself is day 0)."""
    current, counted = start, 0
    while counted < days:
        current += timedelta(days=1)
        if is_working_day(current):
            counted += 1
    return current


def local_date(moment: datetime) -> date:
    return moment.astimezone(CHINA_TZ).date()


def due_date(start: date, days: int, working_days: bool) -> date:
    return add_working_days(start, days) if working_days else start + timedelta(days=days)


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]; negative if end is before start."""
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for n in range(1, (end - start).days + 1)
               if is_working_day(start + timedelta(days=n)))
