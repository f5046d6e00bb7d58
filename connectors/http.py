"""HTTP JSON API connector: paged GETs with a bearer token, bounded retries with backoff.

Retried, with exponential backoff and full jitter (honouring Retry-After): timeouts, refused or
dropped connections, truncated or unparsable bodies, 429 and 5xx. Not retried: 401, 403 and 404
(and other 4xx), which fail at once with a clear error. The token travels only in the
Authorization header; no message, manifest or log line carries it.

The page protocol is the party-building API's: `?page=1&page_size=N&updated_since=ISO`, answer
`{"code": 0, "data": {"items": [...], "page": p, "pageSize": s, "total": t}}`, ordered by the
cursor then the id.
"""

from __future__ import annotations

import http.client
import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from connectors.base import SourceError, SourceRead, Unit
from yiwang.contracts import SourceTable

NO_RETRY = {
    400: "bad request",
    401: "unauthorised (check the token)",
    403: "forbidden",
    404: "not found (check the base URL and endpoint)",
}


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_seconds: float = 0.5
    cap_seconds: float = 30.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Full jitter: uniform(0, min(cap, base * 2**attempt)), at least Retry-After."""
        jitter = random.uniform(0, min(self.cap_seconds, self.base_seconds * 2**attempt))
        return max(jitter, min(retry_after or 0.0, self.cap_seconds))


class HttpJsonClient:
    """GET JSON with a bearer token and the retry policy; counts attempts for tests and logs."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.attempts = 0
        self.retries: list[str] = []

    def get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        url = f"{self.base_url}{path}?{query}"
        where = f"GET {self.base_url}{path}"
        last = ""
        for attempt in range(self.retry.max_attempts):
            self.attempts += 1
            retry_after = None
            request = urllib.request.Request(url, headers={"Accept": "application/json"})
            if self._token:
                request.add_header("Authorization", f"Bearer {self._token}")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    body = response.read()
                doc = json.loads(body.decode("utf-8"))
                if not isinstance(doc, dict) or doc.get("code") != 0:
                    raise SourceError(f"{where}: API error {str(doc)[:200]}")
                return doc
            except urllib.error.HTTPError as error:
                status = error.code
                error.close()
                if status in NO_RETRY or (400 <= status < 500 and status != 429):
                    reason = NO_RETRY.get(status, "client error")
                    raise SourceError(f"{where}: HTTP {status} {reason}; not retried") from None
                last = f"HTTP {status}"
                if status == 429:
                    try:
                        retry_after = float(error.headers.get("Retry-After", ""))
                    except ValueError:
                        retry_after = None
            except TimeoutError as error:
                last = f"timeout ({error.__class__.__name__})"
            except http.client.IncompleteRead as error:
                last = f"truncated body ({len(error.partial)} bytes)"
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError) as error:
                last = f"{error.__class__.__name__}: {getattr(error, 'reason', error)}"
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                last = f"unparsable or truncated body ({error.__class__.__name__})"
            if attempt + 1 < self.retry.max_attempts:
                self.retries.append(last)
                self.sleep(self.retry.delay(attempt, retry_after))
        # retried here already: not read again in this run, but a later run may find it up
        raise SourceError(f"{where}: gave up after {self.retry.max_attempts} attempts; last: {last}", kind="transient")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class HttpSource:
    """One paged endpoint (the contract's `endpoint`), incremental on the contract's cursor."""

    def __init__(
        self,
        client: HttpJsonClient,
        contract: SourceTable,
        timezone: str,
        page_size: int = 500,
        batch_size: int = 50_000,
    ):
        if not contract.endpoint:
            raise SourceError(f"{contract.qualified_name}: the contract has no endpoint")
        self.client = client
        self.contract = contract
        self.zone = ZoneInfo(timezone)
        self.page_size = page_size
        self.batch_size = batch_size
        self.description = f"{client.base_url}{contract.endpoint}"

    def close(self) -> None:
        pass

    def units(self, since: Any, taken_files: dict[str, str], full: bool) -> list[Unit]:
        if full or since is None:
            return [Unit(label="full", since=None, snapshot=True)]
        return [Unit(label="window", since=since)]

    def _since(self, since: Any) -> str | None:
        if since is None:
            return None
        if isinstance(since, datetime):
            moment = since if since.tzinfo else since.replace(tzinfo=self.zone)
            return moment.isoformat()
        return str(since)

    def read(self, unit: Unit) -> SourceRead:
        params = {"page": 1, "page_size": self.page_size, "updated_since": self._since(unit.since)}
        first = self.client.get(self.contract.endpoint, params)
        data = first.get("data") or {}
        items = data.get("items") or []
        names = list(dict.fromkeys(k for item in items for k in item)) or self.contract.column_names
        schema = pa.schema([(n, pa.string()) for n in names])
        total = data.get("total")

        keys = self.contract.primary_key

        def pages() -> Iterator[list[dict]]:
            # Offset paging over rows ordered by updatedAt: a row updated while we page moves to
            # the end and pushes an unread row back onto a page already read. Seeing a key twice
            # is the sign; the read is then started over (a transient error, bounded retries).
            seen: set[tuple] = set()
            page, current = 1, items
            while current:
                for item in current:
                    key = tuple(item.get(k) for k in keys)
                    if key in seen:
                        raise SourceError(
                            f"{self.description}: rows moved between pages while reading (key {key} "
                            "seen twice); reading again",
                            transient=True,
                        )
                    seen.add(key)
                yield current
                if total is not None and page * self.page_size >= total:
                    break
                if len(current) < self.page_size:
                    break
                page += 1
                data = self.client.get(self.contract.endpoint, dict(params, page=page)).get("data") or {}
                if total is not None and data.get("total") != total:
                    # a row deleted while we page shifts an unread row onto a page already read
                    raise SourceError(
                        f"{self.description}: the announced count changed from {total} to "
                        f"{data.get('total')} while paging",
                        transient=True,
                    )
                current = data.get("items") or []
            # what the API announced must be what was read: an empty or short page in the middle
            # is a short read, never "reconciled"
            if total is not None and len(seen) != total:
                raise SourceError(
                    f"{self.description}: the API announced {total} records but {len(seen)} were read "
                    f"(page {page} came back short)",
                    transient=True,
                )

        def batches() -> Iterator[pa.RecordBatch]:
            chunk: list[dict] = []
            for page_items in pages():
                chunk += page_items
                if len(chunk) >= self.batch_size:
                    yield self._batch(chunk, schema)
                    chunk = []
            if chunk:
                yield self._batch(chunk, schema)

        return SourceRead(schema=schema, batches=batches(), window_count=total)

    def _batch(self, items: list[dict], schema: pa.Schema) -> pa.RecordBatch:
        extra = {k for item in items for k in item} - set(schema.names)
        if extra:
            raise SourceError(f"{self.description}: items gained fields {sorted(extra)} mid-read")
        return pa.RecordBatch.from_arrays(
            [pa.array([_text(item.get(n)) for item in items], type=pa.string()) for n in schema.names],
            schema=schema,
        )
