"""A private PostgreSQL cluster for the sources and the control plane.

Debian's ``postgresql`` package is installed when missing. The cluster has its own data
directory (in the state dir, owned by the package's ``postgres`` user, because ``initdb`` and
``postgres`` refuse to run as root) and its own port, with ``wal_level=logical`` and room for
several connectors' replication slots and WAL senders.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from pathlib import Path

from devtools.devstack import debian, ports
from devtools.devstack.process import ServiceState, live_state, tail
from hub.settings import Settings
from schemas.errors import LocalServiceError

DEFAULT_PORT = 15432
MARKER = "postgres -D"
SUPERUSER = "postgres"

CONFIG = """
# written by devtools.devstack: logical decoding for the CDC connectors
listen_addresses = '127.0.0.1'
wal_level = logical
max_replication_slots = 40
max_wal_senders = 40
max_connections = 200
wal_sender_timeout = 60s
fsync = off
full_page_writes = off
shared_buffers = 256MB
"""


def bin_dir() -> Path:
    """The newest installed server's bin dir, installing Debian's package when none is."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        install_package()
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise LocalServiceError("PostgreSQL server binaries not found after installing 'postgresql'.")
    return Path(found[-1]).parent


def install_package() -> None:
    debian.install(
        "postgresql", "PostgreSQL is not installed", " or set HUB_POSTGRES_DSN to an existing server"
    )


def as_owner(cmd: list[str]) -> list[str]:
    """Run as the package's ``postgres`` user when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        runuser = shutil.which("runuser") or "runuser"
        return [runuser, "-u", SUPERUSER, "--", *cmd]
    return cmd


def run(cmd: list[str], what: str) -> None:
    proc = subprocess.run(as_owner(cmd), capture_output=True, text=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        raise LocalServiceError(f"{what} failed: {(proc.stdout + proc.stderr).strip()[-500:]}")


def init_cluster(home: Path, bins: Path) -> None:
    data = home / "data"
    if (data / "PG_VERSION").exists():
        return
    home.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(home, SUPERUSER, SUPERUSER)
    run([str(bins / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
         "--locale=C.UTF-8"], "initdb")  # fmt: skip
    with open(data / "postgresql.conf", "a") as conf:
        conf.write("\ninclude_if_exists = 'hub.conf'\n")


def write_config(data: Path) -> None:
    """Rewritten at every start so a changed setting reaches existing clusters too."""
    (data / "hub.conf").write_text(CONFIG)


def dsn(port: int, database: str = "postgres") -> str:
    return f"postgresql://{SUPERUSER}@127.0.0.1:{port}/{database}"


def start(settings: Settings) -> str:
    """Start the cluster if it is not running; return the superuser DSN."""
    home = settings.state_dir / "postgres"
    state_file = settings.state_dir / "postgres.json"
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    running_state = live_state(state_file)
    if running_state is not None:
        return dsn(running_state.port)
    bins = bin_dir()
    init_cluster(home, bins)
    write_config(home / "data")
    (home / "data" / "postmaster.pid").unlink(missing_ok=True)  # stale after a kill -9
    (port,) = ports.claim(home / "ports.json", "PostgreSQL", DEFAULT_PORT)
    log = home / "server.log"
    run([str(bins / "pg_ctl"), "-D", str(home / "data"), "-l", str(log), "-w", "-t", "60",
         "-o", f"-p {port} -k {home}", "start"], f"starting PostgreSQL (log: {log})")  # fmt: skip
    pid = int((home / "data" / "postmaster.pid").read_text().split()[0])
    ServiceState(pid=pid, port=port, marker=MARKER).save(state_file)
    wait_ready(bins, port, log)
    return dsn(port)


def wait_ready(bins: Path, port: int, log: Path, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        cmd = [str(bins / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-q"]
        if subprocess.run(cmd, check=False).returncode == 0:  # noqa: S603
            return
        time.sleep(0.2)
    raise LocalServiceError(f"PostgreSQL did not accept connections; log:\n{tail(log)}")


def stop(settings: Settings) -> bool:
    state_file = settings.state_dir / "postgres.json"
    if live_state(state_file) is None:
        return False
    run([str(bin_dir() / "pg_ctl"), "-D", str(settings.state_dir / "postgres" / "data"),
         "-m", "fast", "-w", "stop"], "stopping PostgreSQL")  # fmt: skip
    state_file.unlink(missing_ok=True)
    return True


def running(settings: Settings) -> str | None:
    state = live_state(settings.state_dir / "postgres.json")
    return None if state is None else dsn(state.port)
