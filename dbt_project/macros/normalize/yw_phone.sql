{#-
  Phone numbers (电话号码), as in yiwang.normalize.phone.

  yw_normalize_phone(expr, default_area_code=none)
      → mobile '13812345678', landline '0575-88123456' or service number '12345', else null.

  The rules are parse_phone's: +86, 0086, a bare 86 and a trunk 0 before a mobile are removed;
  a landline's area code length follows from its first digit (010 and 02x: 3 digits with the 0,
  others 4), the local number has 7-8 digits and does not start with 0 or 1; an extension
  (转, 分机, ext, #, or a trailing group after a separator) is dropped; masked numbers
  (138****5678) and numbers with other letters give null; a cell with several numbers (split at
  , ; 、 | 或, and at / when every side has 7+ digits) gives the first valid one. A bare local
  number (88123456) needs default_area_code ('0575' or '575'), else it gives null.
-#}

{% macro yw_normalize_phone(expr, default_area_code=none) -%}
{{ return(adapter.dispatch('yw_normalize_phone')(expr, default_area_code)) }}
{%- endmacro %}

{% macro default__yw_normalize_phone(expr, default_area_code=none) -%}
{#- a float tail (13812345678.0) and a dangling extension marker (…转) go first, in one pass -#}
{%- set text = yw__sub(yw__clean_text(expr, code=true), '(?i)([0-9])\\.0+$|(转|轉|分机|分機|ext\\.?|#) *$', '\\1') -%}
{{ yw__phone_first_valid(text, default_area_code) }}
{%- endmacro %}


{#- Where a cell holds several numbers. -#}
{% macro yw__phone_split_pattern() -%}
[,;，；、|]|或| {2,}
{%- endmacro %}

{#- `name` holds a part with a "/" whose every side has 7 or more digits. -#}
{% macro yw__phone_slash_splits(name) -%}
(strpos({{ name }}, '/') > 0 and not {{ yw__matches(name, '(^|/)([^0-9/]*[0-9]){0,6}[^0-9/]*(/|$)') }})
{%- endmacro %}


{#- The first non-null yw__phone_one over the parts of the text `text_sql`, in order. -#}
{% macro yw__phone_first_valid(text_sql, default_area_code) -%}
{{ return(adapter.dispatch('yw__phone_first_valid')(text_sql, default_area_code)) }}
{%- endmacro %}

{% macro default__yw__phone_first_valid(text_sql, default_area_code) -%}
(select yw_ph_v from (
   select {{ yw__phone_one('yw_ph_q', default_area_code) }} as yw_ph_v, yw_ph_i, yw_ph_j
   from regexp_split_to_table({{ text_sql }}, {{ yw__re(yw__phone_split_pattern()) }}) with ordinality as yw_ph_a (yw_ph_p, yw_ph_i)
   cross join lateral unnest(
     case when {{ yw__phone_slash_splits('yw_ph_p') }} then string_to_array(yw_ph_p, '/')
          when {{ yw__has_chars('yw_ph_p', '0123456789') }} then array[yw_ph_p]
          else cast(array[] as text[]) end
   ) with ordinality as yw_ph_b (yw_ph_q, yw_ph_j)
 ) as yw_ph_r
 where yw_ph_v is not null order by yw_ph_i, yw_ph_j limit 1)
{%- endmacro %}

{% macro duckdb__yw__phone_first_valid(text_sql, default_area_code) -%}
list_filter(list_transform(flatten(list_transform(
    string_split_regex({{ text_sql }}, {{ yw__re(yw__phone_split_pattern()) }}),
    lambda yw_ph_p: case when {{ yw__phone_slash_splits('yw_ph_p') }} then string_split(yw_ph_p, '/')
                         when {{ yw__has_chars('yw_ph_p', '0123456789') }} then [yw_ph_p]
                         else cast([] as varchar[]) end)),
  lambda yw_ph_q: {{ yw__phone_one('yw_ph_q', default_area_code) }}),
  lambda yw_ph_v: yw_ph_v is not null)[1]
{%- endmacro %}


{#- One number (parse_phone's _parse_one), `name` holding its text; null unless valid. -#}
{% macro yw__phone_one(name, default_area_code) -%}
{%- set ext = '(?i)^(.*)(转|轉|分机|分機|ext\\.?|extension|ex\\.?|x|#) *[:：]? *([0-9]{1,6}) *$' -%}
{%- set noise = '(?i)[ ()+./（）\\[\\]{}<>:：-]|电话|手机|座机|联系|tel|phone|mob|no' -%}
{%- set country = '^(\\+|00) *([0-9]{1,3})(.*)$' -%}
{%- set mask = '[*＊×]|[0-9][xX]{2,}|[xX]{2,}[0-9]' -%}
{%- set digits = '0123456789' -%}
{%- set area = none if not default_area_code else '0' ~ (default_area_code | string).lstrip('0') -%}
{{ yw__let([
    ('yw_ph1_e', yw__matches(name, ext) ~ ' and length(' ~ yw__keep_chars(yw__group(name, ext, 1), digits) ~ ') >= 7'),
    ('yw_ph1_x', 'case when yw_ph1_e then ' ~ yw__group(name, ext, 3) ~ ' end'),
    ('yw_ph1_p', 'case when yw_ph1_e then ' ~ yw__group(name, ext, 1) ~ ' else ' ~ name ~ ' end'),
    ('yw_ph1_s', 'trim(yw_ph1_p)'),
    ('yw_ph1_i', yw__matches('yw_ph1_s', country)),
    ('yw_ph1_c', 'case when yw_ph1_i then ' ~ yw__group('yw_ph1_s', country, 2) ~ ' end'),
    ('yw_ph1_r', "case when yw_ph1_i then substr(yw_ph1_c, 3) || " ~ yw__group('yw_ph1_s', country, 3) ~ " else yw_ph1_p end"),
    ('yw_ph1_g', yw__keep_chars('yw_ph1_r', digits)),
    ('yw_ph1_l', "ltrim(yw_ph1_g, '0')"),
    ('yw_ph1_m', "yw_ph1_i and length(yw_ph1_l) = 11 and yw_ph1_l like '1%'"),
    ('yw_ph1_d', "case when yw_ph1_i and yw_ph1_m then yw_ph1_l when yw_ph1_i then '0' || yw_ph1_l"
        ~ " when length(yw_ph1_g) = 13 and yw_ph1_g like '861%' then substr(yw_ph1_g, 3)"
        ~ " when length(yw_ph1_g) = 12 and yw_ph1_g like '01%' and substr(yw_ph1_g, 3, 1) in ('3', '4', '5', '6', '7', '8', '9')"
        ~ " then substr(yw_ph1_g, 2) else yw_ph1_g end"),
    ('yw_ph1_t', "case when yw_ph1_i and not yw_ph1_m then '0 ' || yw_ph1_r else yw_ph1_r end"),
  ],
  'case when ' ~ yw__matches(name, mask) ~ ' then null'
  ~ " when " ~ yw__sub(yw__delete_chars('yw_ph1_p', digits), noise) ~ " <> '' then null"
  ~ " when yw_ph1_i and yw_ph1_c not like '86%' then null"
  ~ " when yw_ph1_g = '' then null"
  ~ " when length(yw_ph1_d) = 11 and yw_ph1_d like '1%' and substr(yw_ph1_d, 2, 1) in ('3', '4', '5', '6', '7', '8', '9')"
  ~ " then yw_ph1_d"
  ~ " when length(yw_ph1_d) = 11 and yw_ph1_d like '1%' and not " ~ yw__phone_is_service('yw_ph1_d') ~ " then null"
  ~ " when " ~ yw__phone_is_service('yw_ph1_d') ~ " and yw_ph1_x is null then yw_ph1_d"
  ~ " when yw_ph1_d like '0%' and length(yw_ph1_d) >= 10 then " ~ yw__phone_landline('yw_ph1_d', 'yw_ph1_t', 'yw_ph1_x')
  ~ " when length(yw_ph1_d) between 7 and 8 and substr(yw_ph1_d, 1, 1) not in ('0', '1') then "
  ~ (yw__phone_landline(yw__q(area) ~ ' || yw_ph1_d', yw__q(area ~ ' ') ~ ' || yw_ph1_t', 'yw_ph1_x') if area else 'null')
  ~ " end"
) }}
{%- endmacro %}


{#-
  phone.SERVICE_PATTERNS on a string of digits: 3-digit 10x-12x (110, 120, 122), 5-digit 10xxx-
  12xxx (12345, 10086), 95xxx/96xxx of 5-8 digits, 400/800 numbers of 10 digits.
-#}
{% macro yw__phone_is_service(digits) -%}
((length({{ digits }}) in (3, 5) and substr({{ digits }}, 1, 2) in ('10', '11', '12'))
 or (length({{ digits }}) between 5 and 8 and substr({{ digits }}, 1, 2) in ('95', '96'))
 or (length({{ digits }}) = 10 and substr({{ digits }}, 1, 3) in ('400', '800')))
{%- endmacro %}


{#-
  A landline: `digits` starts with the trunk 0; `grouped` is the text the digits came from, whose
  separators tell where a trailing extension group starts (0575-88123456-801); `extension` is
  the extension found by a marker, or null.
-#}
{% macro yw__phone_landline(digits, grouped, extension) -%}
{{ yw__let([
    ('yw_ph2_d', digits),
    ('yw_ph2_a', "case when substr(yw_ph2_d, 2, 1) in ('1', '2') then 3 else 4 end"),
    ('yw_ph2_r', 'substr(yw_ph2_d, yw_ph2_a + 1)'),
    ('yw_ph2_l', "case when length(yw_ph2_r) > 8 and " ~ extension ~ " is null then case"
        ~ " when " ~ yw__phone_group_ends_at(grouped, 'yw_ph2_a', 8)
        ~ " and length(yw_ph2_d) - (yw_ph2_a + 8) between 1 and 6 then substr(yw_ph2_d, yw_ph2_a + 1, 8)"
        ~ " when " ~ yw__phone_group_ends_at(grouped, 'yw_ph2_a', 7)
        ~ " and length(yw_ph2_d) - (yw_ph2_a + 7) between 1 and 6 then substr(yw_ph2_d, yw_ph2_a + 1, 7)"
        ~ " else yw_ph2_r end else yw_ph2_r end"),
  ],
  "case when substr(yw_ph2_d, 2, 1) = '1' and substr(yw_ph2_d, 3, 1) <> '0' then null"
  ~ " when length(yw_ph2_l) between 7 and 8 and substr(yw_ph2_l, 1, 1) not in ('0', '1')"
  ~ " then substr(yw_ph2_d, 1, yw_ph2_a) || '-' || yw_ph2_l end"
) }}
{%- endmacro %}

{#- Boolean: in `grouped`, a run of digits ends after digit number area length + local_length. -#}
{% macro yw__phone_group_ends_at(grouped, area_length, local_length) -%}
(({{ area_length }} = 3 and {{ yw__matches(grouped, yw__phone_boundary_pattern(3 + local_length)) }})
 or ({{ area_length }} = 4 and {{ yw__matches(grouped, yw__phone_boundary_pattern(4 + local_length)) }}))
{%- endmacro %}

{% macro yw__phone_boundary_pattern(position) -%}
^[^0-9]*([0-9][^0-9]*){{ '{' ~ (position - 1) ~ '}' }}[0-9][^0-9]+[0-9]
{%- endmacro %}
