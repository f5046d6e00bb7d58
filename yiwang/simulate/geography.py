"""The city's places: districts, streets and towns, communities and villages, grids, compounds
and houses, with real GB/T 2260 county codes and 12-digit statistical codes.

Everything is a pandas DataFrame with integer ids and plain columns, built with array
arithmetic (no per-house Python), so a city of a million people takes seconds.

Layout: each district is a box (roughly where the real one lies); its streets tile the box,
communities tile their street, and grids are vertical strips of their community, so every
point lies in exactly one grid polygon.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd
import yaml

from yiwang.simulate import names as name_gen
from yiwang.simulate.streams import stream

# Two-character place words for community and village names (社区/村).
PLACE_WORDS = list(
    "锦麟仓桥西园鲁迅府山蕺山胜利环城解放城东新河荷湖梅山大禹若耶兰亭镜湖东湖稽山越秀龙山"
    "宝珠卧龙笔架迎恩昌安五云望花百花长桥春晖和畅新民永兴湖滨香樟翠苑金湖秀水安康同康上旺"
    "青坛紫薇白塔双渎永丰乐园涌金平安鉴水塘湾芝山清风明月凤凰马鞍钱塘柳溪杏花桃源桑园"
)
HOUSES_PER_COMPOUND = 220
PEOPLE_PER_COMMUNITY = 1500
PEOPLE_PER_GRID = 900


@dataclass
class Geography:
    province: dict
    city: dict
    districts: pd.DataFrame  # district_code, name, previous_code, previous_name, bbox
    streets: pd.DataFrame  # street_code, name, district_code, is_town, x0,y0,x1,y1
    communities: pd.DataFrame  # community_code, name, street_code, district_code, is_village, ...
    grids: pd.DataFrame  # grid_code, name, community_code, kind (1 residential, 2 special), box
    compounds: pd.DataFrame  # compound_id, name, community_code, road, road_number, lon, lat
    houses: pd.DataFrame  # house_id, community_code, grid_code, compound_id, building, unit, room…
    migrant_origins: pd.DataFrame  # code, name, weight


def load_city() -> dict:
    text = resources.files("yiwang.simulate").joinpath("city_shaoxing.yml").read_text("utf-8")
    return yaml.safe_load(text)


def _word_pairs(rng: np.random.Generator, n: int, taken: set[str] | None = None) -> list[str]:
    """n distinct two-character place names."""
    taken = set() if taken is None else taken
    words = np.array(PLACE_WORDS)
    out: list[str] = []
    while len(out) < n:
        a = rng.integers(0, len(words), size=2 * (n - len(out)) + 8)
        b = rng.integers(0, len(words), size=a.size)
        for x, y in zip(a, b, strict=True):
            name = words[x] + words[y]
            if x != y and name not in taken:
                taken.add(name)
                out.append(name)
                if len(out) == n:
                    break
    return out


def _tile(x0, y0, x1, y1, n: int) -> list[tuple[float, float, float, float]]:
    """Split a box into n boxes on a near-square lattice (row-major)."""
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    w, h = (x1 - x0) / cols, (y1 - y0) / rows
    return [
        (
            x0 + (i % cols) * w,
            y0 + (i // cols) * h,
            x0 + (i % cols + 1) * w,
            y0 + (i // cols + 1) * h,
        )
        for i in range(n)
    ]


def build_geography(seed: int, persons: int) -> Geography:
    """Choose enough streets, communities and grids for `persons` people and lay them out."""
    city = load_city()
    rng = stream(seed, "geography")
    n_communities = max(6, round(persons / PEOPLE_PER_COMMUNITY))

    # Streets: round-robin over districts so even a tiny city spans several districts.
    district_rows, street_rows = [], []
    for d in city["districts"]:
        prev = d.get("previous") or {}
        district_rows.append(
            {
                "district_code": d["code"],
                "name": d["name"],
                "previous_code": prev.get("code"),
                "previous_name": prev.get("name"),
                "abolished_date": prev.get("abolished"),
            }
        )
    queues = [list(d["streets"]) for d in city["districts"]]
    n_streets = min(sum(map(len, queues)), max(3, int(np.ceil(n_communities / 8))))
    chosen: dict[int, list[str]] = {i: [] for i in range(len(queues))}
    i = 0
    while sum(map(len, chosen.values())) < n_streets:
        if queues[i % len(queues)]:
            chosen[i % len(queues)].append(queues[i % len(queues)].pop(0))
        i += 1
    for di, d in enumerate(city["districts"]):
        names = chosen[di]
        if not names:
            continue
        boxes = _tile(*d["bbox"], len(names))
        subdistrict_seq, town_seq = 1, 101
        for name, box in zip(names, boxes, strict=True):
            is_town = name.endswith(("镇", "乡"))
            seq = town_seq if is_town else subdistrict_seq
            town_seq, subdistrict_seq = town_seq + is_town, subdistrict_seq + (not is_town)
            street_rows.append(
                {
                    "street_code": f"{d['code']}{seq:03d}",
                    "name": name,
                    "district_code": d["code"],
                    "is_town": is_town,
                    "x0": box[0],
                    "y0": box[1],
                    "x1": box[2],
                    "y1": box[3],
                }
            )
    districts = pd.DataFrame(district_rows)
    districts = districts[districts.district_code.isin({s["district_code"] for s in street_rows})]
    streets = pd.DataFrame(street_rows)

    # Communities: spread over streets; towns are mostly villages (村), streets communities (社区).
    per_street = np.bincount(rng.integers(0, len(streets), n_communities - len(streets)), minlength=len(streets)) + 1
    names = _word_pairs(rng, n_communities)
    comm_rows, k = [], 0
    for s, count in zip(streets.itertuples(), per_street, strict=True):
        boxes = _tile(s.x0, s.y0, s.x1, s.y1, int(count))
        community_seq, village_seq = 1, 201
        for j, box in enumerate(boxes):
            is_village = bool(s.is_town and j > 0)
            seq = village_seq if is_village else community_seq
            village_seq, community_seq = village_seq + is_village, community_seq + (not is_village)
            comm_rows.append(
                {
                    "community_code": f"{s.street_code}{seq:03d}",
                    "name": names[k] + ("村" if is_village else "社区"),
                    "street_code": s.street_code,
                    "district_code": s.district_code,
                    "is_village": is_village,
                    "x0": box[0],
                    "y0": box[1],
                    "x1": box[2],
                    "y1": box[3],
                }
            )
            k += 1
    communities = pd.DataFrame(comm_rows)
    communities["weight"] = rng.gamma(4.0, 1.0, len(communities))
    share = communities.weight / communities.weight.sum()
    communities["persons"] = np.maximum(1, np.round(share * persons)).astype(int)

    grids = _build_grids(rng, communities)
    compounds, houses = _build_houses(seed, communities, grids)
    origins = pd.DataFrame(city["migrant_origins"])
    return Geography(
        city["province"],
        city["city"],
        districts,
        streets,
        communities,
        grids,
        compounds,
        houses,
        origins,
    )


def _build_grids(rng: np.random.Generator, communities: pd.DataFrame) -> pd.DataFrame:
    n = np.maximum(2, np.round(communities.persons.to_numpy() / PEOPLE_PER_GRID)).astype(int)
    idx = np.repeat(np.arange(len(communities)), n)
    seq = np.concatenate([np.arange(1, c + 1) for c in n])
    c = communities.iloc[idx].reset_index(drop=True)
    width = (c.x1 - c.x0) / n[idx]
    grids = pd.DataFrame(
        {
            "grid_code": c.community_code + pd.Series(seq).map("{:03d}".format),
            "name": c.name + pd.Series(seq).map("第{}网格".format),
            "community_code": c.community_code,
            "seq": seq,
            # about one grid in six is a "special" grid (专属网格): market, office block, campus
            "kind": np.where((seq > 1) & (rng.random(len(c)) < 0.18), 2, 1),
            "x0": c.x0 + (seq - 1) * width,
            "x1": c.x0 + seq * width,
            "y0": c.y0,
            "y1": c.y1,
        }
    )
    return grids


def _build_houses(seed: int, communities: pd.DataFrame, grids: pd.DataFrame):
    """Compounds (小区) of buildings, units and rooms; numbered houses (组/号) in villages."""
    rng = stream(seed, "houses")
    # about 1.15 houses per household, 2.6 people per household
    n_houses = np.maximum(4, np.round(communities.persons.to_numpy() / 2.6 * 1.15)).astype(int)
    n_compounds = np.maximum(1, np.ceil(n_houses / HOUSES_PER_COMPOUND)).astype(int)
    cidx = np.repeat(np.arange(len(communities)), n_compounds)
    comm = communities.iloc[cidx].reset_index(drop=True)
    total = len(comm)
    names = name_gen.compound_names(rng, total)
    roads = name_gen.road_names(rng, total, unique=False)
    lon = comm.x0 + rng.random(total) * (comm.x1 - comm.x0)
    lat = comm.y0 + rng.random(total) * (comm.y1 - comm.y0)
    compounds = pd.DataFrame(
        {
            "compound_id": np.arange(1, total + 1),
            "name": np.where(comm.is_village, comm.name, names),
            "community_code": comm.community_code,
            "is_village": comm.is_village,
            "road": roads,
            "road_number": rng.integers(1, 400, total),
            "units_per_building": rng.choice([1, 2, 2, 3], total),
            "floors": rng.choice([6, 6, 7, 11, 18, 26], total),
            "lon": lon.round(6),
            "lat": lat.round(6),
        }
    )
    compounds["grid_code"] = grid_of_point(grids, communities, compounds.community_code, compounds.lon, compounds.lat)

    # Houses: the k-th house of a compound gets building/unit/floor/room by arithmetic.
    start = np.concatenate([[0], np.cumsum(n_compounds)[:-1]])
    comp_of_house = [start[ci] + (np.arange(n_houses[ci]) % n_compounds[ci]) for ci in range(len(communities))]
    h_comp = np.concatenate(comp_of_house)
    order = np.argsort(h_comp, kind="stable")
    h_comp = h_comp[order]
    k = np.arange(len(h_comp)) - np.searchsorted(h_comp, h_comp)  # index within compound
    cp = compounds.iloc[h_comp].reset_index(drop=True)
    rooms_per_floor = 2
    per_building = cp.units_per_building * cp.floors * rooms_per_floor
    building = k // per_building + 1
    rem = k % per_building
    unit = rem // (cp.floors * rooms_per_floor) + 1
    rem2 = rem % (cp.floors * rooms_per_floor)
    floor = rem2 // rooms_per_floor + 1
    room = floor * 100 + rem2 % rooms_per_floor + 1
    village = cp.is_village.to_numpy()
    # a village's houses are numbered across the village (its compounds are contiguous here), so
    # no two houses of one village share a 组/号 address
    community = cp.community_code.to_numpy()
    in_village = np.arange(len(cp)) - np.searchsorted(community, community) if len(cp) else k
    houses = pd.DataFrame(
        {
            "house_id": np.arange(1, len(cp) + 1),
            "compound_id": cp.compound_id,
            "community_code": cp.community_code,
            "grid_code": cp.grid_code,
            "is_village": village,
            # villages: 组 (group) and house number instead of building/unit/room
            "building": np.where(village, in_village // 40 + 1, building),
            "unit": np.where(village, 0, unit),
            "floor": np.where(village, 0, floor),
            "room": np.where(village, in_village % 40 + 1, room),
            "area": np.round(rng.normal(92, 25, len(cp)).clip(25, 300), 1),
            "lon": (cp.lon + rng.normal(0, 0.0003, len(cp))).round(6),
            "lat": (cp.lat + rng.normal(0, 0.0003, len(cp))).round(6),
        }
    )
    houses["grid_code"] = grid_of_point(grids, communities, houses.community_code, houses.lon, houses.lat)
    return compounds, houses


def grid_of_point(grids, communities, community_code, lon, lat) -> np.ndarray:
    """Grid code of points known to lie in (or next to) a community: grids are its vertical strips.

    Points a little outside their community's box (GPS jitter) are clamped to it.
    """
    c = communities.set_index("community_code").loc[np.asarray(community_code)]
    n = grids.groupby("community_code").size().loc[np.asarray(community_code)].to_numpy()
    x = np.clip(np.asarray(lon, dtype=float), c.x0.to_numpy(), np.nextafter(c.x1.to_numpy(), -np.inf))
    seq = np.clip(((x - c.x0.to_numpy()) / (c.x1.to_numpy() - c.x0.to_numpy()) * n).astype(int) + 1, 1, n)
    return (pd.Series(np.asarray(community_code)) + pd.Series(seq).map("{:03d}".format)).to_numpy()


def random_points_in_grids(rng: np.random.Generator, grids: pd.DataFrame, grid_codes) -> tuple[np.ndarray, np.ndarray]:
    g = grids.set_index("grid_code").loc[np.asarray(grid_codes)]
    lon = g.x0.to_numpy() + rng.random(len(g)) * (g.x1.to_numpy() - g.x0.to_numpy())
    lat = g.y0.to_numpy() + rng.random(len(g)) * (g.y1.to_numpy() - g.y0.to_numpy())
    return lon.round(6), lat.round(6)


def grid_polygon_wkt(grids: pd.DataFrame) -> pd.Series:
    f = "{:.6f} {:.6f}".format
    return pd.Series(
        [
            f"POLYGON(({f(a, b)}, {f(c, b)}, {f(c, d)}, {f(a, d)}, {f(a, b)}))"
            for a, b, c, d in zip(grids.x0, grids.y0, grids.x1, grids.y1, strict=True)
        ],
        index=grids.index,
    )
