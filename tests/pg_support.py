"""A throwaway PostgreSQL server for the tests: Debian's `postgresql` binaries, a data folder
under /tmp, a free TCP port on 127.0.0.1 and a socket folder of its own; stopped afterwards.

The server refuses to run as root, and CI runs as root: then the server runs as the
unprivileged user `rlpg` (created here with useradd when missing), through runuser. Missing
binaries are an error that says how to install them (`make install` does), never a skip."""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from rightsledger.chain import free_port

USER = "rlpg"
_names = itertools.count()


def _binaries() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "pg_ctl").exists():
            return Path(folder)
    pytest.fail("PostgreSQL is not installed: the index tests run on it too. "
                "Run `make install` (it installs Debian's postgresql) or `apt-get install postgresql`.")


def _as_server_user(user: str | None, args: list[str]) -> list[str]:
    return ["runuser", "-u", user, "--", *args] if user else args


class PostgresServer:
    """`with PostgresServer() as pg:` a running server; `pg.database()` a new empty database's URL."""

    def __init__(self) -> None:
        self.bin = _binaries()
        self.user: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam(USER)
            except KeyError:
                made = subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                                       USER], capture_output=True, text=True, check=False)
                try:
                    pwd.getpwnam(USER)  # made here, or by another test worker at the same time
                except KeyError:
                    pytest.fail(f"PostgreSQL refuses to run as root and `useradd {USER}` failed: {made.stderr.strip()}")
            self.user = USER
        self.root = Path(tempfile.mkdtemp(prefix="rightsledger-pg-"))
        self.data, self.sockets = self.root / "data", self.root / "sockets"
        self.sockets.mkdir()
        self.port = free_port()
        if self.user:
            owner = pwd.getpwnam(self.user)
            for path in (self.root, self.sockets):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(_as_server_user(self.user, list(args)), capture_output=True, text=True, timeout=120,
                              cwd=self.root)
        if done.returncode:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()}\n{tail}")
        return done

    def start(self) -> PostgresServer:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-sync", "--no-instructions")
        options = (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(self.bin / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.data),
                  "-l", str(self.root / "server.log"), "-o", options)
        return self

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(_as_server_user(self.user, [str(self.bin / "pg_ctl"), "stop", "-w", "-m", "fast",
                                                       "-D", str(self.data)]),
                           capture_output=True, timeout=60, cwd=self.root, check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def database(self) -> str:
        """A new empty database on this server; its URL."""
        import psycopg

        name = f"index_{os.getpid()}_{next(_names)}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def __enter__(self) -> PostgresServer:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def index_rows(target: str | Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query on an index, read independently of the index's own code."""
    from sqlalchemy import create_engine, text

    url = str(target).replace("postgresql://", "postgresql+psycopg://", 1) if "://" in str(target) \
        else f"sqlite:///{target}"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql)).all()]
    finally:
        engine.dispose()
