"""Run the simulator: render every platform for a day and write it into the platforms' stores.

out_dir/
  urban_management.sqlite, hotline_12345.sqlite, grid_platform.sqlite   (embedded default)
  party_building/exports/dangyuan_YYYYMMDD.csv, dangzuzhi_YYYYMMDD.xlsx (daily drops)
  party_building/api.sqlite                                            (behind the web API)
  truth/                      ground truth: every source record's true entity (tests only)
  simulation.json             seed, scale, day, stores, row counts
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
import yaml

from yiwang.contracts import source_platforms
from yiwang.simulate import stores
from yiwang.simulate.platforms import grid_platform, hotline, party_building, urban_management
from yiwang.simulate.platforms._common import Context, canonical_addresses
from yiwang.simulate.world import World, apply_changes, day_end, world_at

SCALES = {"tiny": 2_000, "small": 50_000, "city": 1_000_000}
DEFAULT_SEED = 20261101
TARGETS = ("sqlite", "postgres", "mariadb", "native")
SERVER_ENV = {
    "postgres": (
        "YIWANG_SIMULATE_POSTGRES_URL",
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    ),
    "mariadb": ("YIWANG_SIMULATE_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/mysql"),
}
SQL_PLATFORMS = ("urban_management", "hotline", "grid_platform")
META_FILE = "simulation.json"


class SimulationError(RuntimeError):
    """The simulation cannot run as asked; the message says what to do."""


@dataclass
class SimulationResult:
    out_dir: Path
    seed: int
    persons: int
    day: int
    target: str
    stores: dict[str, str]
    rows: dict[str, int]
    changes: dict[str, dict[str, int]] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def load_mess(path: Path | None = None) -> dict:
    """Default mess shares, updated with the groups and keys of `path` if given."""
    from importlib import resources

    config = yaml.safe_load(resources.files("yiwang.simulate").joinpath("mess.yml").read_text("utf-8"))
    if path is not None:
        override = yaml.safe_load(Path(path).read_text("utf-8")) or {}
        for group, values in override.items():
            if group not in config or not isinstance(values, dict):
                raise SimulationError(f"{path}: unknown mess group {group!r}; known: {sorted(config)}")
            unknown = set(values) - set(config[group])
            if unknown:
                raise SimulationError(
                    f"{path}: unknown keys {sorted(unknown)} in {group!r}; known: {sorted(config[group])}"
                )
            config[group].update(values)
    return config


def render_all(world: World, first: World, history: list, mess_config: dict) -> dict[str, pd.DataFrame]:
    """Every platform table as it stands at the end of world.day, keyed platform.table."""
    ctx = Context(world, mess_config, day_end(world.day))
    return {
        "grid_platform.zz_grid": grid_platform.render_grid_tree(ctx),
        "grid_platform.zz_syrk": grid_platform.render_population(ctx, first, history),
        "grid_platform.zz_syfw": grid_platform.render_houses(ctx, world),
        "grid_platform.zz_dw": grid_platform.render_organisations(ctx, world),
        "grid_platform.zz_sj": grid_platform.render_events(ctx, world),
        "urban_management.um_case": urban_management.render_cases(ctx, world),
        "urban_management.um_case_flow": urban_management.render_flows(ctx, world),
        "hotline.t_gd_workorder": hotline.render_work_orders(ctx, world),
        "hotline.t_gd_lzjl": hotline.render_flows(ctx, world),
        "party_building.members": party_building.render_members(ctx, first, history),
        "party_building.organisations": party_building.render_organisations(ctx, world),
        "party_building.household_contacts": party_building.render_contacts(ctx, world),
        "party_building.volunteer_records": party_building.render_volunteer(ctx, world),
    }


def _store_urls(out_dir: Path, target: str, server_urls: dict[str, str] | None) -> dict[str, str]:
    platforms = source_platforms()
    urls = {}
    for name in SQL_PLATFORMS:
        p = platforms[name]
        if server_urls and name in server_urls:
            urls[name] = server_urls[name]
            continue
        kind = p.server if target == "native" else target
        if kind == "sqlite":
            urls[name] = f"sqlite:///{(out_dir / f'{p.default_database}.sqlite').resolve()}"
        else:
            env, default = SERVER_ENV[kind]
            server = sa.make_url(os.environ.get(env, default))
            _create_database(server, p.default_database)
            urls[name] = server.set(database=p.default_database).render_as_string(hide_password=False)
    return urls


def _create_database(server: sa.URL, name: str) -> None:
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if server.get_backend_name() == "postgresql":
                exists = conn.execute(sa.text("select 1 from pg_database where datname = :n"), {"n": name}).first()
                if not exists:
                    conn.execute(sa.text(f'create database "{name}"'))  # name comes from schemas/, checked below
            else:
                conn.execute(
                    sa.text(f"create database if not exists `{name}` character set utf8mb4 collate utf8mb4_bin")
                )
    except sa.exc.OperationalError as error:
        raise SimulationError(
            f"cannot reach {server.render_as_string(hide_password=True)} to create database {name!r}: {error.orig}. "
            "Start the server, or set the URL in YIWANG_SIMULATE_POSTGRES_URL / YIWANG_SIMULATE_MARIADB_URL."
        ) from error
    finally:
        engine.dispose()


def _world_on(first: World, history: list, day: int) -> World:
    world = first
    for ch in history[: day - 1]:
        world = apply_changes(world, ch)
    return world


def simulate(
    out_dir: Path | str,
    scale: str = "tiny",
    persons: int | None = None,
    seed: int = DEFAULT_SEED,
    day: int = 1,
    target: str = "sqlite",
    server_urls: dict[str, str] | None = None,
    mess_path: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> SimulationResult:
    """Simulate the city's platforms on `day` into `out_dir` (day 1 creates, later days change)."""
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    out_dir = Path(out_dir)
    meta_path = out_dir / META_FILE
    previous = None
    if day > 1:
        if not meta_path.exists():
            raise SimulationError(f"{meta_path} not found: run day 1 first (yiwang simulate --out {out_dir})")
        previous = json.loads(meta_path.read_text("utf-8"))
        if previous["day"] >= day:
            raise SimulationError(
                f"the stores in {out_dir} are already at day {previous['day']}; ask for a later --day"
            )
        seed, persons, target = previous["seed"], previous["persons"], previous["target"]
        server_urls = server_urls or previous.get("server_urls")
    elif persons is None:
        if scale not in SCALES:
            raise SimulationError(f"unknown scale {scale!r}; use one of {sorted(SCALES)} or --persons N")
        persons = SCALES[scale]
    if target not in TARGETS:
        raise SimulationError(f"unknown target {target!r}; use one of {TARGETS}")
    if day < 1:
        raise SimulationError("--day starts at 1")
    mess_config = load_mess(mess_path) if previous is None else previous["mess"]

    say(f"building the city ({persons:,} people, day {day})")
    first, world, history = world_at(seed, persons, day)
    say("rendering the platforms")
    after = render_all(world, first, history, mess_config)
    before = None
    if previous is not None:
        say(f"rendering day {previous['day']} to find the changes")
        prev_world = _world_on(first, history, previous["day"])
        before = render_all(prev_world, first, history[: previous["day"] - 1], mess_config)

    platforms = source_platforms()
    urls = _store_urls(out_dir, target, server_urls)
    rows: dict[str, int] = {}
    changes: dict[str, dict[str, int]] = {}
    for name in SQL_PLATFORMS:
        store = stores.SqlStore(urls[name])
        for table in platforms[name].tables.values():
            key = table.qualified_name
            say(f"writing {key}")
            frame = after[key]
            if before is None:
                store.create(table)
                store.insert(table, frame)
                changes[key] = {"inserted": len(frame), "updated": 0, "deleted": 0}
            else:
                inserted, updated, deleted = stores.diff(table, before[key], frame)
                store.delete_keys(table, pd.concat([updated[list(table.primary_key)], deleted], ignore_index=True))
                store.insert(table, pd.concat([inserted, updated], ignore_index=True))
                changes[key] = {
                    "inserted": len(inserted),
                    "updated": len(updated),
                    "deleted": len(deleted),
                }
            rows[key] = len(frame)

    say("writing the party-building exports and API store")
    party = platforms["party_building"].tables
    stamp = (day_end(day) - pd.Timedelta(days=1)).strftime("%Y%m%d")
    exports = out_dir / "party_building" / "exports"
    encodings = {
        "members": stores.export_csv(
            after["party_building.members"], party["members"], exports / f"dangyuan_{stamp}.csv"
        )
    }
    stores.export_xlsx(
        after["party_building.organisations"],
        party["organisations"],
        exports / f"dangzuzhi_{stamp}.xlsx",
        "成立日期",
    )
    api = stores.SqlStore(f"sqlite:///{(out_dir / 'party_building' / 'api.sqlite').resolve()}")
    for name in ("household_contacts", "volunteer_records", "members", "organisations"):
        key = f"party_building.{name}"
        rows[key] = len(after[key])
        if before is not None:
            ins, upd, dele = stores.diff(party[name], before[key], after[key])
            changes[key] = {"inserted": len(ins), "updated": len(upd), "deleted": len(dele)}
        else:
            changes[key] = {"inserted": len(after[key]), "updated": 0, "deleted": 0}
    for name in ("household_contacts", "volunteer_records"):
        api.create(party[name])
        api.insert(party[name], after[f"party_building.{name}"])

    say("writing the ground truth")
    write_truth(out_dir / "truth", world, after, platforms)
    result = SimulationResult(
        out_dir=out_dir,
        seed=seed,
        persons=persons,
        day=day,
        target=target,
        stores={k: sa.make_url(v).render_as_string(hide_password=True) for k, v in urls.items()}
        | {"party_building": str((out_dir / "party_building").resolve())},
        rows=rows,
        changes=changes,
        encodings=encodings,
        seconds=time.perf_counter() - started,
    )
    meta = {
        "seed": seed,
        "persons": persons,
        "scale": scale if previous is None else previous["scale"],
        "day": day,
        "as_of": str(day_end(day)),
        "target": target,
        "stores": result.stores,
        "rows": rows,
        "changes": changes,
        "encodings": encodings,
        "mess": mess_config,
        "server_urls": server_urls,
        "seconds": round(result.seconds, 1),
    }
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), "utf-8")
    return result


TRUTH_KEYS = {
    "grid_platform.zz_grid": "wgbm",
    "grid_platform.zz_syrk": "rkbh",
    "grid_platform.zz_syfw": "fwbh",
    "grid_platform.zz_dw": "dwbh",
    "grid_platform.zz_sj": "sjbh",
    "urban_management.um_case": "task_num",
    "urban_management.um_case_flow": "flow_id",
    "hotline.t_gd_workorder": "gdbh",
    "hotline.t_gd_lzjl": "lzid",
    "party_building.members": "党员编号",
    "party_building.organisations": "组织编码",
    "party_building.household_contacts": "id",
    "party_building.volunteer_records": "id",
}


def write_truth(truth_dir: Path, world: World, tables: dict[str, pd.DataFrame], platforms) -> None:
    """Per source table: each record's key and its true entities; plus the entities themselves.

    Records deleted at the source stay in the truth with present = false.
    """
    truth_dir.mkdir(parents=True, exist_ok=True)
    for key, frame in tables.items():
        k = TRUTH_KEYS[key]
        cols = [c for c in frame.columns if c.startswith("_")]
        t = frame[[k, *cols]].rename(columns={c: c[1:] for c in cols}).rename(columns={k: "source_key"})
        t["source_key"] = t.source_key.astype(str)
        t.insert(0, "table", key)
        t["present"] = True
        path = truth_dir / f"{key.replace('.', '__')}.parquet"
        if path.exists():
            old = pd.read_parquet(path)
            gone = old[~old.source_key.isin(t.source_key)].assign(present=False)
            t = pd.concat([t, gone], ignore_index=True)
        t.to_parquet(path, index=False)
    ctx = Context(world, {}, day_end(world.day))
    people = world.people.copy()
    people["address"] = canonical_addresses(ctx, people.house_id)
    people.to_parquet(truth_dir / "persons.parquet", index=False)
    houses = world.houses.copy()
    houses["address"] = canonical_addresses(ctx, houses.house_id)
    houses.to_parquet(truth_dir / "houses.parquet", index=False)
    world.households.to_parquet(truth_dir / "households.parquet", index=False)
    world.orgs.to_parquet(truth_dir / "organisations.parquet", index=False)
    world.matters.to_parquet(truth_dir / "matters.parquet", index=False)
    world.reports.to_parquet(truth_dir / "reports.parquet", index=False)
    world.members.to_parquet(truth_dir / "party_members.parquet", index=False)
    (truth_dir / "README.md").write_text(
        "# Ground truth (仿真真值)\n\nWritten by `yiwang simulate` for tests and benchmarks only; the pipeline never "
        "reads this folder. `<platform>__<table>.parquet` maps each source record (`source_key`) to its true "
        "person, house, organisation, report and matter ids and lists the mess applied (`mess`).\n",
        "utf-8",
    )
