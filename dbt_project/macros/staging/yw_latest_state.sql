{#- The latest landed version of every business key of a raw table, deletes applied.

    raw.<platform>__<table> is append-only: one row per landed version. The latest version of a
    key sorts first by var('yw_version_order'), each column descending: the batch landed last
    (run id), then the later part file within it (_yw_part); connectors/latest.py reads the same
    var, so the connectors' key index and this macro agree. The key is gone when that version is a
    delete (`_yw_op = 'delete'`: a hard delete found by difference, or a soft delete flagged by the
    connector) or carries the contract's soft-delete flag. Keys and flags come from the contract
    (yw_source_meta).

    Incremental (the staging folder's materialisation, dbt_project.yml): only the keys that the
    raw batches not yet staged touch are recomputed, each over its whole landed history, so a
    batch loaded late (an older run id loaded after a newer one) sorts where it belongs. Before
    the insert, the pre-hook yw_staging_forget_touched() deletes the staged rows of those keys (a
    key now deleted is not inserted again: deletes propagate); the post-hook
    yw_staging_record_batches() records which batches the table holds. `--full-refresh` (or a
    first build) takes every key.

    Returns a select of every raw column plus _yw_version (always 1); use it as the first CTE of a
    staging model:  with latest as ({{ yw_latest_state('hotline', 't_gd_workorder') }})  -#}
{% macro yw_latest_state(source_name, table_name) %}
    {%- set relation = source(source_name, table_name) -%}
    {%- set keys = yw__staging_keys(source_name, table_name) -%}
    {%- set soft = yw_source_meta(source_name, table_name).get('soft_delete') -%}
    select versions.*
    from (
        select
            landed.*,
            row_number() over (
                partition by {% for key in keys %}landed.{{ adapter.quote(key) }}{{ ", " if not loop.last }}{% endfor %}
                order by {% for column in var('yw_version_order') %}landed.{{ adapter.quote(column) }} desc nulls last{{ ", " if not loop.last }}{% endfor %}
            ) as _yw_version
        from {{ relation }} as landed
        {%- if yw__is_incremental() %}
        where {{ yw__touched_key(relation, keys, source_name, table_name, 'landed') }}
        {%- endif %}
    ) as versions
    where versions._yw_version = 1
        and versions._yw_op <> 'delete'
    {%- if soft %}
        and coalesce(
            cast(versions.{{ adapter.quote(soft['column']) }} as {{ dbt.type_string() }})
            not in ({% for value in soft['deleted_values'] %}'{{ value }}'{{ ", " if not loop.last }}{% endfor %}),
            true
        )
    {%- endif %}
{% endmacro %}


{%- macro yw__staging_keys(source_name, table_name) -%}
    {%- set keys = yw_source_meta(source_name, table_name).get('primary_key') or [] -%}
    {%- if keys | length == 0 -%}
        {{ exceptions.raise_compiler_error("source " ~ source_name ~ "." ~ table_name ~ " has no primary_key in its meta") }}
    {%- endif -%}
    {{ return(keys) }}
{%- endmacro -%}


{#- is_incremental(), false where there is no relation to be incremental on (dbt unit tests). -#}
{%- macro yw__is_incremental() -%}
    {{ return(this is not none and is_incremental()) }}
{%- endmacro -%}


{#- Which batches each staging table holds: one row per (model, batch), in the staging schema, so
    a candidate (a copy of the published state) carries it with the tables. -#}
{%- macro yw__staged_batches() -%}
    {%- set schema = generate_schema_name('staging', none) | trim -%}
    {{ return(api.Relation.create(database=target.database, schema=schema, identifier='_yw_staged_batches')) }}
{%- endmacro -%}


{#- on-run-start: the record table exists before the staging models run in parallel (created by
    each model's hook, the threads' DuckDB transactions would conflict on the catalog). -#}
{#- Only commands that build models need the record; the others (docs, test, ls) may run on a
    read-only warehouse. -#}
{% macro yw_staging_record_table() %}
    {%- if flags.WHICH in ('run', 'build') -%}
    {%- set relation = yw__staged_batches() -%}
    create schema if not exists {{ adapter.quote(relation.schema) }};
    create table if not exists {{ relation }} (model {{ dbt.type_string() }}, run_id {{ dbt.type_string() }});
    {%- endif -%}
{% endmacro %}


{%- macro yw__loaded_batches(relation) -%}
    {{ return(api.Relation.create(database=relation.database, schema=relation.schema, identifier='_loaded_batches')) }}
{%- endmacro -%}


{#- The raw batches of this table that the staging table does not hold yet (a set, not a
    high-water mark: a batch loaded late is new however old its run id). -#}
{%- macro yw__new_batches(relation, source_name, table_name) -%}
    select loaded.run_id
    from {{ yw__loaded_batches(relation) }} as loaded
    where loaded.platform = '{{ source_name }}'
        and loaded.table_name = '{{ table_name }}'
        and not exists (
            select 1 from {{ yw__staged_batches() }} as staged
            where staged.model = '{{ this.identifier }}' and staged.run_id = loaded.run_id
        )
{%- endmacro -%}


{#- A predicate on `alias`: its key has a version in a batch not staged yet. -#}
{%- macro yw__touched_key(relation, keys, source_name, table_name, alias) -%}
    exists (
        select 1 from {{ relation }} as changed
        where changed._yw_run_id in ({{ yw__new_batches(relation, source_name, table_name) }})
        {%- for key in keys %}
            and changed.{{ adapter.quote(key) }} = {{ alias }}.{{ adapter.quote(key) }}
        {%- endfor %}
    )
{%- endmacro -%}


{#- The staging model's one source table (every staging model reads exactly one). -#}
{%- macro yw__staging_source() -%}
    {%- set sources = model.sources if model.sources is defined else model['sources'] -%}
    {%- if sources | length != 1 -%}
        {{ exceptions.raise_compiler_error("staging model " ~ this.identifier ~ " must read exactly one source, it reads " ~ sources) }}
    {%- endif -%}
    {{ return(sources[0]) }}
{%- endmacro -%}


{#- Pre-hook of every staging model: on an incremental run, the staged rows of every touched key
    are deleted (found by their lineage: _yw_row_hash is the md5 of the
    whole landed row, key included, so it names one key's version). -#}
{% macro yw_staging_forget_touched() %}
    {%- if execute and yw__is_incremental() %}
    {%- set source_name, table_name = yw__staging_source() -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set keys = yw__staging_keys(source_name, table_name) %}
    delete from {{ this }}
    where _yw_row_hash in (
        select history._yw_row_hash from {{ relation }} as history
        where {{ yw__touched_key(relation, keys, source_name, table_name, 'history') }}
    )
    {%- endif -%}
{% endmacro %}


{#- Post-hook of every staging model: the batches its table now holds are every loaded batch of
    its source (the build holds the warehouse lock: nothing is loaded while dbt runs). -#}
{% macro yw_staging_record_batches() %}
    {%- if execute -%}
    {%- set source_name, table_name = yw__staging_source() -%}
    {%- set relation = source(source_name, table_name) -%}
    delete from {{ yw__staged_batches() }} where model = '{{ this.identifier }}';
    insert into {{ yw__staged_batches() }} (model, run_id)
    select '{{ this.identifier }}', loaded.run_id
    from {{ yw__loaded_batches(relation) }} as loaded
    where loaded.platform = '{{ source_name }}' and loaded.table_name = '{{ table_name }}';
    {%- endif -%}
{% endmacro %}
