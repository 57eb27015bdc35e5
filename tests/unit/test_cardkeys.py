"""Key import parsing and the keyed fingerprint (chalicelib/domain/cardkeys.py)."""

from __future__ import annotations

import pytest

from chalicelib.inventory.domain.cardkeys import (
    MAX_KEY_LENGTH,
    MAX_KEYS_PER_REQUEST,
    ParsedLine,
    Rejection,
    fingerprint,
    parse_list,
    parse_text,
)
from chalicelib.kernel.errors import InvalidRequest, PayloadTooLarge

CONTROL = "contains control characters (not text)"


# ---- parse_text ----------------------------------------------------------------------------------
def test_plain_lines_are_numbered_from_one_and_trimmed() -> None:
    # given two keys with surrounding spaces
    body = b"  AAAA-1111  \nBBBB-2222\n"
    # when parsed
    accepted, rejected = parse_text(body)
    # then both are kept, trimmed, with their 1-based line numbers
    assert accepted == [ParsedLine(1, "AAAA-1111"), ParsedLine(2, "BBBB-2222")]
    assert rejected == []


def test_utf8_bom_is_dropped() -> None:
    # given a file saved by Windows Notepad (BOM first)
    body = "\ufeffKEY-1\nKEY-2".encode()
    # when parsed
    accepted, rejected = parse_text(body)
    # then the BOM is not part of the first key
    assert accepted == [ParsedLine(1, "KEY-1"), ParsedLine(2, "KEY-2")]
    assert rejected == []


@pytest.mark.parametrize("body", [b"K1\r\nK2\r\nK3", b"K1\rK2\rK3", b"K1\nK2\r\nK3\r"])
def test_crlf_and_cr_line_endings_split_lines(body: bytes) -> None:
    # given Windows, old Mac and mixed line endings
    # when parsed
    accepted, rejected = parse_text(body)
    # then each line is one key and no \r is left in a key
    assert accepted == [ParsedLine(1, "K1"), ParsedLine(2, "K2"), ParsedLine(3, "K3")]
    assert rejected == []


def test_trailing_blank_lines_are_skipped_silently() -> None:
    # given blank and whitespace-only lines after the last key
    body = b"K1\nK2\n\n   \n\t\r\n\n"
    # when parsed
    accepted, rejected = parse_text(body)
    # then they are neither keys nor rejections
    assert accepted == [ParsedLine(1, "K1"), ParsedLine(2, "K2")]
    assert rejected == []


def test_blank_line_inside_is_rejected_as_empty_by_its_line_number() -> None:
    # given an empty line and a whitespace-only line between keys
    body = b"K1\n\nK3\n   \nK5"
    # when parsed
    accepted, rejected = parse_text(body)
    # then the keys keep their own line numbers and the blanks are reported
    assert accepted == [ParsedLine(1, "K1"), ParsedLine(3, "K3"), ParsedLine(5, "K5")]
    assert rejected == [Rejection(2, "empty"), Rejection(4, "empty")]


def test_key_of_1024_characters_is_accepted_and_1025_rejected() -> None:
    # given one key at the limit and one just over it
    body = ("A" * MAX_KEY_LENGTH + "\n" + "B" * (MAX_KEY_LENGTH + 1)).encode()
    # when parsed
    accepted, rejected = parse_text(body)
    # then the limit is inclusive
    assert MAX_KEY_LENGTH == 1024
    assert accepted == [ParsedLine(1, "A" * 1024)]
    assert rejected == [Rejection(2, "longer than 1024 characters")]


def test_length_is_measured_after_trimming() -> None:
    # given a 1,024-character key padded with spaces
    body = (" " + "C" * 1024 + " ").encode()
    # when parsed
    accepted, rejected = parse_text(body)
    # then it is accepted
    assert accepted == [ParsedLine(1, "C" * 1024)]
    assert rejected == []


@pytest.mark.parametrize("bad", ["A\x00B", "A\x1bB", "A\x7fB", "A\x08B", "A\x0bB", "A\x0cB"])
def test_control_characters_inside_a_key_are_rejected(bad: str) -> None:
    # given a key with a control character in the middle (NUL, ESC, DEL, BS, VT, FF)
    body = f"GOOD\n{bad}".encode()
    # when parsed
    accepted, rejected = parse_text(body)
    # then only the clean key is accepted
    assert accepted == [ParsedLine(1, "GOOD")]
    assert rejected == [Rejection(2, CONTROL)]


def test_tab_inside_a_key_is_allowed() -> None:
    # given a card number and password separated by a tab (a common export format)
    body = b"\t1234 5678\tPWD-99\t\n"
    # when parsed
    accepted, rejected = parse_text(body)
    # then the inner tab is kept and the outer ones trimmed
    assert accepted == [ParsedLine(1, "1234 5678\tPWD-99")]
    assert rejected == []


def test_non_ascii_keys_are_text() -> None:
    # given a Chinese gift code
    body = "礼品卡-ABC-一二三".encode()
    # when parsed
    accepted, rejected = parse_text(body)
    # then it is accepted unchanged
    assert accepted == [ParsedLine(1, "礼品卡-ABC-一二三")]
    assert rejected == []


def test_invalid_utf8_is_refused_with_a_clear_error() -> None:
    # given a GBK-encoded file
    body = "卡密".encode("gbk")
    # when / then
    with pytest.raises(InvalidRequest) as err:
        parse_text(body)
    assert (err.value.code, err.value.param, err.value.message) == (
        "invalid_request", "keys", "the key file must be UTF-8 text")


@pytest.mark.parametrize("body", [b"", b"\n", b"\r\n\r\n", b"   \n\t\n"])
def test_file_without_keys_is_refused(body: bytes) -> None:
    # given an empty or blank-only file
    # when / then
    with pytest.raises(InvalidRequest) as err:
        parse_text(body)
    assert (err.value.code, err.value.param) == ("invalid_request", "keys")
    assert err.value.message == "no keys given: send a JSON list or one key per line"


def test_text_with_more_than_10000_lines_is_too_large() -> None:
    # given 10,001 keys in a file
    body = "\n".join(f"K{i}" for i in range(MAX_KEYS_PER_REQUEST + 1)).encode()
    # when / then
    with pytest.raises(PayloadTooLarge) as err:
        parse_text(body)
    assert (err.value.code, err.value.param) == ("payload_too_large", "keys")


# ---- parse_list ----------------------------------------------------------------------------------
def test_list_rejects_non_strings_by_position() -> None:
    # given a JSON list mixing strings, numbers, null, lists and objects
    values = ["K1", 12345, None, "K4", ["K5"], {"k": "K6"}, True, " K8 "]
    # when parsed
    accepted, rejected = parse_list(values)
    # then strings are kept (trimmed) and every other value is rejected by its 1-based position
    assert accepted == [ParsedLine(1, "K1"), ParsedLine(4, "K4"), ParsedLine(8, "K8")]
    assert rejected == [Rejection(2, "not text"), Rejection(3, "not text"), Rejection(5, "not text"),
                        Rejection(6, "not text"), Rejection(7, "not text")]


def test_list_applies_the_same_value_rules_as_text() -> None:
    # given an empty string, a control character and an over-long key
    values = ["", "A\x00", "X" * 1025, "OK"]
    # when parsed
    accepted, rejected = parse_list(values)
    # then
    assert accepted == [ParsedLine(4, "OK")]
    assert rejected == [Rejection(1, "empty"), Rejection(2, CONTROL), Rejection(3, "longer than 1024 characters")]


def test_list_of_exactly_10000_keys_is_accepted() -> None:
    # given the maximum number of keys
    values = [f"K{i}" for i in range(MAX_KEYS_PER_REQUEST)]
    # when parsed
    accepted, rejected = parse_list(values)
    # then all are accepted
    assert len(accepted) == 10_000
    assert accepted[-1] == ParsedLine(10_000, "K9999")
    assert rejected == []


def test_list_of_10001_keys_is_too_large_naming_the_param() -> None:
    # given one key over the limit
    values = [f"K{i}" for i in range(MAX_KEYS_PER_REQUEST + 1)]
    # when / then
    with pytest.raises(PayloadTooLarge) as err:
        parse_list(values)
    assert isinstance(err.value, InvalidRequest)
    assert (err.value.type, err.value.code, err.value.param) == ("invalid_request", "payload_too_large", "keys")
    assert "at most 10000 keys per request" in err.value.message


def test_empty_list_is_invalid() -> None:
    # given no keys
    # when / then
    with pytest.raises(InvalidRequest) as err:
        parse_list([])
    assert type(err.value) is InvalidRequest
    assert (err.value.code, err.value.param) == ("invalid_request", "keys")


@pytest.mark.parametrize("values", [None, "K1\nK2", {"keys": ["K1"]}, 42, ("K1",)])
def test_anything_but_a_list_is_invalid(values: object) -> None:
    # given a value that is not a JSON list
    # when / then
    with pytest.raises(InvalidRequest) as err:
        parse_list(values)
    assert (err.value.param, err.value.message) == ("keys", "keys must be a list of strings")


# ---- fingerprint ---------------------------------------------------------------------------------
def test_fingerprint_is_hmac_sha256_hex() -> None:
    # given the RFC-style test vector for HMAC-SHA256
    # when / then
    assert fingerprint(b"key", "The quick brown fox jumps over the lazy dog") == (
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")


def test_fingerprint_is_deterministic_per_secret_and_differs_across_secrets() -> None:
    # given two tenants' secrets and one key value
    secret_a, secret_b = b"a" * 32, b"b" * 32
    # when fingerprinted twice under A and once under B
    first, again, other = fingerprint(secret_a, "KEY-1"), fingerprint(secret_a, "KEY-1"), fingerprint(secret_b, "KEY-1")
    # then A's are equal, B's differs, and all are 64 lower-case hex characters
    assert first == again
    assert first != other
    assert fingerprint(secret_a, "KEY-2") != first
    for fp in (first, other):
        assert len(fp) == 64
        assert set(fp) <= set("0123456789abcdef")
