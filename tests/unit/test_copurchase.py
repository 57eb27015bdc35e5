"""Co-purchase rules: support, confidence and lift per product pair, ranked, capped, and the planted rule found."""

from __future__ import annotations

import random
import time

import pytest

from chalicelib.insights.domain.copurchase import Rule, recommend, rules
from tests.support.shoppers import ACCEL, GAME, population


def _baskets(spec: list[tuple[int, set[str]]]) -> list[frozenset[str]]:
    """(how many buyers, what each bought) → one basket per buyer."""
    return [frozenset(products) for n, products in spec for _ in range(n)]


def _approx(rule: Rule) -> tuple[object, ...]:
    return (rule.antecedent, rule.consequent, pytest.approx(rule.support), pytest.approx(rule.confidence),
            pytest.approx(rule.lift), rule.count)


def test_support_confidence_and_lift_of_a_pair_and_no_rule_below_lift_one() -> None:
    # given 10 buyers: 4 bought A and B, 2 only A, 1 B and C, 3 only C (A: 6, B: 5, C: 4)
    baskets = _baskets([(4, {"A", "B"}), (2, {"A"}), (1, {"B", "C"}), (3, {"C"})])
    # when rules are found from a single shared buyer up
    found = rules(baskets, min_support_count=1, min_confidence=0.0)
    # then A→B: support 4/10, confidence 4/6, lift (4/6)/(5/10); B→A: 4/5, lift (4/5)/(6/10);
    # B and C are bought together less than apart (lift 0.5): no rule
    assert {p: [_approx(r) for r in rs] for p, rs in found.items()} == {
        "A": [("A", "B", 0.4, 4 / 6, 4 / 3, 4)],
        "B": [("B", "A", 0.4, 0.8, 4 / 3, 4)],
    }


def test_rules_rank_by_lift_times_confidence_and_bestsellers_everyone_buys_are_left_out() -> None:
    # given 100 buyers, 20 of X: 14 of them bought Y1 (60 buyers in all), 6 bought Y2 (8 in all),
    # 17 bought Y3 (90 in all)
    baskets = [frozenset(p for p, among in (("X", range(20)), ("Y1", [*range(14), *range(20, 66)]),
                                           ("Y2", [*range(14, 20), 20, 21]),
                                           ("Y3", [*range(17), *range(20, 93)])) if n in among) | {"Z"}
               for n in range(100)]
    # when rules are found with the defaults
    found = rules(baskets)
    # then Y2 (confidence 0.3, lift 3.75: score 1.125) beats Y1 (0.7, 1.17: score 0.82) though less likely,
    # and Y3 (0.85, lift 0.94) is not a rule: 85 % of X's buyers bought it, but 90 % of all buyers did
    assert [_approx(r) for r in found["X"]] == [("X", "Y2", 0.06, 0.3, 3.75, 6), ("X", "Y1", 0.14, 0.7, 0.7 / 0.6, 14)]
    assert found["X"][0].score == pytest.approx(1.125)
    assert "Z" not in found  # everyone bought Z: lift 1 with anything


def test_a_pair_of_fewer_than_five_buyers_is_no_rule_and_each_product_keeps_its_best_five() -> None:
    # given 4 buyers of X and W together (lift 25), and X with seven others, Q0…Q6, each bought by 6 + i of
    # X's buyers and by nobody else
    baskets = _baskets([(4, {"X", "W"}), (96, {"pad"})])
    baskets += [frozenset({"X"} | {f"Q{i}" for i in range(7) if k < 6 + i}) for k in range(12)]
    # when rules are found with the defaults
    found = rules(baskets)
    # then W is not recommended (4 buyers could be identified); the five with the most buyers are kept
    assert [r.consequent for r in found["X"]] == ["Q6", "Q5", "Q4", "Q3", "Q2"]
    assert [r.count for r in found["X"]] == [12, 11, 10, 9, 8]
    assert "W" not in found and rules(baskets, min_support_count=4)["W"][0].consequent == "X"


def test_confidence_exactly_at_the_minimum_is_kept() -> None:
    # given 100 buyers of A, 7 of whom bought B too (0.07 × 100 is 7.000000000000001 in floating point)
    baskets = _baskets([(7, {"A", "B"}), (93, {"A"}), (900, {"C"})])
    # when the minimum confidence is 0.07
    found = rules(baskets, min_confidence=0.07)
    # then A→B is a rule
    assert [(r.consequent, r.count) for r in found["A"]] == [("B", 7)]


def test_a_basket_over_the_cap_pairs_only_its_most_bought_products_but_counts_them_all() -> None:
    # given three buyers of A, two of B, one of C, the one with all three over a cap of two products
    baskets = _baskets([(1, {"A", "B", "C"}), (1, {"A", "B"}), (1, {"A"})])
    # when rules are found from one buyer up with no lift bar
    found = rules(baskets, min_support_count=1, min_confidence=0.0, min_lift=0.0, max_pair_products=2)
    # then only A and B were paired; C counted as bought (N = 3) but in no pair
    assert {p: [_approx(r) for r in rs] for p, rs in found.items()} == {
        "A": [("A", "B", 2 / 3, 2 / 3, 1.0, 2)], "B": [("B", "A", 2 / 3, 1.0, 1.0, 2)]}
    # and without the cap C pairs with both
    assert {r.consequent for r in rules(baskets, min_support_count=1, min_lift=0.0)["C"]} == {"A", "B"}


def test_empty_baskets_do_not_count_and_the_order_of_baskets_does_not_matter() -> None:
    baskets = _baskets([(5, {"A", "B"}), (5, {"A"}), (10, {"C"})])
    found = rules(baskets)
    assert rules([frozenset(), *baskets, frozenset()]) == found == rules(list(reversed(baskets)))
    assert found["A"][0].support == pytest.approx(0.25)
    assert rules([]) == {} and rules([frozenset({"A"})] * 10) == {}


def test_recommend_skips_what_the_buyer_has_and_stops_at_the_limit() -> None:
    ranked = [Rule("X", y, 0.1, 0.5, 2.0, 10) for y in ("Y2", "Y1", "Y4")]
    assert recommend(ranked, exclude={"Y2"}, limit=1) == ["Y1"]
    assert recommend(ranked, exclude=set(), limit=5) == ["Y2", "Y1", "Y4"]
    assert recommend(ranked, exclude={"Y1"}, limit=0) == []
    assert recommend([], exclude=set(), limit=3) == []


def test_the_planted_game_card_to_accelerator_rule_is_found_and_ranked_first() -> None:
    # given 4,000 seeded buyers: 1,000 bought the game card, 320 of them the accelerator too, and 5 % of the
    # other 3,000 the accelerator alone; everyone may also buy noise products
    shop = population(4_000, seed=7)
    assert (shop.game_buyers, shop.game_and_accel) == (1_000, 320)
    # when rules are found from one basket per buyer
    found = rules(b.products for b in shop.buyers)
    # then "buyers of the game card also bought the accelerator" comes first, with confidence 0.32 ± 0.02
    best = found[GAME][0]
    assert (best.consequent, best.count) == (ACCEL, 320)
    assert best.confidence == pytest.approx(0.32, abs=0.02)
    assert best.lift == pytest.approx(0.32 / (470 / 4_000))  # 320 + 150 of 4,000 bought the accelerator
    assert recommend(found[GAME], exclude={GAME}, limit=1) == [ACCEL]
    # and another seed plants the same rule
    other = population(4_000, seed=11)
    assert rules(b.products for b in other.buyers)[GAME][0].consequent == ACCEL


def test_20000_baskets_of_60_products_count_in_well_under_two_seconds() -> None:
    # given the worst case: 20,000 buyers each with 60 of 2,000 products, spread evenly
    rng = random.Random(5)
    products = [f"prod_{i:04d}" for i in range(2_000)]
    baskets = [frozenset(rng.sample(products, 60)) for _ in range(20_000)]
    # when rules are found (processor time: other work on the machine does not count against us)
    started = time.process_time()
    found = rules(baskets)
    spent = time.process_time() - started
    # then
    assert all(len(rs) <= 5 for rs in found.values())
    assert spent < 2.0, spent
