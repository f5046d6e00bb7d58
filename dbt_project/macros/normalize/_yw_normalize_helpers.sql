{#-
  Helpers shared by the yw_* normalisers. Everything that differs between DuckDB and PostgreSQL
  lives in this file or in a duckdb__/postgres__ macro next to its user; the normalisers
  themselves are written once, in SQL both engines accept.

  Regular expressions. DuckDB uses RE2, PostgreSQL its own ARE engine. The patterns here use
  only what both read the same way: [0-9] rather than \d (PostgreSQL's \d and [[:alpha:]] depend
  on the locale), explicit character lists rather than \s and \w, no lookaround and no lazy
  quantifiers, (?i) only at the start, and \] \[ \\ \- \^ as the only escapes inside brackets.
  PostgreSQL keeps only 32 compiled patterns per session (MAX_CACHED_RES in regexp.c); a query
  that cycles through more recompiles them on every row, which made a model using all the
  macros 100 times slower. So character tests use translate() where they can (yw__only_chars,
  yw__has_chars, yw__keep_chars), large character classes are never compiled on PostgreSQL,
  and every pattern goes through yw__re, which marks it with /*yw:re*/ so that
  tests/dbt/normalize/ can count them (all macros together stay well under 32).
-#}

{#- SQL string literal of a Jinja string. -#}
{% macro yw__q(value) -%}
'{{ value | replace("'", "''") }}'
{%- endmacro %}

{#- SQL literal of a regular expression (marked for the pattern count). -#}
{% macro yw__re(pattern) -%}
/*yw:re*/{{ yw__q(pattern) }}
{%- endmacro %}

{#- Characters for use inside a regex bracket expression. -#}
{% macro yw__re_chars(chars) -%}
{{ chars | replace('\\', '\\\\') | replace(']', '\\]') | replace('[', '\\[') | replace('^', '\\^') | replace('-', '\\-') }}
{%- endmacro %}

{#- SQL list of string literals for `in (...)`. -#}
{% macro yw__in_list(values) -%}
({% for v in values %}{{ yw__q(v) }}{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}


{#-
  yw__let(bindings, body): evaluate body with names bound to expressions, so that a value used
  many times (a cleaned ID number in 17 checksum terms) is written and computed once.
  bindings is a list of (name, sql) pairs; each sql may use the names bound before it.
  PostgreSQL: one scalar subquery with a LATERAL chain; "offset 0" keeps the planner from pulling
  the subqueries up, which would paste each expression into every place its name is used (and
  grow the expression exponentially through the chain).
  DuckDB: a chain of lambdas over one-element lists that carries a struct, one field per name
  (the names in the SQL are rewritten to struct fields). One lambda per name nested inside the
  previous one would also work, but DuckDB's cost grows steeply with nested lambdas that capture
  outer parameters: the phone macro took a second to plan and 80 µs a row to run that way.
-#}
{% macro yw__let(bindings, body) -%}
{{ return(adapter.dispatch('yw__let')(bindings, body)) }}
{%- endmacro %}

{% macro default__yw__let(bindings, body) -%}
(select {{ body }} from {% for name, value in bindings -%}
{%- if not loop.first %} cross join lateral {% endif -%}
(select {{ value }} as {{ name }} offset 0) as {{ name }}_
{%- endfor %})
{%- endmacro %}

{% macro duckdb__yw__let(bindings, body) -%}
{%- set param = 'yw_let_' ~ bindings[0][0] -%}
{%- set ns = namespace(sql='', names=[]) -%}
{%- for name, value in bindings -%}
  {%- if loop.first -%}
    {%- set ns.sql = "{'" ~ name ~ "': " ~ value ~ "}" -%}
  {%- else -%}
    {%- set ns.sql = 'list_transform([' ~ ns.sql ~ '], lambda ' ~ param ~ ': struct_insert(' ~ param ~ ', ' ~ name
        ~ ' := ' ~ yw__as_fields(value, ns.names, param) ~ '))[1]' -%}
  {%- endif -%}
  {%- do ns.names.append(name) -%}
{%- endfor -%}
list_transform([{{ ns.sql }}], lambda {{ param }}: {{ yw__as_fields(body, ns.names, param) }})[1]
{%- endmacro %}

{#- `sql` with each of `names` (as a whole word) replaced by the field of the struct `param`. -#}
{% macro yw__as_fields(sql, names, param) -%}
{%- if names -%}
{{ modules.re.sub('\\b(' ~ names | join('|') ~ ')\\b', param ~ '.\\1', sql) }}
{%- else -%}
{{ sql }}
{%- endif -%}
{%- endmacro %}


{#- Boolean: does the regex `pattern` (Jinja string, not quoted) match anywhere in expr? -#}
{% macro yw__matches(expr, pattern) -%}
{{ return(adapter.dispatch('yw__matches')(expr, pattern)) }}
{%- endmacro %}

{% macro default__yw__matches(expr, pattern) -%}
({{ expr }} ~ {{ yw__re(pattern) }})
{%- endmacro %}

{% macro duckdb__yw__matches(expr, pattern) -%}
regexp_matches({{ expr }}, {{ yw__re(pattern) }})
{%- endmacro %}


{#- Replace every match of `pattern` by `replacement` (both Jinja strings, not quoted). -#}
{% macro yw__sub(expr, pattern, replacement='') -%}
regexp_replace({{ expr }}, {{ yw__re(pattern) }}, {{ yw__q(replacement) }}, 'g')
{%- endmacro %}

{#- Group `group` of an anchored pattern ^...$; only meaningful where the pattern matches. -#}
{% macro yw__group(expr, pattern, group) -%}
regexp_replace({{ expr }}, {{ yw__re(pattern) }}, {{ yw__q('\\' ~ group) }})
{%- endmacro %}


{#- Character tests and edits with translate() (no regular expression). -#}
{% macro yw__only_chars(expr, chars) -%}
(translate({{ expr }}, {{ yw__q(chars) }}, '') = '')
{%- endmacro %}

{% macro yw__has_chars(expr, chars) -%}
(translate({{ expr }}, {{ yw__q(chars) }}, '') <> {{ expr }})
{%- endmacro %}

{% macro yw__delete_chars(expr, chars) -%}
translate({{ expr }}, {{ yw__q(chars) }}, '')
{%- endmacro %}

{#- Only the characters of `chars` (deletes the others); `name` should be a bound name. -#}
{% macro yw__keep_chars(name, chars) -%}
translate({{ name }}, translate({{ name }}, {{ yw__q(chars) }}, ''), '')
{%- endmacro %}

{#- Strip any of `chars` from both ends (Python's str.strip(chars)). -#}
{% macro yw__trim_chars(expr, chars) -%}
{{ return(adapter.dispatch('yw__trim_chars')(expr, chars)) }}
{%- endmacro %}

{% macro default__yw__trim_chars(expr, chars) -%}
btrim({{ expr }}, {{ yw__q(chars) }})
{%- endmacro %}

{% macro duckdb__yw__trim_chars(expr, chars) -%}
trim({{ expr }}, {{ yw__q(chars) }})
{%- endmacro %}


{#-
  translate(name, from_chars, to_chars), also deleting `delete_chars`. PostgreSQL: plainly
  (its cost is length(from_chars) steps per character, small for the width table). DuckDB:
  only on the rows that hold one of those characters, because DuckDB's translate() builds a map
  of from_chars on every call, while its regexes are compiled once per query.
-#}
{% macro yw__translate(name, from_chars, to_chars, delete_chars='') -%}
{{ return(adapter.dispatch('yw__translate')(name, from_chars, to_chars, delete_chars)) }}
{%- endmacro %}

{% macro default__yw__translate(name, from_chars, to_chars, delete_chars='') -%}
{%- set translated = 'translate(' ~ name ~ ', ' ~ yw__q(from_chars) ~ ', ' ~ yw__q(to_chars) ~ ')' -%}
{%- if delete_chars -%}
translate({{ translated }}, {{ yw__q(delete_chars) }}, '')
{%- else -%}
{{ translated }}
{%- endif -%}
{%- endmacro %}

{% macro duckdb__yw__translate(name, from_chars, to_chars, delete_chars='') -%}
case when {{ yw__matches(name, '[' ~ yw__re_chars(from_chars ~ delete_chars) ~ ']') }}
     then {{ default__yw__translate(name, from_chars, to_chars, delete_chars) }} else {{ name }} end
{%- endmacro %}


{#- Unicode NFC (canonical composition; also folds CJK compatibility ideographs). -#}
{% macro yw__nfc(expr) -%}
{{ return(adapter.dispatch('yw__nfc')(expr)) }}
{%- endmacro %}

{% macro default__yw__nfc(expr) -%}
normalize({{ expr }}, NFC)
{%- endmacro %}

{% macro duckdb__yw__nfc(expr) -%}
nfc_normalize({{ expr }})
{%- endmacro %}


{#- The input as text, whatever its type. -#}
{% macro yw__text(expr) -%}
cast(({{ expr }}) as varchar)
{%- endmacro %}


{#-
  yiwang.normalize.text: fold full-width ASCII and U+3000 to half-width, every Unicode space and
  line break to a space, drop invisible and control characters, collapse runs of spaces, trim,
  and unwrap Excel's force-text marks ('0575 and ="0575"). `code` also folds dash look-alikes
  to "-" (normalize_code_text); otherwise NFC is applied first (normalize_text). Python's
  normalize_code_text applies full NFKC, which SQL does not: other compatibility forms (①, ㈠,
  superscripts) stay as they are.
-#}
{% macro yw__clean_text(expr, code=false) -%}
{%- set c = yw__constants() -%}
{%- set prefix = 'code_text_' if code else 'free_text_' -%}
{%- set raw = yw__text(expr) if code else yw__nfc(yw__text(expr)) -%}
{%- set folded = yw__translate('yw_txt0', c[prefix ~ 'from'], c[prefix ~ 'to'], c[prefix ~ 'delete']) -%}
{{ yw__let(
    [('yw_txt0', raw), ('yw_txt', 'trim(' ~ yw__sub(folded, '  +', ' ') ~ ')')],
    "trim(case when yw_txt like '=\"%\"' and length(yw_txt) >= 3 then substr(yw_txt, 3, length(yw_txt) - 3)"
    ~ " when yw_txt like '''%' and length(yw_txt) > 1 then substr(yw_txt, 2) else yw_txt end)"
) }}
{%- endmacro %}


{#- The weighted sum of the first len(weights) characters of `name`, `value_of` mapping '@' (one
    character) to its value. -#}
{% macro yw__weighted_sum(name, weights, value_of) -%}
({% for w in weights %}{{ value_of | replace('@', 'substr(' ~ name ~ ', ' ~ loop.index ~ ', 1)') }} * {{ w }}{% if not loop.last %} + {% endif %}{% endfor %})
{%- endmacro %}


{#-
  yw_disable_jit(): a pre-hook for models that call these macros on PostgreSQL. The macros make
  large expressions; PostgreSQL's JIT compiler (on above jit_above_cost) spends seconds per
  query compiling them and never wins it back (11 macro columns: 3.5 s without JIT and 17 s with
  it on 12,000 rows; 32 s and 38 s on 116,000). Renders `set local jit = off` on PostgreSQL
  (for the model's transaction only) and nothing on DuckDB, where dbt skips an empty hook:
      models: {yiwang: {staging: {+pre-hook: "{{ yw_disable_jit() }}"}}}
-#}
{% macro yw_disable_jit() -%}
{{ return(adapter.dispatch('yw_disable_jit')()) }}
{%- endmacro %}

{% macro default__yw_disable_jit() -%}
{%- endmacro %}

{% macro postgres__yw_disable_jit() -%}
set local jit = off
{%- endmacro %}
