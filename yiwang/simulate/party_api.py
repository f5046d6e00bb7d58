"""The party-building platform's web API (智慧党建), served from the simulator's SQLite file.

`serve(out_dir, host="127.0.0.1", port=8765, token=None) -> None` serves
`<out_dir>/party_building/api.sqlite` until interrupted; `yiwang simulate serve` calls it. The
token is `token`, else env YIWANG_PARTY_API_TOKEN, else DEFAULT_TOKEN (the simulator's
documented default, "yiwang-dev-token"); an empty token refuses to start.

`running(db_path, token, **faults)` starts the same server in a thread on 127.0.0.1 with an
ephemeral port, yields its base URL and stops it after (a context manager, for tests).

Endpoints and fault modes: docs/simulate.md, "The party-building API".
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

TOKEN_ENV = "YIWANG_PARTY_API_TOKEN"
DEFAULT_TOKEN = "yiwang-dev-token"
DEFAULT_PORT = 8765
ENDPOINTS = {
    "/api/v1/household-contacts": "household_contacts",
    "/api/v1/volunteer-records": "volunteer_records",
}
BOOLEAN_COLUMNS = {"isDeleted"}
MAX_PAGE_SIZE = 1000
PLATFORM_ZONE = timezone(timedelta(hours=8))  # Asia/Shanghai has no daylight saving


def api_db_path(out_dir: str | Path) -> Path:
    """Where the simulator writes the API's data: <out_dir>/party_building/api.sqlite."""
    return Path(out_dir) / "party_building" / "api.sqlite"


class _BadRequest(ValueError):
    pass


def _parse_since(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _BadRequest(f"updated_since is not ISO 8601: {value!r}") from None
    return moment


def _int_param(query: dict, name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name, [str(default)])[-1]
    try:
        value = int(raw)
    except ValueError:
        raise _BadRequest(f"{name} must be an integer, not {raw!r}") from None
    if not low <= value <= high:
        raise _BadRequest(f"{name} must be between {low} and {high}")
    return value


class _Handler(BaseHTTPRequestHandler):
    server: PartyApiServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # quiet; never logs headers (token)
        pass

    def _send(self, status: int, doc: dict, headers: dict | None = None, truncate=False) -> None:
        body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if truncate else body)
        if truncate:
            self.close_connection = True

    def do_GET(self) -> None:
        srv = self.server
        number = srv.count_request()
        if srv.delay_seconds:
            threading.Event().wait(srv.delay_seconds)
        if number in srv.drop_requests:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        url = urlparse(self.path)
        if url.path == "/healthz":
            self._send(200, {"status": "ok"})
            return
        if number <= srv.throttle_first:
            self._send(
                429,
                {"code": 429, "message": "too many requests"},
                headers={"Retry-After": str(srv.retry_after)},
            )
            return
        if number in srv.fail_requests:
            self._send(500, {"code": 500, "message": "internal error"})
            return
        table = ENDPOINTS.get(url.path)
        if table is None:
            self._send(404, {"code": 404, "message": f"no such path: {url.path}"})
            return
        if self.headers.get("Authorization", "") != f"Bearer {srv.token}":
            self._send(401, {"code": 401, "message": "missing or wrong bearer token"})
            return
        try:
            doc = srv.page(table, parse_qs(url.query, keep_blank_values=True))
        except _BadRequest as error:
            self._send(400, {"code": 400, "message": str(error)})
            return
        except Exception as error:  # a broken store answers 500, not a dropped connection
            self._send(500, {"code": 500, "message": f"{error.__class__.__name__}: {error}"})
            return
        if number in srv.empty_requests:
            doc["data"]["items"] = []
        self._send(200, doc, truncate=number in srv.truncate_requests)


class PartyApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        db_path: str | Path,
        token: str,
        host: str = "127.0.0.1",
        port: int = 0,
        delay_seconds: float = 0.0,
        throttle_first: int = 0,
        retry_after: float = 1,
        fail_requests: tuple[int, ...] = (),
        truncate_requests: tuple[int, ...] = (),
        drop_requests: tuple[int, ...] = (),
        empty_requests: tuple[int, ...] = (),
    ):
        if not token:
            raise ValueError(f"the party API refuses to start without a token (set {TOKEN_ENV})")
        self.db_path = Path(db_path)
        if not self.db_path.is_file():
            raise FileNotFoundError(f"{self.db_path} does not exist; run `yiwang simulate` first")
        self.token = token
        self.delay_seconds = delay_seconds
        self.throttle_first = throttle_first
        self.retry_after = retry_after
        self.fail_requests = set(fail_requests)
        self.truncate_requests = set(truncate_requests)
        self.drop_requests = set(drop_requests)
        self.empty_requests = set(empty_requests)
        self.requests = 0
        self._lock = threading.Lock()
        self._cache: dict[tuple, list[dict]] = {}  # (table, updated_since, file version) → rows as served
        super().__init__((host, port), _Handler)

    def handle_error(self, request, client_address) -> None:
        """A client that went away (or a dropped connection we made on purpose) is not news."""

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def count_request(self) -> int:
        with self._lock:
            self.requests += 1
            return self.requests

    def _sorted_items(self, table: str, since: str | None) -> list[dict]:
        """The table's rows as served, ordered by (updatedAt, id); parsed once per table, filter
        and version of the database file (a day's changes rewrite it), not once per page."""
        version = os.stat(self.db_path).st_mtime_ns
        key = (table, since, version)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        con = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        try:
            con.row_factory = sqlite3.Row
            rows = con.execute(f'select * from "{table}"').fetchall()  # noqa: S608 - fixed names
        finally:
            con.close()
        items = [dict(r) for r in rows]
        # updatedAt carries an offset: compare and order as instants, not as text
        for item in items:  # stored with or without an offset; served with +08:00
            at = datetime.fromisoformat(item["updatedAt"])
            item["_at"] = at if at.tzinfo else at.replace(tzinfo=PLATFORM_ZONE)
            item["updatedAt"] = item["_at"].isoformat()
        if since:
            moment = _parse_since(since)
            if moment.tzinfo is None:
                raise _BadRequest("updated_since needs an offset, e.g. +08:00")
            items = [i for i in items if i["_at"] >= moment]
        items.sort(key=lambda i: (i["_at"], i["id"]))
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if k[2] == version}  # drop other versions
            self._cache[key] = items
        return items

    def page(self, table: str, query: dict) -> dict:
        page = _int_param(query, "page", 1, 1, 10**9)
        size = _int_param(query, "page_size", 100, 1, MAX_PAGE_SIZE)
        since = query.get("updated_since", [None])[-1]
        items = self._sorted_items(table, since)
        total = len(items)
        chunk = [{k: v for k, v in item.items() if k != "_at"} for item in items[(page - 1) * size : page * size]]
        for item in chunk:
            for column in BOOLEAN_COLUMNS & item.keys():
                item[column] = None if item[column] is None else bool(item[column])
        return {
            "code": 0,
            "message": "ok",
            "data": {"items": chunk, "page": page, "pageSize": size, "total": total},
        }


@contextmanager
def running(db_path: str | Path, token: str = DEFAULT_TOKEN, **faults) -> Iterator[PartyApiServer]:
    """Serve in a background thread on 127.0.0.1 with an ephemeral port; yields the server
    (its `base_url` and `requests`)."""
    server = PartyApiServer(db_path, token, **faults)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def serve(out_dir: str | Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT, token: str | None = None) -> None:
    """Serve <out_dir>/party_building/api.sqlite until interrupted (Ctrl-C)."""
    token = token if token is not None else os.environ.get(TOKEN_ENV, DEFAULT_TOKEN)
    server = PartyApiServer(api_db_path(out_dir), token, host=host, port=port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
