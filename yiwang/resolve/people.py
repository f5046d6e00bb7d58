"""People (一人一档): which person mentions are the same real person.

Deterministic rules, strongest first, on normalised values (the staging layer normalised ID
numbers, names and phones):
1. the same valid ID number (GB 11643 checksum, birth date and division checked) — id_number;
2. the same phone and the same name, or names that sound the same (pinyin without tones: a
   homophone typed by an operator, 吴功华/吴功花) — name_phone;
3. the same unmasked name and the same birth date (from a valid ID number or the record's own
   field) — name_birth_date;
then, for mentions still without an ID-holding person, a "unique candidate" step: join the one
person with a valid ID that has
4. the same unmasked name in the same grid (网格), when exactly one such person exists there —
   name_grid;
5. the same unmasked name, when exactly one person with a valid ID in the whole warehouse has
   it (a name that rare is strong evidence; a common name decides nothing) — unique_name;
6. for a mention with no name (a caller who gave none): the same phone, when everyone who gave
   a name with that phone is one person with a valid ID (a family phone names several people
   and decides nothing) — unique_phone.
Then the probabilistic tier (yiwang/resolve/probabilistic.py: RESOLVE-LINKER's Splink 5 linker,
settings/person.yml) joins the pairs it scores at or above its threshold — probabilistic, with
the pair's match_probability.
A merge that would put two different valid ID numbers into one person is refused and recorded
as a conflict (two_valid_ids), never made. Masked names (张某, 李*) and one-character names take
part only through their ID number.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from yiwang.resolve.probabilistic import probable_pairs
from yiwang.resolve.union_find import GuardedUnionFind

MASK = re.compile(r"[某*＊×]|^\S$")
RULES = (("name_phone", ["sound_key", "phone"]), ("name_birth_date", ["name_key", "birth_key"]))
UNIQUE_RULES = (("name_grid", ["name_key", "grid_code"]), ("unique_name", ["name_key"]), ("unique_phone", ["phone"]))


def name_key(name: object) -> str | None:
    """The name as matched: no spaces or middle dots; None when masked or too short to trust."""
    if not isinstance(name, str):
        return None
    text = re.sub(r"[\s·・.]", "", name)
    if len(text) < 2 or MASK.search(text):
        return None
    return text


def sound_key(name: object) -> str | None:
    """The name as it sounds: toneless pinyin syllables (pypinyin), so homophones agree."""
    if not isinstance(name, str):
        return None
    from pypinyin import lazy_pinyin

    return " ".join(lazy_pinyin(name))


def _join_unique_candidates(uf: GuardedUnionFind, work: pd.DataFrame, method: np.ndarray) -> None:
    """Rules 4 and 5: a mention without a valid-ID person joins the only person sharing its key."""
    for rule, columns in UNIQUE_RULES:
        roots = pd.Series(uf.roots(), index=work.index)
        has_id = roots.map(lambda r: uf.value[r] is not None)
        keyed = work.assign(root=roots, has_id=has_id).dropna(subset=columns)
        if rule == "unique_phone":
            # the phone must name one person among everyone who gave a name with it (a family
            # phone names several), and only nameless mentions (a caller who gave no name) join
            named = keyed[keyed.name_key.notna()]
            holders = named.groupby(columns).root.agg(lambda r: set(r))
            seekers = keyed[keyed.name_key.isna() & ~keyed.has_id]
        else:
            holders = keyed[keyed.has_id].groupby(columns).root.agg(lambda r: set(r))
            seekers = keyed[~keyed.has_id]
        holders = holders[holders.map(len) == 1].map(lambda r: next(iter(r)))
        holders = holders[holders.map(lambda r: uf.value[r] is not None)]
        if holders.empty or seekers.empty:
            continue
        target = seekers.join(holders.rename("target"), on=columns, how="inner")
        for row, root in zip(target.index, target.target, strict=True):
            if uf.union(int(root), int(row)) and method[row] is None:
                method[row] = rule


def cluster_people(mentions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(mention_id, cluster, match_method) per mention, and the refused merges as conflicts."""
    m = mentions.reset_index(drop=True)
    ids = m.id_number.where(m.id_number_is_valid.fillna(False).astype(bool))
    work = pd.DataFrame(
        {
            "id_number": ids,
            "name_key": m.person_name.map(name_key),
            "phone": m.phone,
            "grid_code": m.grid_code if "grid_code" in m else None,
            "birth_key": pd.to_datetime(m.birth_date, errors="coerce").dt.strftime("%Y-%m-%d"),
        }
    )
    uf = GuardedUnionFind(ids.tolist())
    method = np.where(ids.notna(), "id_number", None).astype(object)
    work["sound_key"] = work.name_key.map(sound_key)
    uf.union_groups(g for g in work.groupby("id_number").indices.values() if len(g) > 1)
    for rule, columns in RULES:
        keyed = work.dropna(subset=columns)
        for members in keyed.groupby(columns).indices.values():
            if len(members) < 2:
                continue
            rows = keyed.index.to_numpy()[members]
            for other in rows[1:]:
                if uf.union(int(rows[0]), int(other)):
                    for i in (int(rows[0]), int(other)):
                        if method[i] is None:
                            method[i] = rule
    _join_unique_candidates(uf, work, method)
    probability = np.full(len(m), np.nan)
    for a, b, p in probable_pairs(m).itertuples(index=False):  # the Splink tier, strongest first
        if uf.find(int(a)) != uf.find(int(b)) and uf.union(int(a), int(b)):
            for i in (int(a), int(b)):
                if method[i] is None:
                    method[i], probability[i] = "probabilistic", p
    roots = uf.roots()
    size = pd.Series(roots).map(pd.Series(roots).value_counts()).to_numpy()
    method = np.where(size == 1, "singleton", np.where(pd.isna(method), "id_number", method))
    probability = np.where(method == "probabilistic", probability, np.nan)
    clusters = pd.DataFrame(
        {"mention_id": m.mention_id, "cluster": roots, "match_method": method, "match_probability": probability}
    )
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
