{#- Generic test: the combination of `columns` is unique in the model (a composite primary
    key such as dim_division's (division_code, valid_from_date)); rows returned are duplicates. -#}
{% test yw_unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
