"""The simulated city as it really is (the truth), and what changes in it each day.

Day 1 is built from the seed; each later day d applies a change set drawn from its own random
stream (seed, d): households move, leave or arrive, phones change, firms open and close,
members join, new matters are reported. Replaying days 2..d gives the state at day d, so the
same seed always gives the same city on the same day.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from yiwang.simulate import events, organisations, population
from yiwang.simulate.geography import Geography, build_geography
from yiwang.simulate.identifiers import mobile_numbers
from yiwang.simulate.streams import stream

BASE_DATE = pd.Timestamp("2026-11-01")  # day 1; local time Asia/Shanghai, no zone (as stored)
DAILY = {
    "household_leaves": 0.0003,
    "household_moves": 0.0006,
    "phone_changes": 0.0005,
    "household_arrivals": 0.0004,
    "org_opens": 0.0003,
    "org_closes": 0.0002,
    "house_use_changes": 0.0005,
    "member_joins": 0.0005,
    "contact_new": 0.002,
    "contact_deleted": 0.001,
}


MINIMUM_DAILY = 2  # so that even a tiny city sees every kind of change each day


def _daily(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """Mask of the n items that change today: binomial(n, rate), but at least a couple."""
    k = min(n, max(MINIMUM_DAILY, rng.binomial(n, rate)))
    mask = np.zeros(n, dtype=bool)
    mask[rng.choice(n, k, replace=False)] = True
    return mask


def day_end(day: int) -> pd.Timestamp:
    """The simulation clock after `day`: midnight that ends it."""
    return BASE_DATE + pd.Timedelta(days=day)


@dataclass
class DayChanges:
    day: int
    left_households: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    moves: pd.DataFrame | None = None  # household_id, house_id (new)
    phones: pd.DataFrame | None = None  # person_id, mobile (new)
    new_households: pd.DataFrame | None = None
    new_people: pd.DataFrame | None = None
    new_orgs: pd.DataFrame | None = None
    closed_orgs: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    house_use: pd.DataFrame | None = None  # house_id, use
    new_members: pd.DataFrame | None = None
    new_contacts: pd.DataFrame | None = None
    deleted_contacts: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    volunteer: pd.DataFrame | None = None
    matters: pd.DataFrame | None = None
    reports: pd.DataFrame | None = None

    def at(self, rng: np.random.Generator, n: int) -> pd.Series:
        """n change times spread over the day (office hours mostly)."""
        start = day_end(self.day) - pd.Timedelta(days=1)
        return pd.Series(start + pd.to_timedelta(rng.integers(7 * 3600, 22 * 3600, n), unit="s"))


@dataclass
class World:
    seed: int
    persons: int
    geo: Geography
    households: pd.DataFrame
    people: pd.DataFrame
    orgs: pd.DataFrame
    houses: pd.DataFrame
    party_orgs: pd.DataFrame
    members: pd.DataFrame
    contacts: pd.DataFrame
    volunteer: pd.DataFrame
    matters: pd.DataFrame
    reports: pd.DataFrame
    catalogue: events.Catalogue
    day: int = 1


def build_world(seed: int, persons: int) -> World:
    """The city on day 1."""
    geo = build_geography(seed, persons)
    households, people = population.build_population(seed, persons, geo, day_end(1))
    people["arrived_day"] = 1
    orgs = organisations.build_organisations(seed, geo, people)
    people["workplace_org_id"] = organisations.assign_workplaces(seed, people, orgs)
    party_orgs, members, contacts, volunteer = organisations.build_party(seed, geo, people, orgs, households)
    houses = geo.houses.copy()
    rng = stream(seed, "house-use")
    occupied = houses.house_id.isin(households.house_id)
    houses["use"] = np.where(
        occupied,
        np.where(rng.random(len(houses)) < 0.25, 2, 1),
        np.where(rng.random(len(houses)) < 0.3, 4, 3),
    )
    # owner: the household head for owner-occupied houses, another resident otherwise
    head = households.drop_duplicates("house_id").set_index("house_id").head_person_id
    owner = head.reindex(houses.house_id).to_numpy()
    others = people.person_id.to_numpy()[rng.integers(0, len(people), len(houses))]
    houses["owner_person_id"] = np.where((houses.use == 1) & pd.notna(owner), owner, others).astype(np.int64)
    houses["updated_day"] = 1
    catalogue = events.load_catalogue()
    matters, reports = events.build_matters(seed, 1, persons, BASE_DATE, geo, people, orgs, catalogue)
    people["updated_day"] = 1
    orgs["updated_day"] = 1
    return World(
        seed,
        persons,
        geo,
        households,
        people,
        orgs,
        houses,
        party_orgs,
        members,
        contacts,
        volunteer,
        matters,
        reports,
        catalogue,
    )


def draw_changes(world: World, day: int) -> DayChanges:
    """What happens in the city on `day` (>= 2), given its state at the end of day - 1."""
    rng = stream(world.seed, "changes", day)
    ch = DayChanges(day)
    hh = world.households
    present = (
        hh[~hh.household_id.isin(world.people.loc[world.people.left_day.notna(), "household_id"])]
        if "left_day" in world.people
        else hh
    )
    ch.left_households = present.household_id.to_numpy()[_daily(rng, len(present), DAILY["household_leaves"])]
    stay = present[~present.household_id.isin(ch.left_households)]
    movers = stay[_daily(rng, len(stay), DAILY["household_moves"])]
    occupied = set(world.households.house_id)
    free = world.houses.loc[~world.houses.house_id.isin(occupied), "house_id"].to_numpy()
    pool = free if len(free) >= len(movers) else world.houses.house_id.to_numpy()
    ch.moves = pd.DataFrame(
        {
            "household_id": movers.household_id.to_numpy(),
            "house_id": rng.choice(pool, len(movers), replace=False),
        }
    )
    people = world.people[world.people.left_day.isna()] if "left_day" in world.people else world.people
    with_mobile = people[people.mobile.notna()]
    changers = with_mobile[_daily(rng, len(with_mobile), DAILY["phone_changes"])]
    taken = set(world.people.mobile.dropna())
    ch.phones = pd.DataFrame(
        {
            "person_id": changers.person_id.to_numpy(),
            "mobile": mobile_numbers(rng, len(changers), taken),
        }
    )
    # arrivals: a few floating households move in
    n_new = max(MINIMUM_DAILY, rng.poisson(len(hh) * DAILY["household_arrivals"]))
    if n_new:
        new_hh, new_people = population.build_population(
            world.seed * 1000 + day,
            int(n_new * 2.6),
            world.geo,
            day_end(day),
            first_household_id=int(hh.household_id.max()) + 1,
            first_person_id=int(world.people.person_id.max()) + 1,
            floating_only=True,
            taken_mobiles=taken,
            taken_ids=set(world.people.id_number),
        )
        new_people["arrived_day"] = day
        new_people["workplace_org_id"] = -1
        ch.new_households, ch.new_people = new_hh, new_people
    # organisations
    n_org = max(MINIMUM_DAILY, rng.poisson(len(world.orgs) * DAILY["org_opens"]))
    if n_org:
        ch.new_orgs = organisations.build_organisations(
            world.seed,
            world.geo,
            people,
            first_id=int(world.orgs.org_id.max()) + 1,
            count=n_org,
            day=day,
        )
    open_orgs = world.orgs[world.orgs.closed_day.isna()] if "closed_day" in world.orgs else world.orgs
    ch.closed_orgs = open_orgs.org_id.to_numpy()[_daily(rng, len(open_orgs), DAILY["org_closes"])]
    changing = world.houses[_daily(rng, len(world.houses), DAILY["house_use_changes"])]
    ch.house_use = pd.DataFrame(
        {
            "house_id": changing.house_id.to_numpy(),
            "use": np.where(changing.use.to_numpy() == 2, 1, 2),
        }
    )
    # party
    non_members = people[(people.age >= 18) & ~people.person_id.isin(world.members.person_id)]
    joiners = non_members[_daily(rng, len(non_members), DAILY["member_joins"])].copy()
    if len(joiners):
        branch = world.party_orgs[world.party_orgs.kind == "党支部"].groupby("community_code").party_org_code.first()
        joiners["party_org_code"] = branch.reindex(joiners.community_code).to_numpy()
        joiners = joiners[joiners.party_org_code.notna()]
        joiners["join_date"] = (day_end(day) - pd.Timedelta(days=1)).date()
        start = int(world.members.member_no.str[2:].astype(int).max()) + 1
        joiners["member_no"] = "DY" + pd.Series(np.arange(start, start + len(joiners))).map("{:08d}".format).to_numpy()
        joiners["education"] = "大学本科"
        joiners["probationary"] = True
        ch.new_members = joiners
    live = world.contacts[world.contacts.deleted_day.isna()] if "deleted_day" in world.contacts else world.contacts
    ch.deleted_contacts = live.contact_id.to_numpy()[_daily(rng, len(live), DAILY["contact_deleted"])]
    n_contacts = max(MINIMUM_DAILY, rng.poisson(len(world.contacts) * DAILY["contact_new"]))
    if n_contacts and len(world.members):
        m = world.members.iloc[rng.integers(0, len(world.members), n_contacts)]
        first = int(world.contacts.contact_id.max()) + 1
        ch.new_contacts = pd.DataFrame(
            {
                "contact_id": np.arange(first, first + n_contacts),
                "member_person_id": m.person_id.to_numpy(),
                "member_no": m.member_no.to_numpy(),
                "household_id": stay.household_id.to_numpy()[rng.integers(0, len(stay), n_contacts)],
                "since": (day_end(day) - pd.Timedelta(days=1)).date(),
                "updated_at": ch.at(rng, n_contacts).to_numpy(),
                "cohort_day": day,
            }
        )
    ch.volunteer = organisations.volunteer_records(rng, world.members, day, world.geo)
    ch.matters, ch.reports = events.build_matters(
        world.seed, day, world.persons, BASE_DATE, world.geo, people, world.orgs, world.catalogue
    )
    return ch


def apply_changes(world: World, ch: DayChanges) -> World:
    """The world after `ch` (returns a new World; the old one is left as it was)."""
    rng = stream(world.seed, "change-times", ch.day)
    people = world.people.copy()
    households = world.households.copy()
    if "left_day" not in people:
        people["left_day"] = np.nan
    left = people.household_id.isin(ch.left_households) & people.left_day.isna()
    people.loc[left, "left_day"] = ch.day
    if ch.moves is not None and len(ch.moves):
        new_house = ch.moves.set_index("household_id").house_id
        houses = world.geo.houses.set_index("house_id")
        hit = people.household_id.isin(new_house.index)
        people.loc[hit, "house_id"] = new_house.reindex(people.loc[hit, "household_id"]).to_numpy()
        people.loc[hit, "community_code"] = houses.community_code.reindex(people.loc[hit, "house_id"]).to_numpy()
        people.loc[hit, "grid_code"] = houses.grid_code.reindex(people.loc[hit, "house_id"]).to_numpy()
        people.loc[hit, "updated_day"] = ch.day
        hh_hit = households.household_id.isin(new_house.index)
        households.loc[hh_hit, "house_id"] = new_house.reindex(households.loc[hh_hit, "household_id"]).to_numpy()
        households.loc[hh_hit, "community_code"] = houses.community_code.reindex(
            households.loc[hh_hit, "house_id"]
        ).to_numpy()
    if ch.phones is not None and len(ch.phones):
        phone = ch.phones.set_index("person_id").mobile
        hit = people.person_id.isin(phone.index)
        people.loc[hit, "mobile"] = phone.reindex(people.loc[hit, "person_id"]).to_numpy()
        people.loc[hit, "contact_phone"] = people.loc[hit, "mobile"]
        people.loc[hit, "updated_day"] = ch.day
    if ch.new_people is not None:
        ch.new_people["updated_day"] = ch.day
        ch.new_people["left_day"] = np.nan
        people = pd.concat([people, ch.new_people], ignore_index=True)
        households = pd.concat([households, ch.new_households], ignore_index=True)
    orgs = world.orgs.copy()
    if "closed_day" not in orgs:
        orgs["closed_day"] = np.nan
    orgs.loc[orgs.org_id.isin(ch.closed_orgs) & orgs.closed_day.isna(), "closed_day"] = ch.day
    if ch.new_orgs is not None:
        ch.new_orgs["updated_day"] = ch.day
        ch.new_orgs["cohort_day"] = ch.day
        orgs = pd.concat([orgs, ch.new_orgs], ignore_index=True)
    houses = world.houses.copy()
    if ch.house_use is not None and len(ch.house_use):
        use = ch.house_use.set_index("house_id").use
        hit = houses.house_id.isin(use.index)
        houses.loc[hit, "use"] = use.reindex(houses.loc[hit, "house_id"]).to_numpy()
        houses.loc[hit, "updated_day"] = ch.day
    members = world.members
    if ch.new_members is not None and len(ch.new_members):
        members = pd.concat([members, ch.new_members], ignore_index=True)
    contacts = world.contacts.copy()
    if "deleted_day" not in contacts:
        contacts["deleted_day"] = np.nan
    gone = contacts.contact_id.isin(ch.deleted_contacts)
    contacts.loc[gone, "deleted_day"] = ch.day
    contacts.loc[gone, "updated_at"] = ch.at(rng, int(gone.sum())).to_numpy()
    if ch.new_contacts is not None:
        contacts = pd.concat([contacts, ch.new_contacts], ignore_index=True)
    volunteer = pd.concat([world.volunteer, ch.volunteer], ignore_index=True)
    matters = pd.concat([world.matters, ch.matters], ignore_index=True)
    reports = pd.concat([world.reports, ch.reports], ignore_index=True)
    return World(
        world.seed,
        world.persons,
        world.geo,
        households,
        people,
        orgs,
        houses,
        world.party_orgs,
        members,
        contacts,
        volunteer,
        matters,
        reports,
        world.catalogue,
        ch.day,
    )


def world_at(seed: int, persons: int, day: int) -> tuple[World, World, list[DayChanges]]:
    """The city on day 1, at the end of `day`, and the change sets of days 2..day in order."""
    world = build_world(seed, persons)
    world.people["left_day"] = np.nan
    world.orgs["closed_day"] = np.nan
    world.orgs["cohort_day"] = 1
    world.contacts["deleted_day"] = np.nan
    first = world
    history = []
    for d in range(2, day + 1):
        ch = draw_changes(world, d)
        world = apply_changes(world, ch)
        history.append(ch)
    return first, world, history
