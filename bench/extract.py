"""`python -m bench.extract [--rows N] [--runs K]`: city-scale extraction from PostgreSQL and MariaDB.

The table is the grid platform's actual population (zz_syrk, 17 columns), N rows of realistic
shape (Chinese names and addresses, ID numbers, phones, timestamps) made in the real servers.
Each run extracts it in full in a fresh process, measuring wall time and peak memory (max RSS):

- yiwang: `connectors.extract_table(..., full=True)`, DuckDB scanner → contract casts → row
  hashes → Parquet batch + manifest in the landing zone (what `yiwang extract --full` does);
- dlt: `sql_table(backend="pyarrow")` in a dlt pipeline to the filesystem destination as Parquet
  (the baseline, measured in the same run on the same table).

Runs alternate between the two; the report gives medians, rows/s and the ratio against dlt,
at N/4 and N rows to show whether peak memory grows with the table (it should not: streaming).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

import sqlalchemy as sa

from bench._measure import in_subprocess, summary

SERVERS = {
    "postgres": os.environ.get("YIWANG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    "mariadb": os.environ.get("YIWANG_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/mysql"),
}
TABLE = "zz_syrk"

# One SELECT that makes N rows of zz_syrk in DuckDB; the scanner then copies them to the server.
ROWS_SQL = """
select
  'RK' || lpad(i::varchar, 10, '0') as rkbh,
  ['张','王','李','赵','刘','陈','杨','黄','周','吴'][i % 10 + 1]
    || ['喆','赟','堃','伟','芳','娜','敏','静','强','磊'][(i // 10) % 10 + 1] as xm,
  ['1','2','男','女'][i % 4 + 1] as xb,
  lpad(((i % 56) + 1)::varchar, 2, '0') as mz,
  strftime(date '1940-01-01' + ((i * 7919) % 25000)::int, '%Y%m%d') as csrq,
  '330602' || strftime(date '1940-01-01' + ((i * 7919) % 25000)::int, '%Y%m%d')
    || lpad((i % 1000)::varchar, 3, '0') || (i % 10)::varchar as gmsfhm,
  '1' || (3 + i % 7)::varchar || lpad(((i * 7793) % 1000000000)::varchar, 9, '0') as lxdh,
  '浙江省绍兴市越城区府山街道' || (i % 300)::varchar || '号' as hjdz,
  '越城区府山街道东星花园' || (i % 40)::varchar || '幢' || (i % 6)::varchar || '单元'
    || (100 + i % 1800)::varchar || '室' as xzdz,
  'FW' || lpad((i // 3)::varchar, 10, '0') as fwbh,
  '330602001001' || lpad((i % 779)::varchar, 3, '0') as wgbm,
  (1 + i % 2)::bigint as rklx,
  'HH' || lpad((i // 3)::varchar, 9, '0') as hh,
  ['02','10','20','30','51','52','99'][i % 7 + 1] as yhzgx,
  case when i % 17 = 0 then '独居老人;低保对象' end as rybq,
  timestamp '2020-01-01 00:00:00' + to_seconds((i * 37) % 100000000) as djsj,
  timestamp '2024-01-01 00:00:00' + to_seconds((i * 13) % 30000000) as gxsj
from range({rows}) t(i)
"""


def prepare(backend: str, rows: int) -> str:
    """A database yiwang_bench_<rows> on the server holding zz_syrk with `rows` rows; its URL."""
    from yiwang import duckdb_connection as _duckdb

    admin = sa.create_engine(SERVERS[backend], isolation_level="AUTOCOMMIT")
    name = f"yiwang_bench_{rows}"
    url = admin.url.set(database=name)
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("select 1 from pg_database where datname = :n")
            if backend == "postgres"
            else sa.text("select 1 from information_schema.schemata where schema_name = :n"),
            {"n": name},
        ).first()
        if not exists:
            quote = '"' if backend == "postgres" else "`"
            conn.execute(sa.text(f"create database {quote}{name}{quote}"))
    admin.dispose()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        try:
            count = conn.execute(sa.text(f"select count(*) from {TABLE}")).scalar_one()  # noqa: S608
        except sa.exc.SQLAlchemyError:
            count = None
    if count == rows:
        engine.dispose()
        return url.render_as_string(hide_password=False)
    with engine.begin() as conn:
        conn.execute(sa.text(f"drop table if exists {TABLE}"))
    kind = "postgres" if backend == "postgres" else "mysql"
    con = _duckdb.connect(kind, memory_limit="2GB")
    if backend == "postgres":
        attach = f"host={url.host} port={url.port or 5432} user={url.username} dbname={name}"
    else:
        attach = f"host={url.host} port={url.port or 3306} user={url.username} database={name}"
    con.execute(f"attach {_duckdb.literal(attach)} as dst (type {kind})")
    con.execute(f"create table dst.{TABLE} as {ROWS_SQL.format(rows=int(rows))}")
    con.close()
    with engine.begin() as conn:
        if backend == "mariadb":
            conn.execute(sa.text(f"alter table {TABLE} modify rkbh varchar(16) not null"))
        conn.execute(sa.text(f"alter table {TABLE} add primary key (rkbh)"))
    engine.dispose()
    return url.render_as_string(hide_password=False)


def run_yiwang(url: str, home: str) -> dict:
    os.environ["YIWANG_HOME"] = home
    os.environ["YIWANG_GRID_PLATFORM_URL"] = url
    from connectors import extract_table, load_registry, new_run_id

    cfg = load_registry()["grid_platform"].tables[TABLE]
    result = extract_table(cfg, new_run_id(), full=True)
    return {"rows": result.counts["landed"], "reconciled": result.reconciled}


def run_dlt(url: str, home: str) -> dict:
    import dlt
    from dlt.sources.sql_database import sql_table

    os.environ["DLT_DATA_DIR"] = os.path.join(home, "dlt_data")
    os.environ["RUNTIME__LOG_LEVEL"] = "WARNING"
    resource = sql_table(credentials=url, table=TABLE, backend="pyarrow", chunk_size=50_000)
    pipeline = dlt.pipeline(
        pipeline_name="bench_extract",
        pipelines_dir=os.path.join(home, "pipelines"),
        destination=dlt.destinations.filesystem(bucket_url=os.path.join(home, "landing")),
        dataset_name="grid_platform",
    )
    info = pipeline.run(resource, loader_file_format="parquet")
    rows = pipeline.last_trace.last_normalize_info.row_counts.get(TABLE, 0)
    return {"rows": rows, "loads": len(info.loads_ids)}


def measure(backend: str, rows: int, runs: int) -> dict:
    url = prepare(backend, rows)
    results: dict[str, list[dict]] = {"yiwang": [], "dlt": []}
    for _ in range(runs):
        for name, function in (("yiwang", "run_yiwang"), ("dlt", "run_dlt")):
            home = tempfile.mkdtemp(prefix=f"bench-extract-{name}-")
            try:
                out = in_subprocess("bench.extract", function, url=url, home=home)
            finally:
                shutil.rmtree(home, ignore_errors=True)
            assert out["rows"] == rows, (name, out)
            results[name].append(out)
    report = {"backend": backend, "rows": rows}
    for name, outs in results.items():
        seconds = summary(outs, "seconds")
        report[name] = {
            "seconds": seconds,
            "rows_per_second": rows / seconds["median"],
            "peak_mb": summary(outs, "peak_mb"),
        }
    report["throughput_ratio_vs_dlt"] = report["yiwang"]["rows_per_second"] / report["dlt"]["rows_per_second"]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the large table")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backends", default="postgres,mariadb")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()
    reports = []
    for backend in args.backends.split(","):
        for rows in (args.rows // 4, args.rows):
            report = measure(backend, rows, args.runs)
            reports.append(report)
            y, d = report["yiwang"], report["dlt"]
            print(
                f"{backend:8} {rows:>10,} rows | yiwang {y['rows_per_second']:>10,.0f} rows/s "
                f"{y['peak_mb']['median']:>6,.0f} MB | dlt {d['rows_per_second']:>10,.0f} rows/s "
                f"{d['peak_mb']['median']:>6,.0f} MB | ratio {report['throughput_ratio_vs_dlt']:.2f}",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
