"""Shared harness for the end-to-end tests: a throw-away HOME/XDG tree, a clean environment,
and helpers to run `notify` / `notifyd` and snapshot the SQLite store.

Binaries come from $NOTIFY_BIN and $NOTIFYD_BIN (set by CTest); when unset, from
$NOTIFY_BUILD_DIR or <source>/build. Set NOTIFY_KEEP_TMP=1 to keep the temp dir of a
failed test (its path is printed on stderr).
"""

import contextlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("NOTIFY_SOURCE_DIR") or os.path.abspath(os.path.join(HERE, "..", ".."))
BUILD_DIR = os.environ.get("NOTIFY_BUILD_DIR") or os.path.join(SOURCE_DIR, "build")
NOTIFY_BIN = os.environ.get("NOTIFY_BIN") or os.path.join(BUILD_DIR, "cli", "notify")
NOTIFYD_BIN = os.environ.get("NOTIFYD_BIN") or os.path.join(BUILD_DIR, "daemon", "notifyd")

TIMEOUT = 60  # seconds, per process run

# RFC 3339 in UTC with a Z, as CONTRACT.md pins for every time in JSON.
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

# The notification fields CONTRACT.md "JSON of a notification" requires.
CONTRACT_FIELDS = (
    "id", "status", "channel", "to", "user", "provider", "template", "event_id", "priority",
    "due_at", "created_at", "updated_at", "attempts", "last_error", "sent_at",
)

STATUSES = ("scheduled", "queued", "sending", "retrying", "sent", "dead", "cancelled", "held",
            "suppressed")


def parse_time(text):
    """Seconds since the epoch of an RFC 3339 UTC string ending in Z."""
    import datetime
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class NotifyEnv:
    """A fresh temp dir holding HOME, XDG_CONFIG_HOME and XDG_DATA_HOME, and the clean
    environment the binaries run in."""

    def __init__(self, testcase=None):
        self.testcase = testcase
        self.root = tempfile.mkdtemp(prefix="notify-e2e-")
        self.home = os.path.join(self.root, "home")
        self.config_home = os.path.join(self.root, "config")
        self.data_home = os.path.join(self.root, "data")
        for d in (self.home, self.config_home, self.data_home):
            os.makedirs(d)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "HOME": self.home,
            "XDG_CONFIG_HOME": self.config_home,
            "XDG_DATA_HOME": self.data_home,
        }
        for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if name in os.environ:
                self.env[name] = os.environ[name]
        self.daemon = None
        self._daemon_log = None
        if testcase is not None:
            testcase.addCleanup(self.cleanup)

    # --- paths ----------------------------------------------------------------------------
    @property
    def db_path(self):
        return os.path.join(self.data_home, "notify", "notify.db")

    @property
    def config_path(self):
        return os.path.join(self.config_home, "notify", "config.yaml")

    @property
    def delivered_path(self):
        """The built-in `file` provider's JSON-lines file."""
        return os.path.join(self.data_home, "notify", "delivered.jsonl")

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def write_config(self, yaml_text, path=None, mode=0o600):
        """Writes a config file, mode 0600 by default: notify refuses a file holding
        secrets written in the clear that group or others can read."""
        path = path or self.config_path
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(yaml_text)
        os.chmod(path, mode)
        return path

    # --- running --------------------------------------------------------------------------
    def run(self, *args, input=None, env=None, binary=None, timeout=TIMEOUT):
        full_env = dict(self.env)
        if env:
            full_env.update(env)
        return subprocess.run(
            [binary or NOTIFY_BIN, *[str(a) for a in args]],
            input=input, capture_output=True, text=True, env=full_env, cwd=self.root,
            timeout=timeout,
            stdin=None if input is not None else subprocess.DEVNULL,
        )

    def ok(self, *args, input=None, env=None):
        """Runs notify, asserts exit 0, returns stdout."""
        res = self.run(*args, input=input, env=env)
        if res.returncode != 0:
            raise AssertionError(
                f"notify {' '.join(map(str, args))} exited {res.returncode}\n"
                f"stdout: {res.stdout!r}\nstderr: {res.stderr!r}")
        return res.stdout

    def json(self, *args, input=None, env=None):
        return json.loads(self.ok(*args, "--json", input=input, env=env))

    def send(self, *args, channel="email", to="ops@example.com", body="hello", input=None):
        """notify send; returns the single new id as int."""
        extra = []
        if channel is not None:
            extra += ["--channel", channel]
        if to is not None:
            extra += ["--to", to]
        if body is not None:
            extra += ["--body", body]
        out = self.ok("send", *extra, *args, input=input)
        lines = out.splitlines()
        if len(lines) != 1 or not lines[0].isdigit():
            raise AssertionError(f"send printed {out!r}, expected one id")
        return int(lines[0])

    def show(self, nid):
        return self.json("show", nid)

    def status(self, nid):
        return self.show(nid)["status"]

    def delivered(self, path=None):
        """The JSON objects in a file provider's JSON-lines file ([] if absent)."""
        path = path or self.delivered_path
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    # --- the store ------------------------------------------------------------------------
    def sql(self, query, params=(), db=None):
        """Runs SQL directly on the store (for setting up states); returns all rows."""
        con = sqlite3.connect(db or self.db_path, timeout=10)
        try:
            with con:
                return con.execute(query, params).fetchall()
        finally:
            con.close()

    def dump_db(self, db=None):
        """A canonical snapshot of the store: every row of every table, the schema and the
        header pragmas. A path that is not a SQLite database yields its raw bytes (or the
        listing of a directory), so "unchanged" checks work on broken stores too; a missing
        path yields None."""
        path = db or self.db_path
        if not os.path.lexists(path):
            return None
        if os.path.isdir(path):
            return ("directory", sorted(os.listdir(path)))
        with open(path, "rb") as f:
            raw = f.read()
        if not raw.startswith(b"SQLite format 3\x00"):
            return ("raw", raw)
        try:
            return self._dump_sqlite(path)
        except sqlite3.DatabaseError:
            return ("raw", raw)

    @staticmethod
    def _dump_sqlite(path):
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            snapshot = {}
            schema = con.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name"
            ).fetchall()
            snapshot["__schema__"] = schema
            for pragma in ("user_version", "application_id"):
                snapshot["__" + pragma + "__"] = con.execute(f"PRAGMA {pragma}").fetchone()[0]
            for (name,) in con.execute(
                    "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"
            ).fetchall():
                rows = con.execute(f'SELECT * FROM "{name}"').fetchall()
                snapshot[name] = sorted(rows, key=repr)
            return snapshot
        finally:
            con.close()

    @contextlib.contextmanager
    def hold_write_lock(self, db=None):
        """Holds BEGIN IMMEDIATE on the store from another process (a python3 child) for the
        duration of the with-block. A separate process, because POSIX locks taken by this
        process would be dropped when any other connection of it to the file closes."""
        script = (
            "import sqlite3, sys\n"
            "con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)\n"
            "con.execute('BEGIN IMMEDIATE')\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n"
            "con.execute('ROLLBACK')\n"
            "con.close()\n")
        proc = subprocess.Popen([sys.executable, "-c", script, db or self.db_path],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()
            if line.strip() != "locked":
                raise RuntimeError(f"lock holder failed: {line!r}")
            yield proc
        finally:
            proc.stdin.close()
            proc.wait(timeout=30)

    def count(self, where="1", params=()):
        return self.sql(f"SELECT count(*) FROM notifications WHERE {where}", params)[0][0]

    # --- the daemon -----------------------------------------------------------------------
    @property
    def daemon_log_path(self):
        return self.path("notifyd.log")

    def start_daemon(self, *args, env=None):
        """Starts notifyd in the background; stderr and stdout go to daemon_log_path."""
        if self.daemon is not None:
            raise RuntimeError("daemon already running")
        full_env = dict(self.env)
        if env:
            full_env.update(env)
        self._daemon_log = open(self.daemon_log_path, "ab")
        self.daemon = subprocess.Popen(
            [NOTIFYD_BIN, *[str(a) for a in args]], stdin=subprocess.DEVNULL,
            stdout=self._daemon_log, stderr=subprocess.STDOUT, env=full_env, cwd=self.root)
        return self.daemon

    def daemon_log(self):
        if not os.path.exists(self.daemon_log_path):
            return ""
        with open(self.daemon_log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def signal_daemon(self, signo):
        self.daemon.send_signal(signo)

    def stop_daemon(self, signo=signal.SIGTERM, timeout=30):
        """Sends `signo` and waits; returns the exit code (None if it was not running).
        A daemon that does not stop in time is killed and an AssertionError raised."""
        proc = self.daemon
        if proc is None:
            return None
        self.daemon = None
        try:
            if proc.poll() is None:
                proc.send_signal(signo)
            try:
                return proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
                raise AssertionError(f"notifyd did not stop within {timeout}s of signal {signo}")
        finally:
            if self._daemon_log is not None:
                self._daemon_log.close()
                self._daemon_log = None

    # --- cleanup --------------------------------------------------------------------------
    def _failed(self):
        """Whether the owning test has failed so far (cleanups run before the result is
        final, and inside a fresh "success" scope, so look at the recorded errors)."""
        outcome = getattr(self.testcase, "_outcome", None)
        if outcome is None:
            return True  # unknown: keep
        if getattr(outcome, "expectedFailure", None):
            return True
        result = getattr(outcome, "result", None)
        for attr in ("errors", "failures"):
            for test, _ in getattr(result, attr, []) or []:
                if test is self.testcase or getattr(test, "test_case", None) is self.testcase:
                    return True
        return False

    def cleanup(self):
        if self.daemon is not None:
            proc = self.daemon
            self.daemon = None
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
            if self._daemon_log is not None:
                self._daemon_log.close()
        if os.environ.get("NOTIFY_KEEP_TMP") and (self.testcase is None or self._failed()):
            sys.stderr.write(f"\nkept {self.root}\n")
            return
        shutil.rmtree(self.root, ignore_errors=True)


def wait_for(predicate, timeout=20.0, interval=0.1, what="condition"):
    """Polls `predicate` until it returns a truthy value; returns that value. Raises
    AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class NotifyTestCase(unittest.TestCase):
    """Base class: self.env is a fresh NotifyEnv per test."""

    maxDiff = None

    def setUp(self):
        self.env = NotifyEnv(self)

    def assert_error_output(self, res, code, *, prog="notify"):
        """The contract's error shape: exit `code`, nothing on stdout, stderr one line
        '<prog>: ...' plus optional hint lines indented by two spaces."""
        detail = f"\nstdout: {res.stdout!r}\nstderr: {res.stderr!r}"
        self.assertEqual(res.returncode, code, "exit code" + detail)
        self.assertEqual(res.stdout, "", "stdout must be empty on error" + detail)
        self.assertTrue(res.stderr.endswith("\n"), "stderr must end with a newline" + detail)
        lines = res.stderr[:-1].split("\n")
        self.assertTrue(lines[0].startswith(prog + ": ") and len(lines[0]) > len(prog) + 2,
                        f"first stderr line must be '{prog}: <what>'" + detail)
        for line in lines[1:]:
            self.assertTrue(line.startswith("  ") and line.strip(),
                            "further stderr lines must be hints indented by two spaces" + detail)
        return lines[0]

    @contextlib.contextmanager
    def assert_store_unchanged(self, db=None):
        before = self.env.dump_db(db)
        yield
        after = self.env.dump_db(db)
        self.assertEqual(before, after, "the store changed")

    def assert_fails(self, code, *args, input=None, env=None, db=None):
        """Runs notify with `args`, asserting the error shape and an unchanged store.
        Returns the first stderr line."""
        with self.assert_store_unchanged(db):
            res = self.env.run(*args, input=input, env=env)
        return self.assert_error_output(res, code)

    def assert_rfc3339(self, value, what="time"):
        self.assertIsInstance(value, str, what)
        self.assertRegex(value, RFC3339_UTC, what)
