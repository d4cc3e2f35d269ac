"""Embedded ClickHouse (chdb) in a child process, so that Cancel really stops a query.

chdb runs in-process and its own cancel waits for the query to finish, so each source
keeps one chdb connection in a spawned child and cancelling kills that child; the next
query starts a fresh one. A query that exhausts memory also dies there, not in the app.
Results come back as Arrow IPC bytes.
"""

from __future__ import annotations

import contextlib
import importlib.util
import multiprocessing
import threading
from multiprocessing.connection import Connection
from typing import Any

import pyarrow as pa

from funnel_gui.core.sql.source import QueryCancelled
from funnel_gui.core.sql.sources.clickhouse_sql import SETTINGS, refusal
from funnel_gui.core.sql.sources.urls import SourceError

_OK, _ERROR = b"K", b"E"


def serve(pipe: Connection, database: str) -> None:  # pragma: no cover - runs in the child
    """The child's loop: one SQL text in, Arrow IPC bytes (or an error line) out."""
    import chdb

    db = chdb.connect(database)  # type: ignore[no-untyped-call, unused-ignore]
    for name, value in SETTINGS.items():
        db.query(f"SET {name} = {value}")
    while True:
        sql = pipe.recv()
        if sql is None:
            return
        try:
            table = db.query(sql, "Arrowtable")
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            pipe.send_bytes(_OK + sink.getvalue().to_pybytes())
        except Exception as exc:  # the message goes back to the parent as text
            pipe.send_bytes(_ERROR + str(exc).encode("utf-8", "replace"))


class ChdbProcess:
    """One chdb connection in a child process; `query` from one thread, `cancel` from any."""

    def __init__(self, database: str) -> None:
        # Say "install funnel-gui[clickhouse]" now, not in the child; chdb itself (a large
        # library) is loaded only there.
        if importlib.util.find_spec("chdb") is None:
            raise SourceError("install funnel-gui[clickhouse] to open clickhouse sources")
        self._database = database
        self._lock = threading.Lock()  # one query at a time
        self._state = threading.Lock()  # guards _running/_cancelled against cancel()
        self._running = False
        self._process: Any = None
        self._pipe: Connection | None = None
        self._cancelled = False

    def query(self, sql: str) -> pa.Table:
        with self._lock:
            pipe = self._start()
            with self._state:
                self._cancelled, self._running = False, True
            try:
                pipe.send(sql)
                reply = pipe.recv_bytes()
            except (EOFError, OSError) as exc:
                self._stop()
                if self._cancelled:
                    raise QueryCancelled("The query was cancelled.") from exc
                raise SourceError("The embedded ClickHouse (chdb) stopped unexpectedly.") from exc
            finally:
                with self._state:
                    self._running = False
        if reply[:1] == _ERROR:
            raise SourceError(refusal(reply[1:].decode("utf-8", "replace")))
        return pa.ipc.open_stream(reply[1:]).read_all()

    def cancel(self) -> None:
        """Kill the child if a query is in flight (the next query starts a new one)."""
        with self._state:
            process = self._process
            if self._running and process is not None and process.is_alive():
                self._cancelled = True
                process.kill()

    def close(self) -> None:
        with self._lock:
            if self._pipe is not None and self._process is not None and self._process.is_alive():
                with contextlib.suppress(OSError):
                    self._pipe.send(None)
                self._process.join(timeout=5)
            self._stop()

    def _start(self) -> Connection:
        if self._pipe is not None and self._process is not None and self._process.is_alive():
            return self._pipe
        self._stop()
        # spawn, not fork: the app has threads (Qt, workers) that fork would copy broken.
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=serve, args=(child, self._database), daemon=True)
        process.start()
        child.close()
        self._process, self._pipe = process, parent
        return parent

    def _stop(self) -> None:
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join(timeout=5)
            self._process.close()
        if self._pipe is not None:
            self._pipe.close()
        self._process, self._pipe = None, None
