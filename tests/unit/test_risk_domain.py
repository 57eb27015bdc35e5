"""The risk domain on its own: canonical e-mails, the throwaway registry, the score and its decision, the proof of
work and device ids."""

from __future__ import annotations

from chalicelib.risk.domain import challenge, devices
from chalicelib.risk.domain.assessment import ALLOW, BLOCK, CHALLENGE, REVIEW, Counts, Signals, assess, passed
from chalicelib.risk.domain.emails import canonical, disposable
from chalicelib.risk.domain.rules import RiskRules


def _signals(**changes: object) -> Signals:
    base: dict[str, object] = {"email": "ann@example.com", "ip": "198.51.100.7", "device": "d1.x", "quantity": 1,
                               "amount": 500}
    return Signals(**{**base, **changes})  # type: ignore[arg-type]


def test_one_mailbox_has_one_canonical_address() -> None:
    assert {canonical(e) for e in ("A.nn+promo1@GMail.com", "ann@googlemail.com", "a.n.n@gmail.com")} == {
        "ann@gmail.com"}
    # elsewhere the dots are the mailbox's own; only the +tag goes
    assert canonical("a.nn+x@example.com") == "a.nn@example.com"


def test_throwaway_domains_and_their_subdomains_are_known() -> None:
    assert (disposable("x@mailinator.com"), disposable("x@eu.mailinator.com"), disposable("x@example.com")) == (
        True, True, False)


def test_each_reason_adds_its_points_and_the_score_decides() -> None:
    rules = RiskRules()
    assert assess(rules, _signals()) == assess(rules, _signals())  # the same inputs, the same decision
    assert assess(rules, _signals()).decision == ALLOW
    no_device = assess(rules, _signals(device=""))
    assert (no_device.score, no_device.decision, no_device.reasons) == (30, CHALLENGE, (("no_device", 30),))
    farm = assess(rules, _signals(counts=Counts(device=6, emails_on_device=3)))
    assert (farm.score, farm.decision) == (85, REVIEW)
    listed = assess(RiskRules(blocked_ips=("198.51.100.0/24",)), _signals())
    assert (listed.decision, listed.reasons) == (BLOCK, (("blocklisted", 100),))
    # an allowed buyer passes whatever else is true; rules switched off allow all
    allowed = RiskRules(allowed_emails=("@example.com",))
    assert assess(allowed, _signals(device="", disposable=True)).decision == ALLOW
    assert assess(RiskRules(enabled=False), _signals(device="")).decision == ALLOW
    # a passed challenge lets through only a challenge, never a review
    assert passed(no_device).decision == ALLOW and passed(farm).decision == REVIEW


def test_the_new_buyer_rule_asks_only_above_its_limits() -> None:
    rules = RiskRules(new_buyer_max_units=5)
    assert assess(rules, _signals(quantity=6, new_buyer=True)).reasons == (("new_buyer_large", 30),)
    assert assess(rules, _signals(quantity=6, new_buyer=False)).reasons == ()
    assert assess(rules, _signals(quantity=5, new_buyer=True)).reasons == ()


def test_the_work_grows_with_the_score_and_a_solution_is_checked_exactly() -> None:
    rules = RiskRules()
    assert [challenge.bits_for(rules, s) for s in (30, 50, 74)] == [16, 18, 20]
    token = challenge.body_of(expires_at=2_000_000_000, bits=12, subject="abc", salt="s1") + ".mac"
    nonce = challenge.solve(token, 12)
    assert challenge.solves(token, nonce, 12)
    assert not challenge.solves(token, "not-a-number!", 12)
    found = challenge.parse(token)
    assert found is not None and (found.bits, found.subject, found.expires_at, found.mac) == (12, "abc",
                                                                                              2_000_000_000, "mac")
    assert challenge.parse("pow1.soon.12.abc.s1.mac") is None


def test_a_device_id_has_the_shape_the_shop_issues() -> None:
    found = devices.parse("d1.AAAAAAAAAAAAAAAAAAAAAA.1700000000.BBBBBBBBBBBBBBBBBBBBBB")
    assert found is not None and (found.body, found.issued_at) == ("d1.AAAAAAAAAAAAAAAAAAAAAA.1700000000",
                                                                    1_700_000_000)
    assert devices.parse("made-up-by-a-script") is None
