#!/bin/bash
# Superset's start: migrate its metadata, create the admin, register the warehouse (read-only
# role yiwang_reader) as the database "yiwang", then serve. Secrets come from the environment.
set -euo pipefail
superset db upgrade
superset fab create-admin --username admin --firstname yiwang --lastname admin \
  --email admin@example.invalid --password "$SUPERSET_ADMIN_PASSWORD" || true
superset init
superset set-database-uri --database_name yiwang --uri "$YIWANG_WAREHOUSE_READER_URL"
exec gunicorn --bind 0.0.0.0:8088 --workers 2 --timeout 120 "superset.app:create_app()"
