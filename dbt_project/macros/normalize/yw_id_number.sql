{#-
  Citizen ID numbers (公民身份号码, GB 11643), as in yiwang.normalize.identity.

  yw_normalize_id_number(expr)   → the cleaned 18-character number, or null when the text is not
                                   15 digits or 17 digits + [0-9X] after cleaning. Does not check
                                   the checksum, birth date or province: pair with
                                   yw_id_number_is_valid (Python's normalize_id_number returns
                                   only valid numbers; this returns Python's `cleaned`).
  yw_id_number_is_valid(expr)    → boolean, never null: ISO 7064 MOD 11-2 check character, a real
                                   birth date from 1880 to today, a GB/T 2260 province prefix.
  yw_id_number_birth_date(expr)  → date, only for valid numbers.
  yw_id_number_division(expr)    → the 6-digit GB/T 2260 code, only for valid numbers.
  yw_id_number_sex(expr)         → 'male' / 'female' from the parity of the 17th digit, only for
                                   valid numbers.

  Cleaning (same order as parse_id_number): full-width → half-width, invisible characters
  dropped, trimmed with quotes and brackets, Excel's ' and ="…" removed; scientific notation
  expanded when no digit was lost (3.30602900101123E+14 from a float cell) and null when digits
  were lost (3.30602E+17); a float tail .0 dropped; spaces, dashes and underscores removed; x → X;
  a label or note around a single number is dropped (身份证号：…, …（已核实）); 15 digits get
  the century 19 and a computed check character.
-#}

{% macro yw_normalize_id_number(expr) -%}
{{ return(adapter.dispatch('yw_normalize_id_number')(expr)) }}
{%- endmacro %}

{% macro default__yw_normalize_id_number(expr) -%}
{%- set c = yw__constants() -%}
{%- set digits = '0123456789' -%}
{%- set labelled = '^[^0-9A-Za-z]*([0-9]{17}[0-9Xx]|[0-9]{15})[^0-9A-Za-z]*$' -%}
{{ yw__let([
    ('yw_idn_t', yw__trim_chars(yw__clean_text(expr, code=true), c.id_quotes ~ ' ')),
    ('yw_idn_d', yw__id_number_from_scientific("replace(yw_idn_t, ' ', '')")),
    ('yw_idn_p', "strpos(yw_idn_t, '.')"),
    ('yw_idn_x', "case when yw_idn_d = '' then null when yw_idn_d is not null then yw_idn_d"
        ~ " when yw_idn_p not in (16, 19) then yw_idn_t"
        ~ " when " ~ yw__only_chars('substr(yw_idn_t, 1, yw_idn_p - 1)', digits)
        ~ " and " ~ yw__only_chars('substr(yw_idn_t, yw_idn_p + 1)', '0') ~ " then substr(yw_idn_t, 1, yw_idn_p - 1)"
        ~ " else yw_idn_t end"),
    ('yw_idn_c', "upper(replace(replace(replace(yw_idn_x, ' ', ''), '_', ''), '-', ''))"),
    ('yw_idn_v', "case when (length(yw_idn_c) = 15 and " ~ yw__only_chars('yw_idn_c', digits) ~ ")"
        ~ " or (length(yw_idn_c) = 18 and " ~ yw__only_chars('substr(yw_idn_c, 1, 17)', digits)
        ~ " and " ~ yw__only_chars('substr(yw_idn_c, 18, 1)', digits ~ 'X') ~ ") then yw_idn_c"
        ~ " when " ~ yw__matches('yw_idn_x', labelled) ~ " then upper(" ~ yw__group('yw_idn_x', labelled, 1) ~ ")"
        ~ " end"),
  ],
  "case when length(yw_idn_v) = 15 then "
    ~ yw__let([('yw_idn_b', "substr(yw_idn_v, 1, 6) || '19' || substr(yw_idn_v, 7)")],
              'yw_idn_b || ' ~ yw__id_number_check_character('yw_idn_b'))
    ~ " else yw_idn_v end"
) }}
{%- endmacro %}


{#-
  Digits of a number in scientific notation (`name` holds text without spaces): null when the
  text is not scientific notation, '' when it is but digits were lost (not 15 or 18 digits, not
  integral, zero or negative, or 18 digits ending in 0 from fewer than 17 significant digits),
  as in identity._from_scientific.
-#}
{% macro yw__id_number_from_scientific(name) -%}
{%- set sci = '^([+-]?)([0-9]+)(\\.([0-9]*))?[Ee]([+-]?[0-9]+)$' -%}
case when not {{ yw__matches(name, sci) }} then null
     when {{ yw__group(name, sci, 1) }} = '-' or length(ltrim(ltrim({{ yw__group(name, sci, 5) }}, '+-'), '0')) > 4 then ''
     else {{ yw__let([
        ('yw_sci_i', yw__group(name, sci, 2)),
        ('yw_sci_m', yw__group(name, sci, 2) ~ ' || ' ~ yw__group(name, sci, 4)),
        ('yw_sci_e', 'cast(' ~ yw__group(name, sci, 5) ~ ' as integer)'),
        ('yw_sci_s', "rtrim(ltrim(yw_sci_m, '0'), '0')"),
        ('yw_sci_a', "length(yw_sci_i) - (length(yw_sci_m) - length(ltrim(yw_sci_m, '0'))) - 1 + yw_sci_e"),
      ],
      "case when yw_sci_s = '' or yw_sci_a not in (14, 17) or length(yw_sci_s) > yw_sci_a + 1 then ''"
      ~ " when yw_sci_a = 17 and length(yw_sci_s) < 17 then ''"
      ~ " else rpad(yw_sci_s, cast(yw_sci_a + 1 as integer), '0') end"
     ) }}
end
{%- endmacro %}


{#- The MOD 11-2 check character of the first 17 digits of `name`. -#}
{% macro yw__id_number_check_character(name) -%}
{%- set c = yw__constants() -%}
substr({{ yw__q(c.id_check_characters) }}, {{ yw__weighted_sum(name, c.id_weights, 'cast(@ as integer)') }} % 11 + 1, 1)
{%- endmacro %}


{#- Boolean over a normalised number held in `name` (null when name is null). -#}
{% macro yw__id_number_valid(name) -%}
{%- set c = yw__constants() -%}
{%- set y = 'cast(substr(' ~ name ~ ', 7, 4) as integer)' -%}
{%- set m = 'cast(substr(' ~ name ~ ', 11, 2) as integer)' -%}
{%- set d = 'cast(substr(' ~ name ~ ', 13, 2) as integer)' -%}
({{ name }} is not null
  and substr({{ name }}, 1, 2) in {{ yw__in_list(c.province_codes) }}
  and {{ y }} >= {{ c.id_earliest_birth_year }}
  and {{ m }} between 1 and 12
  and {{ d }} between 1 and {{ yw__days_in_month(y, m) }}
  and cast(substr({{ name }}, 7, 8) as integer) <= {{ yw__yyyymmdd('current_date') }}
  and substr({{ name }}, 18, 1) = {{ yw__id_number_check_character(name) }})
{%- endmacro %}

{% macro yw__days_in_month(y, m) -%}
case when {{ m }} in (1, 3, 5, 7, 8, 10, 12) then 31 when {{ m }} in (4, 6, 9, 11) then 30
     when ({{ y }} % 4 = 0 and {{ y }} % 100 <> 0) or {{ y }} % 400 = 0 then 29 else 28 end
{%- endmacro %}

{% macro yw__yyyymmdd(date_expr) -%}
(cast(extract(year from {{ date_expr }}) as integer) * 10000 + cast(extract(month from {{ date_expr }}) as integer) * 100
 + cast(extract(day from {{ date_expr }}) as integer))
{%- endmacro %}


{% macro yw_id_number_is_valid(expr) -%}
{{ return(adapter.dispatch('yw_id_number_is_valid')(expr)) }}
{%- endmacro %}

{% macro default__yw_id_number_is_valid(expr) -%}
{{ yw__let([('yw_idv_n', yw_normalize_id_number(expr))], 'coalesce(' ~ yw__id_number_valid('yw_idv_n') ~ ', false)') }}
{%- endmacro %}


{% macro yw_id_number_birth_date(expr) -%}
{{ return(adapter.dispatch('yw_id_number_birth_date')(expr)) }}
{%- endmacro %}

{% macro default__yw_id_number_birth_date(expr) -%}
{{ yw__let([('yw_idv_n', yw_normalize_id_number(expr))],
    'case when ' ~ yw__id_number_valid('yw_idv_n') ~ ' then make_date(cast(substr(yw_idv_n, 7, 4) as integer),'
    ~ ' cast(substr(yw_idv_n, 11, 2) as integer), cast(substr(yw_idv_n, 13, 2) as integer)) end') }}
{%- endmacro %}


{% macro yw_id_number_division(expr) -%}
{{ return(adapter.dispatch('yw_id_number_division')(expr)) }}
{%- endmacro %}

{% macro default__yw_id_number_division(expr) -%}
{{ yw__let([('yw_idv_n', yw_normalize_id_number(expr))],
    'case when ' ~ yw__id_number_valid('yw_idv_n') ~ ' then substr(yw_idv_n, 1, 6) end') }}
{%- endmacro %}


{% macro yw_id_number_sex(expr) -%}
{{ return(adapter.dispatch('yw_id_number_sex')(expr)) }}
{%- endmacro %}

{% macro default__yw_id_number_sex(expr) -%}
{{ yw__let([('yw_idv_n', yw_normalize_id_number(expr))],
    'case when ' ~ yw__id_number_valid('yw_idv_n') ~ " then case when cast(substr(yw_idv_n, 17, 1) as integer) % 2 = 1"
    ~ " then 'male' else 'female' end end") }}
{%- endmacro %}
