"""The linker's figures on data it was not built on (bench/link_quality.py): Febrl4 with the
generic kinds, and the independent Liaoning population with the Chinese kinds."""

from __future__ import annotations

import pytest

from bench import link_quality


@pytest.mark.slow
def test_febrl4_links_with_pairwise_f1_of_at_least_0999_and_no_warnings():
    quality = link_quality.febrl4()
    assert quality.records == 10_000
    assert quality.f1 >= 0.999, quality
    assert quality.warnings == 0, quality


@pytest.mark.slow
def test_the_person_resolver_finds_the_independent_chinese_population_with_f1_of_at_least_098():
    quality = link_quality.liaoning_people()
    assert quality.records > 8_000
    assert quality.precision >= 0.995 and quality.f1 >= 0.98, quality
    assert quality.warnings == 0, quality


@pytest.mark.slow
def test_the_independent_chinese_population_links_above_its_floor_with_no_warnings():
    # the Splink tier alone; the goal of 0.98 is for the rule-based resolver in front of it
    quality = link_quality.liaoning()
    assert quality.records > 8_000
    assert quality.precision >= 0.94 and quality.recall >= 0.93 and quality.f1 >= 0.94, quality
    assert quality.warnings == 0, quality


def test_the_documented_example_is_found_in_full():
    quality = link_quality.example()
    assert quality.f1 == 1.0 and quality.warnings == 0, quality
