{#- Every source code is decoded: rows where `code_column` holds a value and the decoded column
    is null carry a code missing from the contract's code list. -#}
{% test decoded_from(model, column_name, code_column) %}
select {{ code_column }} as undecoded_code, count(*) as row_count
from {{ model }}
where {{ code_column }} is not null and {{ column_name }} is null
group by {{ code_column }}
{% endtest %}
