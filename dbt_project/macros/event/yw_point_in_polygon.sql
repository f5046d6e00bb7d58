{#- Point-in-polygon for placing events in grids (网格定位), on both targets:
    - DuckDB: the spatial extension (loaded on every dbt connection by the yiwang_spatial plugin,
      from the PyPI package duckdb-extension-spatial): ST_GeomFromText / ST_Point / ST_Intersects,
      which DuckDB runs as a spatial join when both sides are geometry columns.
    - PostgreSQL (no PostGIS here): the built-in geometric types, `point <@ polygon`. The WKT
      ring 'POLYGON((x1 y1, x2 y2, ...))' becomes the polygon literal '((x1,y1),(x2,y2),...)'.
    Any simple polygon (one ring, convex or not) works; holes are not supported. A point on a
    shared edge is inside both polygons: callers break the tie. -#}

{#- The polygon of a WKT text column, as the target's geometry type. -#}
{% macro yw_polygon_from_wkt(wkt) -%}
    {{ return(adapter.dispatch('yw_polygon_from_wkt', 'yiwang')(wkt)) }}
{%- endmacro %}

{% macro duckdb__yw_polygon_from_wkt(wkt) -%}
    st_geomfromtext({{ wkt }})
{%- endmacro %}

{% macro postgres__yw_polygon_from_wkt(wkt) -%}
    cast(
        '(' || regexp_replace(
            regexp_replace({{ wkt }}, '^\s*POLYGON\s*\(\(\s*(.*?)\s*\)\)\s*$', '\1', 'i'),
            '([-+0-9.eE]+)\s+([-+0-9.eE]+)',
            '(\1,\2)',
            'g'
        ) || ')'
        as polygon
    )
{%- endmacro %}

{#- A point from longitude and latitude (WGS84 degrees). -#}
{% macro yw_point(longitude, latitude) -%}
    {{ return(adapter.dispatch('yw_point', 'yiwang')(longitude, latitude)) }}
{%- endmacro %}

{% macro duckdb__yw_point(longitude, latitude) -%}
    st_point({{ longitude }}, {{ latitude }})
{%- endmacro %}

{% macro postgres__yw_point(longitude, latitude) -%}
    point({{ longitude }}, {{ latitude }})
{%- endmacro %}

{#- True when `polygon` (from yw_polygon_from_wkt) contains `point` (from yw_point), edges included. -#}
{% macro yw_polygon_covers(polygon, point) -%}
    {{ return(adapter.dispatch('yw_polygon_covers', 'yiwang')(polygon, point)) }}
{%- endmacro %}

{% macro duckdb__yw_polygon_covers(polygon, point) -%}
    st_intersects({{ polygon }}, {{ point }})
{%- endmacro %}

{% macro postgres__yw_polygon_covers(polygon, point) -%}
    ({{ point }} <@ {{ polygon }})
{%- endmacro %}

{#- The polygon's bounding box edges (degrees): which = xmin, xmax, ymin or ymax. -#}
{% macro yw_polygon_bound(polygon, which) -%}
    {{ return(adapter.dispatch('yw_polygon_bound', 'yiwang')(polygon, which)) }}
{%- endmacro %}

{% macro duckdb__yw_polygon_bound(polygon, which) -%}
    st_{{ which }}({{ polygon }})
{%- endmacro %}

{% macro postgres__yw_polygon_bound(polygon, which) -%}
    {#- box(polygon)[0] is the upper-right corner, [1] the lower-left; a point's [0] is x, [1] y -#}
    {%- set corner = {'xmin': (1, 0), 'xmax': (0, 0), 'ymin': (1, 1), 'ymax': (0, 1)}[which] -%}
    ((box({{ polygon }}))[{{ corner[0] }}])[{{ corner[1] }}]
{%- endmacro %}
