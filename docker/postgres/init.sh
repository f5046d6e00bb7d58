#!/bin/bash
# First start of the stack's PostgreSQL: one role and database each for Airflow's metadata, the
# warehouse and Superset, plus a read-only warehouse role for BI. Passwords come from the
# environment (docker/.env), never from this file.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username postgres \
  -v airflow_pw="$AIRFLOW_DB_PASSWORD" -v warehouse_pw="$WAREHOUSE_DB_PASSWORD" \
  -v superset_pw="$SUPERSET_DB_PASSWORD" -v reader_pw="${WAREHOUSE_READER_PASSWORD:-$WAREHOUSE_DB_PASSWORD}" <<'SQL'
create role airflow login password :'airflow_pw';
create database airflow owner airflow;
create role yiwang login password :'warehouse_pw';
create database yiwang owner yiwang;
create role yiwang_reader login password :'reader_pw';
grant connect on database yiwang to yiwang_reader;
create role superset login password :'superset_pw';
create database superset owner superset;
\connect yiwang
alter default privileges for role yiwang grant select on tables to yiwang_reader;
SQL
