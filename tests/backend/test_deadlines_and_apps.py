"""Due dates in working days (Chinese holidays and make-up workdays) and the knowledge-base adapter."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from hypothesis import given, settings, strategies as st

from bot.backend.apps import terms_from_knowledge, upsert_app
from bot.backend.deadlines import add_working_days, due_date, is_working_day, working_days_between
from bot.backend.models import App


def test_national_day_week_does_not_count_as_working_days():
    # 2025: 1–8 October off; Sunday 28 September and Saturday 11 October are make-up workdays.
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert add_working_days(date(2025, 9, 30), 2) == date(2025, 10, 10)
    assert add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)  # a Saturday that is worked


def test_a_make_up_sunday_counts_as_a_working_day():
    assert is_working_day(date(2025, 9, 28)) and date(2025, 9, 28).weekday() == 6
    assert add_working_days(date(2025, 9, 27), 1) == date(2025, 9, 28)


def test_fifteen_working_days_across_national_day():
    # Filed Friday 26 September 2025: 28, 29, 30 Sep, 9, 10, 11, 13–17, 20–23 Oct.
    assert add_working_days(date(2025, 9, 26), 15) == date(2025, 10, 23)
    assert working_days_between(date(2025, 9, 26), date(2025, 10, 23)) == 15


def test_calendar_day_deadlines_ignore_holidays():
    assert due_date(date(2025, 9, 30), 15, working_days=False) == date(2025, 10, 15)
    assert due_date(date(2025, 9, 30), 15, working_days=True) == date(2025, 10, 28)


def test_spring_festival_is_skipped():
    # 2025 Spring Festival: 28 Jan – 4 Feb off; Sunday 26 Jan and Saturday 8 Feb worked.
    assert add_working_days(date(2025, 1, 27), 1) == date(2025, 2, 5)


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 6, 30)), st.integers(0, 30))
def test_the_due_date_is_a_working_day_exactly_n_working_days_later(start, days):
    end = add_working_days(start, days)
    assert working_days_between(start, end) == days
    if days:
        assert is_working_day(end)
        assert working_days_between(start, end - timedelta(days=1)) == days - 1


def test_the_adapter_reads_a_published_deadline_and_cooling_off():
    kb = SimpleNamespace(name="美乐吃", response_deadline=SimpleNamespace(days=10, working_days=True),
                         cooling_off=SimpleNamespace(days=15))
    terms = terms_from_knowledge("melochi", kb)
    assert (terms.deadline_days, terms.deadline_working_days, terms.deadline_is_default,
            terms.cooling_off_days, terms.name) == (10, True, False, 15, "美乐吃")


def test_the_adapter_handles_calendar_days():
    kb = SimpleNamespace(name="X", response_deadline=SimpleNamespace(days=30, working_days=False),
                         cooling_off=None)
    terms = terms_from_knowledge("x", kb)
    assert terms.deadline_working_days is False and terms.cooling_off_days is None


def test_without_a_published_deadline_pipl_15_working_days_apply_and_are_marked_default():
    terms = terms_from_knowledge("tego", SimpleNamespace(name="特购", response_deadline=None, cooling_off=None))
    assert (terms.deadline_days, terms.deadline_working_days, terms.deadline_is_default) == (15, True, True)


def test_upserting_an_app_twice_updates_it(backend):
    kb = SimpleNamespace(name="一号店", response_deadline=None, cooling_off=None)
    app_id = "yhd_" + backend.now().strftime("%H%M%S%f")
    with backend.transaction() as session:
        upsert_app(session, terms_from_knowledge(app_id, kb), backend.now())
    kb.response_deadline = SimpleNamespace(days=7, working_days=True)
    with backend.transaction() as session:
        upsert_app(session, terms_from_knowledge(app_id, kb), backend.now())
    with backend.sessions() as session:
        app = session.get(App, app_id)
        assert (app.deadline_days, app.deadline_is_default) == (7, False)
