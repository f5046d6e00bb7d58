{#- The columns every platform's mention model gives an entity type, in order, with their
    logical types (typed nulls fill a column a source record lacks). The union models
    (int_<entity>_mentions) derive the resolver's columns from these. -#}
{% macro yw_mention_shape(entity) -%}
    {%- set shapes = {
        'person': [
            ('person_role', 'string'), ('person_name', 'string'), ('id_number', 'string'),
            ('id_number_is_valid', 'boolean'), ('sex', 'string'), ('stated_birth_date', 'date'),
            ('ethnicity', 'string'), ('phone', 'string'), ('address', 'string'), ('grid_code', 'string'),
            ('observed_at', 'timestamp'), ('person_name_as_given', 'string'),
        ],
        'house': [
            ('house_role', 'string'), ('house_reference', 'string'), ('address', 'string'),
            ('compound_name', 'string'), ('building', 'string'), ('unit', 'string'), ('room', 'string'),
            ('grid_code', 'string'), ('floor_area_m2', 'double'), ('house_use', 'string'),
            ('owner_mention_id', 'string'), ('observed_at', 'timestamp'),
        ],
        'legal_entity': [
            ('entity_role', 'string'), ('entity_name', 'string'), ('credit_code', 'string'),
            ('credit_code_is_valid', 'boolean'), ('entity_kind', 'string'),
            ('legal_representative_name', 'string'), ('address', 'string'), ('grid_code', 'string'),
            ('observed_at', 'timestamp'),
        ],
    } -%}
    {%- if entity not in shapes -%}
        {{ exceptions.raise_compiler_error("yw_mention_shape: no mention shape for entity type " ~ entity) }}
    {%- endif -%}
    {{ return([('source_platform', 'string'), ('source_table', 'string'), ('source_key', 'string')]
        + shapes[entity] + [('_yw_extracted_at', 'instant')]) }}
{%- endmacro %}

{#- The SQL type of a logical type of yw_mention_shape, through dbt's cross-database macros. -#}
{% macro yw_mention_type(logical) -%}
    {%- if logical == 'string' -%}{{ dbt.type_string() }}
    {%- elif logical == 'boolean' -%}{{ dbt.type_boolean() }}
    {%- elif logical == 'timestamp' -%}{{ dbt.type_timestamp() }}
    {%- elif logical == 'double' -%}{{ yw_type_double() }}
    {%- elif logical == 'integer' -%}{{ dbt.type_int() }}
    {%- elif logical == 'instant' -%}timestamp with time zone
    {%- else -%}{{ logical }}
    {%- endif -%}
{%- endmacro %}

{#- The platform of a mention model, from its name int_<entity>_mentions__<platform>. -#}
{% macro yw_mention_platform() -%}
    {%- set parts = model.name.split('__') -%}
    {%- if parts | length != 2 -%}
        {{ exceptions.raise_compiler_error("a mention model is named int_<entity>_mentions__<platform>, not " ~ model.name) }}
    {%- endif -%}
    {{ return(parts[1]) }}
{%- endmacro %}

{#- One source table's mentions of an entity type (one role), in the shape of yw_mention_shape:
    `source` the staging model, `source_table` the platform's table name, `key` the record key
    expression, `role` the role, `columns` output column → SQL expression (absent columns are
    typed nulls), `where` an optional filter. The platform comes from the model's name. -#}
{% macro yw_mentions(entity, source, source_table, key, role, columns={}, where=none) -%}
    {%- set string = dbt.type_string() -%}
    {%- set given = {
        'source_platform': "cast('" ~ yw_mention_platform() ~ "' as " ~ string ~ ")",
        'source_table': "cast('" ~ source_table ~ "' as " ~ string ~ ")",
        'source_key': "cast(" ~ key ~ " as " ~ string ~ ")",
        ('entity_role' if entity == 'legal_entity' else entity ~ '_role'): "cast('" ~ role ~ "' as " ~ string ~ ")",
        '_yw_extracted_at': '_yw_extracted_at',
    } -%}
    {%- set shape = yw_mention_shape(entity) -%}
    {%- set known = shape | map(attribute=0) | list -%}
    {%- for name in columns if name not in known or name in given -%}
        {{ exceptions.raise_compiler_error("yw_mentions: " ~ name ~ " is not a free column of the " ~ entity ~ " mentions") }}
    {%- endfor %}
    select
    {%- for name, logical in shape %}
        {{ columns.get(name) or given.get(name) or 'cast(null as ' ~ yw_mention_type(logical) ~ ')' }} as {{ name }}
        {{- ',' if not loop.last }}
    {%- endfor %}
    from {{ ref(source) }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
{%- endmacro %}

{#- A platform that names no records of an entity type: the shape, no rows. -#}
{% macro yw_no_mentions(entity) -%}
    {{ yw_no_rows(yw_mention_shape(entity)) }}
{%- endmacro %}

{#- Every platform's mentions of an entity type, unioned by column name (yw_union_platforms). -#}
{% macro yw_union_mentions(entity) -%}
    {{ yw_union_platforms('int_' ~ entity ~ '_mentions', yw_mention_shape(entity) | map(attribute=0) | list) }}
{%- endmacro %}
