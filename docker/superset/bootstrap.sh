#!/bin/bash
# Superset's start, the same in the docker stack and natively (`make bi`, yiwang/bi/superset.py):
# migrate its metadata, create the admin, import the dashboards (./dashboards, Superset's export
# format) with their database "yiwang" pointed at the warehouse's read-only role, then serve.
# Secrets come from the environment; SUPERSET_BOOTSTRAP_ONLY=1 stops before serving.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dashboards="${YIWANG_DASHBOARDS_DIR:-$here/dashboards}"
export FLASK_APP="${FLASK_APP:-superset.app:create_app()}"  # the `fab` commands look for it
: "${SUPERSET_ADMIN_PASSWORD:?}" "${YIWANG_WAREHOUSE_READER_URL:?}"

superset db upgrade
# An admin that exists already is left as it is (create-admin says so and exits 0).
superset fab create-admin --username admin --firstname yiwang --lastname admin \
  --email admin@example.invalid --password "$SUPERSET_ADMIN_PASSWORD"
superset init

bundle="$(mktemp -d)/yiwang_dashboards.zip"
python "$here/bundle.py" "$dashboards" "$bundle"  # the export, its database pointed at the warehouse
superset import-dashboards --path "$bundle" --username admin
rm -rf "$(dirname "$bundle")"

if [ -n "${SUPERSET_BOOTSTRAP_ONLY:-}" ]; then exit 0; fi
exec gunicorn --bind "${SUPERSET_BIND:-0.0.0.0:8088}" --workers "${SUPERSET_WORKERS:-2}" --threads 4 \
  --timeout 120 "superset.app:create_app()"
