"""What the pages write from the domain's values: a history event's changes, money and figures."""

from datetime import date
from decimal import Decimal

from web.render import changes, figure, money, typed


def test_a_history_event_says_what_changed_field_by_field() -> None:
    assert changes({"owner": "A", "estimate_likely": 450000.0, "unit": "GBP"},
                   {"owner": "B", "estimate_likely": 45000.5, "unit": "GBP"}) == [
        ("owner", "A", "B"), ("estimate likely", "450,000", "45,000.5")]  # fmt: skip
    profile = changes({"profile": {"2026-27": {"planned": 10.0, "actual": None}, "2027-28": {"planned": 5.0}}},
                      {"profile": {"2026-27": {"planned": 10.0, "actual": 9.0}}})  # fmt: skip
    assert profile == [("2026-27", "planned 10, actual —", "planned 10, actual 9"), ("2027-28 removed", "", "")]
    # A cost line's profile is an amount a period, not a plan and an actual.
    cost = changes({"profile": {"2026-27": 450000.0}}, {"profile": {"2026-27": 480000.0, "2027-28": 1.5}})
    assert cost == [("2026-27", "450,000", "480,000"), ("2027-28", "—", "1.5")]
    assert changes({"withdrawn": False}, {"withdrawn": True}) == [("withdrawn", "no", "yes")]
    assert changes(None, {"title": "New"}) == [] and changes({"owner": None}, {"owner": "x" * 100})[0][2].endswith("…")


def test_money_and_figures_are_written_as_in_the_uk() -> None:
    assert (money(1655565.34), money(-40200), money(None)) == ("£1,655,565", "-£40,200", "—")
    assert (figure(45000), figure(0.25), figure(1234.5)) == ("45,000", "0.25", "1,234.50")


def test_an_amount_goes_back_into_its_input_without_stored_zeros() -> None:
    assert [typed(Decimal(text)) for text in ("338800.0000", "0.0000", "286914.4479", "0.2500", "-12.5000")] == [
        "338800", "0", "286914.4479", "0.25", "-12.5"]  # fmt: skip
    assert (typed(None), typed("GBP"), typed(date(2026, 3, 31))) == ("", "GBP", "2026-03-31")


def test_nested_values_and_moments_in_a_history_read_as_a_page_shows_them() -> None:
    moment = changes({"expires_at": None}, {"expires_at": "2026-12-07T23:36:32.929611+00:00"})
    assert moment == [("expires at", "—", "2026-12-07 23:36")]
    nested = changes({"nodes": []}, {"nodes": [{"name": "calls", "value": 32.459016}]})
    assert nested == [("nodes", "—", "name: calls; value: 32.46")]
