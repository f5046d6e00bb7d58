-- 联系电话历史 (phone history): each grid-platform resident record's phone over time, normalised
-- (联系电话 lxdh), from the landing zone's history of 实有人口 zz_syrk.
{{ yw_history_periods(
    'grid_platform', 'zz_syrk', 'rkbh',
    tracked=yw_normalize_phone('landed.lxdh', var('yw_default_area_code')),
    changed_at=yw_source_time_to_utc('grid_platform', 'zz_syrk', 'gxsj', 'landed.gxsj'),
    first_valid_from=yw_source_time_to_utc('grid_platform', 'zz_syrk', 'djsj', 'landed.djsj'),
) }}
