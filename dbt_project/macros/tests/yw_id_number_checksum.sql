{#- Generic test: a row that says its ID number (公民身份号码) is valid must hold a number that
    passes the GB 11643 check (ISO 7064 MOD 11-2 check character, a real birth date, a known
    province): the rows where `column_name` (the validity flag) is true and the check fails.

        columns:
          - name: id_number_is_valid
            data_tests:
              - yw_id_number_checksum:
                  arguments: {id_number_column: id_number}

    The check is the normalisers' own (yw_id_number_is_valid, macros/normalize/yw_id_number.sql),
    so the warehouse and the staging layer judge numbers the same way on both targets. -#}
{% test yw_id_number_checksum(model, column_name, id_number_column) %}
select
    {{ adapter.quote(id_number_column) }} as id_number,
    {{ column_name }} as is_valid_flag
from {{ model }}
where {{ column_name }}
    and not {{ yw_id_number_is_valid(adapter.quote(id_number_column)) }}
{% endtest %}
