"""Bad input never raises: random text, odd types and edge values through every normaliser."""

from __future__ import annotations

import datetime
import decimal
import math
import random

import numpy as np
import pandas as pd

from yiwang.normalize import (
    decode_sex,
    normalize_text,
    parse_address,
    parse_credit_code,
    parse_datetime,
    parse_id_number,
    parse_person_name,
    parse_phone,
    standard_address_key,
)

ALPHABET = (
    "0123456789xX-+*#()（）.,，、/ 　\u200b\ufeff'\"E号栋幢单元室组村镇区市省路某先生·•"
    "张欧阳锦麟花园一二三十百〇零年月日转ＡＢ１２３"
)
ODD_VALUES: list[object] = [
    None,
    math.nan,
    np.nan,
    pd.NA,
    pd.NaT,
    0,
    -1,
    1e308,
    -0.0,
    math.inf,
    True,
    b"\xff\xfe",
    decimal.Decimal("1E+400"),
    datetime.date(2020, 1, 1),
    [],
    {},
    object(),
    "",
    "\x00",
    "9" * 200,
    "E" * 5,
    "1e999999",
]

FUNCTIONS = [
    normalize_text,
    parse_id_number,
    parse_credit_code,
    parse_phone,
    parse_person_name,
    parse_address,
    decode_sex,
    parse_datetime,
]


def test_random_and_odd_values_never_raise() -> None:
    rng = random.Random(404)
    values = ODD_VALUES + ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 40))) for _ in range(1500)]
    for value in values:
        for function in FUNCTIONS:
            function(value)
        standard_address_key(parse_address(value))
