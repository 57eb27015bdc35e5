"""Rate-limit token leases: the lease size and the remaining count, as pure arithmetic."""

from __future__ import annotations

import pytest

from chalicelib.kernel.conventions import MAX_LEASE, lease_size, remaining


@pytest.mark.parametrize(("limit", "central", "size"), [
    (1000, 0, MAX_LEASE),  # far from the limit: the largest lease
    (1000, 880, 15),  # 120 left: an eighth of them
    (50, 0, 6),
    (20, 0, 2),
    (15, 0, 1),  # fewer than 16 left: one token at a time, as exact as counting each request
    (5, 0, 1),
    (50, 50, 1),  # none left: a lease of one, which the counter refuses
])
def test_a_lease_is_an_eighth_of_what_is_left_from_1_to_16(limit, central, size):
    assert lease_size(limit, central) == size


def test_remaining_counts_the_process_unspent_tokens_as_left():
    # 16 leased centrally, 15 of them unspent here: one request spent of 1,000
    assert remaining(1000, 16, 15) == 999
    # another process took the rest and this one holds nothing: none left, never below 0
    assert remaining(50, 50, 0) == 0
    assert remaining(50, 52, 0) == 0
