"""The pipeline through real Airflow: api-server, scheduler and dag-processor (LocalExecutor),
metadata in a fresh PostgreSQL database, started with the commands of docker/compose.yaml and
driven through the REST API v2 as a user would (token from the simple auth manager)."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "yiwang" / "warehouse"))

from waiting import file_size, wait_exit, wait_for  # noqa: E402
from warehouse_city import landed_city, open_built  # noqa: E402

__all__ = ["landed_city"]
pytestmark = [pytest.mark.slow, pytest.mark.postgres]
API_SERVER = "airflow-api-server"
SERVICES = (API_SERVER, "airflow-scheduler", "airflow-dag-processor")  # the api-server first
# seconds a quiet machine may go without visible progress (a task state, a log line); the waits
# scale them with the load and share one overall cap (tests/waiting.py)
QUIET_SECONDS = 300


def compose_commands() -> dict[str, list[str]]:
    doc = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text(encoding="utf-8"))
    return {name: service["command"] for name, service in doc["services"].items() if "command" in service}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def native(command: list[str]) -> list[str]:
    """A compose command as run natively: `airflow`/`python` from this virtualenv."""
    bin_dir = Path(sys.executable).parent
    head = {"airflow": str(bin_dir / "airflow"), "python": sys.executable}.get(command[0], command[0])
    return [head, *command[1:]]


def airflow_env(home: Path, workspace: Path, metadata_url: str) -> dict[str, str]:
    from yiwang.orchestrate.local_run import embedded_sources

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "YIWANG_"))}
    env |= {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": metadata_url.replace("+psycopg://", "+psycopg_async://"),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "YIWANG_HOME": str(workspace),
    }
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("YIWANG_HOME", str(workspace))
        env |= embedded_sources()  # the simulator's SQLite stores
    return env


def _get(client: httpx.Client, path: str, **params):
    try:
        response = client.get(path, params=params)
    except httpx.TransportError:
        return None
    return response.json() if response.status_code == 200 else None


@pytest.fixture
def fresh_city(landed_city: Path, tmp_path: Path) -> Path:
    """A workspace with only the tiny city's sources: the pipeline's first run."""
    import shutil

    home = tmp_path / "home"
    shutil.copytree(landed_city / "sources", home / "sources")
    return home


def test_pipeline_through_the_real_scheduler(fresh_city: Path, postgres_database: str, tmp_path: Path):
    from yiwang.simulate.party_api import api_db_path, running

    city_workspace = fresh_city
    home = tmp_path / "airflow"
    home.mkdir()
    env = airflow_env(home, city_workspace, postgres_database)
    # the same DAGs with the extract DAGs manual-only: only the runs this test triggers exist
    # (on unpause the scheduler would otherwise start each cron's latest interval as well)
    config = yaml.safe_load((ROOT / "dags" / "pipelines.yml").read_text(encoding="utf-8"))
    for options in config["dags"]["extract"]["per_platform"].values():
        options["schedule"] = None
    (tmp_path / "pipelines.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    env["YIWANG_PIPELINES_FILE"] = str(tmp_path / "pipelines.yml")
    commands = compose_commands()
    token = secrets.token_urlsafe(16)
    with running(api_db_path(city_workspace / "sources"), token=token) as party:
        env |= {"YIWANG_PARTY_API_URL": party.base_url, "YIWANG_PARTY_API_TOKEN": token}
        init = commands["airflow-init"]
        assert init[:2] == ["bash", "-c"]
        init_log = tmp_path / "airflow-init.log"
        with init_log.open("w") as log:
            done = subprocess.Popen(
                [
                    "bash",
                    "-c",
                    init[2].replace("python ", f"{sys.executable} ").replace("airflow ", f"{native(['airflow'])[0]} "),
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                returncode = wait_exit(done, QUIET_SECONDS, progress=lambda: file_size(init_log))
            finally:
                if done.poll() is None:
                    done.kill()
        output = init_log.read_text(encoding="utf-8", errors="replace")
        assert returncode == 0, output[-5000:]
        assert "yiwang_warehouse_writer" in output
        services = Services(tmp_path, env, commands)
        try:
            port = services.start_api_server()
            for name in SERVICES[1:]:
                services.start(name)
            _drive_pipeline(port, home, city_workspace, tmp_path, services)
        finally:
            services.stop()


class Services:
    """The Airflow services as compose runs them, each logging to tmp_path/<name>.log; a wait that
    sees one of them exited fails at once with the logs' tails, not after its quiet budget."""

    PORT_ATTEMPTS = 3

    def __init__(self, tmp_path: Path, env: dict[str, str], commands: dict[str, list[str]]):
        self.tmp_path, self.env, self.commands = tmp_path, env | {"PYTHONUNBUFFERED": "1"}, commands
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}

    def start(self, name: str, port: int | None = None) -> None:
        command = native(self.commands[name])
        if port is not None:
            command[command.index("--port") + 1] = str(port)
        self.logs[name] = self.tmp_path / f"{name}.log"
        with self.logs[name].open("w") as log:  # the child keeps its own descriptor
            self.processes[name] = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def start_api_server(self) -> int:
        """Start the api-server and wait until it answers; a port taken meanwhile by another test
        process (free_port only reserves it for a moment) means a new port, not a failure."""
        name = API_SERVER
        for attempt in range(self.PORT_ATTEMPTS):
            port = free_port()
            self.env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] = f"http://127.0.0.1:{port}/execution/"
            self.start(name, port)
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
                try:
                    self.wait(
                        "the api-server",
                        lambda: _get(client, "/api/v2/monitor/health"),
                        progress=lambda: file_size(self.logs[name]),
                    )
                    return port
                except AssertionError:
                    log = self.logs[name].read_text(encoding="utf-8", errors="replace").lower()
                    if attempt + 1 == self.PORT_ATTEMPTS or "address already in use" not in log:
                        raise
                    self.processes.pop(name).wait()
        raise AssertionError("unreachable")

    def tails(self, lines: int = 40) -> str:
        out = []
        for name, path in self.logs.items():
            text = path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []
            state = self.processes[name].poll()
            out.append(f"--- {name} ({'running' if state is None else f'exited {state}'}), last lines:")
            out.extend(text[-lines:])
        return "\n".join(out)

    def wait(self, what: str, check, *, progress=None, interval: float = 1.0, started: float | None = None):
        def alive_and(check=check):
            exited = [n for n, p in self.processes.items() if p.poll() is not None]
            if exited:
                raise AssertionError(f"{', '.join(exited)} exited while waiting for {what}")
            return check()

        try:
            return wait_for(what, alive_and, QUIET_SECONDS, progress=progress, interval=interval, started=started)
        except AssertionError as failure:
            raise AssertionError(f"{failure}\n{self.tails()}") from None

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _drive_pipeline(port: int, home: Path, workspace: Path, tmp_path: Path, services: Services) -> None:
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()  # one overall cap for every wait below

    def api_server_log() -> int:  # grows while it starts (the others log heartbeats: no sign)
        return file_size(services.logs[API_SERVER])

    def pipeline_progress() -> tuple:
        """What moves while the DAGs run: run and task states, and the tasks' logs."""
        tasks = _get(api, "/api/v2/dags/~/dagRuns/~/taskInstances", limit=1000) or {}
        keys = ("dag_id", "dag_run_id", "task_id", "state", "try_number")
        states = sorted(tuple(str(t.get(k)) for k in keys) for t in tasks.get("task_instances", []))
        task_logs = sorted((home / "logs").glob("dag_id=*/**/*.log"))  # not the dag-processor's own
        return tuple(states), tuple((str(p), file_size(p)) for p in task_logs)

    # generous client timeouts: a loaded api-server answers slowly, the waits decide what is too slow
    with httpx.Client(base_url=base, timeout=120) as anonymous:
        passwords = services.wait(
            "the generated admin password",
            lambda: (home / "passwords.json").exists(),
            progress=api_server_log,
            started=started,
        )
        assert passwords
        import json

        password = json.loads((home / "passwords.json").read_text())["admin"]
        answer = anonymous.post("/auth/token", json={"username": "admin", "password": password})
        assert answer.status_code in (200, 201), answer.text
        jwt = answer.json()["access_token"]
        assert anonymous.get("/api/v2/dags").status_code == 401  # the API wants the token
    headers = {"Authorization": f"Bearer {jwt}"}
    with httpx.Client(base_url=base, timeout=120, headers=headers) as api:

        def parsed() -> set[str]:
            found = _get(api, "/api/v2/dags", tags=["yiwang"], limit=100)
            return {d["dag_id"] for d in (found or {}).get("dags", [])}

        def dags() -> set[str] | None:
            ids = parsed()
            return ids if len(ids) >= 6 else None

        dag_ids = services.wait(
            "the dag-processor to parse dags/",
            dags,
            progress=lambda: len(parsed()),
            started=started,
        )
        pool = _get(api, "/api/v2/pools/yiwang_warehouse_writer")
        assert pool and pool["slots"] == 1  # the warehouse's single writer
        extract = sorted(d for d in dag_ids if d.startswith("yiwang_extract_"))
        assert len(extract) == 4
        for dag_id in dag_ids:
            assert api.patch(f"/api/v2/dags/{dag_id}", json={"is_paused": False}).status_code == 200
        for dag_id in extract:
            response = api.post(f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None})
            assert response.status_code == 200, response.text

        def runs(dag_id: str) -> list[dict]:
            return (_get(api, f"/api/v2/dags/{dag_id}/dagRuns", limit=50) or {}).get("dag_runs", [])

        def settled():
            states = {d: [r["state"] for r in runs(d)] for d in [*extract, "yiwang_warehouse"]}
            failed = {d: s for d, s in states.items() if "failed" in s}
            assert not failed, f"failed runs: {failed}; logs under {home / 'logs'} and {tmp_path}"
            extracted = all(s and set(s) == {"success"} for d, s in states.items() if d in extract)
            built = states["yiwang_warehouse"] and set(states["yiwang_warehouse"]) == {"success"}
            return extracted and built

        services.wait(
            "the extract DAGs and the asset-triggered warehouse DAG to succeed",
            settled,
            progress=pipeline_progress,
            interval=5,
            started=started,
        )
        time.sleep(8)
        assert services.wait(
            "no further warehouse run pending",
            settled,
            progress=pipeline_progress,
            interval=5,
            started=started,
        )

        [latest, *_] = sorted(runs("yiwang_warehouse"), key=lambda r: r["run_after"], reverse=True)
        assert latest["run_type"] == "asset_triggered"
        tis = _get(api, f"/api/v2/dags/yiwang_warehouse/dagRuns/{latest['dag_run_id']}/taskInstances")
        states = {t["task_id"]: t["state"] for t in tis["task_instances"]}
        assert states["build"] == states["resolve"] == states["marts"] == "success", states
        xcom = _get(
            api,
            f"/api/v2/dags/yiwang_warehouse/dagRuns/{latest['dag_run_id']}/taskInstances/marts/xcomEntries/return_value",
        )
        assert xcom and xcom["value"]["marts"]["people"] > 1000
        events = (_get(api, "/api/v2/assets/events", limit=100) or {}).get("asset_events", [])
        landed = [e["extra"] for e in events if (e.get("uri") or "").startswith("yiwang://landing/")]
        assert {e.get("platform") for e in landed} >= {d.removeprefix("yiwang_extract_") for d in extract}, events
        assert all("rows" in e and "dag_run_id" in e for e in landed)  # counts and run ids only
        assert states["warehouse_gate"] == "success" and states["publish"] == "success", states
        # the published asset triggers the sharing DAG (its tasks skip while SHARING's stages are missing)
        services.wait(
            "the sharing DAG",
            lambda: {r["state"] for r in runs("yiwang_sharing")} == {"success"},
            progress=pipeline_progress,
            interval=5,
            started=started,
        )
        publish = _get(
            api,
            f"/api/v2/dags/yiwang_warehouse/dagRuns/{latest['dag_run_id']}/taskInstances/publish/xcomEntries/return_value",
        )
        version = publish["value"]["version"]
    assert (workspace / "warehouse" / "versions" / f"{version}.duckdb").exists()
    with open_built(workspace) as con:
        assert con.execute("select count(*) from marts.dim_person").fetchone()[0] > 1000
