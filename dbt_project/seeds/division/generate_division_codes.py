"""Write `division_codes.csv`: the versioned division-code table (行政区划代码表) of the city.

The rows come from the simulated city's geography (`yiwang/simulate/city_shaoxing.yml`): the
city (GB/T 2260, 6 digits), its districts and counties (6 digits, with the two abolished in 2013,
绍兴县 330621 and 上虞市 330682, kept with `valid_to_date` and `successor_code` because older ID
numbers and records still carry them), and every street and town (9-digit statistical code:
county code + 001-099 for 街道, 101-199 for 镇, numbered in the YAML's order, the convention
`yiwang.simulate.geography` follows).

The community/village level (社区/村, 12 digits) is not generated here: it differs with every
simulated city (seed, scale) and changes every year in a real one, so `dim_division` takes it
from the grid platform's tree (the platform that keeps it). A city adds rows here to override or
version one (a renamed or abolished community), and they win over the grid platform's.

Dates: `valid_from_date` is 1980-01-01 (the first edition of the code list, GB 2260-80, i.e.
"in use before any record we hold") unless the YAML gives a change; codes created by a change
start on its date. Run after changing the city YAML:

    uv run python dbt_project/seeds/division/generate_division_codes.py          # rewrite the CSV
    uv run python dbt_project/seeds/division/generate_division_codes.py --check  # exit 1 if stale

`tests/dbt/marts/grid/test_division_seed.py` fails while the committed file differs from the output.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from yiwang.simulate.geography import load_city

OUTPUT = Path(__file__).with_name("division_codes.csv")
FIRST_EDITION = "1980-01-01"  # GB 2260-80
COLUMNS = [
    "division_code",
    "statistical_code",
    "division_name",
    "division_level",
    "parent_code",
    "is_village",
    "valid_from_date",
    "valid_to_date",
    "successor_code",
]
TOWN_SUFFIXES = ("镇", "乡")


def _row(code, name, level, parent, is_village, valid_from, valid_to=None, successor=None) -> dict[str, str]:
    return {
        "division_code": code,
        "statistical_code": code.ljust(12, "0"),
        "division_name": name,
        "division_level": level,
        "parent_code": parent or "",
        "is_village": "" if is_village is None else str(is_village).lower(),
        "valid_from_date": valid_from,
        "valid_to_date": valid_to or "",
        "successor_code": successor or "",
    }


def division_rows(city: dict | None = None) -> list[dict[str, str]]:
    """Every row of the table, city first, then each district with its streets and towns."""
    city = city or load_city()
    rows = [_row(city["city"]["code"], city["city"]["name"], "city", city["province"]["code"], None, FIRST_EDITION)]
    for district in city["districts"]:
        previous = district.get("previous")
        since = previous["abolished"] if previous else FIRST_EDITION
        if previous:  # the abolished code stays valid for history and points to its successor
            rows.append(
                _row(
                    previous["code"],
                    previous["name"],
                    "district",
                    city["city"]["code"],
                    None,
                    FIRST_EDITION,
                    previous["abolished"],
                    district["code"],
                )
            )
        rows.append(_row(district["code"], district["name"], "district", city["city"]["code"], None, since))
        subdistrict_seq, town_seq = 1, 101
        for name in district["streets"]:
            is_town = name.endswith(TOWN_SUFFIXES)
            seq = town_seq if is_town else subdistrict_seq
            town_seq, subdistrict_seq = town_seq + is_town, subdistrict_seq + (not is_town)
            rows.append(_row(f"{district['code']}{seq:03d}", name, "street", district["code"], is_town, since))
    return rows


def render(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main(argv: list[str]) -> int:
    from yiwang.warehouse.generate import write_or_check

    return write_or_check({OUTPUT: render(division_rows())}, check="--check" in argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
