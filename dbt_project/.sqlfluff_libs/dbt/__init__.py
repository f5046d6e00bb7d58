"""Stand-ins for dbt's cross-database macros (`dbt.type_string()`, ...) for sqlfluff's Jinja
templater only (dbt_project/.sqlfluff, library_path); dbt itself never reads this folder."""


def type_string() -> str:
    return "varchar"


def type_int() -> str:
    return "integer"


def type_bigint() -> str:
    return "bigint"


def type_float() -> str:
    return "double"


def type_timestamp() -> str:
    return "timestamp"


def type_boolean() -> str:
    return "boolean"
