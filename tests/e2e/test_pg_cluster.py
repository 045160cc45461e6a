"""The throw-away PostgreSQL harness itself (pg_cluster.py): start, databases, restart, kill -9
and crash recovery, stop, the command line the CTest fixture uses, and that no server outlives
the process that started it."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import pg_cluster
from pg_cluster import PgCluster, PgClusterError

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "pg_cluster.py")


def listening(port):
    """True if something accepts TCP connections on 127.0.0.1:port."""
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def server_processes(data):
    """The pids of processes whose command line names the data directory `data`."""
    pids = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                if name.isdigit() and data.encode() in f.read():
                    pids.append(int(name))
        except OSError:
            pass
    return pids


def wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


class PgClusterTest(unittest.TestCase):
    def assert_gone(self, pg, port):
        self.assertFalse(pg.is_running())
        self.assertFalse(listening(port), f"something still listens on {port}")
        self.assertEqual(server_processes(pg.data), [])

    def test_lifecycle(self):
        with PgCluster() as pg:
            self.assertTrue(pg.is_running())
            self.assertEqual(pg.url(), f"postgresql://notify@127.0.0.1:{pg.port}/notify")
            self.assertEqual(pg.psql("SELECT current_user, current_database()"), "notify|notify\n")
            self.assertEqual(pg.psql("SHOW listen_addresses"), "127.0.0.1\n")

            url = pg.create_database()
            name = url.rsplit("/", 1)[1]
            self.assertEqual(url, pg.url(name))
            self.assertEqual(pg.psql("SELECT 1", name), "1\n")
            self.assertEqual(pg.create_database("named"), pg.url("named"))
            pg.drop_database("named")
            pg.drop_database("named")  # already gone: fine
            with self.assertRaisesRegex(PgClusterError, "does not exist"):
                pg.psql("SELECT 1", "named")

            port = pg.port
            pg.restart()
            self.assertEqual(pg.port, port)
            self.assertEqual(pg.psql("SELECT 1", name), "1\n")

            # A commit acknowledged just before a kill -9 survives crash recovery.
            pg.psql("CREATE TABLE t (x int); INSERT INTO t VALUES (42)", name)
            postmaster = pg._postmaster_pid()
            pg.kill()
            self.assertFalse(pg.is_running())
            self.assertFalse(listening(port))
            self.assertEqual([p for p in server_processes(pg.data) if p != postmaster
                              and pg_cluster._alive(p)], [])
            pg.start()
            self.assertEqual(pg.port, port)
            self.assertEqual(pg.psql("SELECT x FROM t", name), "42\n")

            pg.stop()
            self.assert_gone(pg, port)
            pg.stop()  # stopped already: fine
            pg.start()
            self.assertEqual(pg.psql("SELECT x FROM t", name), "42\n")
            directory = pg.directory
        self.assert_gone(pg, port)
        self.assertFalse(os.path.exists(directory))

    def test_sql_error_raises(self):
        pg = pg_cluster.shared_cluster()
        self.assertIs(pg_cluster.shared_cluster(), pg)
        with self.assertRaisesRegex(PgClusterError, "division by zero"):
            pg.psql("SELECT 1; SELECT 1/0; SELECT 2")

    def test_missing_binaries_say_what_to_install(self):
        saved = pg_cluster.PG_BIN
        pg_cluster.PG_BIN = "/nonexistent/postgresql/15/bin"
        try:
            with tempfile.TemporaryDirectory() as d:
                with self.assertRaisesRegex(PgClusterError, "install the postgresql package"):
                    PgCluster(d).start()
        finally:
            pg_cluster.PG_BIN = saved

    def test_command_line(self):
        directory = tempfile.mkdtemp(prefix="notify-pg-cli-")
        self.addCleanup(subprocess.run, ["/usr/bin/python3", SCRIPT, "stop", directory])
        self.addCleanup(shutil.rmtree, directory, ignore_errors=True)

        def cli(command, *options):
            res = subprocess.run(["/usr/bin/python3", SCRIPT, command, directory, *options],
                                 capture_output=True, text=True, timeout=120)
            self.assertEqual(res.returncode, 0, res.stderr)
            return res.stdout

        url = cli("start").strip()
        self.assertRegex(url, r"^postgresql://notify@127\.0\.0\.1:\d+/postgres$")
        with open(os.path.join(directory, "url"), encoding="utf-8") as f:
            self.assertEqual(f.read(), url + "\n")
        pg = PgCluster(directory)  # another handle on the same directory
        self.assertTrue(pg.is_running())
        self.assertEqual(pg.psql("SELECT 1", "postgres"), "1\n")
        self.assertEqual(pg.psql("SELECT 1", "notify"), "1\n")

        self.assertEqual(cli("start").strip(), url)  # running: reused
        self.assertEqual(cli("restart").strip(), url)
        self.assertEqual(pg.psql("SELECT 1", "postgres"), "1\n")
        cli("stop")
        self.assert_gone(pg, pg.port)
        cli("stop")  # nothing running: fine

        cli("start")
        pg.psql("CREATE TABLE stale (x int)")
        fresh = cli("start", "--fresh").strip()  # stops and wipes the running one
        self.assertEqual(PgCluster(directory).psql(
            "SELECT count(*) FROM pg_tables WHERE tablename = 'stale'"), "0\n")
        cli("stop")
        self.assert_gone(PgCluster(directory), int(fresh.rsplit(":", 1)[1].split("/")[0]))

        res = subprocess.run(["/usr/bin/python3", SCRIPT, "begin", directory],
                             capture_output=True, text=True)
        self.assertEqual(res.returncode, 64)
        self.assertIn("usage:", res.stderr)

    def test_stopped_when_the_owner_exits(self):
        # Exit normally (atexit) and by SIGKILL (the watchdog): either way the server stops and
        # its temp dir goes.
        for ending in ("pass", "os.kill(os.getpid(), signal.SIGKILL)"):
            with self.subTest(ending=ending):
                child = subprocess.run(
                    [sys.executable, "-c",
                     "import os, signal, pg_cluster\n"
                     "pg = pg_cluster.shared_cluster()\n"
                     "print(pg.directory, pg.port, flush=True)\n" + ending],
                    cwd=HERE, capture_output=True, text=True, timeout=120)
                directory, port = child.stdout.split()
                pg = PgCluster(directory)
                self.assertTrue(wait_for(lambda: not os.path.exists(directory)),
                                f"{directory} still there; {child.stderr}")
                self.assertFalse(listening(int(port)))
                self.assertEqual(server_processes(pg.data), [])


if __name__ == "__main__":
    unittest.main()
