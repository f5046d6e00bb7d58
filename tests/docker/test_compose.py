"""docker/compose.yaml checked statically (no Docker engine here): services, images, commands,
environment, volumes, health checks, secrets only by reference; commands runnable natively."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from waiting import run

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
AIRFLOW_SERVICES = {
    "airflow-api-server": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery",
}
ONE_SHOT = {"airflow-init", "simulator"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text(encoding="utf-8"))


def test_the_stack_has_every_service(compose):
    services = compose["services"]
    expected = set(AIRFLOW_SERVICES) | ONE_SHOT | {"postgres", "redis", "legacy-postgres", "legacy-mariadb"}
    assert expected | {"party-api", "superset"} <= set(services)
    for name, sub in AIRFLOW_SERVICES.items():
        assert services[name]["command"][:2] == ["airflow", sub], name
    assert services["airflow-worker"]["command"] == ["airflow", "celery", "worker"]


def test_airflow_runs_celery_on_redis_with_postgres_metadata(compose):
    for name in AIRFLOW_SERVICES:
        env = compose["services"][name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert (
            env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
            and "@redis:6379" in env["AIRFLOW__CELERY__BROKER_URL"]
        )
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg://airflow:")
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith("@postgres:5432/airflow")
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/yiwang/dags"
        assert env["YIWANG_WAREHOUSE_TARGET"] == "postgres"
        assert "yiwang-data:/opt/yiwang/var" in compose["services"][name]["volumes"]
        depends = compose["services"][name]["depends_on"]
        assert depends["airflow-init"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"


def test_platform_credentials_are_airflow_connections_named_by_the_registry(compose):
    env = compose["services"]["airflow-worker"]["environment"]
    ids = set()
    for path in (ROOT / "connectors").glob("*/tables.yml"):
        registry = yaml.safe_load(path.read_text(encoding="utf-8"))
        for conn in registry["connections"].values():
            if conn["credentials"].get("airflow_conn_id") and conn["kind"] == "sql":
                ids.add(conn["credentials"]["airflow_conn_id"])
    assert ids
    for conn_id in ids:
        assert f"AIRFLOW_CONN_{conn_id.upper()}" in env, conn_id


def test_long_running_services_have_health_checks(compose):
    for name, service in compose["services"].items():
        if name in ONE_SHOT:
            assert service.get("restart") == "no", name
            continue
        check = service.get("healthcheck")
        assert check and check["test"][0] in ("CMD", "CMD-SHELL"), f"{name} has no health check"
        assert check.get("interval") and check.get("retries"), name


def test_images_are_pinned_and_yiwang_is_built_here(compose):
    for name, service in compose["services"].items():
        image = service["image"]
        if image.startswith("yiwang/"):
            assert service["build"]["dockerfile"] == "docker/Dockerfile", name
        else:
            assert re.fullmatch(r"[a-z/]+:\d+(\.\d+)*", image), f"{name}: pin {image}"
    dockerfile = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM apache/airflow:3\.\d+\.\d+-python3\.11$", dockerfile, re.M)
    for folder in ("dags", "dbt_project", "connectors", "schemas", "yiwang"):
        assert f"COPY --chown=airflow:root {folder} ./{folder}" in dockerfile


def test_secrets_only_by_reference():
    text = (DOCKER / "compose.yaml").read_text(encoding="utf-8")
    # every password or key is a ${VAR} from docker/.env, never a literal
    keys = r"^\s+([A-Z_]*(?:PASSWORD|SECRET|TOKEN|FERNET_KEY)[A-Z_]*):\s*(\S+)"
    for match in re.finditer(keys, text, re.M):
        if not match.group(1).endswith("_FILE"):
            assert match.group(2).startswith("${"), match.group(0)
    for match in re.finditer(r"://([^:@/\s]+):([^@\s]+)@", text):
        assert match.group(2).startswith("${"), match.group(0)
    referenced = set(re.findall(r"(?<!\$)\$\{([A-Z_]+)", text))  # $${X} is the container's own
    example = (DOCKER / ".env.example").read_text(encoding="utf-8")
    declared = set(re.findall(r"^([A-Z_]+)=", example, re.M))
    assert referenced == declared
    assert all(line.endswith("=") for line in example.splitlines() if re.match(r"^[A-Z_]+=", line))


def test_volumes_and_mounted_files_exist(compose):
    declared = set(compose["volumes"])
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (DOCKER / source).exists(), f"{name}: {source}"
            else:
                assert source in declared, f"{name}: {source}"
    assert declared <= {v.split(":")[0] for s in compose["services"].values() for v in s.get("volumes", [])}


def test_init_creates_the_databases_the_services_use():
    script = (DOCKER / "postgres" / "init.sh").read_text(encoding="utf-8")
    for database in ("airflow", "yiwang", "superset"):
        assert f"create database {database} owner" in script
    assert "yiwang_reader" in script  # Superset reads the warehouse read-only
    assert subprocess.run(["bash", "-n", str(DOCKER / "postgres" / "init.sh")]).returncode == 0
    assert subprocess.run(["bash", "-n", str(DOCKER / "superset" / "bootstrap.sh")]).returncode == 0


def test_superset_reads_the_warehouse_read_only(compose):
    env = compose["services"]["superset"]["environment"]
    assert env["YIWANG_WAREHOUSE_READER_URL"].startswith("postgresql://yiwang_reader:")
    assert env["YIWANG_WAREHOUSE_READER_URL"].endswith("@postgres:5432/yiwang")


@pytest.mark.parametrize(
    "service", ["airflow-scheduler", "airflow-dag-processor", "airflow-triggerer", "airflow-api-server"]
)
def test_airflow_commands_run_natively(compose, service):
    """The same command exists in this virtualenv's Airflow (tests/dags/test_real_scheduler.py runs three)."""
    command = compose["services"][service]["command"]
    airflow = str(Path(sys.executable).parent / "airflow")
    done = run([airflow, *command[1:2], "--help"], 120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_yiwang_commands_run_natively(compose):
    for service in ("simulator", "party-api"):
        command = compose["services"][service]["command"]
        assert command[0] == "yiwang"
        yiwang = shutil.which("yiwang", path=str(Path(sys.executable).parent))
        args = [
            a for a in command[1:] if not a.startswith("--") and not a[0].isdigit() and a not in ("small", "native")
        ]
        done = run([yiwang, *args[:2], "--help"], 120)
        assert done.returncode == 0, done.stderr[-2000:]
        for option in [a for a in command if a.startswith("--")]:
            assert option in done.stdout, f"{service}: {option}"
    init = compose["services"]["airflow-init"]["command"]
    assert "python -m yiwang.orchestrate.setup" in init[2]
