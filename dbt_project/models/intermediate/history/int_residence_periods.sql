-- 居住历史 (residence history): each grid-platform resident record's house over time, from the
-- landing zone's history of 实有人口 zz_syrk. A move (the house number 房屋编号 fwbh changes) opens
-- a period at the record's update time 更新时间 gxsj; a delete at the source closes it.
{{ yw_history_periods(
    'grid_platform', 'zz_syrk', 'rkbh',
    tracked='landed.fwbh',
    changed_at=yw_source_time_to_utc('grid_platform', 'zz_syrk', 'gxsj', 'landed.gxsj'),
    first_valid_from=yw_source_time_to_utc('grid_platform', 'zz_syrk', 'djsj', 'landed.djsj'),
) }}
