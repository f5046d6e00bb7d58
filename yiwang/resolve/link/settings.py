"""The settings file of `yiwang link` (YAML), checked on load with errors that name the field."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

KINDS = (
    "chinese_id_number",
    "credit_code",
    "chinese_person_name",
    "name",
    "string",
    "date",
    "sex",
    "phone",
    "address",
    "free_text",
    "exact",
)


# entity: person — the warehouse's person resolver (rules, vetoes, then the scored tier); the
# settings name the column that plays each role instead of listing compared columns
PERSON_ROLES = ("id_number", "name", "birth_date", "sex", "phone", "address", "grid", "observed_at")
# entity: legal_entity — the warehouse's organisation resolver (credit code, then name, legal
# representative and address)
LEGAL_ENTITY_ROLES = ("credit_code", "name", "legal_representative", "address")
ENTITY_ROLES = {"person": PERSON_ROLES, "legal_entity": LEGAL_ENTITY_ROLES}
IDENTIFYING = {"person": ("name", "id_number"), "legal_entity": ("name", "credit_code")}


class SettingsError(ValueError):
    """The settings file is wrong; the message says where and what to write instead."""


@dataclass(frozen=True)
class CompareColumn:
    name: str
    kind: str
    term_frequency: bool = False  # weaker evidence for common values (a family's shared phone)


@dataclass(frozen=True)
class LinkSettings:
    id_column: str
    columns: tuple[CompareColumn, ...]
    blocking: tuple[tuple[str, ...], ...]  # candidate pairs agree on all columns of one rule
    threshold: float = 0.9  # match probability at or above which a pair is the same entity
    training_blocking: tuple[tuple[str, ...], ...] = ()  # EM runs; default: the blocking rules
    max_pairs_for_u: float = 5e6  # random pairs for u: rare levels need a large sample to be met
    model: Path | None = None  # a saved Splink model (JSON) to use instead of training
    seed: int = 20261122
    link_only: bool = False  # linking two tables that each hold no duplicates: no pairs within one
    entity: str = "record"  # person or legal_entity: the warehouse's resolver, with `roles`
    roles: tuple[tuple[str, str], ...] = ()  # (role, column) for an entity resolver
    default_area_code: str | None = None  # a landline typed without its area code is in this one
    review_from: float | None = None  # scored pairs from here up to the threshold go to review
    person_threshold: float | None = None  # entity person: a threshold of the user's (else the warehouse's)
    decisions: Path | None = None  # a steward's decisions (CSV: mention_id_a, mention_id_b, decision)
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def compared(self) -> tuple[str, ...]:
        """The input's columns the linker reads besides the id."""
        return tuple(column for _, column in self.roles) if self.roles else tuple(c.name for c in self.columns)

    @classmethod
    def from_yaml(cls, path: str | Path) -> LinkSettings:
        path = Path(path)
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise SettingsError(f"cannot read the settings file {path}: {error.strerror}") from None
        except yaml.YAMLError as error:
            raise SettingsError(f"{path} is not valid YAML: {error}") from None
        return cls.from_dict(doc or {}, where=str(path), base=path.parent)

    @classmethod
    def from_dict(cls, doc: dict, where: str = "settings", base: Path | None = None) -> LinkSettings:
        if not isinstance(doc, dict) or "id_column" not in doc:
            raise SettingsError(f"{where}: needs `id_column:` (the column that identifies each record)")
        entity = doc.get("entity", "record")
        if entity in ENTITY_ROLES:
            return cls._entity(doc, where, base, entity)
        if entity != "record":
            raise SettingsError(
                f"{where}: entity {entity!r} is not known; use person or legal_entity, or leave it out for any table"
            )
        raw_columns = doc.get("columns")
        if not raw_columns or not isinstance(raw_columns, list):
            raise SettingsError(f"{where}: needs `columns:`, a list of {{name: ..., kind: ...}}")
        columns = []
        for i, raw in enumerate(raw_columns):
            if not isinstance(raw, dict) or "name" not in raw or "kind" not in raw:
                raise SettingsError(f"{where}: columns[{i}] needs `name` and `kind`")
            if raw["kind"] not in KINDS:
                raise SettingsError(
                    f"{where}: column {raw['name']!r} has kind {raw['kind']!r}; use one of {list(KINDS)}"
                )
            tf = bool(raw.get("term_frequency", raw["kind"] == "phone"))
            columns.append(CompareColumn(str(raw["name"]), raw["kind"], tf))
        names = {c.name for c in columns}
        blocking = tuple(tuple(rule) if isinstance(rule, list) else (rule,) for rule in doc.get("blocking") or ())
        if not blocking:
            raise SettingsError(f"{where}: needs `blocking:`, e.g. [[phone], [name, birth_date]] (columns to agree on)")
        for rule in blocking:
            for column in rule:
                if column not in names:
                    raise SettingsError(f"{where}: blocking column {column!r} is not one of the compared columns")
        threshold = float(doc.get("threshold", 0.9))
        if not 0 < threshold < 1:
            raise SettingsError(f"{where}: threshold {threshold} must be a probability between 0 and 1")
        model = doc.get("model")
        return cls(
            id_column=str(doc["id_column"]),
            columns=tuple(columns),
            blocking=blocking,
            threshold=threshold,
            training_blocking=tuple(tuple(r) for r in doc.get("training_blocking") or ()),
            max_pairs_for_u=float(doc.get("max_pairs_for_u", 5e6)),
            model=(base / model if base and model else Path(model)) if model else None,
            seed=int(doc.get("seed", 20261122)),
            link_only=bool(doc.get("link_only", False)),
        )

    @classmethod
    def _entity(cls, doc: dict, where: str, base: Path | None, entity: str) -> LinkSettings:
        roles, known = doc.get("roles"), ENTITY_ROLES[entity]
        if not isinstance(roles, dict) or not roles:
            example = ", ".join(f"{r}: <column>" for r in known[:3])
            raise SettingsError(f"{where}: entity {entity} needs `roles:`, e.g. {{{example}}}")
        unknown = [r for r in roles if r not in known]
        if unknown:
            raise SettingsError(f"{where}: role {unknown[0]!r} is not known for {entity}; use some of {list(known)}")
        if not set(IDENTIFYING[entity]) & set(roles):
            first, second = IDENTIFYING[entity]
            raise SettingsError(f"{where}: entity {entity} needs a `{first}` or a `{second}` role")
        person_only = [k for k in ("review_from", "decisions", "threshold", "default_area_code") if doc.get(k)]
        if entity != "person" and person_only:
            raise SettingsError(f"{where}: `{person_only[0]}` is for entity person")
        for name in ("review_from", "threshold"):
            if doc.get(name) is not None and not 0 < float(doc[name]) < 1:
                raise SettingsError(f"{where}: {name} {doc[name]} must be a probability between 0 and 1")
        review_from = doc.get("review_from")
        decisions = doc.get("decisions")
        return cls(
            id_column=str(doc["id_column"]),
            columns=(),
            blocking=(),
            entity=entity,
            roles=tuple((str(r), str(c)) for r, c in roles.items()),
            default_area_code=str(doc["default_area_code"]) if doc.get("default_area_code") else None,
            review_from=float(review_from) if review_from is not None else None,
            person_threshold=float(doc["threshold"]) if doc.get("threshold") is not None else None,
            decisions=(base / decisions if base else Path(decisions)) if decisions else None,
        )
