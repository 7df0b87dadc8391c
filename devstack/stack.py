"""Stack: the whole vote pipeline on loopback as plain processes (this host has no systemd).

Attributes other code relies on:
  state_dir          everything the stack writes: stack.json (ports, generated passwords, pids), logs/, postgres/,
                     redis/. Tests and benchmarks use their own state dir and ports, so they never meet `make dev`.
  ports              Ports(postgres, redis, zookeeper, broker, api)
  api_url            http://127.0.0.1:<api port>
  redis_url          redis://default:<password>@127.0.0.1:<port>/0
  database_url       postgresql://votelab:<password>@127.0.0.1:<port>/votelab (the owner role)
  bootstrap_servers  127.0.0.1:<broker port>
  admin_token        bearer token of the /admin endpoints
  handles            {component name: ProcessHandle} of what runs now (postgres, redis, zookeeper, broker, api,
                     consumer, ...)
Methods: start_/stop_ each of postgres, redis, zookeeper, broker, api, consumer (plus kill_broker, kill_consumer,
kill_api), migrate(),
up(), down(), env() (the VOTELAB_* environment for app processes), settings(), spawn() for extra components.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg2
import redis
from pydantic import SecretStr

from app.core.kafka_admin import ensure_topics
from app.core.settings import Settings
from devstack.kafka import ZOOKEEPER_SESSION_TIMEOUT_MS, broker_command, zookeeper_command
from devstack.process import ProcessHandle, port_open, wait_until

REPO_ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
COMPONENT_ORDER = ("postgres", "redis", "zookeeper", "broker", "api", "consumer")


@dataclass(frozen=True)
class Ports:
    """Loopback ports of one stack."""

    postgres: int
    redis: int
    zookeeper: int
    broker: int
    api: int


DEV_PORTS = Ports(postgres=25432, redis=26379, zookeeper=22181, broker=29092, api=8000)
TEST_PORTS = Ports(postgres=25532, redis=26479, zookeeper=22281, broker=29192, api=8100)
BENCH_PORTS = Ports(postgres=25632, redis=26579, zookeeper=22381, broker=29292, api=8200)
# tests/security (its extra API processes take 8301 and 8302); tests/browser uses 25832/26779/22581/29492/8400
SECURITY_PORTS = Ports(postgres=25732, redis=26679, zookeeper=22481, broker=29392, api=8300)


class Stack:
    """One local pipeline; see the module docstring for the attributes."""

    def __init__(self, state_dir: Path, ports: Ports = DEV_PORTS, python: str = sys.executable) -> None:
        self.state_dir = Path(state_dir).resolve()
        self.python = python
        self.log_dir = self.state_dir / "logs"
        self.handles: dict[str, ProcessHandle] = {}
        state = self._load_state()
        self.ports = Ports(**state["ports"]) if state else ports
        self.secrets: dict[str, str] = (
            state["secrets"]
            if state
            else {
                "postgres_superuser": secrets.token_urlsafe(18),
                "postgres_votelab": secrets.token_urlsafe(18),
                "redis": secrets.token_urlsafe(18),
                "admin_token": secrets.token_urlsafe(24),
            }
        )
        if state:
            self.handles = {n: ProcessHandle.from_dict(h) for n, h in state.get("processes", {}).items()}

    # ---- connection details -------------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        """Base URL of the API."""
        return f"http://127.0.0.1:{self.ports.api}"

    @property
    def redis_url(self) -> str:
        """Redis URL with the generated password."""
        return f"redis://default:{self.secrets['redis']}@127.0.0.1:{self.ports.redis}/0"

    @property
    def database_url(self) -> str:
        """PostgreSQL URL of the votelab owner role."""
        return f"postgresql://votelab:{self.secrets['postgres_votelab']}@127.0.0.1:{self.ports.postgres}/votelab"

    @property
    def bootstrap_servers(self) -> str:
        """Kafka bootstrap address of the broker."""
        return f"127.0.0.1:{self.ports.broker}"

    @property
    def admin_token(self) -> str:
        """Bearer token of the admin endpoints."""
        return self.secrets["admin_token"]

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for app processes: this stack's VOTELAB_* settings plus extra overrides."""
        env = dict(os.environ)
        env.update(
            {
                "VOTELAB_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
                "VOTELAB_REDIS_URL": self.redis_url,
                "VOTELAB_DATABASE_URL": self.database_url,
                "VOTELAB_ADMIN_TOKEN": self.admin_token,
                "VOTELAB_API_HOST": "127.0.0.1",
                "VOTELAB_API_PORT": str(self.ports.api),
                # every local client is 127.0.0.1: a production-sized vote limit would throttle tests and benchmarks
                # (tests of the limit start an API with a low one)
                "VOTELAB_RATE_LIMIT_VOTES": "100000000",
                "PYTHONPATH": str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(extra)
        return env

    def settings(self, **overrides: Any) -> Settings:
        """Settings pointing at this stack (for in-process clients in tests and benchmarks)."""
        values: dict[str, Any] = {
            "kafka_bootstrap_servers": self.bootstrap_servers,
            "redis_url": SecretStr(self.redis_url),
            "database_url": SecretStr(self.database_url),
            "admin_token": SecretStr(self.admin_token),
            "api_port": self.ports.api,
        }
        values.update(overrides)
        return Settings(**values)

    # ---- state file ---------------------------------------------------------------------------------------
    def _state_path(self) -> Path:
        return self.state_dir / "stack.json"

    def _load_state(self) -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = json.loads(self._state_path().read_text())
            return data
        except (OSError, ValueError):
            return None

    def save(self) -> None:
        """Write ports, secrets and pids so `python -m devstack down|status` can find this stack."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.state_dir, 0o755)  # the postgres user must traverse it
        data = {
            "ports": asdict(self.ports),
            "secrets": self.secrets,
            "processes": {n: h.to_dict() for n, h in self.handles.items()},
        }
        path = self._state_path()
        path.write_text(json.dumps(data, indent=2))
        os.chmod(path, 0o600)

    def spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None, **kw: Any) -> ProcessHandle:
        """Start and record an extra component (the front end uses this); its log is logs/<name>.log."""
        if name in self.handles and self.handles[name].alive():
            raise RuntimeError(f"{name} already running (pid {self.handles[name].pid})")
        handle = ProcessHandle.spawn(name, argv, self.log_dir / f"{name}.log", env=env, **kw)
        self.handles[name] = handle
        self.save()
        return handle

    def stop(self, name: str, timeout: float = 15.0, sig: int = signal.SIGTERM) -> int | None:
        """Stop one component gracefully (SIGKILL after timeout)."""
        handle = self.handles.pop(name, None)
        code = handle.stop(timeout, sig) if handle else None
        self.save()
        return code

    def kill(self, name: str) -> None:
        """SIGKILL one component (crash simulation)."""
        handle = self.handles.pop(name, None)
        if handle:
            handle.kill()
        self.save()

    def _free(self, port: int, what: str) -> None:
        if port_open("127.0.0.1", port):
            raise RuntimeError(f"{what}: port {port} is already in use (another stack running? try `make dev-down`)")

    # ---- PostgreSQL -----------------------------------------------------------------------------------------
    @property
    def _pg_dir(self) -> Path:
        return self.state_dir / "postgres"

    def start_postgres(self) -> ProcessHandle:
        """initdb on first use (as user postgres, scram auth), start the server, create role and database votelab."""
        self._free(self.ports.postgres, "postgres")
        data = self._pg_dir / "data"
        if not (data / "PG_VERSION").exists():
            self._initdb(data)
        argv = [
            str(PG_BIN / "postgres"), "-D", str(data), "-p", str(self.ports.postgres),
            "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=100",
        ]  # fmt: skip
        handle = self.spawn("postgres", argv, user="postgres")
        wait_until(self._postgres_ready, 60, "postgres", handle)
        self._bootstrap_database()
        return handle

    def _initdb(self, data: Path) -> None:
        self._pg_dir.mkdir(parents=True, exist_ok=True)
        shutil.chown(self._pg_dir, "postgres", "postgres")
        os.chmod(self._pg_dir, 0o700)
        pwfile = self._pg_dir / "superuser.pw"
        pwfile.write_text(self.secrets["postgres_superuser"] + "\n")
        shutil.chown(pwfile, "postgres", "postgres")
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres",
             "--auth=scram-sha-256", f"--pwfile={pwfile}", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"],
            check=True, capture_output=True,
        )  # fmt: skip
        pwfile.unlink()

    def query(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """Rows of one query as the app's database user (tests read what the consumer stored)."""
        conn = psycopg2.connect(self.database_url)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                rows: list[tuple[Any, ...]] = cur.fetchall()
                return rows
        finally:
            conn.close()

    def _superuser_dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres:{self.secrets['postgres_superuser']}@127.0.0.1:{self.ports.postgres}/{dbname}"

    def _postgres_ready(self) -> bool:
        try:
            psycopg2.connect(self._superuser_dsn(), connect_timeout=1).close()
            return True
        except psycopg2.OperationalError:
            return False

    def _bootstrap_database(self) -> None:
        conn = psycopg2.connect(self._superuser_dsn(), connect_timeout=5)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_roles WHERE rolname = 'votelab'")
                if not cur.fetchone():
                    cur.execute("CREATE ROLE votelab LOGIN PASSWORD %s", (self.secrets["postgres_votelab"],))
                cur.execute("SELECT 1 FROM pg_database WHERE datname = 'votelab'")
                if not cur.fetchone():
                    cur.execute("CREATE DATABASE votelab OWNER votelab")
        finally:
            conn.close()

    def stop_postgres(self) -> None:
        """Fast shutdown (SIGINT: abort transactions, close connections)."""
        self.stop("postgres", timeout=30, sig=signal.SIGINT)

    # ---- Redis --------------------------------------------------------------------------------------------
    def start_redis(self) -> ProcessHandle:
        """redis-server on loopback with the generated password and no persistence (a restart starts empty)."""
        self._free(self.ports.redis, "redis")
        workdir = self.state_dir / "redis"
        workdir.mkdir(parents=True, exist_ok=True)
        conf = workdir / "redis.conf"
        conf.write_text(
            f'bind 127.0.0.1\nport {self.ports.redis}\nrequirepass {self.secrets["redis"]}\nsave ""\n'
            f"appendonly no\ndir {workdir}\nprotected-mode yes\n"
        )
        os.chmod(conf, 0o600)
        handle = self.spawn("redis", ["redis-server", str(conf)])
        client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=0.5)

        def ready() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        try:
            wait_until(ready, 30, "redis", handle)
        finally:
            client.close()
        return handle

    def stop_redis(self) -> None:
        """SIGTERM (no persistence configured, so the data is gone)."""
        self.stop("redis")

    # ---- ZooKeeper and the broker ------------------------------------------------------------------------
    def start_zookeeper(self) -> ProcessHandle:
        """A standalone ZooKeeper from the Kafka distribution's jars, data under the state dir."""
        self._free(self.ports.zookeeper, "zookeeper")
        argv, env = zookeeper_command(self.state_dir / "zookeeper", self.ports.zookeeper, self.env())
        handle = self.spawn("zookeeper", argv, env=env)
        wait_until(lambda: _zookeeper_ok(self.ports.zookeeper), 60, "zookeeper", handle)
        return handle

    def stop_zookeeper(self) -> None:
        """SIGTERM ZooKeeper."""
        self.stop("zookeeper")

    def start_broker(self) -> ProcessHandle:
        """Apache Kafka (ZooKeeper mode, log on disk under the state dir); waits until it serves the vote topics,
        creating them on the first start. A restart keeps messages, topics and committed offsets.

        After a SIGKILL, ZooKeeper keeps the dead broker's registration until its session expires; a broker started
        sooner exits with NodeExistsException. The start is then retried until the session must have expired, as the
        unit's Restart=on-failure does on a host."""
        self._free(self.ports.broker, "broker")
        argv, env = broker_command(self.state_dir / "kafka", self.ports.broker, self.ports.zookeeper, self.env())
        log_path = self.log_dir / "broker.log"
        give_up = time.monotonic() + ZOOKEEPER_SESSION_TIMEOUT_MS / 1000 + 10
        while True:
            log_start = log_path.stat().st_size if log_path.exists() else 0
            handle = self.spawn("broker", argv, env=env)
            try:
                wait_until(lambda: port_open("127.0.0.1", self.ports.broker), 60, "broker", handle)
                break
            except RuntimeError:
                with open(log_path, "rb") as log:
                    log.seek(log_start)
                    stale_registration = b"NodeExistsException" in log.read()
                if handle.alive() or not stale_registration or time.monotonic() > give_up:
                    raise
                print(
                    "broker: ZooKeeper still holds the killed broker's session; starting again in 1 s", file=sys.stderr
                )
                time.sleep(1)
        self.create_topics()
        return handle

    def create_topics(self) -> list[str]:
        """Create the vote topics that do not exist yet (retrying while the broker starts); returns those created."""
        deadline = time.monotonic() + 60
        while True:
            try:
                return ensure_topics(self.settings())
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def stop_broker(self) -> None:
        """SIGTERM the broker: a controlled shutdown that flushes its log."""
        self.stop("broker", timeout=60)

    def kill_broker(self) -> None:
        """SIGKILL the broker (crash test); the next start recovers its log."""
        self.kill("broker")

    # ---- app processes ------------------------------------------------------------------------------------
    def migrate(self) -> None:
        """`python -m app.tools.migrate` against this stack."""
        result = subprocess.run(
            [self.python, "-m", "app.tools.migrate"], env=self.env(), cwd=REPO_ROOT, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise RuntimeError(f"migrate failed:\n{result.stderr[-2000:]}")

    def start_api(self, **env: str) -> ProcessHandle:
        """`python -m app.api`; waits for /healthz."""
        self._free(self.ports.api, "api")
        handle = self.spawn("api", [self.python, "-m", "app.api"], env=self.env(**env), cwd=REPO_ROOT)
        wait_until(lambda: _http_ok(self.api_url + "/healthz"), 30, "api", handle)
        return handle

    def stop_api(self) -> int | None:
        """SIGTERM the API (graceful)."""
        return self.stop("api")

    def kill_api(self) -> None:
        """SIGKILL the API."""
        self.kill("api")

    def start_consumer(self, **env: str) -> ProcessHandle:
        """`python -m app.consumer`; waits until it has joined (its log says consumer_started)."""
        handle = self.spawn("consumer", [self.python, "-m", "app.consumer"], env=self.env(**env), cwd=REPO_ROOT)
        start = handle.log_path.stat().st_size if handle.log_path.exists() else 0

        def started() -> bool:
            with open(handle.log_path, "rb") as log:
                log.seek(start)
                return b"consumer_started" in log.read()

        wait_until(started, 60, "consumer", handle)
        return handle

    def stop_consumer(self) -> int | None:
        """SIGTERM: the consumer finishes its batch, commits, leaves the group; returns its exit code."""
        return self.stop("consumer", timeout=30)

    def kill_consumer(self) -> None:
        """SIGKILL the consumer mid-stream (crash test)."""
        self.kill("consumer")

    # ---- whole stack --------------------------------------------------------------------------------------
    def up(self) -> None:
        """Start everything in dependency order (PostgreSQL, Redis, broker, migrations, API, consumer)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.save()
        try:
            self.start_postgres()
            self.start_redis()
            self.start_zookeeper()
            self.start_broker()
            self.migrate()
            self.start_api()
            self.start_consumer()
        except Exception:
            self.down(remove=False)
            raise

    def down(self, remove: bool = True) -> None:
        """Stop every recorded process (extras such as the front end first), then delete the state dir."""
        for name in [n for n in self.handles if n not in COMPONENT_ORDER]:
            self.stop(name)
        for name in reversed(COMPONENT_ORDER):
            if name == "postgres":
                self.stop_postgres()
            elif name in self.handles:
                self.stop(name)
        if remove and self.state_dir.exists():
            shutil.rmtree(self.state_dir)

    def status(self) -> dict[str, Any]:
        """Which processes run and whether the API is ready."""
        return {
            "state_dir": str(self.state_dir),
            "processes": {
                n: {"pid": h.pid, "alive": h.alive(), "log": str(h.log_path)} for n, h in self.handles.items()
            },
            "api_ready": _http_ok(self.api_url + "/readyz"),
        }


@contextmanager
def fresh_stack(state_dir: Path, ports: Ports, keep_logs_in: Path | None = None) -> Iterator[Stack]:
    """A stack started from an emptied state_dir, stopped and removed on exit (test sessions, benchmarks).

    keep_logs_in: a directory that receives a copy of the stack's logs before the state dir is removed.
    """
    if state_dir.exists():
        shutil.rmtree(state_dir)
    stack = Stack(state_dir, ports)
    stack.up()
    try:
        yield stack
    finally:
        stack.down(remove=False)
        if keep_logs_in is not None:
            shutil.rmtree(keep_logs_in, ignore_errors=True)
            shutil.copytree(stack.log_dir, keep_logs_in, dirs_exist_ok=True)
        shutil.rmtree(state_dir, ignore_errors=True)


def _zookeeper_ok(port: int) -> bool:
    """ZooKeeper answers the `ruok` four-letter word with `imok`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"ruok")
            return conn.recv(16) == b"imok"
    except OSError:
        return False


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False
