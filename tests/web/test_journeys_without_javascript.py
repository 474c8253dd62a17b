"""The same journeys with scripts switched off: every step is a plain link or form (progressive enhancement)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.web import test_journeys as journeys


@pytest.fixture
def page(no_scripts: Page) -> Page:
    """Every journey here walks with JavaScript switched off."""
    return no_scripts


@pytest.fixture(autouse=True)
def scripts_stay_off(page: Page, site: str) -> Iterator[None]:
    """After each journey, the page's scripts never ran: htmx, loaded on every page, is not there."""
    yield
    assert page.evaluate("typeof window.htmx") == "undefined"


def test_a_programme_manager_moves_a_benefit_without_javascript(page: Page, site: str) -> None:
    journeys.move_to_planned_after_a_refusal(page, site, scripts=False)


def test_a_viewer_is_offered_no_edit_without_javascript(page: Page, site: str) -> None:
    journeys.viewer_is_offered_no_edit(page, site, scripts=False)


def test_a_finance_officer_confirms_cash_without_javascript(page: Page, site: str, tmp_path: Path) -> None:
    journeys.confirm_cash_and_download(page, site, tmp_path, scripts=False)


def test_a_board_member_records_a_review_without_javascript(page: Page, site: str) -> None:
    journeys.record_a_review_and_read_what_changed(page, site, scripts=False)


def test_a_measure_is_read_and_fed_without_javascript(page: Page, site: str, tmp_path: Path) -> None:
    journeys.read_a_measure_and_add_observations(page, site, tmp_path, scripts=False)
