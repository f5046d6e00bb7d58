"""`yiwang airflow` (`make airflow`): the real Airflow UI on the workspace `yiwang run` uses.

Starts `airflow api-server`, `airflow scheduler` and `airflow dag-processor` from this
virtualenv, on the same AIRFLOW_HOME and SQLite metadata as `yiwang run` (local_run.configure())
and the project's dags/, prints the URL and the login, and stops all three on Ctrl-C. The UI
shows every DAG run `yiwang run` made, with its task logs, and can trigger the DAGs itself (the
scheduler's LocalExecutor runs them on the same workspace). See docs/airflow.md.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SERVICES = ("api-server", "scheduler", "dag-processor")
ADMIN = "admin"
READY_SECONDS = 300.0  # the api-server's first start migrates nothing but loads the whole UI


@dataclass
class Airflow:
    """The running services: their processes, the URL, where the password and logs are."""

    url: str
    passwords_file: Path
    log_dir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def password(self) -> str | None:
        """The admin password the simple auth manager generated (None until the api-server wrote it)."""
        import json

        try:
            return json.loads(self.passwords_file.read_text(encoding="utf-8")).get(ADMIN)
        except (OSError, ValueError):
            return None

    def exited(self) -> dict[str, int]:
        return {name: p.returncode for name, p in self.processes.items() if p.poll() is not None}


def service_env(home: Path, host: str, port: int) -> dict[str, str]:
    """The services' environment: yiwang run's Airflow configuration plus the web server's."""
    from yiwang.orchestrate.local_run import embedded_sources
    from yiwang.orchestrate.task_logs import TASK_LOG_DIR_ENV

    env = dict(os.environ) | embedded_sources()
    env.pop(TASK_LOG_DIR_ENV, None)  # the scheduler's tasks have Airflow's own log files
    env |= {
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "simple_auth_manager_passwords.json.generated"),
        "AIRFLOW__API__BASE_URL": f"http://{host}:{port}/",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{host}:{port}/execution/",
        # one signing key for the three processes (the scheduler's task tokens, the UI's logins);
        # a new one per start, never written down
        "AIRFLOW__API_AUTH__JWT_SECRET": env.get("AIRFLOW__API_AUTH__JWT_SECRET") or secrets.token_urlsafe(32),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
    }
    return env


def _command(service: str, host: str, port: int) -> list[str]:
    airflow = str(Path(sys.executable).parent / "airflow")
    if service == "api-server":
        return [airflow, "api-server", "--host", host, "--port", str(port)]
    return [airflow, service]


def start(host: str = "127.0.0.1", port: int = 8080) -> Airflow:
    """Prepare the metadata (migrate, pools), then start the three services; logs under
    <AIRFLOW_HOME>/logs/services/."""
    from yiwang.orchestrate.config import load_config
    from yiwang.orchestrate.local_run import configure, prepare_airflow

    os.environ["YIWANG_HOME"] = str(Path(os.environ.get("YIWANG_HOME") or "var/yiwang").resolve())
    home = configure()
    prepare_airflow(load_config())
    env = service_env(home, host, port)
    log_dir = home / "logs" / "services"
    log_dir.mkdir(parents=True, exist_ok=True)
    airflow = Airflow(
        url=f"http://{host}:{port}/",
        passwords_file=Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]),
        log_dir=log_dir,
    )
    try:
        for service in SERVICES:
            with (log_dir / f"{service}.log").open("ab") as log:
                airflow.processes[service] = subprocess.Popen(
                    _command(service, host, port),
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # Ctrl-C reaches us; we stop them in order
                )
    except BaseException:
        stop(airflow)
        raise
    return airflow


def healthy(airflow: Airflow) -> dict | None:
    """The api-server's health report once the metadata, scheduler and dag-processor are healthy."""
    import httpx

    try:
        response = httpx.get(f"{airflow.url}api/v2/monitor/health", timeout=5)
        report = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None
    wanted = ("metadatabase", "scheduler", "dag_processor")
    if report and all((report.get(part) or {}).get("status") == "healthy" for part in wanted):
        return report
    return None


def wait_ready(airflow: Airflow, seconds: float = READY_SECONDS) -> dict:
    """Wait for healthy(); a service that exits first is an error naming its log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        gone = airflow.exited()
        if gone:
            name, code = next(iter(gone.items()))
            raise RuntimeError(f"airflow {name} exited with {code}; see {airflow.log_dir / (name + '.log')}")
        report = healthy(airflow)
        if report:
            return report
        time.sleep(1)
    raise TimeoutError(f"Airflow not healthy at {airflow.url} after {seconds:.0f} s; logs in {airflow.log_dir}")


def stop(airflow: Airflow, seconds: float = 30.0) -> None:
    """SIGTERM to each service's process group, then SIGKILL to whatever is left."""
    for process in airflow.processes.values():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + seconds
    for process in airflow.processes.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
    for process in airflow.processes.values():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the group: the api-server's workers too
        process.wait()


@contextlib.contextmanager
def running(host: str = "127.0.0.1", port: int = 8080) -> Iterator[Airflow]:
    airflow = start(host, port)
    try:
        yield airflow
    finally:
        stop(airflow)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(host: str = "127.0.0.1", port: int = 8080) -> bool:
    """Start, print where to log in, and keep running until Ctrl-C (or SIGTERM); False when a
    service stopped by itself."""
    from rich.console import Console

    from yiwang.orchestrate.local_run import party_api

    console = Console()
    signal.signal(signal.SIGTERM, _interrupt)
    stopped_alone: dict[str, int] = {}
    with party_api(), running(host, port) as airflow:
        console.print(f"starting Airflow's {', '.join(SERVICES)} (logs: {airflow.log_dir}) …")
        try:
            wait_ready(airflow)
            console.print(f"[bold green]Airflow UI:[/bold green] {airflow.url}")
            console.print(
                f"login: user [bold]{ADMIN}[/bold], password: the value for {ADMIN} in {airflow.passwords_file} "
                "(Airflow's simple auth manager generates it once and keeps it)"
            )
            console.print(f"AIRFLOW_HOME: {os.environ['AIRFLOW_HOME']}   Ctrl-C stops the three services")
            while not (stopped_alone := airflow.exited()):
                time.sleep(1)
            console.print(f"[red]a service stopped by itself: {stopped_alone}[/red]; see {airflow.log_dir}")
        except KeyboardInterrupt:
            console.print("stopping Airflow …")
    console.print("Airflow stopped")
    return not stopped_alone


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
