"""Identifiers typed by users reach the rest of the bot in one canonical form."""
import pytest

from bot.identifiers import mask_phone, normalise_code, normalise_phone, normalise_request_id


@pytest.mark.parametrize("typed", ["13900001234", "139 0000 1234", "+86 139-0000-1234", "８６１３９００００１２３４"])
def test_phone_numbers_in_any_common_format_normalise_to_eleven_digits(typed):
    assert normalise_phone(typed) == "13900001234"


@pytest.mark.parametrize("typed", ["12900001234", "1390000123", "139000012345", "电话", ""])
def test_non_mobile_numbers_are_rejected(typed):
    assert normalise_phone(typed) is None


def test_request_ids_are_upper_case_with_prefix():
    assert normalise_request_id("pr-7k3m9q2xhd") == "PR-7K3M9Q2XHD"
    assert normalise_request_id("PR7K3M9Q2XHD") == "PR-7K3M9Q2XHD"
    assert normalise_request_id("PR-7K3M9Q2XHI") is None  # I is not in Crockford base32


def test_codes_are_exactly_six_digits():
    assert normalise_code(" 482913 ") == "482913"
    assert normalise_code("48291") is None


def test_masked_phone_hides_the_middle_digits():
    assert mask_phone("13900001234") == "139****1234"
