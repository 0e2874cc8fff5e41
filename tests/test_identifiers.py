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
    assert normalise_request_id("PR-7K3M9Q2XHI") == "PR-7K3M9Q2XH1"  # I, L are read as 1 and O as 0
    assert normalise_request_id("PR-7K3M9Q2XHU") is None  # U is not in Crockford base32
    assert normalise_request_id("ＰＲ－７Ｋ３Ｍ９Ｑ２ＸＨＤ") == "PR-7K3M9Q2XHD"  # full-width, as the backend reads it


def test_codes_are_exactly_six_digits():
    assert normalise_code(" 482913 ") == "482913"
    assert normalise_code("48291") is None


def test_masked_phone_hides_the_middle_digits():
    assert mask_phone("13900001234") == "139****1234"


def test_the_nlu_regexes_are_the_ones_the_dialogue_uses():
    from pathlib import Path

    import yaml

    from bot import identifiers

    entities = yaml.safe_load((Path(__file__).parents[1] / "data/nlu/entities.yml").read_text())
    regexes = {item["regex"]: item["examples"].strip()[2:] for item in entities["nlu"] if "regex" in item}
    assert regexes == {"phone_number": identifiers.PHONE_PATTERN,
                       "verification_code": identifiers.CODE_PATTERN,
                       "request_id": identifiers.REQUEST_ID_PATTERN}


def test_phone_and_code_are_found_in_running_text():
    from bot.identifiers import find_code, find_phone

    assert find_phone("我的手机是139 0000 1234谢谢") == "13900001234"
    assert find_code("验证码是401266") == "401266"
    assert find_code("手机13900001234") is None
