"""File kind: encodings detected strictly, exact round trips, UTF-8 labelled GBK quarantined, XLSX text."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from tests_connectors_helpers import table_config, write_csv

from connectors import committed_batches, extract, read_landed
from connectors.files import detect_encoding, xlsx_rows
from connectors.state import TableState
from yiwang.contracts import source_table

MEMBERS = source_table("party_building", "members")
HEADER = MEMBERS.column_names
RARE = ["张喆", "王赟", "李堃", "刘䶮", "𠮷田"]  # 䶮 and 𠮷 exist only in GB18030


def member(i: int, name: str, **over: str) -> list[str]:
    row = dict.fromkeys(HEADER, "")
    row |= {
        "党员编号": f"DY{i:05d}",
        "姓名": name,
        "性别": "男",
        "身份证号": "330602198001011234",
        "手机号码": "13800138000",
        "出生日期": "1980/1/1",
        "党员状态": "正式党员",
        "现居住地": "越城区府山街道 东星花园3幢",
    }
    row |= over
    return [row[h] for h in HEADER]


def exports(workspace: Path) -> Path:
    return workspace / "sources" / "party_building" / "exports"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_exact_round_trip(encoding: str, workspace: Path) -> None:
    names = RARE if encoding == "gb18030" else RARE[:3]
    rows = [member(i, n) for i, n in enumerate(names)]
    rows.append(member(99, "赵六", 身份证号="3.30602E+17", 手机号码="013800138000", 出生日期="29221"))
    write_csv(exports(workspace) / "dangyuan_20240301.csv", HEADER, rows, encoding)
    [result] = extract([table_config("party_building", "members")])
    assert result.status == "ok" and result.counts["landed"] == len(rows) and result.reconciled
    df = read_landed("party_building", "members").to_pandas().set_index("党员编号")
    assert [df.loc[f"DY{i:05d}", "姓名"] for i in range(len(names))] == names
    assert df.loc["DY00099", "身份证号"] == "3.30602E+17"  # text, never through a float
    assert df.loc["DY00099", "手机号码"] == "013800138000"
    assert df.loc["DY00000", "现居住地"] == "越城区府山街道 东星花园3幢"
    unit = result_manifest_units(result)[0]
    assert unit["encoding"] == ("gbk" if encoding == "gbk" else "gb18030")


def result_manifest_units(result) -> list[dict]:
    import json

    return json.loads(result.manifest_path.read_text(encoding="utf-8"))["units"]


def test_utf8_labelled_gbk_is_quarantined(workspace: Path) -> None:
    rows = [member(1, "张喆"), member(2, "王赟")]
    write_csv(exports(workspace) / "dangyuan_20240301.csv", HEADER, rows, "utf-8")
    # UTF-8 bytes often decode as GBK without any error, into mojibake: the guard must catch it
    assert "张喆".encode().decode("gbk") == "寮犲枂"
    assert detect_encoding("党员编号,姓名\n1,张喆\n".encode(), ("gbk", "gb18030")).reason == (
        "encoding:utf8_labelled_gbk"
    )
    [result] = extract([table_config("party_building", "members")])
    c = result.counts
    assert result.status == "ok" and (c["source"], c["landed"], c["quarantined"]) == (2, 0, 2)
    q = read_landed("party_building", "members", quarantine=True).to_pandas()
    assert set(q["_yw_reason"]) == {"encoding:utf8_labelled_gbk"}
    assert "张喆" in q["_yw_record"].iloc[0]


def test_detect_encoding_never_replaces() -> None:
    assert detect_encoding("党员编号\n".encode("gbk"), ("gbk", "gb18030"), ("党员编号",)).encoding == "gbk"
    assert detect_encoding("党员编号,x\n䶮".encode("gb18030"), ("gbk", "gb18030")).encoding == "gb18030"
    assert detect_encoding(b"\xff\xfe\xfd", ("gbk",)).reason == "encoding:undecodable"
    assert detect_encoding(b"abc\n", ("gbk",)).reason is None  # ASCII is fine in any of them


def test_file_drop_day2_deletes_and_same_file_twice(workspace: Path) -> None:
    write_csv(exports(workspace) / "dangyuan_20240301.csv", HEADER, [member(i, f"党员{i}") for i in range(5)], "gbk")
    [r1] = extract([table_config("party_building", "members")])
    assert r1.counts["insert"] == 5
    # day 2: member 2 left (hard delete), member 3 changed, member 9 joined
    write_csv(
        exports(workspace) / "dangyuan_20240302.csv",
        HEADER,
        [member(i, f"党员{i}", 党员状态="预备党员" if i == 3 else "正式党员") for i in (0, 1, 3, 4, 9)],
        "gb18030",
    )
    [r2] = extract([table_config("party_building", "members")])
    assert (r2.counts["insert"], r2.counts["update"], r2.counts["delete"]) == (1, 1, 1)
    assert r2.counts["detected_deletes"] == 1 and r2.reconciled
    # the same export delivered again (a copy under a new name) lands nothing
    shutil.copy(exports(workspace) / "dangyuan_20240302.csv", exports(workspace) / "dangyuan_20240303.csv")
    [r3] = extract([table_config("party_building", "members")])
    assert r3.counts["landed"] + r3.counts["detected_deletes"] == 0 and r3.counts["unchanged"] == 5
    # and a rerun takes no file at all: no batch (an empty one would read as an emptied table)
    [r4] = extract([table_config("party_building", "members")])
    assert r4.status == "ok" and r4.note == "no new file" and r4.manifest_path is None
    assert len(committed_batches("party_building", "members")) == 3
    df = read_landed("party_building", "members").to_pandas()
    assert len(df) == 8 and df.groupby(["党员编号", "_yw_op"]).size().max() == 1


def test_xlsx_keeps_text_and_dates(workspace: Path) -> None:
    contract = source_table("party_building", "organisations")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(contract.column_names)
    ws.append(
        [
            "D001",
            "中共某社区委员会",
            "党委",
            None,
            "某社区",
            "91330602MA2BCDEF1X",
            "王赟",
            "13800138000",
            "2010-10-24",
            "府山街道",
        ]
    )
    ws.append(["D002", "中共某公司支部", "党支部", "D001", "某公司", None, "李堃", 13800138001, None, "府山街道"])
    from datetime import date

    ws.cell(row=3, column=9, value=date(2015, 7, 1))
    path = exports(workspace) / "dangzuzhi_20240301.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    rows = list(xlsx_rows(path))
    assert rows[2][7] == "13800138001" and rows[2][8] == "2015-07-01"
    [result] = extract([table_config("party_building", "organisations")])
    assert result.status == "ok" and result.counts["landed"] == 2
    df = read_landed("party_building", "organisations").to_pandas().set_index("组织编码")
    assert pd.isna(df.loc["D001", "上级组织编码"]) and df.loc["D002", "书记联系电话"] == "13800138001"


def test_drift_freeze_fails_before_writing(workspace: Path) -> None:
    contract = source_table("party_building", "organisations")
    wb = openpyxl.Workbook()
    wb.active.append([*contract.column_names, "备注"])
    wb.active.append(["D001", "x", "党委", None, None, None, None, None, None, None, "新列"])
    path = exports(workspace) / "dangzuzhi_20240301.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    [result] = extract([table_config("party_building", "organisations")])
    assert result.status == "failed" and "'备注'" in result.error and "freeze" in result.error
    assert result.kind == "terminal"
    assert not (workspace / "landing" / "party_building" / "organisations").exists()
    # the same file under evolve lands the new column and records it
    [result] = extract([table_config("party_building", "organisations", drift="evolve")])
    assert result.status == "ok"
    manifest = __import__("json").loads(result.manifest_path.read_text(encoding="utf-8"))
    assert manifest["drift"]["added"] == ["备注"]
    assert read_landed("party_building", "organisations").column("备注").to_pylist() == ["新列"]


def test_repeated_key_in_one_export_is_quarantined_unless_identical(workspace: Path) -> None:
    rows = [member(1, "张三"), member(2, "李四"), member(1, "张喆"), member(2, "李四")]
    write_csv(exports(workspace) / "dangyuan_20240301.csv", HEADER, rows, "gbk")
    [result] = extract([table_config("party_building", "members")])
    c = result.counts
    assert (c["source"], c["landed"], c["quarantined"], c["duplicates"]) == (4, 1, 2, 1) and result.reconciled
    df = read_landed("party_building", "members").to_pandas().set_index("党员编号")
    assert list(df.index) == ["DY00002"]  # which of DY00001's two names is right cannot be told
    q = read_landed("party_building", "members", quarantine=True).to_pandas()
    assert set(q["_yw_reason"]) == {"duplicate_key_conflict"} and set(q["_yw_raw_value"]) == {"DY00001"}
    assert sorted(q["_yw_record"].map(lambda r: __import__("json").loads(r)["姓名"])) == ["张三", "张喆"]


# -- files that cannot be a whole export --------------------------------------------------------
def day1(workspace: Path, n: int = 20) -> bytes:
    """Day 1 lands n members; returns the bytes of that export (CRLF rows, as the platform writes)."""
    path = write_csv(
        exports(workspace) / "dangyuan_20240301.csv", HEADER, [member(i, f"党员{i}") for i in range(n)], "gbk"
    )
    [result] = extract([table_config("party_building", "members")])
    assert result.status == "ok" and result.counts["insert"] == n
    return path.read_bytes()


def state_snapshot() -> tuple:
    state = TableState.load("party_building", "members")
    index = pd.read_parquet(state.index_path).sort_values("党员编号").reset_index(drop=True)
    return state.last_run_id, state.files, index


def assert_refused(result, *words: str, confirmable: bool = False) -> None:
    assert result.status == "failed" and result.manifest_path is None
    assert result.kind == "terminal" and result.confirmable == confirmable  # a retry reads the same file
    assert "\n" not in result.error and "nothing landed" in result.error, result.error
    for word in words:
        assert word in result.error, result.error


def test_export_cut_inside_a_row_is_refused_and_the_state_kept(workspace: Path) -> None:
    data = day1(workspace)
    before = state_snapshot()
    day2 = exports(workspace) / "dangyuan_20240302.csv"
    day2.write_bytes(data[: int(len(data) * 0.85)])  # the last row stops mid-way
    for accept in ((), ("party_building.members",)):  # a cut row is never taken, confirmed or not
        [result] = extract([table_config("party_building", "members")], accept_short=accept)
        assert_refused(result, "dangyuan_20240302.csv", "ends inside a row", "of 14 fields")
    assert len(committed_batches("party_building", "members")) == 1
    after = state_snapshot()
    assert after[:2] == before[:2]
    pd.testing.assert_frame_equal(after[2], before[2])
    assert not list((workspace / "landing").glob("_staging/*"))


def test_export_cut_after_a_field_is_refused_unless_confirmed(workspace: Path) -> None:
    data = day1(workspace)
    # cut after the last comma of a row: every field is there, the last one (党员状态) empty
    rows_end = data.index(b"\r\n", int(len(data) * 0.85))
    (exports(workspace) / "dangyuan_20240302.csv").write_bytes(data[: data.rindex(b",", 0, rows_end) + 1])
    [result] = extract([table_config("party_building", "members")])
    assert_refused(result, "ends without a line break", "--accept-short party_building.members", confirmable=True)
    assert len(committed_batches("party_building", "members")) == 1
    # the operator checked the export and confirms it: it lands, and the manifest says so
    [result] = extract([table_config("party_building", "members")], accept_short=("party_building",))
    assert result.status == "ok" and result.counts["detected_deletes"] > 0
    manifest = __import__("json").loads(result.manifest_path.read_text(encoding="utf-8"))
    assert "line break" in manifest["accepted_short"][0]


def test_much_shorter_export_is_refused_unless_confirmed(workspace: Path) -> None:
    day1(workspace, 20)
    write_csv(exports(workspace) / "dangyuan_20240302.csv", HEADER, [member(i, f"党员{i}") for i in range(7)], "gbk")
    [result] = extract([table_config("party_building", "members")])
    assert_refused(result, "7 rows", "50% of the 20 records", "min_row_ratio", "--accept-short", confirmable=True)
    assert TableState.load("party_building", "members").files.keys() == {"dangyuan_20240301.csv"}
    # the ratio is configuration: a table that may shrink that much says so in tables.yml
    [result] = extract([table_config("party_building", "members", min_row_ratio=0.3)])
    assert result.status == "ok" and result.counts["detected_deletes"] == 13


def test_much_shorter_export_lands_when_confirmed(workspace: Path) -> None:
    day1(workspace, 20)
    write_csv(exports(workspace) / "dangyuan_20240302.csv", HEADER, [member(i, f"党员{i}") for i in range(7)], "gbk")
    [result] = extract([table_config("party_building", "members")], accept_short=("party_building.members",))
    assert result.status == "ok" and result.counts["detected_deletes"] == 13


def test_malformed_row_refuses_the_file_and_the_other_tables_load(workspace: Path) -> None:
    rows = [",".join(member(i, f"党员{i}")) for i in range(5)]
    rows[2] = "DY00002,党员2,男"  # 3 of 14 fields
    path = exports(workspace) / "dangyuan_20240301.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join([",".join(HEADER), *rows]) + "\r\n").encode("gbk"))
    write_organisation(workspace)
    members, organisations = extract(
        [table_config("party_building", "members"), table_config("party_building", "organisations")]
    )
    assert_refused(members, "1 row(s) do not have the header's 14 fields", "with 3", "DY00002", "fix or re-export")
    assert "党员2" not in members.error  # the row's personal data stays out of the message
    assert organisations.status == "ok" and organisations.counts["insert"] == 1
    assert not (workspace / "landing" / "party_building" / "members").exists()


def write_organisation(workspace: Path) -> None:
    wb = openpyxl.Workbook()
    contract = source_table("party_building", "organisations")
    wb.active.append(contract.column_names)
    wb.active.append(["D001", "中共某社区委员会", "党委", None, None, None, None, None, None, "府山街道"])
    path = exports(workspace) / "dangzuzhi_20240301.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


@pytest.mark.parametrize("content", [b"", b"\r\n"])
def test_empty_file_is_refused(workspace: Path, content: bytes) -> None:
    path = exports(workspace) / "dangyuan_20240301.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    [result] = extract([table_config("party_building", "members")])
    assert_refused(result, "dangyuan_20240301.csv: the file is empty")


def test_a_20_mb_field_refuses_the_file_in_one_line(workspace: Path) -> None:
    huge = "长" * (10 << 20)  # 20 MB in GBK, 30 MB as UTF-8
    rows = [member(1, "张喆"), member(2, "王赟", 工作单位=huge), member(3, "李堃")]
    write_csv(exports(workspace) / "dangyuan_20240301.csv", HEADER, rows, "gbk")
    write_organisation(workspace)
    members, organisations = extract(
        [table_config("party_building", "members"), table_config("party_building", "organisations")]
    )
    assert_refused(members, "line 3 is 30.0 MB long", "fix or re-export")
    assert organisations.status == "ok"


def test_a_long_field_within_the_limit_lands_whole(workspace: Path) -> None:
    long = "长" * 300_000  # 900 KB as UTF-8: more than a parse block of small batches
    rows = [member(i, f"党员{i}", 工作单位=long if i == 2 else "") for i in range(5)]
    write_csv(exports(workspace) / "dangyuan_20240301.csv", HEADER, rows, "gbk")
    [result] = extract([table_config("party_building", "members", batch_size=1000)])
    assert result.status == "ok" and result.counts["insert"] == 5, result.error
    df = read_landed("party_building", "members").to_pandas().set_index("党员编号")
    assert df.loc["DY00002", "工作单位"] == long and df.loc["DY00003", "姓名"] == "党员3"
