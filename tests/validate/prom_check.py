#!/usr/bin/env python3
"""Parses a Prometheus text exposition (0.0.4) with prometheus_client and checks
the invariants its lenient parser does not: histogram buckets cumulative in
increasing `le` with `+Inf` equal to `_count`, unique series, one family per name.

Usage: prom_check.py FILE [--openmetrics]. With --openmetrics the file is parsed
by prometheus_client's strict OpenMetrics parser instead (which itself rejects
a missing +Inf bucket, buckets out of order, a missing # EOF and bad names).
Exit 0 when valid; 1 with one line per problem.
"""
import math
import sys
from collections import defaultdict

from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics_families
from prometheus_client.parser import text_string_to_metric_families


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    problems = []
    if "--openmetrics" in sys.argv[2:]:
        try:
            families = list(openmetrics_families(text))
        except Exception as err:  # the parser raises ValueError and friends
            print(f"openmetrics: {err}")
            return 1
        if not families:
            print("openmetrics: no families")
            return 1
        return 0
    names = set()
    seen = set()
    for family in text_string_to_metric_families(text):
        if family.name in names:
            problems.append(f"{family.name}: family appears twice")
        names.add(family.name)
        buckets = defaultdict(list)
        counts = {}
        for s in family.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            if key in seen:
                problems.append(f"{s.name}{s.labels}: duplicate series")
            seen.add(key)
            if family.type == "histogram":
                base = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
                if s.name.endswith("_bucket"):
                    buckets[base].append((float(s.labels["le"]), s.value))
                elif s.name.endswith("_count"):
                    counts[base] = s.value
        for base, bs in buckets.items():
            les = [le for le, _ in bs]
            if les != sorted(les):
                problems.append(f"{family.name}{dict(base)}: buckets out of order")
            if not bs or not math.isinf(bs[-1][0]):
                problems.append(f"{family.name}{dict(base)}: +Inf bucket missing")
            values = [v for _, v in bs]
            if any(b > a for a, b in zip(values[1:], values)):
                problems.append(f"{family.name}{dict(base)}: buckets not cumulative")
            if bs and counts.get(base) != bs[-1][1]:
                problems.append(f"{family.name}{dict(base)}: +Inf {bs[-1][1]} != _count {counts.get(base)}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
