"""Real processes for the fault suite: a private Redis, Celery workers, gunicorn, and a way to
hold an ingest at a known point (a table lock) so a fault lands mid-way, not by luck of timing.

Everything listens on loopback ports picked free at start, runs in its own process group, and is
stopped by the fixture that started it (SIGKILL of the group as a last resort). Every wait has a
deadline. The shared Redis on 6379 is never touched: the Redis faults use a private server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], object], *, timeout: float, what: str, every=0.1):
    """Return the first truthy value of `condition()`; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def shared_database_url() -> str:
    """Return the URL of the test database this test process uses (its committed rows are seen
    by the processes started here, as in production)."""
    params = connection.settings_dict
    user = params["USER"] or "postgres"
    auth = f"{user}:{params['PASSWORD']}" if params["PASSWORD"] else user
    return (
        f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/"
        f"{params['NAME']}"
    )


def admin_connection() -> psycopg.Connection:
    """Return a separate autocommit connection to the test database (not Django's)."""
    return psycopg.connect(shared_database_url(), autocommit=True)


class Process:
    """A child process in its own process group, its output kept in a log file."""

    def __init__(self, argv: list[str], *, env: dict[str, str], log: Path) -> None:
        self.argv, self.env, self.log = argv, env, log
        self.popen: subprocess.Popen | None = None

    def start(self) -> Process:
        out = open(self.log, "ab")  # noqa: SIM115 (handed to the child, closed below)
        try:
            self.popen = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            out.close()
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group at once (a crash: nothing runs its shutdown)."""
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)

    def stop(self) -> None:
        """Stop the group politely, then by force after ten seconds."""
        if self.popen is None or self.popen.poll() is not None:
            if self.popen is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


class PrivateRedis:
    """A Redis server of this test only, on a free loopback port, without persistence: when it
    is killed and started again its queues are empty, as after a crash of a cache-only Redis."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: Process | None = None

    def start(self) -> None:
        server = shutil.which("redis-server")
        assert server, "redis-server is required by the fault suite"
        self.process = Process(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            env=dict(os.environ),
            log=self.directory / "redis.log",
        ).start()  # fmt: skip
        wait_until(self.ping, timeout=30, what="the private Redis")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def crash(self) -> None:
        assert self.process is not None
        self.process.kill()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


def service_env(*, broker_url: str, **extra: str) -> dict[str, str]:
    """Return the environment of a Clearroom process on the test database and `broker_url`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DATABASE_URL=shared_database_url(),
        CELERY_BROKER_URL=broker_url,
        CLEARROOM_GENERATE_SECRETS="1",
        SECURE_COOKIES="0",
        STATIC_MANIFEST="0",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def celery_worker(env: dict[str, str], log: Path, name: str) -> Process:
    """Start a Celery worker (prefork, one child) and wait until it consumes."""
    worker = Process(
        [str(VENV_BIN / "celery"), "-A", "config", "worker", "--pool", "prefork",
         "--concurrency", "1", "--loglevel", "INFO", "--hostname", f"{name}@faults",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env=env,
        log=log,
    ).start()  # fmt: skip
    wait_until(
        lambda: "ready." in worker.output() or not worker.alive(),
        timeout=90,
        what="the Celery worker to be ready",
        every=0.2,
    )
    assert worker.alive(), worker.output()
    return worker


GUNICORN_HOOKS = '''
import os

def pre_request(worker, req):
    """Write the pid of the worker serving a request tagged X-Fault-Tag into the tag's file."""
    for name, value in req.headers:
        if name.upper() == "X-FAULT-TAG":
            with open(os.path.join(os.environ["FAULT_PID_DIR"], value), "w") as out:
                out.write(str(worker.pid))
'''


def gunicorn(env: dict[str, str], directory: Path) -> tuple[Process, str]:
    """Start gunicorn with two sync workers; return it and its base URL once it answers."""
    port = free_port()
    hooks = directory / "gunicorn_hooks.py"
    hooks.write_text(GUNICORN_HOOKS)
    server = Process(
        [str(VENV_BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--timeout", "120", "--config", str(hooks)],
        env={**env, "FAULT_PID_DIR": str(directory)},
        log=directory / "gunicorn.log",
    ).start()  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        assert server.alive(), server.output()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    wait_until(answers, timeout=90, what="gunicorn to listen", every=0.2)
    return server, base


@contextlib.contextmanager
def submissions_held() -> Iterator[psycopg.Connection]:
    """Hold a SHARE lock on the submission table: reads go on, but an ingest that reaches its
    insert waits there (its status already committed and claimed), until the block is left."""
    conn = admin_connection()
    try:
        conn.execute("BEGIN")
        conn.execute("LOCK TABLE sharing_submission IN SHARE MODE")
        yield conn
    finally:
        with contextlib.suppress(psycopg.Error):
            conn.execute("ROLLBACK")
        conn.close()


def waiting_backend(*, timeout: float = 120) -> int:
    """Return the pid of the backend waiting for the submission table (the ingest, held)."""
    with admin_connection() as admin:

        def find() -> int | None:
            row = admin.execute(
                "SELECT pid FROM pg_locks WHERE NOT granted "
                "AND relation = 'sharing_submission'::regclass LIMIT 1"
            ).fetchone()
            return row[0] if row else None

        return wait_until(find, timeout=timeout, what="an ingest to reach the submission insert")


def backend_gone(pid: int, *, timeout: float = 60) -> None:
    with admin_connection() as admin:
        wait_until(
            lambda: (
                admin.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid]
                ).fetchone()[0]
                == 0
            ),
            timeout=timeout,
            what=f"backend {pid} to end",
        )


class DatabaseProxy:
    """A loopback TCP proxy in front of PostgreSQL that can be cut and restored: while cut,
    every open session is dropped and new connections are refused, which is what the
    application sees of a database restart or fail-over (the shared server is never touched).
    """

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._guard = threading.Lock()

    def url(self) -> str:
        base, _, name = shared_database_url().rpartition("/")
        return f"{base.rpartition('@')[0]}@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed: cut
            try:
                server = socket.create_connection(self.upstream, timeout=10)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._guard:
                self._sockets |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def cut(self) -> None:
        """Refuse new connections and drop every open one."""
        if self._listener is not None:
            # shutdown() first: a bare close() leaves the socket listening while accept() waits.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._guard:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def restore(self) -> None:
        self.start()
