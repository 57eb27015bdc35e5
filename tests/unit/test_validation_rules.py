"""Field rules: slugs, e-mail, money and unknown fields (chalicelib/domain/validation.py, money.py)."""

from __future__ import annotations

import pytest

from chalicelib.kernel import validation as v
from chalicelib.kernel.errors import InvalidRequest
from chalicelib.kernel.money import CURRENCY_EXPONENT, MAX_AMOUNT, parse_amount, parse_currency

SLUG_MESSAGE = ("slug must be 3-40 characters of lower-case letters, digits and hyphens, "
                "starting and ending with a letter or digit")


# ---- slug ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("good", ["abc", "a1b", "my-shop", "a--b", "123", "x" * 40, "shop-2024-cn"])
def test_valid_slugs_are_returned_unchanged(good: str) -> None:
    assert v.slug(good) == good


@pytest.mark.parametrize("bad", [
    "ab",            # too short
    "x" * 41,        # too long
    "My-shop",       # upper case
    "-shop",         # leading hyphen
    "shop-",         # trailing hyphen
    "my_shop",       # underscore
    "my shop",       # space
    "商店商店",       # non-ASCII
    "",
])
def test_invalid_slugs_are_refused_with_the_rule(bad: str) -> None:
    with pytest.raises(InvalidRequest) as err:
        v.slug(bad)
    assert (err.value.param, err.value.message) == ("slug", SLUG_MESSAGE)


@pytest.mark.parametrize("bad", [None, 123, ["shop"], b"shop"])
def test_non_string_slugs_are_refused(bad: object) -> None:
    with pytest.raises(InvalidRequest) as err:
        v.slug(bad)
    assert err.value.param == "slug"


@pytest.mark.parametrize("reserved", [*sorted(v.RESERVED_SLUGS - {"v1"}), "v1"])
def test_reserved_slugs_are_refused_by_name(reserved: str) -> None:
    # "v1" is two characters, so the length rule answers first for it
    with pytest.raises(InvalidRequest) as err:
        v.slug(reserved)
    assert err.value.param == "slug"
    if len(reserved) >= 3:
        assert err.value.message == f"slug '{reserved}' is reserved; choose another"


@pytest.mark.parametrize("bad", ["shop\n", "demo-shop\n"])
def test_slug_with_a_trailing_newline_is_refused(bad: str) -> None:
    with pytest.raises(InvalidRequest):
        v.slug(bad)


# ---- e-mail --------------------------------------------------------------------------------------
def test_email_domain_is_lower_cased_and_local_part_kept() -> None:
    assert v.email("Ann.Lee+shop@Example.COM") == "Ann.Lee+shop@example.com"


def test_email_is_trimmed() -> None:
    assert v.email("  buyer@example.cn \n") == "buyer@example.cn"


@pytest.mark.parametrize("bad", [
    "no-at-sign.example.com", "a@b", "a b@example.com", "<a>@example.com", "a@-example.com",
    "a@example-.com", "@example.com", "a@@example.com", "a@exa mple.com", "x" * 65 + "@example.com",
    "a@" + "b" * 250 + ".com", "", None, 5, ["a@example.com"],
])
def test_invalid_emails_are_refused_naming_the_field(bad: object) -> None:
    with pytest.raises(InvalidRequest) as err:
        v.email(bad)
    assert (err.value.param, err.value.message) == ("email", "email must be a valid e-mail address")


def test_email_error_uses_the_given_field_name() -> None:
    with pytest.raises(InvalidRequest) as err:
        v.email("nope", field="support_email")
    assert (err.value.param, err.value.message) == ("support_email", "support_email must be a valid e-mail address")


# ---- money ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("good", [1, 500, MAX_AMOUNT])
def test_amounts_in_range_are_accepted(good: int) -> None:
    assert parse_amount(good) == good


@pytest.mark.parametrize("bad", [True, False, 5.0, 4.99, "500", None, [500]])
def test_non_integer_amounts_are_refused(bad: object) -> None:
    with pytest.raises(InvalidRequest) as err:
        parse_amount(bad)
    assert (err.value.param, err.value.message) == (
        "price", "price must be an integer amount in minor units (e.g. 500 for 5.00)")


@pytest.mark.parametrize("bad", [0, -1, MAX_AMOUNT + 1])
def test_zero_negative_and_too_large_amounts_are_refused(bad: int) -> None:
    with pytest.raises(InvalidRequest) as err:
        parse_amount(bad)
    assert (err.value.param, err.value.message) == ("price", "price must be between 1 and 99999999 minor units")


def test_amount_error_names_the_given_param() -> None:
    with pytest.raises(InvalidRequest) as err:
        parse_amount(0, param="amount")
    assert err.value.param == "amount"
    assert err.value.message.startswith("amount must be between 1 and")


@pytest.mark.parametrize("good", ["usd", "cny", "jpy", "eur"])
def test_supported_lower_case_currencies_are_accepted(good: str) -> None:
    assert parse_currency(good) == good


@pytest.mark.parametrize("bad", ["USD", "Usd", "xyz", "us", "", None, 840, "cny "])
def test_unsupported_or_upper_case_currencies_are_refused(bad: object) -> None:
    with pytest.raises(InvalidRequest) as err:
        parse_currency(bad)
    assert err.value.param == "currency"
    assert err.value.message == ("currency must be a lower-case ISO currency code we support: "
                                 + ", ".join(sorted(CURRENCY_EXPONENT)))


def test_zero_decimal_currencies_are_known() -> None:
    assert (CURRENCY_EXPONENT["jpy"], CURRENCY_EXPONENT["krw"], CURRENCY_EXPONENT["usd"]) == (0, 0, 2)


# ---- unknown fields and field helpers ---------------------------------------------------------------
def test_unknown_field_is_named_first_in_sorted_order() -> None:
    with pytest.raises(InvalidRequest) as err:
        v.unknown_fields({"name": "x", "zeta": 1, "alpha": 2}, {"name", "price"})
    assert err.value.param == "alpha"
    assert err.value.message == "unknown field 'alpha'; allowed: name, price"


def test_known_fields_pass() -> None:
    assert v.unknown_fields({"name": "x"}, {"name", "price"}) is None


def test_body_must_be_an_object() -> None:
    with pytest.raises(InvalidRequest) as err:
        v.body_object(["name"])
    assert err.value.message == "the request body must be a JSON object"


def test_text_is_trimmed_and_length_checked() -> None:
    assert v.text({"name": "  Steam 100  "}, "name") == "Steam 100"
    with pytest.raises(InvalidRequest) as err:
        v.text({"name": "   "}, "name")
    assert (err.value.param, err.value.message) == ("name", "name must be 1 to 200 characters long")
    with pytest.raises(InvalidRequest) as err:
        v.text({}, "name")
    assert err.value.message == "name is required"
    assert v.text({}, "description", required=False, default="-") == "-"


@pytest.mark.parametrize("bad", [True, 1.0, "3"])
def test_integer_refuses_bool_float_and_string(bad: object) -> None:
    with pytest.raises(InvalidRequest) as err:
        v.integer({"quantity": bad}, "quantity", low=1, high=10)
    assert (err.value.param, err.value.message) == ("quantity", "quantity must be a whole number")


def test_integer_bounds_and_default() -> None:
    assert v.integer({}, "quantity", low=1, high=10, default=1) == 1
    assert v.integer({"quantity": 10}, "quantity", low=1, high=10) == 10
    with pytest.raises(InvalidRequest) as err:
        v.integer({"quantity": 11}, "quantity", low=1, high=10)
    assert err.value.message == "quantity must be between 1 and 10"


@pytest.mark.parametrize("bad", [1, "true", None])
def test_boolean_refuses_non_booleans(bad: object) -> None:
    with pytest.raises(InvalidRequest) as err:
        v.boolean({"active": bad}, "active")
    assert err.value.message == "active must be true or false"


# ---- human text: no control or bidi-override characters ------------------------------------------
CONTROLS = ["\x00", "\x07", "\x1b", "\x7f", "\x80", "\x85", "\x9f", "\u202a", "\u202e", "\u2066", "\u2069"]


@pytest.mark.parametrize("ch", [*CONTROLS, "\n", "\t", "\r"])
def test_a_single_line_field_refuses_control_and_bidi_characters(ch: str) -> None:
    # given a name with one control, line-break or bidi character inside
    # when it is validated as a single line
    with pytest.raises(InvalidRequest) as err:
        v.text({"name": f"a{ch}b"}, "name", single_line=True)
    # then the field is named with the character and its place
    assert (err.value.param, err.value.message) == (
        "name", f"name must not contain control, line-break or bidirectional-override characters "
                f"(found U+{ord(ch):04X} at position 2)")


@pytest.mark.parametrize("ch", CONTROLS)
def test_a_multi_line_field_refuses_control_and_bidi_characters(ch: str) -> None:
    with pytest.raises(InvalidRequest) as err:
        v.optional_text({"description": f"line one\n{ch}"}, "description", max_len=100)
    assert (err.value.param, err.value.message) == (
        "description", f"description must not contain control or bidirectional-override characters "
                       f"(found U+{ord(ch):04X} at position 10)")


def test_a_multi_line_field_keeps_tabs_and_line_breaks_and_unifies_carriage_returns() -> None:
    assert v.optional_text({"d": "1.\tOpen\r\n2.\tRedeem\r3. Done"}, "d", max_len=100) == (
        "1.\tOpen\n2.\tRedeem\n3. Done")
    assert v.text({"d": "a\nb"}, "d") == "a\nb"


@pytest.mark.parametrize("good", ["Steam 100", "点卡 · 月卡", "Ünïcödé — ok", "emoji 🎮", "\u200dzwj", "مرحبا"])
def test_ordinary_text_in_any_script_is_accepted(good: str) -> None:
    assert v.text({"name": good}, "name", single_line=True) == good


@pytest.mark.parametrize("bad", ["a\x00b@example.com", "ab@exa\u202emple.com"])
def test_an_email_with_control_characters_is_refused(bad: str) -> None:
    with pytest.raises(InvalidRequest) as err:
        v.email(bad)
    assert err.value.param == "email"


@pytest.mark.parametrize("bad", ["https://example.com/\x80", "https://example.com/\u202egnp.exe"])
def test_a_url_with_control_characters_is_refused(bad: str) -> None:
    with pytest.raises(InvalidRequest) as err:
        v.url({"u": bad}, "u", allow_http=False)
    assert err.value.param == "u"


def test_keys_and_human_text_share_one_rule() -> None:
    from chalicelib.inventory.domain.cardkeys import parse_list

    # a tab is allowed inside a key; every character the text rule refuses is refused there too
    parsed, rejected = parse_list(["a\tb", *(f"k{ch}k" for ch in CONTROLS)])
    assert [p.value for p in parsed] == ["a\tb"]
    assert [r.reason for r in rejected] == ["contains control characters (not text)"] * len(CONTROLS)
