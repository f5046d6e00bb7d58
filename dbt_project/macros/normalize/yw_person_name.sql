{#-
  Person names (姓名), as in yiwang.normalize.names.

  yw_normalize_person_name(expr) → the name, or null for placeholders, masks and names with other
                                   characters.

  Steps, in parse_person_name's order: text clean-up (NFC, full-width → half-width, invisible
  characters, spaces); bracketed notes dropped (张三（户主）); traditional → simplified with
  OpenCC t2s's character table (yw__t2s, from the generated constants); placeholders
  (匿名, 不详, 先生, null …) → null; Latin-script names title-cased word by word (ZHANG wei →
  Zhang Wei); separators removed; masks (张某, 张**, 张先生, 王总, a lone surname) → null, unless
  the whole name is a compound surname (太叔); look-alikes of the middle dot (• ・ ． .) → "·",
  and a name of space-separated parts of 2+ characters each and 5+ in all is read as a
  transliteration (阿依古丽 买买提 → 阿依古丽·买买提); anything but Han characters and "·" → null.

  Not in SQL: the surname split, pinyin keys and phonetic keys (use the Python UDFs
  person_name_pinyin_key / person_name_phonetic_key on DuckDB, registered by the plugin), and
  OpenCC's phrase table (t2s converts a few characters differently inside known phrases).
-#}

{% macro yw_normalize_person_name(expr) -%}
{{ return(adapter.dispatch('yw_normalize_person_name')(expr)) }}
{%- endmacro %}

{% macro default__yw_normalize_person_name(expr) -%}
{%- set c = yw__constants() -%}
{%- set seps = ' _—,，、/-' -%}
{%- set bracketed = '[(（\\[【<《][^)）\\]】>》]*[)）\\]】>》]' -%}
{%- set mask_tail = '^.{1,3}([' ~ yw__re_chars(c.name_mask_characters) ~ ']+|' ~ c.name_mask_titles | join('|') ~ ')$' -%}
{{ yw__let([
    ('yw_pn_b', 'trim(' ~ yw__t2s(yw__sub(yw__clean_text(expr), bracketed)) ~ ')'),
    ('yw_pn_k', yw__delete_chars('yw_pn_b', seps)),
  ],
  "case when yw_pn_b is null or yw_pn_b = '' then null"
  ~ " when lower(yw_pn_b) in " ~ yw__in_list(c.name_placeholders) ~ " then null"
  ~ " when not " ~ yw__matches('yw_pn_b', '[0-9A-Za-z' ~ c.han_class ~ ']') ~ " then null"
  ~ " when " ~ yw__matches('yw_pn_b', "^[A-Za-z][A-Za-z .'-]*$") ~ " and not " ~ yw__only_chars('yw_pn_b', 'xX')
  ~ " then " ~ yw__title_case_words('yw_pn_b')
  ~ " when yw_pn_k in " ~ yw__in_list(c.name_placeholders) ~ " then null"
  ~ " when (" ~ yw__has_chars('yw_pn_k', '*＊×?？') ~ " or " ~ yw__matches('yw_pn_k', mask_tail) ~ ")"
  ~ " and yw_pn_k not in " ~ yw__in_list(c.name_compound_surnames) ~ " then null"
  ~ " else " ~ yw__person_name_han('yw_pn_b', seps) ~ " end"
) }}
{%- endmacro %}


{#-
  The dotted or compact form of a Han or transliterated name held in `name` (null if it holds
  anything else); `seps` are the separator characters.
-#}
{% macro yw__person_name_han(name, seps) -%}
{%- set c = yw__constants() -%}
{%- set sep = '[' ~ yw__re_chars(seps) ~ ']' -%}
{%- set not_sep = '[^' ~ yw__re_chars(seps) ~ ']' -%}
{{ yw__let([
    ('yw_pn_o', yw__trim_chars(yw__sub(name, ' *[' ~ yw__re_chars(c.name_dots) ~ ']+ *', '·'), '·')),
    ('yw_pn_t', yw__trim_chars('yw_pn_o', seps)),
    ('yw_pn_j', "case when strpos(yw_pn_o, '·') = 0 and " ~ yw__has_chars('yw_pn_t', seps)
        ~ " and not " ~ yw__matches('yw_pn_t', '(^|' ~ sep ~ ')' ~ not_sep ~ '(' ~ sep ~ '|$)')
        ~ " and length(" ~ yw__delete_chars('yw_pn_t', seps) ~ ") >= 5"
        ~ " then translate(yw_pn_t, " ~ yw__q(seps) ~ ", " ~ yw__q('·' * (seps | length)) ~ ") else yw_pn_o end"),
    ('yw_pn_n', yw__sub(yw__delete_chars('yw_pn_j', seps), '·+', '·')),
  ],
  "case when not " ~ yw__matches('yw_pn_n', '^[' ~ c.han_class ~ '·]+$') ~ " then null"
  ~ " when strpos(yw_pn_n, '·') = 0 and length(yw_pn_n) = 1 then null else yw_pn_n end"
) }}
{%- endmacro %}


{#-
  Traditional → simplified characters, OpenCC t2s character by character. Not translate(): with
  5,000 characters to map it costs 0.4 ms a row on PostgreSQL and 2 ms on DuckDB (which builds
  a map on every call). PostgreSQL looks each character up in a jsonb object built from the
  generated table (a binary search; the literal is parsed once per query). DuckDB tests the row
  with one regex class of all the characters (RE2 compiles it once per query; PostgreSQL would
  take 27 ms to compile it and keeps few compiled patterns) and looks the characters of the
  rows that have one up with strpos().
-#}
{% macro yw__t2s(expr) -%}
{{ return(adapter.dispatch('yw__t2s')(expr)) }}
{%- endmacro %}

{% macro default__yw__t2s(expr) -%}
{%- set c = yw__constants() -%}
{%- set pairs = [] -%}
{%- for i in range(c.t2s_from | length) -%}
  {%- do pairs.append('"' ~ c.t2s_from[i] ~ '":"' ~ c.t2s_to[i] ~ '"') -%}
{%- endfor -%}
{{ yw__let([('yw_t2s', expr)],
  "coalesce((select string_agg(coalesce(cast(" ~ yw__q('{' ~ pairs | join(',') ~ '}') ~ " as jsonb) ->> yw_ch, yw_ch), ''"
  ~ " order by yw_i) from string_to_table(yw_t2s, null) with ordinality as yw_chars (yw_ch, yw_i)), yw_t2s)") }}
{%- endmacro %}

{% macro duckdb__yw__t2s(expr) -%}
{%- set c = yw__constants() -%}
{%- set from_chars = yw__q(c.t2s_from) -%}
{{ yw__let([('yw_t2s', expr)],
  'case when ' ~ yw__matches('yw_t2s', '[' ~ yw__re_chars(c.t2s_from) ~ ']') ~ ' then array_to_string(list_transform('
  ~ "string_split(yw_t2s, ''), lambda yw_ch: case when strpos(" ~ from_chars ~ ', yw_ch) > 0 then substr('
  ~ yw__q(c.t2s_to) ~ ', strpos(' ~ from_chars ~ ", yw_ch), 1) else yw_ch end), '') else yw_t2s end") }}
{%- endmacro %}


{#- Latin-script name: words split at spaces, dots and hyphens, each capitalised, joined by spaces. -#}
{% macro yw__title_case_words(expr) -%}
{{ return(adapter.dispatch('yw__title_case_words')(expr)) }}
{%- endmacro %}

{% macro default__yw__title_case_words(expr) -%}
(select string_agg(upper(substr(yw_w, 1, 1)) || lower(substr(yw_w, 2)), ' ' order by yw_i)
 from regexp_split_to_table({{ expr }}, {{ yw__re('[ .-]+') }}) with ordinality as yw_words (yw_w, yw_i)
 where yw_w <> '')
{%- endmacro %}

{% macro duckdb__yw__title_case_words(expr) -%}
array_to_string(list_transform(
    list_filter(string_split_regex({{ expr }}, {{ yw__re('[ .-]+') }}), lambda yw_w: yw_w <> ''),
    lambda yw_w: upper(substr(yw_w, 1, 1)) || lower(substr(yw_w, 2))), ' ')
{%- endmacro %}
