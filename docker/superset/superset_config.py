"""Superset settings for yiwang, in the docker stack and natively (`make bi`): every secret and
location comes from the environment (docker/.env, or yiwang/bi/superset.py's workspace)."""

import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = os.environ["SQLALCHEMY_DATABASE_URI"]
PREVENT_UNSAFE_DB_CONNECTIONS = True
FEATURE_FLAGS = {"DASHBOARD_RBAC": True}
# Dashboards are read on the city's intranet; no example data, no telemetry.
SUPERSET_LOAD_EXAMPLES = False
SCARF_ANALYTICS = False
