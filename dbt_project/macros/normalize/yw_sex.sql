{#-
  Sex codes (性别), as in yiwang.normalize.sex.

  yw_decode_sex(expr) → 'male', 'female' or null. Reads the values of yiwang.normalize.SEX_CODES
  that mean male or female (GB/T 2261.1 1/2 and 1.0/2.0, 男/女/男性/女士 …, m/f/male/female/man/
  woman), after text clean-up, lower case and without spaces. Python's decode_sex returns the
  GB/T 2261.1 code ("1", "2", and also "0" unknown / "9" not stated, which give null here).
-#}

{% macro yw_decode_sex(expr) -%}
{{ return(adapter.dispatch('yw_decode_sex')(expr)) }}
{%- endmacro %}

{% macro default__yw_decode_sex(expr) -%}
{%- set c = yw__constants() -%}
{{ yw__let([('yw_sex_k', 'lower(replace(' ~ yw__clean_text(expr) ~ ", ' ', ''))")],
    'case when yw_sex_k in ' ~ yw__in_list(c.sex_male) ~ " then 'male'"
    ~ ' when yw_sex_k in ' ~ yw__in_list(c.sex_female) ~ " then 'female' end") }}
{%- endmacro %}
