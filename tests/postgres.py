"""A throwaway PostgreSQL cluster for the tests and the bench: initdb in a temporary folder, a free port on
loopback only, its socket in that folder; stopped and removed at the end. Debian's `postgresql` package provides
the programs (`make postgres` installs it). initdb refuses to run as root, so under root the cluster runs as the
package's own `postgres` user."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER = "ipwatch"  # the cluster's superuser, trusted on loopback: nothing but this machine can reach it
HINT = "PostgreSQL 不可用 (no PostgreSQL programs): as root run `make postgres` (apt-get install postgresql)"


def programs() -> Path:
    """The folder of initdb and pg_ctl: $IPWATCH_PG_BIN, else the newest Debian install, else the PATH's."""
    if os.environ.get("IPWATCH_PG_BIN"):
        return Path(os.environ["IPWATCH_PG_BIN"])
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    found = debian[-1] if debian else shutil.which("initdb")
    if not found:
        raise RuntimeError(HINT)
    return Path(found).resolve().parent


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def owner() -> pwd.struct_passwd | None:
    """The user the cluster runs as: `postgres` when we are root (initdb refuses root), else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError(HINT) from None


@dataclass
class Cluster:
    """A running cluster: `dsn(name)` is a libpq connection string to one of its databases."""

    folder: Path
    port: int

    @classmethod
    def start(cls) -> Cluster:
        """initdb and start a new cluster; stop() ends it."""
        folder = Path(tempfile.mkdtemp(prefix="ipwatch-pg-"))
        cluster = cls(folder, free_port())
        user = owner()
        if user:
            os.chown(folder, user.pw_uid, user.pw_gid)
        try:
            cluster.run("initdb", "-D", str(folder / "data"), "-U", USER, "--auth=trust", "-E", "UTF8",
                        "--locale=C.UTF-8")
            # fsync off: a test cluster is thrown away, and the tests wait on no disk; loopback and our socket only.
            options = f"-c listen_addresses=127.0.0.1 -p {cluster.port} -k {folder} -c fsync=off -c max_connections=200"
            cluster.run("pg_ctl", "-D", str(folder / "data"), "-o", options, "-l", str(folder / "log"), "-w", "start")
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return cluster

    def run(self, program: str, *args: str) -> None:
        """One of PostgreSQL's programs, as the cluster's owner."""
        user = owner()
        subprocess.run([str(programs() / program), *args], check=True, capture_output=True, cwd=self.folder,
                       user=user and user.pw_uid, group=user and user.pw_gid)

    def create_database(self, name: str) -> str:
        """A new, empty database; returns its connection string."""
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, name)
        return self.dsn(name)

    def dsn(self, name: str) -> str:
        return f"dbname={name} host=127.0.0.1 port={self.port} user={USER}"

    def url(self, name: str) -> str:
        """The database as an SQLAlchemy URL for asyncpg (Prefect's server)."""
        return f"postgresql+asyncpg://{USER}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Stop the cluster at once and remove its folder."""
        try:
            self.run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
