{#- Validity periods (SCD2) of tracked values of a raw table's business key, from the landing
    zone's append-only history (raw.<platform>__<table>: one row per landed version).

    Every landed version of `key` is read in landing order (extraction time, run id, part file).
    A new period starts on the first version, whenever `tracked` (a SQL expression over the raw
    columns, e.g. the house number) changes, and when a key comes back after a delete; a delete
    (_yw_op = 'delete', hard or soft as the connector flagged it) or the contract's soft-delete
    flag ends the current period. Times: `first_valid_from` (e.g. the registration time) for the
    first version, `changed_at` (the source's own update time) for later ones, the extraction
    time where the source gives none, and for deletes (a delete carries no source time).

    Returns: <key> as source_key, tracked_value, valid_from_at, valid_to_at (null while current),
    is_current, opened_run_id (the run that landed the version opening the period). -#}
{% macro yw_history_periods(source_name, table_name, key, tracked, changed_at, first_valid_from=none) %}
    {%- set meta = yw_source_meta(source_name, table_name) -%}
    {%- set soft = meta.get('soft_delete') -%}
    {%- set extracted_at = yw_instant_to_utc('landed._yw_extracted_at') -%}
    with landed_versions as (
        select
            cast({{ adapter.quote(key) }} as {{ dbt.type_string() }}) as source_key,
            cast({{ tracked }} as {{ dbt.type_string() }}) as tracked_value,
            (landed._yw_op = 'delete'
            {%- if soft %}
                or coalesce(cast(landed.{{ adapter.quote(soft['column']) }} as {{ dbt.type_string() }})
                    in ({% for value in soft['deleted_values'] %}'{{ value }}'{{ ", " if not loop.last }}{% endfor %}), false)
            {%- endif %}
            ) as is_delete,
            {{ changed_at }} as source_changed_at,
            {{ first_valid_from if first_valid_from else 'cast(null as timestamp)' }} as source_first_valid_from,
            {{ extracted_at }} as extracted_at,
            landed._yw_run_id as run_id,
            landed._yw_part as part
        from {{ source(source_name, table_name) }} as landed
    ),

    ordered as (
        select
            *,
            row_number() over by_landing as version_number,
            lag(tracked_value) over by_landing as previous_value,
            lag(is_delete) over by_landing as previous_is_delete
        from landed_versions
        window by_landing as (partition by source_key order by extracted_at, run_id, part)
    ),

    boundaries as (
        -- versions that open or close a period; a repeated delete changes nothing
        select
            source_key,
            tracked_value,
            is_delete,
            run_id,
            version_number,
            case
                when is_delete then extracted_at
                when version_number = 1 then coalesce(source_first_valid_from, source_changed_at, extracted_at)
                else coalesce(source_changed_at, extracted_at)
            end as boundary_at
        from ordered
        where version_number = 1
            or is_delete <> coalesce(previous_is_delete, false)
            or (not is_delete and tracked_value is distinct from previous_value)
    ),

    periods as (
        select
            source_key,
            tracked_value,
            is_delete,
            run_id as opened_run_id,
            boundary_at as valid_from_at,
            lead(boundary_at) over (partition by source_key order by version_number) as valid_to_at
        from boundaries
    )

    select
        source_key,
        tracked_value,
        valid_from_at,
        valid_to_at,
        valid_to_at is null as is_current,
        opened_run_id
    from periods
    where not is_delete
{% endmacro %}
