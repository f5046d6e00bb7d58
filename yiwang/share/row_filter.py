"""Row filters (行过滤) of subscriptions: a restricted condition, compiled with bound parameters.

A `row_filter` is parsed by sqlglot (DuckDB dialect) and every node is checked against a short
list: the dataset's columns, literals, comparisons (= <> < <= > >=), like / ilike, and / or /
not, in (a list of literals), between, is [not] null, and one semi-join form to reach another
mart: `<column> in (select <column> from marts.<mart> where <condition on that mart>)`. Any
other node (a second statement, a function call, a cast, a table that is not a mart, a column
the mart does not have) is a FilterError naming it. The SQL that runs is generated here from the
checked tree, with every literal a bound parameter: the filter text itself never reaches DuckDB.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp

from yiwang.contracts import warehouse_models

COMPARISONS: dict[type[exp.Expression], str] = {
    exp.EQ: "=",
    exp.NEQ: "<>",
    exp.LT: "<",
    exp.LTE: "<=",
    exp.GT: ">",
    exp.GTE: ">=",
    exp.Like: "like",
    exp.ILike: "ilike",
}
# what a semi-join's select may carry besides its one column, its mart and its where
_SELECT_PARTS = {"expressions", "from", "from_", "where"}


class FilterError(ValueError):
    """A row filter outside the allowed conditions."""


@dataclass
class CompiledFilter:
    sql: str
    params: list[Any] = field(default_factory=list)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def default_relation(model: str) -> str:
    return f"warehouse.marts.{_quote(model)}"


class _Compiler:
    def __init__(self, relation: Callable[[str], str]):
        self.relation = relation
        self.params: list[Any] = []

    def condition(self, node: exp.Expression, dataset: str) -> str:
        if isinstance(node, exp.Paren):
            return self.condition(node.this, dataset)
        if isinstance(node, exp.And | exp.Or):
            op = "and" if isinstance(node, exp.And) else "or"
            return f"({self.condition(node.this, dataset)} {op} {self.condition(node.expression, dataset)})"
        if isinstance(node, exp.Not):
            return f"(not {self.condition(node.this, dataset)})"
        if type(node) in COMPARISONS:
            if node.args.get("escape"):
                raise FilterError("like ... escape is not supported in a row filter")
            left, right = self.operand(node.this, dataset), self.operand(node.expression, dataset)
            return f"({left} {COMPARISONS[type(node)]} {right})"
        if isinstance(node, exp.Between):
            column = self.column(node.this, dataset)
            return f"({column} between {self.literal(node.args['low'])} and {self.literal(node.args['high'])})"
        if isinstance(node, exp.Is):
            if not isinstance(node.expression, exp.Null):
                raise FilterError("`is` takes null only (is null, is not null)")
            return f"({self.column(node.this, dataset)} is null)"
        if isinstance(node, exp.In):
            return self.membership(node, dataset)
        if isinstance(node, exp.Column | exp.Boolean):  # a boolean column or true / false
            return self.operand(node, dataset)
        raise FilterError(f"{node.key!r} ({node.sql(dialect='duckdb')[:60]}) is not allowed in a row filter")

    def membership(self, node: exp.In, dataset: str) -> str:
        column = self.column(node.this, dataset)
        unexpected = {k for k, v in node.args.items() if v and k not in ("this", "expressions", "query")}
        if unexpected:
            raise FilterError(f"`in` with {sorted(unexpected)} is not allowed in a row filter")
        query = node.args.get("query")
        if query is None:
            values = [self.literal(v) for v in node.expressions]
            if not values:
                raise FilterError("`in ()` needs at least one value")
            return f"({column} in ({', '.join(values)}))"
        select = query.this if isinstance(query, exp.Subquery) else query
        if not isinstance(select, exp.Select):
            raise FilterError("`in (...)` takes a list of values or `select <column> from marts.<mart> where ...`")
        parts = {k for k, v in select.args.items() if v}
        if parts - _SELECT_PARTS or len(select.expressions) != 1:
            raise FilterError(
                "a semi-join in a row filter is `select <one column> from marts.<mart> [where ...]`, "  # noqa: S608 (a message)
                f"not {sorted(parts - _SELECT_PARTS) or 'several columns'}"
            )
        source = select.args.get("from") or select.args.get("from_")
        table = source.this if source is not None else None
        if not isinstance(table, exp.Table) or table.args.get("joins") or source.args.get("joins"):
            raise FilterError("a semi-join in a row filter reads one mart")
        model = table.name
        if table.catalog or (table.db and table.db != "marts") or model not in warehouse_models():
            raise FilterError(f"{table.sql(dialect='duckdb')} is not a mart (use marts.<mart>)")
        inner = self.column(select.expressions[0], model)
        where = select.args.get("where")
        body = f"select {inner} from {self.relation(model)}"  # noqa: S608 (checked names, quoted)
        if where is not None:
            body += f" where {self.condition(where.this, model)}"
        return f"({column} in ({body}))"

    def operand(self, node: exp.Expression, dataset: str) -> str:
        if isinstance(node, exp.Column):
            return self.column(node, dataset)
        return self.literal(node)

    def column(self, node: exp.Expression, dataset: str) -> str:
        if not isinstance(node, exp.Column) or not isinstance(node.this, exp.Identifier):
            raise FilterError(f"{node.sql(dialect='duckdb')[:60]!r} is not a column of {dataset}")
        if node.table and node.table != dataset:
            raise FilterError(f"column {node.sql(dialect='duckdb')} is not of {dataset}")
        names = {c.name for c in warehouse_models()[dataset].columns}
        if node.name not in names:
            raise FilterError(f"{dataset} has no column {node.name!r}")
        return _quote(node.name)

    def literal(self, node: exp.Expression) -> str:
        if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
            value = self._number(node.this.this)
            self.params.append(-value)
            return "?"
        if isinstance(node, exp.Literal):
            self.params.append(node.this if node.is_string else self._number(node.this))
            return "?"
        if isinstance(node, exp.Boolean):
            self.params.append(bool(node.this))
            return "?"
        raise FilterError(f"{node.sql(dialect='duckdb')[:60]!r} is not a literal (a string, a number, true or false)")

    @staticmethod
    def _number(text: str) -> int | float:
        try:
            return int(text)
        except ValueError:
            return float(text)


def compile_filter(text: str, dataset: str, relation: Callable[[str], str] = default_relation) -> CompiledFilter:
    """The condition `text` on mart `dataset` as SQL with `?` placeholders and its parameters."""
    if dataset not in warehouse_models():
        raise FilterError(f"{dataset!r} is not a mart")
    try:
        statements = [s for s in sqlglot.parse(text, dialect="duckdb") if s is not None]
    except sqlglot.errors.SqlglotError as error:
        raise FilterError(f"row filter {text!r} does not parse: {error}") from error
    if len(statements) != 1:
        raise FilterError(f"a row filter is one condition, not {len(statements)} statements")
    compiler = _Compiler(relation)
    return CompiledFilter(compiler.condition(statements[0], dataset), compiler.params)
