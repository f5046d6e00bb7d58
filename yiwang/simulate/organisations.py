"""Legal entities (companies, sole traders, social organisations, public bodies) and the party:
party organisations (党组织, including branches inside private firms), members, their
household contacts (党员联系户) and volunteer service records.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from yiwang.simulate import names
from yiwang.simulate.identifiers import credit_codes, organisation_codes
from yiwang.simulate.streams import stream, weighted_choice

PERSONS_PER_ORG = 12
# kind: (authority+type prefix of the credit code, share)
KIND_CODES = {"企业": 1, "个体工商户": 2, "社会组织": 3, "机关事业单位": 4}
CREDIT_PREFIXES = {1: ["91"], 2: ["92"], 3: ["51", "52", "53"], 4: ["11", "12"]}
PARTY_MEMBER_SHARE = 0.075  # of adults
FIRM_BRANCH_SHARE = 0.03  # enterprises with their own party branch


def build_organisations(
    seed: int, geo, people: pd.DataFrame, first_id: int = 1, count: int | None = None, day: int = 1
):
    """Organisations with valid credit codes, legal representatives and addresses."""
    rng = stream(seed, "organisations", day)
    n = count if count is not None else max(20, len(people) // PERSONS_PER_ORG)
    compound_pick = rng.integers(0, len(geo.compounds), n)
    district_of = geo.compounds.community_code.str[:6].to_numpy()[compound_pick]
    district_names = geo.districts.set_index("district_code").name.reindex(district_of).to_numpy()
    org_names, industries, kind_names = names.company_names(
        rng, n, geo.city["name"], list(geo.districts.name), with_kinds=True
    )
    kind = pd.Series(kind_names).map(KIND_CODES).fillna(1).astype(int).to_numpy()
    prefix = np.array(
        [CREDIT_PREFIXES[k][i % len(CREDIT_PREFIXES[k])] for i, k in zip(rng.integers(0, 3, n), kind, strict=True)],
        dtype=object,
    )
    compound = geo.compounds.iloc[compound_pick].reset_index(drop=True)
    district = compound.community_code.str[:6].to_numpy()
    # firms registered in 柯桥/上虞 before 2013 keep the old county code in their credit code
    founded = pd.Timestamp("2026-11-01") - pd.to_timedelta(rng.integers(30, 365 * 25, n), unit="D")
    prev = geo.districts.set_index("district_code")
    prev_code = prev.previous_code.reindex(district).to_numpy()
    abolished = pd.to_datetime(prev.abolished_date.reindex(district).to_numpy())
    division = np.where(pd.notna(prev_code) & (founded < abolished), prev_code, district)
    codes = credit_codes(prefix, division, organisation_codes(rng, n))
    del district_names
    adults = people[(people.age >= 25) & (people.age <= 70)]
    rep = adults.iloc[rng.integers(0, len(adults), n)]
    orgs = pd.DataFrame(
        {
            "org_id": np.arange(first_id, first_id + n),
            "name": org_names,
            "industry": industries,
            "kind": kind,
            "credit_code": codes,
            "legal_rep_person_id": rep.person_id.to_numpy(),
            "legal_rep_name": rep.name.to_numpy(),
            "phone": np.where(rng.random(n) < 0.6, rep.contact_phone.to_numpy(), None),
            "compound_id": compound.compound_id.to_numpy(),
            "community_code": compound.community_code.to_numpy(),
            "grid_code": compound.grid_code.to_numpy(),
            "road": compound.road.to_numpy(),
            "road_number": rng.integers(1, 600, n),
            "founded_date": founded.date,
            "size": np.ceil(rng.pareto(1.3, n) * 5 + 1).astype(int),
        }
    )
    return orgs


def assign_workplaces(seed: int, people: pd.DataFrame, orgs: pd.DataFrame) -> np.ndarray:
    """An employer org_id for working-age adults (about 60%), weighted by firm size."""
    rng = stream(seed, "workplaces")
    working = (people.age >= 20) & (people.age <= 62) & (rng.random(len(people)) < 0.6)
    out = np.full(len(people), -1, dtype=np.int64)
    out[working.to_numpy()] = weighted_choice(rng, orgs.org_id.to_numpy(), orgs["size"].to_numpy(), int(working.sum()))
    return out


def build_party(seed: int, geo, people: pd.DataFrame, orgs: pd.DataFrame, households: pd.DataFrame):
    """Party organisations, members, household contacts and volunteer records (day-1 state)."""
    rng = stream(seed, "party")
    # organisations: a committee per community, branches under it, branches in larger firms
    comm = geo.communities
    committees = pd.DataFrame(
        {
            "party_org_code": "D" + comm.community_code.str[4:],
            "name": "中共" + comm.name + np.where(comm.is_village, "总支部委员会", "委员会"),
            "kind": np.where(comm.is_village, "党总支", "党委"),
            "parent_code": None,
            "host_org_id": -1,
            "community_code": comm.community_code,
        }
    )
    branch_count = np.maximum(1, comm.persons.to_numpy() // 1500)
    idx = np.repeat(np.arange(len(comm)), branch_count)
    seq = np.arange(len(idx)) - np.searchsorted(idx, idx) + 1
    c = comm.iloc[idx].reset_index(drop=True)
    branches = pd.DataFrame(
        {
            "party_org_code": "D" + c.community_code.str[4:] + pd.Series(seq).map("{:02d}".format),
            "name": "中共" + c.name + pd.Series(seq).map(lambda s: f"第{s}党支部"),
            "kind": "党支部",
            "parent_code": "D" + c.community_code.str[4:],
            "host_org_id": -1,
            "community_code": c.community_code,
        }
    )
    firms = orgs[(orgs.kind == 1) & (orgs["size"] >= 8)]
    firms = firms[rng.random(len(firms)) < FIRM_BRANCH_SHARE * 5]
    firm_branches = pd.DataFrame(
        {
            "party_org_code": np.array([f"F{i:07d}" for i in range(1, len(firms) + 1)], dtype=object),
            "name": "中共" + firms.name.to_numpy() + "支部委员会",
            "kind": np.where(rng.random(len(firms)) < 0.15, "联合党支部", "党支部"),
            "parent_code": "D" + firms.community_code.str[4:].to_numpy(),
            "host_org_id": firms.org_id.to_numpy(),
            "community_code": firms.community_code.to_numpy(),
        }
    )
    party_orgs = pd.concat([committees, branches, firm_branches], ignore_index=True)
    party_orgs["founded_date"] = (
        pd.Timestamp("1995-01-01") + pd.to_timedelta(rng.integers(0, 365 * 30, len(party_orgs)), unit="D")
    ).date

    # members: adults, more likely when older; their branch is the firm's if it has one
    adults = people[people.age >= 18]
    p = PARTY_MEMBER_SHARE * np.clip((adults.age.to_numpy() - 10) / 40, 0.3, 1.6)
    members = adults[rng.random(len(adults)) < p].copy()
    firm_branch = firm_branches.set_index("host_org_id").party_org_code
    branch_by_comm = branches.groupby("community_code").party_org_code.first()
    by_firm = firm_branch.reindex(members.workplace_org_id).to_numpy()
    members["party_org_code"] = np.where(
        pd.notna(by_firm), by_firm, branch_by_comm.reindex(members.community_code).to_numpy()
    )
    years = np.maximum(0, members.age.to_numpy() - 18)
    members["join_date"] = (
        pd.Timestamp("2026-11-01") - pd.to_timedelta((rng.random(len(members)) * years * 365).astype(int), unit="D")
    ).date
    members["member_no"] = (
        "DY" + pd.Series(rng.permutation(np.arange(10**6, 10**6 + len(members)))).map("{:08d}".format).to_numpy()
    )
    members["education"] = weighted_choice(
        rng,
        ["初中", "高中", "中专", "大专", "大学本科", "研究生"],
        [8, 14, 8, 22, 40, 8],
        len(members),
    )
    members["probationary"] = (pd.Timestamp("2026-11-01").date() - members.join_date).map(lambda d: d.days) < 365

    # household contacts: about half of members pair with 1-3 households near them
    pairing = members[rng.random(len(members)) < 0.5]
    k = rng.integers(1, 4, len(pairing))
    pidx = np.repeat(np.arange(len(pairing)), k)
    pm = pairing.iloc[pidx].reset_index(drop=True)
    hh_by_comm = households.groupby("community_code").household_id.apply(np.asarray)
    hh_pick = np.empty(len(pm), dtype=np.int64)
    for code, ix in pd.Series(np.arange(len(pm))).groupby(pm.community_code.to_numpy()).groups.items():
        pool = hh_by_comm.get(code, households.household_id.to_numpy())
        hh_pick[np.asarray(ix)] = pool[rng.integers(0, len(pool), len(ix))]
    contacts = pd.DataFrame(
        {
            "contact_id": np.arange(1, len(pm) + 1),
            "member_person_id": pm.person_id.to_numpy(),
            "member_no": pm.member_no.to_numpy(),
            "household_id": hh_pick,
            "since": (pd.Timestamp("2026-11-01") - pd.to_timedelta(rng.integers(10, 2000, len(pm)), unit="D")).date,
            "updated_at": pd.Timestamp("2026-11-01")
            - pd.to_timedelta(rng.integers(3600, 86400 * 300, len(pm)), unit="s"),
            "cohort_day": 1,
        }
    ).drop_duplicates(["member_no", "household_id"])
    volunteer = volunteer_records(rng, members, 1, geo)
    return party_orgs, members, contacts, volunteer


ACTIVITIES = [
    "社区环境整治",
    "文明交通劝导",
    "关爱独居老人",
    "垃圾分类宣传",
    "反诈宣传",
    "义务理发",
    "防汛巡查",
    "疫苗接种引导",
    "关爱留守儿童",
    "邻里矛盾调解",
]


def volunteer_records(rng, members: pd.DataFrame, day: int, geo, per_member: float = 4.0) -> pd.DataFrame:
    """Volunteer service records; day 1 holds a year of history, later days a few new ones."""
    lam = per_member if day == 1 else per_member / 365
    k = rng.poisson(lam, len(members))
    idx = np.repeat(np.arange(len(members)), k)
    m = members.iloc[idx].reset_index(drop=True)
    n = len(m)
    base = pd.Timestamp("2026-11-01") + pd.Timedelta(days=day - 1)
    back = rng.integers(0, 365, n) if day == 1 else np.zeros(n, dtype=int)
    served = (base - pd.to_timedelta(back, unit="D")).normalize()
    grids_by_comm = geo.grids.groupby("community_code").grid_code.first()
    return pd.DataFrame(
        {
            "record_id": day * 10_000_000 + np.arange(1, n + 1),
            "member_no": m.member_no.to_numpy(),
            "member_person_id": m.person_id.to_numpy(),
            "activity": np.array(ACTIVITIES, dtype=object)[rng.integers(0, len(ACTIVITIES), n)],
            "service_date": served.date,
            "hours": rng.choice([1.0, 1.5, 2.0, 2.5, 3.0, 4.0], n),
            "location": (
                m.community_code.map(geo.communities.set_index("community_code").name) + "党群服务中心"
            ).to_numpy(),
            "grid_code": np.where(rng.random(n) < 0.7, grids_by_comm.reindex(m.community_code).to_numpy(), None),
            "updated_at": served + pd.to_timedelta(rng.integers(9 * 3600, 20 * 3600, n), unit="s"),
            "cohort_day": day,
        }
    )
