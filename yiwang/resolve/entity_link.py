"""`yiwang link` with the warehouse's own resolvers: a user's table of people (entity: person;
yiwang.resolve.people: the ID-number rule, the name and home rules with their vetoes, the
unique-candidate rules, then the scored tier) or of firms and other organisations (entity:
legal_entity; yiwang.resolve.legal_entities: the credit code, then the name weighed with the
legal representative and the address). The columns named in `roles` are normalised by the
normalisers the warehouse's staging uses, so the same records give the same clusters here and
there."""

from __future__ import annotations

from collections import deque

import pandas as pd

from yiwang.resolve.link.linker import LinkResult
from yiwang.resolve.link.settings import LinkSettings, SettingsError

SEX = {"1": "male", "2": "female"}  # GB/T 2261.1 codes as the warehouse writes them


def _role(frame: pd.DataFrame, roles: dict[str, str], role: str) -> pd.Series:
    if role not in roles:
        return pd.Series(None, index=frame.index, dtype=object)
    values = frame[roles[role]]
    return values.astype(object).where(values.notna(), None)


def _column(table, name: str, index: pd.Index) -> pd.Series:
    values = table.column(name).to_pandas()
    values.index = index
    return values.astype(object).where(values.notna(), None)


def person_mentions(frame: pd.DataFrame, settings: LinkSettings, ids: pd.Series) -> pd.DataFrame:
    """The records in the shape of the warehouse's person mentions (int_person_mentions)."""
    from yiwang.normalize.dates import parse_datetimes
    from yiwang.normalize.identity import parse_id_numbers
    from yiwang.normalize.names import parse_person_names
    from yiwang.normalize.phone import parse_phones
    from yiwang.normalize.sex import decode_sexes

    roles = dict(settings.roles)
    index = frame.index
    parsed_ids = parse_id_numbers(_role(frame, roles, "id_number"))
    valid = _column(parsed_ids, "is_valid", index).fillna(False).astype(bool)
    id_birth = pd.to_datetime(_column(parsed_ids, "birth_date", index))
    stated = pd.to_datetime(_column(parse_datetimes(_role(frame, roles, "birth_date")), "date", index))
    name_as_given = _role(frame, roles, "name")
    return pd.DataFrame(
        {
            "mention_id": ids.to_numpy(),
            "person_name": _column(parse_person_names(name_as_given), "name", index),
            "person_name_as_given": name_as_given,
            "id_number": _column(parsed_ids, "id_number", index).where(valid, None),
            "id_number_is_valid": valid,
            "id_number_sex": _column(parsed_ids, "sex", index).map(SEX),
            "sex": _column(decode_sexes(_role(frame, roles, "sex")), "sex", index).map(SEX),
            "birth_date": id_birth.where(id_birth.notna(), stated),
            "stated_birth_date": stated,
            "phone": _column(
                parse_phones(_role(frame, roles, "phone"), default_area_code=settings.default_area_code), "phone", index
            ),
            "address": _role(frame, roles, "address"),
            "grid_code": _role(frame, roles, "grid"),
            # when the record was made (登记/来电时间): a caller addressed as 先生 was an adult then
            "observed_at": _column(parse_datetimes(_role(frame, roles, "observed_at")), "utc", index),
        },
        index=index,
    )


def read_decisions(path) -> pd.DataFrame:
    """A steward's decisions: a review sheet with its `decision` column filled in (same /
    not_same, or 是 / 否); rows left blank are not decided yet."""
    from yiwang.resolve.link.files import read_table
    from yiwang.resolve.review import parse_sheet

    return parse_sheet(read_table(path), str(path))


def legal_entity_mentions(frame: pd.DataFrame, settings: LinkSettings, ids: pd.Series) -> pd.DataFrame:
    """The records in the shape of the warehouse's legal-entity mentions (int_legal_entity_mentions)."""
    from yiwang.normalize.credit_code import parse_credit_codes

    roles = dict(settings.roles)
    codes = parse_credit_codes(_role(frame, roles, "credit_code"))
    valid = _column(codes, "is_valid", frame.index).fillna(False).astype(bool)
    return pd.DataFrame(
        {
            "mention_id": ids.to_numpy(),
            "entity_name": _role(frame, roles, "name"),
            "credit_code": _column(codes, "credit_code", frame.index).where(valid, None),
            "legal_representative_name": _role(frame, roles, "legal_representative"),
            "address": _role(frame, roles, "address"),
        },
        index=frame.index,
    )


def resolve_entities(frames: list[pd.DataFrame], settings: LinkSettings, decisions: pd.DataFrame | None = None):
    """Cluster the people or organisations of one table (or link two): the result's clusters
    carry the id (and source_dataset), cluster_id, match_method and match_probability; pairs are
    the merges made, with their evidence."""
    from yiwang.resolve.legal_entities import cluster_legal_entities
    from yiwang.resolve.people import cluster_people
    from yiwang.resolve.probabilistic import scoring_with

    id_column = settings.id_column
    shape = person_mentions if settings.entity == "person" else legal_entity_mentions
    parts = []
    for i, frame in enumerate(frames):
        ids = frame[id_column].astype(str)
        mention_ids = ids if len(frames) == 1 else f"input_{i}:" + ids
        part = shape(frame, settings, mention_ids)
        if len(frames) > 1:
            part = part.assign(source_dataset=f"input_{i}")
        parts.append(part.assign(_id=ids.to_numpy()))
    mentions = pd.concat(parts, ignore_index=True)
    if decisions is None and settings.decisions is not None:
        decisions = read_decisions(settings.decisions)
    with scoring_with(None) as trained:
        if settings.entity == "person":
            clusters, _ = cluster_people(
                mentions, decisions=decisions, review_from=settings.review_from, threshold=settings.person_threshold
            )
        else:
            clusters, _ = cluster_legal_entities(mentions.drop(columns=["_id"]))
    by_row = clusters.merge(mentions[["mention_id", "_id", *(["source_dataset"] if len(frames) > 1 else [])]])
    root_id = pd.Series(clusters.mention_id.to_numpy())  # cluster is a row position in mention_id order
    out = pd.DataFrame({id_column: by_row._id, "cluster_id": root_id.iloc[by_row.cluster.to_numpy()].to_numpy()})
    if len(frames) > 1:
        out.insert(0, "source_dataset", by_row.source_dataset)
    out["match_method"] = by_row.match_method.to_numpy()
    out["match_probability"] = by_row.match_probability.to_numpy()
    return LinkResult(
        clusters=out,
        pairs=clusters.attrs["merges"],
        model=trained[0] if trained else {},
        review=clusters.attrs.get("review"),
        refusals=clusters.attrs["refusals"],
        entity=settings.entity,
    )


def review_sheet(result: LinkResult, mentions: pd.DataFrame) -> pd.DataFrame:
    """The review queue as a sheet a steward fills in (yiwang.resolve.review.sheet)."""
    from yiwang.resolve.review import sheet

    empty = pd.DataFrame(columns=["mention_id_a", "mention_id_b", "match_probability"])
    return sheet(result.review if result.review is not None else empty, mentions)


WORDS = {"person": ("person", "people"), "legal_entity": ("organisation", "organisations")}


def describe_merge(row) -> str:
    """One merge on one line: the two mentions, the rule or score, what agreed, the vetoes."""
    how = f"score {row.match_probability:.4f}" if row.rule == "probabilistic" else "rule"
    vetoes = f"; vetoes checked and passed: {row.vetoes}" if row.vetoes else ""
    return f"{row.mention_id_a} + {row.mention_id_b}: {row.rule} ({how}); agreed: {row.agreed or '-'}{vetoes}"


def link_tables(tables: list, settings: LinkSettings, decisions: pd.DataFrame | None = None) -> LinkResult:
    """`yiwang link` on one table (deduplicate) or two (link): by the warehouse's resolver when
    the settings name an entity (person, legal_entity), else by the Splink linker alone."""
    from yiwang.resolve.link import dedupe, link
    from yiwang.resolve.link.linker import input_frame

    if len(tables) not in (1, 2):
        raise SettingsError("give one table to deduplicate or two to link")
    if settings.entity == "record":
        return dedupe(tables[0], settings) if len(tables) == 1 else link(tables[0], tables[1], settings)
    what = ["the input"] if len(tables) == 1 else ["the first input", "the second input"]
    return resolve_entities(
        [input_frame(t, settings, w) for t, w in zip(tables, what, strict=True)], settings, decisions
    )


def mention_ids(clusters: pd.DataFrame, id_column: str) -> pd.Series:
    """Each output row's record as the resolver knows it: its id, or `input_N:id` when linking."""
    ids = clusters[id_column].astype(str)
    return clusters.source_dataset + ":" + ids if "source_dataset" in clusters else ids


def explain(result: LinkResult, id_column: str, first: str, second: str) -> list[str]:
    """Why two records are one person (the chain of merges between them, each with its rule or
    score, the values that agreed and the vetoes checked), or why they are not."""
    cluster = dict(zip(mention_ids(result.clusters, id_column), result.clusters.cluster_id.astype(str), strict=True))
    for record in (first, second):
        if record not in cluster:
            hint = " (when linking two tables, write input_0:ID or input_1:ID)" if ":" not in record else ""
            raise SettingsError(f"record {record!r} is not in the input{hint}")
    if cluster[first] != cluster[second]:
        apart = f"clusters {cluster[first]} and {cluster[second]}"
        lines = [f"{first} and {second} are different {WORDS[result.entity][1]} ({apart})."]
        members = {m for m, c in cluster.items() if c in (cluster[first], cluster[second])}
        refused = (
            result.refusals if result.refusals is not None else pd.DataFrame(columns=["mention_id_a", "mention_id_b"])
        )
        refused = refused[refused.mention_id_a.isin(members) & refused.mention_id_b.isin(members)]
        refused = refused[refused.mention_id_a.map(cluster) != refused.mention_id_b.map(cluster)]
        for row in refused.drop_duplicates().itertuples(index=False):
            lines.append(f"  {row.mention_id_a} + {row.mention_id_b}: {row.rule} was refused ({row.reason})")
        if refused.empty:
            lines.append("  No rule joined them and no scored pair between them reached the threshold.")
        return lines
    path = merge_path(result.pairs, first, second)
    lines = [
        f"{first} and {second} are one {WORDS[result.entity][0]} (cluster {cluster[first]}), by {len(path)} merge(s):"
    ]
    return lines + ["  " + describe_merge(row) for row in path]


def merge_path(merges: pd.DataFrame, a: str, b: str) -> list:
    """The merges on the way from a to b (each merge joined two clusters, so they form a tree)."""
    edges: dict[str, list[tuple[str, int]]] = {}
    for i, (x, y) in enumerate(zip(merges.mention_id_a, merges.mention_id_b, strict=True)):
        edges.setdefault(x, []).append((y, i))
        edges.setdefault(y, []).append((x, i))
    came: dict[str, tuple[str, int] | None] = {a: None}
    todo = deque([a])
    while todo and b not in came:
        node = todo.popleft()
        for other, i in edges.get(node, ()):
            if other not in came:
                came[other] = (node, i)
                todo.append(other)
    steps, node = [], b
    while came.get(node) is not None:
        node, i = came[node]
        steps.append(merges.iloc[i])
    return steps[::-1] if a != b else []


__all__ = [
    "explain",
    "legal_entity_mentions",
    "mention_ids",
    "merge_path",
    "person_mentions",
    "read_decisions",
    "resolve_entities",
    "review_sheet",
]
