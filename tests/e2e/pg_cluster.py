#!/usr/bin/python3
"""Throw-away PostgreSQL 15 servers for the tests (issue 7), stdlib only.

A cluster lives in one directory: DIR/data (initdb'd once, superuser `notify`, trust
authentication, database `notify`), DIR/server.log, the Unix socket in DIR, and a free TCP
port on 127.0.0.1, the only address the tests talk to. fsync and full_page_writes are off: a
test server loses no commit to a kill -9 of PostgreSQL (crash recovery), only to a power cut.

    with PgCluster() as pg:                 # a temp dir, started; stopped and removed at exit
        url = pg.create_database()          # postgresql://notify@127.0.0.1:PORT/t_...
        pg.psql("SELECT 1", "notify")       # "1\n"
        pg.restart(); pg.kill(); pg.start()

shared_cluster() is one started cluster per Python process. A cluster this process started is
stopped at exit (atexit), and by a detached watchdog should the process die without running
atexit (kill -9, a CTest timeout), so no postgres outlives the tests.

Command line (the CTest fixture `pg`, or by hand), DIR/url holding the base URL (database
`postgres`):
    pg_cluster.py start DIR [--fresh]   starts a cluster in DIR (reuses one running there;
                                        --fresh stops and wipes whatever DIR holds first),
                                        writes DIR/url and prints it
    pg_cluster.py stop DIR              stops it (nothing running is fine)
    pg_cluster.py restart DIR           stops and starts it on the same port

initdb, pg_ctl and postgres refuse to run as root: as root they run as user `postgres`, which
then owns DIR. Binaries come from /usr/lib/postgresql/15/bin (Debian's postgresql package), or
$NOTIFY_PG_BIN.
"""

import atexit
import contextlib
import itertools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

PG_BIN = os.environ.get("NOTIFY_PG_BIN") or "/usr/lib/postgresql/15/bin"
HOST = "127.0.0.1"
USER = "notify"
TIMEOUT = 60  # seconds, for pg_ctl start/stop and each client command
SOCKET_PATH_MAX = 107  # sun_path of a Unix socket, less its NUL


class PgClusterError(RuntimeError):
    """A cluster would not start, stop or answer; the message says why (and quotes the log)."""


def _binary(name):
    path = os.path.join(PG_BIN, name)
    if not os.access(path, os.X_OK):
        raise PgClusterError(f"{path} not found: install the postgresql package (PostgreSQL 15;"
                             " scripts/deps.sh --test does)")
    return path


def _clean_env():
    """This environment without PG* variables (PGHOST, PGPORT, PGPASSWORD, PGOPTIONS... would
    redirect or alter the clients and the server)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def _as_server_user(cmd):
    """cmd run as user postgres when we are root (the server binaries refuse root)."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _process_state(pid):
    """The state letter of process pid ("R", "S", "Z"...), or None if there is none."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def _alive(pid):
    """True if pid is a process that has not exited (a zombie has)."""
    return _process_state(pid) not in (None, "Z")


def _children(pid):
    """The pids of pid's child processes."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(name))
            except (OSError, IndexError, ValueError):
                pass
    return found


def _wait_until(predicate, timeout):
    """Polls predicate every 20 ms until it is true (returns True) or timeout s pass (False)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# Clusters this process started and must stop at exit (see _stop_owned).
_owned = set()
_owned_pid = os.getpid()


def _stop_owned():
    if os.getpid() != _owned_pid:  # a forked child exiting: the clusters are not its own
        return
    for cluster in list(_owned):
        cluster.close()


atexit.register(_stop_owned)


class PgCluster:
    """One PostgreSQL 15 server in `directory` (a new temp dir when None)."""

    _names = itertools.count(1)

    def __init__(self, directory=None):
        self._made_dir = directory is None
        self.directory = os.path.abspath(directory or tempfile.mkdtemp(prefix="notify-pg-"))
        self.data = os.path.join(self.directory, "data")
        self.log_path = os.path.join(self.directory, "server.log")
        self._conf = os.path.join(self.data, "notify_test.conf")
        self.port = self._saved_port()
        self._pinned = False  # once started, the port stays (restart keeps every URL valid)
        self._stop_at_exit = True  # False for the command line: the server outlives it
        self._watchdog = None

    # --- the server ---------------------------------------------------------------------
    def start(self):
        """Starts the server (initdb first if DIR/data is empty) and returns once it accepts
        connections; a no-op if it runs. Returns self. Raises PgClusterError."""
        if self.is_running():
            return self
        for name in ("initdb", "pg_ctl", "postgres", "psql"):
            _binary(name)
        os.makedirs(self.directory, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
            self._check_reachable()
        if not os.path.exists(os.path.join(self.data, "PG_VERSION")):
            self._run(_as_server_user([_binary("initdb"), "-D", self.data, "-A", "trust",
                                       "-U", USER, "--no-sync", "-E", "UTF8", "--locale=C"]))
            with open(os.path.join(self.data, "postgresql.conf"), "a", encoding="utf-8") as f:
                f.write("include 'notify_test.conf'\n")
        # A port picked now may be taken before postgres binds it: then try another one.
        for attempt in range(3):
            if self.port is None or (attempt and not self._pinned):
                self.port = _free_port()
            self._write_settings()
            offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
            res = self._run(_as_server_user([_binary("pg_ctl"), "start", "-w", "-t", str(TIMEOUT),
                                             "-s", "-D", self.data, "-l", self.log_path]),
                            check=False)
            if res.returncode == 0:
                break
            log = self._log_since(offset)
            if self._pinned or "could not bind" not in log:
                raise PgClusterError(f"pg_ctl start in {self.data} failed:\n{res.stdout}"
                                     f"{res.stderr}\n{self.log_path}:\n{log}")
        else:
            raise PgClusterError(f"no free port for PostgreSQL after 3 tries (see {self.log_path})")
        if not self._pinned:  # the first start here: make sure database notify exists
            self.psql(f"SELECT 'CREATE DATABASE {USER}' WHERE NOT EXISTS "
                      f"(SELECT FROM pg_database WHERE datname = '{USER}')\\gexec", "postgres")
        self._pinned = True
        if self._stop_at_exit and os.getpid() == _owned_pid:
            _owned.add(self)
            self._start_watchdog()
        return self

    def stop(self, mode="fast"):
        """Stops the server (pg_ctl stop -m smart|fast|immediate) and waits for it to exit;
        kills it should that take over TIMEOUT s. A no-op if it does not run."""
        if mode not in ("smart", "fast", "immediate"):
            raise ValueError(f"stop mode must be smart, fast or immediate, not {mode!r}")
        if not self.is_running():
            return
        res = self._run(_as_server_user([_binary("pg_ctl"), "stop", "-w", "-t", str(TIMEOUT), "-s",
                                         "-D", self.data, "-m", mode]), check=False)
        if res.returncode != 0 and self.is_running():
            self.kill()

    def restart(self):
        """Stops (fast) and starts the server: same data, same port, so URLs stay valid."""
        self.stop()
        self.start()

    def kill(self):
        """SIGKILLs the postmaster (a crash) and waits until it and its children have exited,
        so start() can run crash recovery on the same data and port."""
        if not self.is_running():
            return
        pid = self._postmaster_pid()
        children = _children(pid)
        os.kill(pid, signal.SIGKILL)
        # The children notice the postmaster's death and exit; one busy in a long query may not.
        if not _wait_until(lambda: not any(map(_alive, [pid, *children])), 10):
            for child in filter(_alive, children):
                os.kill(child, signal.SIGKILL)
            _wait_until(lambda: not any(map(_alive, children)), 10)
        # The dead postmaster is an orphan, reaped by PID 1 when it gets to it (seconds in some
        # containers). A new postmaster would take its zombie for a running server, so drop its
        # lock files; the shared memory they name is found and freed by port number anyway.
        if _process_state(pid) is not None:
            for lock in (os.path.join(self.data, "postmaster.pid"),
                         os.path.join(self.directory, f".s.PGSQL.{self.port}.lock")):
                if os.path.exists(lock):
                    os.unlink(lock)

    def is_running(self):
        """True if a postmaster of this data directory is alive (its command line names the
        directory: the pid in a stale postmaster.pid may be another process's by now)."""
        pid = self._postmaster_pid()
        if pid is None or not _alive(pid):
            return False
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                return self.data.encode() in f.read().split(b"\0")
        except OSError:
            return False

    def close(self):
        """Stops the server and its watchdog; removes the directory if it is a temp dir made
        here. Called at exit for every cluster this process started."""
        try:
            self.stop()
        finally:
            _owned.discard(self)
            if self._watchdog is not None:
                with contextlib.suppress(BrokenPipeError):  # the watchdog is gone: fine
                    self._watchdog.stdin.write(b"closed")  # stopped already: nothing to do
                    self._watchdog.stdin.close()
                self._watchdog = None
            if self._made_dir:
                shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # --- clients ------------------------------------------------------------------------
    def url(self, database="notify"):
        """postgresql://notify@127.0.0.1:PORT/DATABASE"""
        return f"postgresql://{USER}@{HOST}:{self.port}/{database}"

    def create_database(self, name=None):
        """Creates an empty database (named t_<pid>_<n>_<random> when name is None); returns its
        URL."""
        name = name or f"t_{os.getpid()}_{next(self._names)}_{secrets.token_hex(3)}"
        self.psql(f'CREATE DATABASE "{name}"', "postgres")
        return self.url(name)

    def drop_database(self, name):
        """Drops a database if it exists, ending its sessions."""
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', "postgres")

    def psql(self, sql, database="notify"):
        """Runs SQL (one or more statements; stops at the first error) through psql over TCP and
        returns its stdout: rows unaligned, columns separated by "|", no headers ("SELECT 1, 2"
        gives "1|2\\n"). Raises PgClusterError on an error."""
        return self._run([_binary("psql"), "-X", "-q", "-A", "-t", "-w", "-v", "ON_ERROR_STOP=1",
                          "-h", HOST, "-p", str(self.port), "-U", USER, "-d", database],
                         input=sql).stdout

    # --- internals ----------------------------------------------------------------------
    def _run(self, cmd, check=True, input=None):
        try:
            res = subprocess.run(cmd, input=input, capture_output=True, text=True,
                                 env=_clean_env(), timeout=TIMEOUT + 30, cwd="/",
                                 stdin=None if input is not None else subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise PgClusterError(f"{' '.join(cmd)} took over {TIMEOUT + 30} s") from None
        if check and res.returncode != 0:
            raise PgClusterError(f"{' '.join(cmd)} exited {res.returncode}:\n{res.stderr}")
        return res

    def _check_reachable(self):
        res = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-w", self.directory],
                             check=False)
        if res.returncode != 0:
            raise PgClusterError(f"user postgres cannot write {self.directory} (is a parent "
                                 "directory closed to others?)")

    def _write_settings(self):
        # A socket path longer than sun_path would stop postgres: then TCP only (tests use TCP).
        sockets = self.directory if len(self.directory) + 16 <= SOCKET_PATH_MAX else ""
        with open(self._conf, "w", encoding="utf-8") as f:
            f.write(f"port = {self.port}\n"
                    f"listen_addresses = '{HOST}'\n"
                    f"unix_socket_directories = '{sockets}'\n"
                    # No fsync and no full pages: fast, and a kill -9 of PostgreSQL still loses
                    # nothing (the kernel holds the writes). synchronous_commit stays on: off,
                    # a commit would be acknowledged before its WAL leaves shared memory, and
                    # kill() would lose it (measured: every row committed just before a kill).
                    "fsync = off\n"
                    "synchronous_commit = on\n"
                    "full_page_writes = off\n"
                    "max_connections = 300\n"
                    "shared_buffers = 128MB\n")

    def _saved_port(self):
        try:
            with open(self._conf, encoding="utf-8") as f:
                return int(f.readline().split("=")[1])
        except (OSError, IndexError, ValueError):
            return None

    def _postmaster_pid(self):
        try:
            with open(os.path.join(self.data, "postmaster.pid"), encoding="ascii") as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    def _log_since(self, offset):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                f.seek(offset)
                return f.read()[-4000:]
        except OSError:
            return ""

    def _start_watchdog(self):
        """A detached `pg_cluster.py _watch DIR [--remove]` that stops this cluster (and removes
        its temp dir) when the pipe to it closes, which happens when this process exits however
        it exits."""
        if self._watchdog is None:
            self._watchdog = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "_watch", self.directory,
                 *(["--remove"] if self._made_dir else [])],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True, cwd="/")
            self._watchdog.wait()  # its first process forks the watchdog and exits


_shared = None
_shared_lock = threading.Lock()


def shared_cluster():
    """The cluster of this Python process: started on the first call, stopped at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = PgCluster().start()
        return _shared


def shared_cluster_or_skip():
    """shared_cluster(), or a unittest skip when PostgreSQL is not installed here."""
    try:
        return shared_cluster()
    except PgClusterError as e:
        raise unittest.SkipTest(f"no PostgreSQL for the tests: {e}")


def _watch(directory, remove):
    """The watchdog: detaches (an orphan, out of reach of whoever kills the test process and
    its children) and waits for EOF on stdin. Unless its owner wrote that it closed the cluster
    itself, it then stops the cluster in directory and removes directory if `remove`."""
    if os.fork():
        os._exit(0)
    if sys.stdin.buffer.read() == b"" and os.path.isdir(directory):  # the owner did not close
        PgCluster(directory).stop()
        if remove:
            shutil.rmtree(directory, ignore_errors=True)


def main(argv):
    usage = "usage: pg_cluster.py start DIR [--fresh] | stop DIR | restart DIR"
    options = {"start": ([], ["--fresh"]), "stop": ([],), "restart": ([],),
               "_watch": ([], ["--remove"])}
    if len(argv) < 3 or argv[1] not in options or argv[3:] not in options[argv[1]]:
        print(usage, file=sys.stderr)
        return 64
    command, directory = argv[1], argv[2]
    if command == "_watch":
        _watch(directory, "--remove" in argv)
        return 0
    try:
        cluster = PgCluster(directory)
        if command == "stop":
            cluster.stop()
            return 0
        if "--fresh" in argv:
            cluster.stop()
            shutil.rmtree(directory, ignore_errors=True)
            cluster = PgCluster(directory)
        cluster._stop_at_exit = False  # the server outlives this command
        if command == "restart":
            cluster.restart()
        else:
            cluster.start()
    except PgClusterError as e:
        print(f"pg_cluster: {e}", file=sys.stderr)
        return 1
    url = cluster.url("postgres")
    with open(os.path.join(directory, "url"), "w", encoding="utf-8") as f:
        f.write(url + "\n")
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
