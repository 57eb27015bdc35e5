"""Fraud report: the labelled synthetic checkout traffic through the risk engine's default rules.

    python -m bench.fraud_report [--seed 1] [--days 3] [--scale 1.0]

In-process, no stack: the risk counters are in memory, kept the way the DynamoDB store keeps them (fixed windows
per device, e-mail, address with device and address). The traffic (tests/risk/traffic.py) is one shop's honest
buyers (returning, first-time, mobile, wholesale, a crowd behind one campus address at a flash sale) and attackers
(flash-sale bots, card testing, bulk new accounts, coupon farming, proof-of-work-solving headless browsers), each
attempt labelled. Per kind: attempts, flagged (challenged, held for review or blocked) and the rate, the first
decisions, and the outcome after a challenge was solved; overall detection and false positives against the goal
(detection >= 95 %, false positives <= 0.5 %, every attack kind >= 90 %). `--scale` multiplies honest visits and
attacking operations alike.
"""

from __future__ import annotations

import argparse
from typing import Any

from bench.harness import main, say
from tests.risk.report import report
from tests.risk.traffic import generate


def scenario(args: argparse.Namespace) -> dict[str, Any]:
    traffic = generate(args.seed, days=args.days, scale=args.scale)
    say(f"{len(traffic.events)} checkouts over {args.days} days, seed {args.seed}")
    result = report(traffic)
    say("\n" + result.table())
    return {"scenario": "fraud_report", "days": args.days, "scale": args.scale, "checkouts": len(traffic.events),
            **result.as_dict()}


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--days", type=int, default=3)
    p.add_argument("--scale", type=float, default=1.0)
    return p.parse_args()


if __name__ == "__main__":
    _args = parse()
    main(lambda: scenario(_args))
