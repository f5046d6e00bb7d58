"""People (一人一档): which person mentions are the same real person.

Deterministic rules, strongest first, on normalised values (the staging layer normalised ID
numbers, names and phones):
1. the same valid ID number (GB 11643 checksum, birth date and division checked) — id_number;
   then a steward's decisions (人工核验): same — clerical_same;
2. the same phone and names that sound the same (pinyin without tones: a homophone typed by an
   operator, 吴功华/吴功花) — name_phone;
3. the same unmasked name and the same birth date (from a valid ID number or the record's own
   field) — name_birth_date;
4. the same unmasked name and the same home: the parsed standard address key when it names one
   dwelling (a room, or a village group's house number) — name_address;
then, for mentions still without a person that has a birth date or an ID (a "known" person), a
"unique candidate" step (the rules named in settings/person.yml `unique_rules`, in order): join
the one known person that has
5. the same unmasked name in the same grid (网格), when exactly one known person there has it —
   name_grid (off by default: see person.yml);
6. the same unmasked name, when exactly one known person in the whole warehouse has it (a name
   that rare is strong evidence; a common name decides nothing) — unique_name;
7. for a mention with no name (a caller who gave none): the same phone, when everyone who gave
   a name with that phone is one person (a family phone names several people and decides
   nothing) — unique_phone;
8. for a mention whose name was masked to its surname (张先生, 李女士, 王某): the same phone and
   surname, when one person with a name gives both — masked_name_phone; or the same home and
   surname — masked_name_address. The honorific also gives a sex (先生 male; 女士, 小姐 female)
   and says the person is an adult, which the vetoes use.
Then the probabilistic tier (yiwang/resolve/probabilistic.py: the Splink 5 linker of
yiwang.resolve.link, settings/person.yml) joins the pairs it scores at or above its threshold —
probabilistic, with the pair's match_probability; pairs in the grey zone below it are queued for
a steward (yiwang/resolve/review.py).

Guards: a merge that would put two different valid ID numbers into one person is refused and
recorded as a conflict (two_valid_ids), never made. Every rule but the ID number's is weaker
evidence, so its merges are vetoed when the two clusters contradict each other (`vetoes` in
settings/person.yml): birth dates that differ (a day/month swap is the same date), sexes that
differ, phones that differ (for unique_name), names that neither sound alike nor differ in one
character only (for the scored pairs), surnames that differ (a masked 王先生 against a 郭),
districts that differ (two homes alike by key in two districts), an age that makes a person
addressed as 先生 or 女士 a child, and a steward's "not the same". Known persons are counted for
uniqueness whether they hold an ID or only a birth date, so a second person of the same name
without a valid ID makes the name ambiguous. Masked names (张某, 李*) and one-character names take
part only through their ID number, phone or home. Every merge made is recorded with its rule and
the values that agreed, so it can explain itself (resolution.person_merges, `yiwang review explain`).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from yiwang.resolve.config import read_settings
from yiwang.resolve.probabilistic import SETTINGS, person_settings, probable_pairs
from yiwang.resolve.union_find import GuardedUnionFind

MASK = re.compile(r"[某*＊×]|^\S$")
STRIPPED = r"[\s·・.]"
RULES = (
    ("name_phone", ["sound_key", "phone"]),
    ("name_birth_date", ["name_key", "birth_key"]),
    ("name_address", ["name_key", "house_key"]),
)
UNIQUE_RULES = (  # every unique-candidate rule; settings/person.yml `unique_rules` picks and orders them
    ("name_grid", ["name_key", "grid_code"]),
    ("unique_name", ["name_key"]),
    ("unique_phone", ["phone"]),
    ("masked_name_phone", ["phone", "surname"]),
    ("masked_name_address", ["house_key", "surname"]),
)
HONORIFIC_SEX = (("male", re.compile(r"(先生|男士)$")), ("female", re.compile(r"(女士|小姐|太太)$")))
EVIDENCE = ("birth_date", "sex", "phone", "name", "surname", "district", "age")
ADULT_AGE = 18  # 先生, 女士 address an adult: a child cannot be the caller so addressed


def name_key(name: object) -> str | None:
    """The name as matched: no spaces or middle dots; None when masked or too short to trust."""
    if not isinstance(name, str):
        return None
    text = re.sub(STRIPPED, "", name)
    if len(text) < 2 or MASK.search(text):
        return None
    return text


def name_keys(names: pd.Series) -> pd.Series:
    """name_key of every value, computed once per distinct name."""
    distinct = pd.Series(names.dropna().unique())
    table = dict(zip(distinct, distinct.map(name_key), strict=True))
    return names.map(table).astype(object).where(names.notna(), None)


@cache
def _char_sound(char: str) -> str:
    from pypinyin import lazy_pinyin

    return lazy_pinyin(char)[0]


def sound_key(name: object) -> str | None:
    """The name as it sounds: toneless pinyin syllables (pypinyin), one per character, so
    homophones agree (a character always reads the same here: consistency beats context)."""
    if not isinstance(name, str):
        return None
    return " ".join(_char_sound(c) for c in name)


def sound_keys(keys: pd.Series) -> pd.Series:
    distinct = keys.dropna().unique()
    return keys.map({k: sound_key(k) for k in distinct})


def birth_keys(dates: pd.Series) -> pd.Series:
    """The birth date as compared: year with month and day in ascending order, so a date whose
    day and month were swapped (1980-05-12 / 1980-12-05) is the same date."""
    d = pd.to_datetime(dates, errors="coerce")
    low = np.minimum(d.dt.month, d.dt.day)
    high = np.maximum(d.dt.month, d.dt.day)
    text = d.dt.year.astype("Int64").astype(str) + "-" + low.astype("Int64").astype(str).str.zfill(2)
    text = text + "-" + high.astype("Int64").astype(str).str.zfill(2)
    return text.astype(object).where(d.notna(), None)


def masked_name_hints(raw: pd.Series) -> pd.DataFrame:
    """surname and sex of names masked to their surname (张先生 → 张, male), else None."""
    from yiwang.normalize.names import parse_person_name

    table = {}
    for value in raw.dropna().unique():
        parsed = parse_person_name(value)
        text = re.sub(STRIPPED, "", str(value))
        sex = next((s for s, pattern in HONORIFIC_SEX if pattern.search(text)), None)
        table[value] = (parsed.surname if parsed.is_masked else None, sex if parsed.is_masked else None)
    hints = raw.map(table)
    return pd.DataFrame(
        {
            "surname": hints.map(lambda h: h[0] if isinstance(h, tuple) else None),
            "sex": hints.map(lambda h: h[1] if isinstance(h, tuple) else None),
        },
        index=raw.index,
    )


def house_keys(addresses: pd.Series) -> pd.DataFrame:
    """house_key: the parsed standard address key (yiwang.normalize.address) when it names one
    dwelling (a room, or a village group's house number), else None; district: the district the
    address states, if any (two keys alike in different districts are different houses)."""
    from yiwang.normalize.address import parse_addresses

    distinct = pd.Series(addresses.dropna().unique(), dtype=object)
    parsed = parse_addresses(distinct).to_pandas()
    one_home = parsed.room.notna() | (parsed.group.notna() & parsed.number.notna())
    key = parsed.address_key.where(one_home & parsed.address_key.notna(), None)
    by_text = pd.DataFrame({"house_key": key.to_numpy(), "district": parsed.district.to_numpy()}, index=distinct)
    out = by_text.reindex(addresses.to_numpy())
    out.index = addresses.index
    return out.astype(object).where(out.notna(), None)


def surnames(keys: pd.Series) -> pd.Series:
    from yiwang.normalize.names import split_surname

    return keys.map({k: split_surname(k)[0] or None for k in keys.dropna().unique()})


@cache
def unique_rules(path: Path = SETTINGS) -> tuple[tuple[str, list[str]], ...]:
    """The unique-candidate rules to run, in the settings' order (default: all of UNIQUE_RULES)."""
    doc = read_settings(path)
    known = dict(UNIQUE_RULES)
    names = doc.get("unique_rules", list(known))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"{path}: unique_rules names {unknown}; use some of {list(known)}")
    return tuple((n, known[n]) for n in names)


@cache
def review_from(path: Path = SETTINGS) -> float | None:
    """Where the grey zone of scored pairs a steward reviews starts (settings/person.yml)."""
    value = read_settings(path).get("review_from")
    return float(value) if value is not None else None


@cache
def vetoes(path: Path = SETTINGS) -> dict[str, tuple[str, ...]]:
    """Rule → the evidence that vetoes its merges (settings/person.yml `vetoes`)."""
    doc = read_settings(path)
    out = {}
    for rule, kinds in (doc.get("vetoes") or {}).items():
        unknown = set(kinds) - set(EVIDENCE)
        if unknown:
            raise ValueError(f"{path}: vetoes.{rule} names {sorted(unknown)}; use some of {list(EVIDENCE)}")
        out[rule] = tuple(kinds)
    return out


def _one_character_apart(a: str, b: str) -> bool:
    return len(a) == len(b) >= 3 and sum(x != y for x, y in zip(a, b, strict=True)) == 1


class Evidence:
    """What each mention says about its person, and the veto built from it."""

    def __init__(self, work: pd.DataFrame):
        self.birth = work.birth_key.to_numpy(dtype=object)
        self.sex = work.sex.to_numpy(dtype=object)
        self.phone = work.phone.to_numpy(dtype=object)
        self.name = work.name_key.to_numpy(dtype=object)
        self.sound = work.sound_key.to_numpy(dtype=object)
        self.surname = work.surname.to_numpy(dtype=object)
        self.district = work.district.to_numpy(dtype=object)
        self.titled_year = work.titled_year.to_numpy(dtype=float)  # the year a titled mention was made
        self.birth_year = pd.to_numeric(work.birth_key.str[:4], errors="coerce").to_numpy(dtype=float)

    def _too_young(self, titled: list[int], born: list[int]) -> bool:
        """A mention addressed as an adult (张先生) in one set, a birth date that makes the other a child."""
        said = [self.titled_year[r] for r in titled if self.titled_year[r] == self.titled_year[r]]
        if not said:
            return False
        births = [self.birth_year[r] for r in born if self.birth_year[r] == self.birth_year[r]]
        return bool(births) and min(said) - max(births) < ADULT_AGE

    @staticmethod
    def _values(column: np.ndarray, rows: list[int]) -> set:
        return {v for v in (column[r] for r in rows) if isinstance(v, str)}

    def _disagree(self, column: np.ndarray, a: list[int], b: list[int]) -> bool:
        va, vb = self._values(column, a), self._values(column, b)
        return bool(va) and bool(vb) and not (va & vb)

    def _names_disagree(self, a: list[int], b: list[int]) -> bool:
        if not self._disagree(self.sound, a, b):
            return False
        na, nb = self._values(self.name, a), self._values(self.name, b)
        return not any(_one_character_apart(x, y) for x in na for y in nb)

    def veto(self, kinds: tuple[str, ...]):
        if not kinds:
            return None
        checks = {
            "birth_date": lambda a, b: self._disagree(self.birth, a, b),
            "sex": lambda a, b: self._disagree(self.sex, a, b),
            "phone": lambda a, b: self._disagree(self.phone, a, b),
            "name": self._names_disagree,
            "surname": lambda a, b: self._disagree(self.surname, a, b),
            "district": lambda a, b: self._disagree(self.district, a, b),
            "age": lambda a, b: self._too_young(a, b) or self._too_young(b, a),
        }

        def veto(a: list[int], b: list[int]) -> str | None:
            for kind in kinds:
                if checks[kind](a, b):
                    return kind
            return None

        return veto


def _work(m: pd.DataFrame) -> pd.DataFrame:
    valid = m.id_number_is_valid.fillna(False).astype(bool)
    ids = m.id_number.where(valid)
    sex = m.id_number_sex.where(valid) if "id_number_sex" in m else pd.Series(None, index=m.index)
    sex = sex.where(sex.notna(), m.sex if "sex" in m else None)
    work = pd.DataFrame(
        {
            "id_number": ids.astype(object).where(ids.notna(), None),
            "name_key": name_keys(m.person_name),
            "phone": m.phone.astype(object).where(m.phone.notna(), None),
            "grid_code": (m.grid_code if "grid_code" in m else pd.Series(None, index=m.index)).astype(object),
            "birth_key": birth_keys(m.birth_date),
            "sex": sex.astype(object).where(sex.notna(), None),
        }
    )
    work["sound_key"] = sound_keys(work.name_key)
    address = m.address if "address" in m else pd.Series(None, index=m.index, dtype=object)
    work[["house_key", "district"]] = house_keys(address.astype(object).where(address.notna(), None))
    raw = m.person_name_as_given if "person_name_as_given" in m else pd.Series(None, index=m.index, dtype=object)
    hints = masked_name_hints(raw.where(work.name_key.isna()))
    work["surname"] = surnames(work.name_key).where(work.name_key.notna(), hints.surname)
    work["sex"] = work.sex.where(work.sex.notna(), hints.sex)
    work["is_masked"] = work.name_key.isna() & hints.surname.notna()
    # the year a mention addressed by an honorific was made (its observed time, else this year)
    seen = pd.to_datetime(m.observed_at, errors="coerce", utc=True).dt.year if "observed_at" in m else None
    year = (
        seen.fillna(pd.Timestamp.now().year) if seen is not None else pd.Series(pd.Timestamp.now().year, index=m.index)
    )
    work["titled_year"] = year.astype(float).where(work.is_masked & hints.sex.notna())
    return work


def _join_unique_candidates(uf: GuardedUnionFind, work: pd.DataFrame, method: np.ndarray, veto_for, rules) -> None:
    """Rules 4 to 7: a mention without a known person joins the only known person sharing its key."""
    for rule, columns in rules:
        roots = uf.roots()
        known_root = np.zeros(len(work), dtype=bool)  # a root whose cluster has an ID or a birth date
        holds = work.id_number.notna().to_numpy() | work.birth_key.notna().to_numpy()
        known_root[np.unique(roots[holds])] = True
        known = known_root[roots]
        keyed = work.assign(root=roots, known=known).dropna(subset=columns)
        if rule in ("unique_phone", "masked_name_phone", "masked_name_address"):
            # the phone or home (and surname) must name one person among everyone who gave a
            # name with it (a family phone names several); only nameless or masked mentions join
            holders = keyed[keyed.name_key.notna()]
            seekers = keyed[keyed.name_key.isna() & ~keyed.known]
            if rule != "unique_phone":
                seekers = seekers[seekers.is_masked]
        else:
            holders = keyed[keyed.known]
            seekers = keyed[~keyed.known]
        if holders.empty or seekers.empty:
            continue
        distinct = holders.drop_duplicates([*columns, "root"])
        count = distinct.groupby(columns).root.transform("size")
        found = distinct[count == 1]
        # the holder row is the mention that carries the key: the merge's evidence is between the two
        target = found.assign(target=found.root, holder=found.index).set_index(columns)[["target", "holder"]]
        if rule in ("unique_phone", "masked_name_phone", "masked_name_address"):  # the one person must be known
            target = target[known_root[target.target.to_numpy()]]
        joined = seekers.join(target, on=columns, how="inner")
        veto = veto_for(rule)
        for row, holder in zip(joined.index.to_numpy(), joined.holder.to_numpy(), strict=True):
            if uf.union(int(holder), int(row), veto, rule):
                for i in (int(holder), int(row)):
                    if method[i] is None:
                        method[i] = rule


def _decided_pairs(m: pd.DataFrame, decisions: pd.DataFrame | None) -> tuple[list[tuple[int, int]], dict]:
    """A steward's decisions (mention_id_a, mention_id_b, decision same / not_same) as row
    positions: the must-link pairs, and each row's cannot-link partners. Pairs naming a mention
    that is not here are left out (it may have been deleted at its source)."""
    if decisions is None or decisions.empty:
        return [], {}
    position = pd.Series(np.arange(len(m)), index=m.mention_id.astype(str).to_numpy())
    a = decisions.mention_id_a.astype(str).map(position)
    b = decisions.mention_id_b.astype(str).map(position)
    found = a.notna() & b.notna()
    same, cannot = [], {}
    for x, y, decision in zip(a[found].astype(int), b[found].astype(int), decisions.decision[found], strict=True):
        if decision == "same":
            same.append((x, y))
        else:
            cannot.setdefault(x, set()).add(y)
            cannot.setdefault(y, set()).add(x)
    return same, cannot


def _with_cannot_links(veto, cannot: dict):
    """The rule's veto, and before it a steward's "not the same" for any two rows across the sets."""
    if not cannot:
        return veto

    def checked(a: list[int], b: list[int]) -> str | None:
        small, large = (a, b) if len(a) <= len(b) else (b, a)
        others = None
        for row in small:
            partners = cannot.get(row)
            if partners:
                others = others if others is not None else set(large)
                if not partners.isdisjoint(others):
                    return "clerical_not_same"
        return veto(a, b) if veto is not None else None

    return checked


MERGE_EVIDENCE = (
    "id_number",
    "name_key",
    "sound_key",
    "birth_key",
    "sex",
    "phone",
    "surname",
    "house_key",
    "grid_code",
)


def _merge_table(m: pd.DataFrame, work: pd.DataFrame, uf: GuardedUnionFind, probability: dict, rule_vetoes):
    """Each merge made: the two mentions, the rule or the score, the values that agreed (by
    name, never the values themselves) and the vetoes that were checked and passed."""
    if not uf.merges:
        return pd.DataFrame(columns=["mention_id_a", "mention_id_b", "rule", "match_probability", "agreed", "vetoes"])
    a, b, rule = (np.array(x) for x in zip(*uf.merges, strict=True))
    agreed = np.full(len(a), "", dtype=object)
    for column in MERGE_EVIDENCE:
        va, vb = work[column].to_numpy(dtype=object)[a], work[column].to_numpy(dtype=object)[b]
        same = np.array([isinstance(x, str) and x == y for x, y in zip(va, vb, strict=True)], dtype=bool)
        agreed = np.where(same, np.where(agreed == "", column, agreed + "," + column), agreed)
    ids = m.mention_id.to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "mention_id_a": ids[a],
            "mention_id_b": ids[b],
            "rule": rule,
            "match_probability": [probability.get((int(x), int(y)), np.nan) for x, y in zip(a, b, strict=True)],
            "agreed": agreed,
            "vetoes": [",".join(rule_vetoes.get(r, ())) for r in rule],
        }
    )


def _review_queue(grey: pd.DataFrame, roots: np.ndarray, ids: np.ndarray, decisions: pd.DataFrame | None):
    """The grey-zone pairs (scored from review_from up to the threshold) still apart and not yet
    decided by a steward: (mention_id_a, mention_id_b, match_probability)."""
    a, b = grey.a.to_numpy(dtype=int), grey.b.to_numpy(dtype=int)
    apart = roots[a] != roots[b]
    queue = pd.DataFrame(
        {"mention_id_a": ids[a[apart]], "mention_id_b": ids[b[apart]],
         "match_probability": grey.match_probability.to_numpy()[apart]}
    )  # fmt: skip
    if decisions is None or decisions.empty or queue.empty:
        return queue
    decided = {
        frozenset(p) for p in zip(decisions.mention_id_a.astype(str), decisions.mention_id_b.astype(str), strict=True)
    }
    pairs = zip(queue.mention_id_a.astype(str), queue.mention_id_b.astype(str), strict=True)
    return queue[[frozenset(p) not in decided for p in pairs]].reset_index(drop=True)


def cluster_people(
    mentions: pd.DataFrame,
    settings: Path = SETTINGS,
    decisions: pd.DataFrame | None = None,
    review_from: float | None = None,
    threshold: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(mention_id, cluster, match_method, match_probability) per mention, and the refused
    merges as conflicts. Rows are taken in mention_id order, so the result does not depend on the
    order a warehouse returns them in (vetoes make the order of merges matter).

    `decisions`: a steward's clerical review (人工核验) decisions, (mention_id_a, mention_id_b,
    decision "same" / "not_same"): the same join right after the ID number (two valid IDs still
    never merge); not the same vetoes every later rule. `review_from`: scored pairs from this
    probability up to the threshold are left apart and queued for review; `threshold`: the score
    at which a pair joins (default: settings/person.yml's). The frame's attrs
    carry "merges" (each merge with its evidence), "refusals" and "review" (the queue)."""
    m = mentions.sort_values("mention_id", kind="stable").reset_index(drop=True)
    work = _work(m)
    evidence = Evidence(work)
    rule_vetoes = vetoes(settings)
    must_link, cannot_link = _decided_pairs(m, decisions)

    def veto_for(rule: str):
        return _with_cannot_links(evidence.veto(rule_vetoes.get(rule, ())), cannot_link)

    uf = GuardedUnionFind(work.id_number.tolist())
    method = np.where(work.id_number.notna(), "id_number", None).astype(object)
    uf.union_groups((g for g in work.groupby("id_number").indices.values() if len(g) > 1), rule="id_number")
    for a, b in must_link:
        if uf.union(a, b, None, "clerical_same"):
            for i in (a, b):
                if method[i] is None:
                    method[i] = "clerical_same"
    for rule, columns in RULES:
        keyed = work.dropna(subset=columns)
        positions = keyed.index.to_numpy()
        veto = veto_for(rule)
        for members in keyed.groupby(columns).indices.values():
            if len(members) < 2:
                continue
            rows = positions[members]
            for other in rows[1:]:
                if uf.union(int(rows[0]), int(other), veto, rule):
                    for i in (int(rows[0]), int(other)):
                        if method[i] is None:
                            method[i] = rule
    _join_unique_candidates(uf, work, method, veto_for, unique_rules(settings))
    probability = np.full(len(m), np.nan)
    pair_probability: dict[tuple[int, int], float] = {}
    veto = veto_for("probabilistic")
    threshold = person_settings(settings)[0].threshold if threshold is None else threshold
    floor = threshold if review_from is None else min(review_from, threshold)
    scored = probable_pairs(m, uf.roots(), settings, floor=floor)  # strongest first
    for a, b, p in scored[scored.match_probability >= threshold].itertuples(index=False):
        if uf.find(int(a)) != uf.find(int(b)) and uf.union(int(a), int(b), veto, "probabilistic"):
            pair_probability[int(a), int(b)] = p
            for i in (int(a), int(b)):
                if method[i] is None:
                    method[i], probability[i] = "probabilistic", p
    roots = uf.roots()
    size = np.bincount(roots, minlength=len(roots))[roots]
    method = np.where(size == 1, "singleton", np.where(pd.isna(method), "id_number", method))
    probability = np.where(method == "probabilistic", probability, np.nan)
    clusters = pd.DataFrame(
        {"mention_id": m.mention_id, "cluster": roots, "match_method": method, "match_probability": probability}
    )
    clusters.attrs["vetoed"] = dict(uf.vetoed)
    clusters.attrs["merges"] = _merge_table(m, work, uf, pair_probability, rule_vetoes)
    ids = m.mention_id.to_numpy(dtype=object)
    clusters.attrs["refusals"] = pd.DataFrame(
        [(ids[a], ids[b], rule, reason) for a, b, rule, reason in uf.refusals],
        columns=["mention_id_a", "mention_id_b", "rule", "reason"],
    )
    clusters.attrs["review"] = _review_queue(scored[scored.match_probability < threshold], roots, ids, decisions)
    conflicts = pd.DataFrame(
        [
            {
                "conflict_kind": "two_valid_ids",
                "attribute": "id_number",
                "mention_id_a": m.mention_id[a],
                "value_a": uf.value[uf.find(a)],
                "mention_id_b": m.mention_id[b],
                "value_b": uf.value[uf.find(b)],
                "cluster": uf.find(a),
            }
            for a, b in uf.refused
        ],
        columns=["conflict_kind", "attribute", "mention_id_a", "value_a", "mention_id_b", "value_b", "cluster"],
    )
    return clusters, conflicts


def attribute_conflicts(mentions: pd.DataFrame, golden: pd.DataFrame) -> pd.DataFrame:
    """Mentions that contradict their person's golden record: a stated birth date other than the
    golden one, a sex other than the golden ID number's."""
    joined = mentions.merge(golden, on="person_key", suffixes=("", "_golden"))
    stated = pd.to_datetime(joined.stated_birth_date, errors="coerce")
    gold = pd.to_datetime(joined.birth_date_golden, errors="coerce")
    birth = joined[stated.notna() & gold.notna() & (stated != gold)]
    sex = joined[joined.sex.notna() & joined.id_number_sex.notna() & (joined.sex != joined.id_number_sex)]
    frames = [
        pd.DataFrame(
            {
                "entity_key": birth.person_key,
                "conflict_kind": "birth_date_differs",
                "attribute": "birth_date",
                "mention_id_a": birth.mention_id,
                "value_a": stated[birth.index].dt.strftime("%Y-%m-%d"),
                "mention_id_b": birth.birth_date_source_mention_id,
                "value_b": gold[birth.index].dt.strftime("%Y-%m-%d"),
            }
        ),
        pd.DataFrame(
            {
                "entity_key": sex.person_key,
                "conflict_kind": "sex_contradicts_id",
                "attribute": "sex",
                "mention_id_a": sex.mention_id,
                "value_a": sex.sex,
                "mention_id_b": sex.mention_id,
                "value_b": sex.id_number_sex,
            }
        ),
    ]
    return pd.concat(frames, ignore_index=True)


def blocking_keys(mentions: pd.DataFrame) -> pd.DataFrame:
    """(mention_id, blocking_key): every value a rule of cluster_people joins two mentions on (ID
    number, sound+phone, name+birth date, name, phone, phone+surname), for incremental resolution:
    a mention's decision depends on the mentions sharing one of these with it."""
    m = mentions.reset_index(drop=True)
    work = _work(m)
    columns = [["id_number"], *(c for _, c in RULES), *(c for _, c in UNIQUE_RULES)]
    frames = []
    for cols in columns:
        keyed = work.dropna(subset=cols)
        if keyed.empty:
            continue
        value = keyed[cols].astype(str).agg("|".join, axis=1)
        frames.append(
            pd.DataFrame({"mention_id": m.mention_id[keyed.index], "blocking_key": "+".join(cols) + ":" + value})
        )
    return pd.concat(frames, ignore_index=True).drop_duplicates()
