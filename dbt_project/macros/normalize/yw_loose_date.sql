{#- A date typed by hand or by a spreadsheet, as a date, else null: 2019-07-01, 2019/7/1,
    2019.7.1, 2019年7月1日, 20190701, and Excel serial day numbers (43647 or 43647.0; day 0 =
    1899-12-30). Impossible dates (2019-02-30) give null, never an error, on both engines. -#}
{% macro yw_parse_loose_date(expr) -%}
    {%- set text = "trim(cast(" ~ expr ~ " as " ~ dbt.type_string() ~ "))" -%}
    {%- set y = "cast(" ~ yw_regexp_extract(text, "'^([0-9]{4})[-/.年]?[0-9]{1,2}[-/.月]?[0-9]{1,2}日?$'") ~ " as integer)" -%}
    {%- set m = "cast(" ~ yw_regexp_extract(text, "'^[0-9]{4}[-/.年]?([0-9]{1,2})[-/.月]?[0-9]{1,2}日?$'") ~ " as integer)" -%}
    {%- set d = "cast(" ~ yw_regexp_extract(text, "'^[0-9]{4}[-/.年]?[0-9]{1,2}[-/.月]?([0-9]{1,2})日?$'") ~ " as integer)" -%}
    {%- set serial = "cast(" ~ yw_regexp_extract(text, "'^([0-9]{5})([.]0+)?$'") ~ " as integer)" -%}
    case
        -- 8 digits: yyyymmdd
        when length({{ text }}) = 8 and {{ yw_regexp_extract(text, "'^([0-9]{8})$'") }} is not null then
            case
                when cast(substring({{ text }}, 5, 2) as integer) between 1 and 12
                    and cast(substring({{ text }}, 7, 2) as integer) between 1 and 31
                    and extract(month from cast(make_date(cast(substring({{ text }}, 1, 4) as integer), cast(substring({{ text }}, 5, 2) as integer), 1) + (cast(substring({{ text }}, 7, 2) as integer) - 1) * interval '1 day' as date))
                        = cast(substring({{ text }}, 5, 2) as integer)
                then cast(make_date(cast(substring({{ text }}, 1, 4) as integer), cast(substring({{ text }}, 5, 2) as integer), 1) + (cast(substring({{ text }}, 7, 2) as integer) - 1) * interval '1 day' as date)
            end
        when {{ y }} is not null then
            case
                when {{ m }} between 1 and 12 and {{ d }} between 1 and 31
                    and extract(month from cast(make_date({{ y }}, {{ m }}, 1) + ({{ d }} - 1) * interval '1 day' as date)) = {{ m }}
                then cast(make_date({{ y }}, {{ m }}, 1) + ({{ d }} - 1) * interval '1 day' as date)
            end
        when {{ serial }} is not null and {{ serial }} between 1 and 80000 then
            cast(cast('1899-12-30' as date) + {{ serial }} * interval '1 day' as date)
    end
{%- endmacro %}
