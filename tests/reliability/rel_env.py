"""Shared pieces of the reliability suite (issue #9): the e2e harness (imported, not copied),
the sizes of the small (CI) and full (scripts/reliability.sh) forms, and a counting loopback
webhook receiver.

Sizes: NOTIFY_REL_SCALE=small (the default, CI) or full; each size can also be set on its own
by the variable named in SIZES (e.g. NOTIFY_REL_CRASH_KILLS=5).
"""

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

from notify_env import (NOTIFYD_BIN, NOTIFY_BIN, SOURCE_DIR, STATUSES,  # noqa: E402,F401
                        NotifyEnv, NotifyTestCase, wait_for)

PYTHON = "/usr/bin/python3"
FAKES = os.path.join(SOURCE_DIR, "tests", "fakes")

# name: (environment variable, small, full)
SIZES = {
    "crash_kills": ("NOTIFY_REL_CRASH_KILLS", 4, 20),
    "crash_notifications": ("NOTIFY_REL_CRASH_NOTIFICATIONS", 2000, 20000),
    "writers": ("NOTIFY_REL_WRITERS", 8, 8),
    "sends_per_writer": ("NOTIFY_REL_SENDS_PER_WRITER", 40, 5000),
}


def scale():
    value = os.environ.get("NOTIFY_REL_SCALE", "small")
    if value not in ("small", "full"):
        raise ValueError(f"NOTIFY_REL_SCALE must be small or full, not {value!r}")
    return value


def size(name):
    """The size `name` of SIZES for this run: its own variable, else the scale's value."""
    var, small, full = SIZES[name]
    if os.environ.get(var):
        return int(os.environ[var])
    return full if scale() == "full" else small


def q(text):
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(str(text))


class CountingHook:
    """tests/fakes/http_hook.py on 127.0.0.1, its request log going to a file that is read
    incrementally: every notification id it received (from the message JSON body), in order.
    Killed by the test's cleanup."""

    def __init__(self, testcase, env, *args):
        self.log_path = env.path("hook-requests.jsonl")
        self._out = open(self.log_path, "wb")
        self._err = open(env.path("hook.stderr"), "wb")
        self.proc = subprocess.Popen([PYTHON, "-u", os.path.join(FAKES, "http_hook.py"), *args],
                                     stdin=subprocess.DEVNULL, stdout=self._out,
                                     stderr=self._err)
        testcase.addCleanup(self.stop)
        self._offset = 0
        self._pending = b""
        self.ids = []
        self.requests = 0
        first = wait_for(self._listening, timeout=20, what="http_hook.py to listen")
        self.port = int(first.split()[1])

    def _listening(self):
        if self.proc.poll() is not None:
            raise AssertionError("http_hook.py exited early")
        with open(self.log_path, "rb") as f:
            line = f.readline()
        if line.endswith(b"\n") and line.startswith(b"LISTENING "):
            self._offset = len(line)
            return line.decode()
        return None

    def url(self, mode="ok"):
        return f"http://127.0.0.1:{self.port}/hook/{mode}"

    def refresh(self):
        """Reads the requests logged since the last call; returns the total count."""
        with open(self.log_path, "rb") as f:
            f.seek(self._offset)
            data = f.read()
        self._offset += len(data)
        data = self._pending + data
        lines = data.split(b"\n")
        self._pending = lines.pop()
        for line in lines:
            if not line.strip():
                continue
            entry = json.loads(line)
            self.requests += 1
            body = entry.get("json") or {}
            if isinstance(body, dict) and isinstance(body.get("id"), int):
                self.ids.append(body["id"])
        return len(self.ids)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self._out.close()
        self._err.close()


def start_daemon(testcase, env, *args, timeout=30):
    """Starts notifyd and waits for its "started" line (counting earlier ones, so it works
    across restarts that share one log)."""
    before = env.daemon_log().count("started:")
    proc = env.start_daemon(*args)
    wait_for(lambda: env.daemon_log().count("started:") > before or proc.poll() is not None,
             timeout=timeout, what="notifyd to start")
    testcase.assertIsNone(proc.poll(), "notifyd exited early:\n" + env.daemon_log()[-4000:])
    return proc


def kill_daemon(env):
    """SIGKILLs the running notifyd and reaps it (the harness keeps its log open)."""
    import signal
    return env.stop_daemon(signal.SIGKILL, timeout=30)


def elapsed_note(what, started):
    sys.stderr.write(f"\n  {what}: {time.monotonic() - started:.1f}s\n")
