"""The people of the city: households (户) living in houses, and the persons in them.

Households are built from templates (single, couple, couple with children, three
generations); family members share a surname, an address and often a phone, and some
households have twins: the hard negatives a matcher must keep apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from yiwang.simulate import names
from yiwang.simulate.geography import Geography
from yiwang.simulate.identifiers import citizen_ids, landline_numbers, mobile_numbers
from yiwang.simulate.streams import stream, weighted_choice

# (size, roles) templates with weights; roles: H head, S spouse, C child, P parent of head
HOUSEHOLD_TEMPLATES = [
    ("H", 20),
    ("HS", 22),
    ("HC", 8),
    ("HSC", 26),
    ("HSCC", 11),
    ("HSCP", 4),
    ("HSCCP", 6),
    ("HSP", 3),
]
RELATION_CODES = {"H": "02", "S": "10", "P_M": "51", "P_F": "52", "C_M": "20", "C_F": "30"}
TWIN_SHARE = 0.04  # of households with two children
FLOATING_SHARE = 0.22  # households of floating residents (流动人口)
CARE_TAGS = {"低保对象": 0.02, "残疾人": 0.015, "重点人员": 0.003}


def build_population(
    seed: int,
    persons: int,
    geo: Geography,
    as_of: pd.Timestamp,
    *,
    first_household_id: int = 1,
    first_person_id: int = 1,
    floating_only: bool = False,
    taken_mobiles: set[str] | None = None,
    taken_ids: set[str] | None = None,
):
    """Return (households, people) DataFrames for about `persons` people.

    Later days add arrivals with `floating_only`, id offsets and the numbers already taken.
    """
    rng = stream(seed, "population")
    roles_list = [t for t, _ in HOUSEHOLD_TEMPLATES]
    weights = np.array([w for _, w in HOUSEHOLD_TEMPLATES], dtype=float)
    mean_size = (weights * np.array([len(r) for r in roles_list])).sum() / weights.sum()
    n_house = int(np.ceil(persons / mean_size * 1.02))
    template = rng.choice(len(roles_list), n_house, p=weights / weights.sum())
    sizes = np.array([len(r) for r in roles_list])[template]
    keep = np.cumsum(sizes) <= persons
    keep[: max(1, keep.sum())] = True
    template, sizes = template[keep], sizes[keep]
    n_house = len(template)

    # Households: a community (by its population share), a free house in it.
    comm = geo.communities
    hh_comm = weighted_choice(rng, comm.community_code.to_numpy(), comm.persons.to_numpy(), n_house)
    house_of = _assign_houses(rng, geo.houses, hh_comm)
    floating = (rng.random(n_house) < FLOATING_SHARE) | floating_only
    head_age = np.where(floating, rng.integers(20, 55, n_house), rng.integers(24, 88, n_house))
    households = pd.DataFrame(
        {
            "household_id": np.arange(first_household_id, first_household_id + n_house),
            "template": np.array(roles_list, dtype=object)[template],
            "size": sizes,
            "community_code": hh_comm,
            "house_id": house_of,
            "is_floating": floating,
            "head_age": head_age,
            "head_surname": names.surnames(rng, n_house),
            "landline": np.where(
                (rng.random(n_house) < 0.15) & ~floating,
                landline_numbers(rng, n_house, geo.city["area_code"]),
                None,
            ),
        }
    )
    households["household_no"] = households.community_code.str[:6] + pd.Series(
        rng.permutation(10**6)[:n_house] if n_house <= 10**6 else rng.integers(0, 10**9, n_house)
    ).map("{:09d}".format)

    # Members: one row per (household, role position).
    hh_idx = np.repeat(np.arange(n_house), sizes)
    pos = np.arange(len(hh_idx)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    tmpl = households.template.to_numpy()[hh_idx]
    role = np.array([t[p] for t, p in zip(tmpl, pos, strict=True)], dtype=object)
    n = len(role)
    hh = households.iloc[hh_idx].reset_index(drop=True)

    # Twins: the two children of some two-child households share a birth date.
    child_rank = pd.Series(role == "C").groupby(hh_idx).cumsum().to_numpy() * (role == "C")
    twin_household = rng.random(n_house) < TWIN_SHARE
    is_twin = (role == "C") & twin_household[hh_idx] & (households["template"].str.count("C").to_numpy()[hh_idx] == 2)

    age = np.empty(n, dtype=float)
    ha = hh.head_age.to_numpy().astype(float)
    age[role == "H"] = ha[role == "H"]
    age[role == "S"] = np.clip(ha[role == "S"] + rng.normal(-1.5, 3, (role == "S").sum()), 18, 100)
    age[role == "P"] = np.clip(ha[role == "P"] + rng.uniform(22, 34, (role == "P").sum()), 45, 103)
    child_age = np.clip(ha - rng.uniform(22, 36, n) - (child_rank - 1) * rng.uniform(1, 6, n), 0, 70)
    age[role == "C"] = child_age[role == "C"]
    # twins: second twin copies the first's age
    first_twin = is_twin & (child_rank == 1)
    second_twin = is_twin & (child_rank == 2)
    age[second_twin] = age[np.flatnonzero(second_twin) - 1]
    birth = (
        as_of.normalize()
        - pd.to_timedelta(np.floor(age * 365.25).astype(int), unit="D")
        - pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    )
    birth = pd.Series(birth)
    twin_first_birth = birth.to_numpy()[np.flatnonzero(second_twin) - 1]
    birth.iloc[np.flatnonzero(second_twin)] = twin_first_birth

    male = rng.random(n) < 0.5
    head_male = rng.random(n_house) < 0.62
    male[role == "H"] = head_male[hh_idx][role == "H"]
    male[role == "S"] = ~head_male[hh_idx][role == "S"]

    surname = names.surnames(rng, n)
    family = hh.head_surname.to_numpy()
    takes_family = (role == "H") | ((role == "C") & (rng.random(n) < 0.9)) | ((role == "P") & male)
    surname = np.where(takes_family, family, surname)
    given = names.given_names(rng, np.where(male, 1, 2), birth.dt.year.to_numpy())
    # twins often share the first character of a two-character given name
    second = np.flatnonzero(second_twin)
    g1 = pd.Series(given[second - 1])
    g2 = pd.Series(given[second])
    share = (g1.str.len() == 2) & (g2.str.len() >= 1) & (rng.random(len(second)) < 0.6)
    given[second[share.to_numpy()]] = (g1.str[0] + g2.str[-1])[share].to_numpy()
    ethnicity = names.ethnicities(rng, n, han_share=0.985)
    # some minorities carry transliterated names (买买提·艾力) without a Han surname
    styled = pd.Series(ethnicity).isin(["02", "04", "05", "17", "29", "41", "43", "44", "50", "54", "55"]).to_numpy()
    if styled.any():
        full = names.person_names(
            rng, np.where(male, 1, 2)[styled], birth.dt.year.to_numpy()[styled], ethnicity[styled]
        )
        han_style = pd.Series(full).str.len().to_numpy() <= 3
        idx = np.flatnonzero(styled)[~han_style]
        surname = surname.astype(object)
        surname[idx] = ""
        given[idx] = np.asarray(full, dtype=object)[~han_style]

    # ID numbers: address code of where the person was first registered.
    floating_p = hh.is_floating.to_numpy()
    origin = weighted_choice(rng, geo.migrant_origins.code.to_numpy(), geo.migrant_origins.weight.to_numpy(), n)
    district = hh.community_code.str[:6].to_numpy()
    prev = geo.districts.set_index("district_code")
    prev_code = prev.previous_code.reindex(district).to_numpy()
    abolished = pd.to_datetime(prev.abolished_date.reindex(district).to_numpy())
    registered_before = (~pd.isna(prev_code)) & (birth.to_numpy() < abolished.to_numpy())
    native_code = np.where(registered_before, prev_code, district)
    id_code = np.where(floating_p, origin, native_code)
    ids = citizen_ids(id_code, birth, male, rng, taken=taken_ids)

    adult = age >= 16
    own_mobile = adult & (rng.random(n) < np.where(age >= 75, 0.6, 0.98))
    mobile = np.where(own_mobile, mobile_numbers(rng, n, taken_mobiles), None)
    # the household's first own mobile is the family contact number
    people = pd.DataFrame(
        {
            "person_id": np.arange(first_person_id, first_person_id + n),
            "household_id": hh.household_id,
            "role": role,
            "relation_code": _relation_codes(role, male),
            "surname": surname,
            "given_name": given,
            "name": pd.Series(surname, dtype=object) + pd.Series(given, dtype=object),
            "sex": np.where(male, 1, 2),
            "birth_date": birth.dt.date,
            "ethnicity_code": ethnicity,
            "id_number": ids,
            "id_address_code": id_code,
            "is_floating": floating_p,
            "mobile": mobile,
            "house_id": hh.house_id,
            "community_code": hh.community_code,
            "is_twin": is_twin,
            "twin_first": first_twin,
        }
    )
    people = _people_names_contacts(people, households, geo, rng, age)
    households["head_person_id"] = people.person_id[people.role == "H"].to_numpy()
    return households.drop(columns=["head_age", "head_surname", "template"]), people


def _relation_codes(role: np.ndarray, male: np.ndarray) -> np.ndarray:
    out = np.full(len(role), "99", dtype=object)
    out[role == "H"] = "02"
    out[role == "S"] = "10"
    out[(role == "C") & male] = "20"
    out[(role == "C") & ~male] = "30"
    out[(role == "P") & male] = "51"
    out[(role == "P") & ~male] = "52"
    return out


def _assign_houses(rng: np.random.Generator, houses: pd.DataFrame, hh_comm: np.ndarray) -> np.ndarray:
    """A distinct house per household in its community (shared only when it is full)."""
    order = rng.permutation(len(houses))
    shuffled = houses.iloc[order]
    by_comm = shuffled.groupby("community_code").house_id.apply(np.asarray)
    out = np.empty(len(hh_comm), dtype=np.int64)
    s = pd.Series(hh_comm)
    for code, idx in s.groupby(s).groups.items():
        pool = by_comm[code]
        out[np.asarray(idx)] = pool[np.arange(len(idx)) % len(pool)]
    return out


def _people_names_contacts(people, households, geo: Geography, rng, age) -> pd.DataFrame:
    hh = households.set_index("household_id")
    # contact phone: own mobile, else the household's first mobile, else its landline
    first_mobile = people.dropna(subset=["mobile"]).groupby("household_id").mobile.first()
    fallback = first_mobile.reindex(people.household_id).to_numpy()
    landline = hh.landline.reindex(people.household_id).to_numpy()
    people["contact_phone"] = np.where(
        pd.notna(people.mobile), people.mobile, np.where(pd.notna(fallback), fallback, landline)
    )
    people["grid_code"] = geo.houses.set_index("house_id").grid_code.reindex(people.house_id).to_numpy()
    people["age"] = np.floor(age).astype(int)
    size = hh["size"].reindex(people.household_id).to_numpy()
    tags = np.full(len(people), "", dtype=object)
    tags = np.where((people.age >= 70) & (size == 1), "独居老人", tags)
    for tag, share in CARE_TAGS.items():
        hit = rng.random(len(people)) < share
        tags = np.where(hit, np.where(tags == "", tag, tags + ";" + tag), tags)
    people["tags"] = tags
    people["registered_at"] = pd.Timestamp("2016-01-01") + pd.to_timedelta(
        rng.integers(0, 3600 * 24 * 365 * 9, len(people)), unit="s"
    )
    return people
