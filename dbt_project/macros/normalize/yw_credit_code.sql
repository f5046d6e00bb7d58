{#-
  Unified social credit codes (统一社会信用代码, GB 32100), as in yiwang.normalize.credit_code.

  yw_normalize_credit_code(expr) → the cleaned 18-character code over 0-9 and A-Z without
                                   I, O, Z, S, V, or null. A code holding I, O, Z, S or V is
                                   repaired (→ 1, 0, 2, 5, U) only when the repaired code is valid.
                                   Does not check the code otherwise: pair with
                                   yw_credit_code_is_valid (Python's normalize_credit_code
                                   returns only valid codes).
  yw_credit_code_is_valid(expr)  → boolean, never null: registering authority and entity type of
                                   GB 32100, a division code of 6 digits with a province prefix
                                   (or 10, national), and the MOD 31 check character (weights
                                   3^i mod 31).

  Cleaning as parse_credit_code: full-width → half-width, trimmed with quotes and brackets,
  spaces, dashes, underscores, dots and slashes removed, upper case. Legacy 15-digit
  registration numbers and 9-character organisation codes give null.
-#}

{% macro yw_normalize_credit_code(expr) -%}
{{ return(adapter.dispatch('yw_normalize_credit_code')(expr)) }}
{%- endmacro %}

{% macro default__yw_normalize_credit_code(expr) -%}
{%- set c = yw__constants() -%}
{%- set cleaned = yw__delete_chars(yw__trim_chars(yw__clean_text(expr, code=true), c.credit_quotes ~ ' '), ' -_./\\') -%}
{{ yw__let([
    ('yw_ccn_c', 'upper(' ~ cleaned ~ ')'),
    ('yw_ccn_r', 'translate(yw_ccn_c, ' ~ yw__q(c.credit_confusables_from) ~ ', ' ~ yw__q(c.credit_confusables_to) ~ ')'),
  ],
  'case when length(yw_ccn_c) = 18 and ' ~ yw__only_chars('yw_ccn_c', c.credit_alphabet) ~ ' then yw_ccn_c'
  ~ ' when length(yw_ccn_c) = 18 and ' ~ yw__only_chars('yw_ccn_c', '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ')
  ~ ' and ' ~ yw__credit_code_valid('yw_ccn_r') ~ ' then yw_ccn_r end'
) }}
{%- endmacro %}


{#- The GB 32100 check character of the first 17 characters of `name`. -#}
{% macro yw__credit_code_check_character(name) -%}
{%- set c = yw__constants() -%}
{%- set alphabet = yw__q(c.credit_alphabet) -%}
substr({{ alphabet }}, (31 - {{ yw__weighted_sum(name, c.credit_weights, '(strpos(' ~ alphabet ~ ', @) - 1)') }} % 31) % 31 + 1, 1)
{%- endmacro %}


{#- Boolean over an 18-character code over the alphabet held in `name` (null when name is null). -#}
{% macro yw__credit_code_valid(name) -%}
{%- set c = yw__constants() -%}
({{ name }} is not null
  and substr({{ name }}, 1, 2) in {{ yw__in_list(c.credit_authority_types) }}
  and {{ yw__only_chars('substr(' ~ name ~ ', 3, 6)', '0123456789') }}
  and substr({{ name }}, 3, 2) in {{ yw__in_list(c.credit_division_prefixes) }}
  and substr({{ name }}, 18, 1) = {{ yw__credit_code_check_character(name) }})
{%- endmacro %}


{% macro yw_credit_code_is_valid(expr) -%}
{{ return(adapter.dispatch('yw_credit_code_is_valid')(expr)) }}
{%- endmacro %}

{% macro default__yw_credit_code_is_valid(expr) -%}
{{ yw__let([('yw_ccv_n', yw_normalize_credit_code(expr))], 'coalesce(' ~ yw__credit_code_valid('yw_ccv_n') ~ ', false)') }}
{%- endmacro %}
