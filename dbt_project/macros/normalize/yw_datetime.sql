{#-
  Local times (日期时间), as in yiwang.normalize.dates.

  yw_local_to_utc(expr, zone='Asia/Shanghai')
      → a timestamp without zone, read as wall-clock time in `zone`, as a UTC timestamp without
        zone (the warehouse's *_at columns). Uses the engine's time-zone database (PostgreSQL's,
        DuckDB's ICU extension, which the duckdb Python wheel has built in), so China's daylight
        saving time of 1986-1991 is applied, as Python's local_to_utc does with zoneinfo. A time
        that occurs twice (the hour after DST ended) is read as the first one, like zoneinfo's
        fold=0; this assumes one-hour transitions, which is true of Asia/Shanghai. A time that
        never occurred (the hour skipped when DST began) is read with the offset before the change.

  yw_parse_local_timestamp(expr, format='%Y-%m-%d %H:%M:%S')
      → a timestamp without zone, or null when the text does not fit the format. The format is a
        string literal in strptime notation with %Y %m %d (required) and %H %M %S (optional,
        default 0), %% and literal characters. Fields must have all their digits (2023-01-05, not
        2023-1-5), the date must exist and the time must be 00:00:00 to 23:59:59. The text is
        cleaned like an identifier first (full-width → half-width, dash look-alikes → "-",
        trimmed). DuckDB: try_strptime after a pattern check; PostgreSQL: a pattern and calendar
        check, then make_timestamp (to_timestamp would return a timestamptz through the session
        time zone and raises on bad dates).
-#}

{% macro yw_local_to_utc(expr, zone='Asia/Shanghai') -%}
{{ return(adapter.dispatch('yw_local_to_utc')(expr, zone)) }}
{%- endmacro %}

{% macro default__yw_local_to_utc(expr, zone='Asia/Shanghai') -%}
{%- set z = yw__q(zone) -%}
{{ yw__let([
    ('yw_utc_l', 'cast((' ~ expr ~ ') as timestamp)'),
    ('yw_utc_u', "cast((yw_utc_l at time zone " ~ z ~ ") at time zone 'UTC' as timestamp)"),
  ],
  "case when cast(((yw_utc_u - interval '1 hour') at time zone 'UTC') at time zone " ~ z ~ " as timestamp) = yw_utc_l"
  ~ " then yw_utc_u - interval '1 hour' else yw_utc_u end"
) }}
{%- endmacro %}


{#- (regex with one group per field, {field: group number}) for a strptime format. -#}
{% macro yw__timestamp_format_pattern(format) -%}
{%- set fields = {
    'Y': '(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})',
    'm': '(0[1-9]|1[0-2])',
    'd': '(0[1-9]|[12][0-9]|3[01])',
    'H': '([01][0-9]|2[0-3])',
    'M': '([0-5][0-9])',
    'S': '([0-5][0-9])',
} -%}
{%- set ns = namespace(pattern='^', percent=false, groups={}, count=0) -%}
{%- for ch in format -%}
  {%- if ns.percent -%}
    {%- if ch == '%' -%}
      {%- set ns.pattern = ns.pattern ~ '%' -%}
    {%- elif ch in fields and ch not in ns.groups -%}
      {%- set ns.count = ns.count + 1 -%}
      {%- do ns.groups.update({ch: ns.count}) -%}
      {%- set ns.pattern = ns.pattern ~ fields[ch] -%}
    {%- else -%}
      {%- do exceptions.raise_compiler_error('yw_parse_local_timestamp: %' ~ ch ~ ' is not supported (or repeated) in ' ~ format) -%}
    {%- endif -%}
    {%- set ns.percent = false -%}
  {%- elif ch == '%' -%}
    {%- set ns.percent = true -%}
  {%- elif ch in '\\^$.|?*+()[]{}' -%}
    {%- set ns.pattern = ns.pattern ~ '\\' ~ ch -%}
  {%- else -%}
    {%- set ns.pattern = ns.pattern ~ ch -%}
  {%- endif -%}
{%- endfor -%}
{%- if ns.percent or 'Y' not in ns.groups or 'm' not in ns.groups or 'd' not in ns.groups -%}
  {%- do exceptions.raise_compiler_error('yw_parse_local_timestamp: ' ~ format ~ ' needs %Y, %m and %d') -%}
{%- endif -%}
{{ return((ns.pattern ~ '$', ns.groups)) }}
{%- endmacro %}


{% macro yw_parse_local_timestamp(expr, format='%Y-%m-%d %H:%M:%S') -%}
{{ return(adapter.dispatch('yw_parse_local_timestamp')(expr, format)) }}
{%- endmacro %}

{% macro default__yw_parse_local_timestamp(expr, format='%Y-%m-%d %H:%M:%S') -%}
{%- set pattern, groups = yw__timestamp_format_pattern(format) -%}
{%- set parts = {} -%}
{%- for field in ['Y', 'm', 'd', 'H', 'M', 'S'] -%}
  {%- do parts.update({field: 'cast(' ~ yw__group('yw_ts_t', pattern, groups[field]) ~ ' as integer)' if field in groups else '0'}) -%}
{%- endfor -%}
{{ yw__let([('yw_ts_t', yw__clean_text(expr, code=true))],
  'case when ' ~ yw__matches('yw_ts_t', pattern)
  ~ ' and ' ~ parts.d ~ ' <= ' ~ yw__days_in_month(parts.Y, parts.m)
  ~ ' then make_timestamp(' ~ parts.Y ~ ', ' ~ parts.m ~ ', ' ~ parts.d ~ ', ' ~ parts.H ~ ', ' ~ parts.M
  ~ ', cast(' ~ parts.S ~ ' as double precision)) end'
) }}
{%- endmacro %}

{% macro duckdb__yw_parse_local_timestamp(expr, format='%Y-%m-%d %H:%M:%S') -%}
{%- set pattern, groups = yw__timestamp_format_pattern(format) -%}
{{ yw__let([('yw_ts_t', yw__clean_text(expr, code=true))],
  'case when ' ~ yw__matches('yw_ts_t', pattern) ~ ' then try_strptime(yw_ts_t, ' ~ yw__q(format) ~ ') end') }}
{%- endmacro %}
