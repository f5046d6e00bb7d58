"""Entity resolution (实体解析): one person, one house, one company, one matter across platforms.

`resolve(target)` runs between the intermediate and the marts phases of a warehouse build: it
reads the mention models (intermediate.int_person_mentions, int_house_mentions,
int_legal_entity_mentions, int_event_reports), clusters them, picks golden attributes by the
survivorship rules (settings/survivorship.yml), keeps keys stable across runs (keys.py) and
writes schema `resolution` (documented in schemas/resolution/). See docs/resolution.md.
"""

from yiwang.lazy import lazy_exports

__all__ = ["ResolveResult", "resolve"]
__getattr__, __dir__ = lazy_exports(__name__, {".resolver": __all__})
