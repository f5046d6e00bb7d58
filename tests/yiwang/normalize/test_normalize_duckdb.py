"""The normalisers as DuckDB UDFs, called from SQL."""

from __future__ import annotations

import datetime

import duckdb

from yiwang.normalize import register_duckdb_udfs


def test_udfs_from_sql() -> None:
    con = register_duckdb_udfs(duckdb.connect())
    con.execute(
        """
        create table people as
        select * from (values
            (' 33060219900101123x ', '+86 138-1234-5678', '張偉', '锦麟花园3-2-502', 'M',
             '1990/1/1', '91110000600037341l'),
            ('330602900101123', '(0575)88123456', '张**', '越城区锦麟花园三号楼二单元502', '2',
             '32874', '110108000000016'),
            (null, null, null, null, null, null, null)
        ) as v(id_raw, phone_raw, name_raw, address_raw, sex_raw, date_raw, code_raw)
        """
    )
    rows = con.execute(
        """
        select
            normalize_id_number(id_raw) as id_number,
            id_number_is_valid(id_raw) as id_ok,
            id_number_reason(id_raw) as id_reason,
            (parse_id_number(id_raw)).birth_date as birth_date,
            normalize_phone(phone_raw) as phone,
            phone_kind(phone_raw) as phone_kind,
            normalize_person_name(name_raw) as person_name,
            person_name_pinyin_key(name_raw) as pinyin,
            person_name_phonetic_key(name_raw) as phonetic,
            standard_address_key(address_raw) as address_key,
            decode_sex(sex_raw) as sex,
            parse_date(date_raw) as a_date,
            normalize_credit_code(code_raw) as credit_code,
            credit_code_is_valid(code_raw) as code_ok,
            normalize_text(name_raw) as text
        from people
        """
    ).fetchall()
    assert rows[0] == (
        None, False, "bad_checksum", None, "13812345678", "mobile", "张伟", "zhang wei",
        "zan wei", "锦麟花园|3|2|502", "1", datetime.date(1990, 1, 1), "91110000600037341L",
        True, "張偉",
    )  # fmt: skip
    assert rows[1] == (
        "330602199001011231", True, None, datetime.date(1990, 1, 1), "0575-88123456",
        "landline", None, None, None, "锦麟花园|3|2|502", "2", datetime.date(1990, 1, 1), None,
        False, "张**",
    )  # fmt: skip
    assert rows[2][:3] == (None, False, "empty")


def test_udfs_over_many_chunks() -> None:
    con = register_duckdb_udfs(duckdb.connect())
    count, valid = con.execute(
        """
        select count(*), count(*) filter (where id_number_is_valid(x))
        from (select case when i % 2 = 0 then '330602199001011231' else 'bad' end as x
              from range(10000) as t(i))
        """
    ).fetchone()
    assert (count, valid) == (10000, 5000)
