#!/usr/bin/python3
"""notify's benchmarks (issue #9). Each figure is measured beside a floor taken in the same run,
so the ratio holds on a noisy machine. Run through scripts/bench.sh, which builds Release and
installs wrk; by hand:

    tests/bench/run.py --build build-bench [--only enqueue,import,...] [--quick] [--out FILE]

Benchmarks: enqueue (1), import (2), dispatch (3), timing (4), scale (5), isolation (6),
scaleout (7: 1, 2 and 4 notifyd on one PostgreSQL beside one on SQLite).
Prints one Markdown section per benchmark and writes the raw figures as JSON (--out).
Everything talks to 127.0.0.1 only and every process started here is stopped.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager

# ---------------------------------------------------------------------------------------------
# helpers


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def wait_for(predicate, timeout, step=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise RuntimeError(f"timed out after {timeout} s waiting for {what}")


def http_get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as reply:
        return reply.read().decode()


def rfc3339_ms(unix_ms):
    seconds, millis = divmod(int(unix_ms), 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


class Sink:
    """tests/bench/http_sink: answers 200 at once, remembers first arrivals per id."""

    def __init__(self, build, threads=64):
        self.port = free_port()
        self.proc = subprocess.Popen([os.path.join(build, "tests/bench/http_sink"),
                                      str(self.port), str(threads)])
        self.url = f"http://127.0.0.1:{self.port}"
        wait_for(self._up, 10, what="http_sink")

    def _up(self):
        try:
            http_get(self.url + "/count", timeout=1)
            return True
        except OSError:
            return False

    def count(self):
        requests, unique = http_get(self.url + "/count").split()
        return int(requests), int(unique)

    def arrivals(self):
        out = {}
        for line in http_get(self.url + "/arrivals", timeout=60).splitlines():
            nid, at = line.split()
            out[int(nid)] = int(at)
        return out

    def reset(self):
        http_get(self.url + "/reset")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class HangServer:
    """Accepts connections and never answers: a provider that hangs until its timeout."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
                self.conns.append(conn)
            except OSError:
                return

    def stop(self):
        self.stopped = True
        self.sock.close()
        for c in self.conns:
            c.close()


class Env:
    """A throwaway HOME with its own config and store, and the binaries of one build."""

    def __init__(self, build, config=""):
        self.build = build
        self.notify = os.path.join(build, "cli/notify")
        self.notifyd = os.path.join(build, "daemon/notifyd")
        self.home = tempfile.mkdtemp(prefix="notify-bench.")
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "NOTIFY_CONFIG", "NOTIFY_DB")}
        self.env["HOME"] = self.home
        self.store = os.path.join(self.home, ".local/share/notify/notify.db")
        if config:
            path = os.path.join(self.home, ".config/notify/config.yaml")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(config)
            os.chmod(path, 0o600)
        self.daemon = None

    def run(self, *args, check=True, stdin=None):
        result = subprocess.run([self.notify, *args], env=self.env, cwd=self.home,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=stdin,
                                text=True)
        if check and result.returncode != 0:
            raise RuntimeError(f"notify {' '.join(args)}: exit {result.returncode}: "
                               f"{result.stderr.strip()}")
        return result

    def start_daemon(self):
        with open(os.path.join(self.home, "notifyd.log"), "ab") as log:
            self.daemon = subprocess.Popen([self.notifyd], env=self.env, cwd=self.home,
                                           stdout=subprocess.DEVNULL, stderr=log)
        return self.daemon

    def stop_daemon(self):
        if self.daemon and self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            try:
                self.daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
        self.daemon = None

    def import_lines(self, lines):
        path = os.path.join(self.home, "import.ndjson")
        with open(path, "w", encoding="utf-8") as f:
            for line in lines:
                f.write(line)
                f.write("\n")
        return path

    def store_bytes(self):
        db = sqlite3.connect(self.store)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        return sum(os.path.getsize(self.store + suffix) for suffix in ("", "-wal")
                   if os.path.exists(self.store + suffix))

    def status_counts(self):
        db = sqlite3.connect(self.store)
        rows = dict(db.execute("SELECT status, count(*) FROM notifications GROUP BY status"))
        db.close()
        return rows

    def close(self):
        self.stop_daemon()
        shutil.rmtree(self.home, ignore_errors=True)


@contextmanager
def bench_env(build, config=""):
    env = Env(build, config)
    try:
        yield env
    finally:
        env.close()


def timed_runs(commands, runs):
    """Runs each command `runs` times, interleaved; returns {name: [ms, ...]}."""
    times = {name: [] for name in commands}
    for _ in range(runs):
        for name, (argv, env) in commands.items():
            start = time.perf_counter()
            result = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
            times[name].append((time.perf_counter() - start) * 1000)
            if result.returncode != 0:
                raise RuntimeError(f"{name}: exit {result.returncode}: {result.stderr}")
    return times


def summary(values):
    return {"median_ms": round(statistics.median(values), 2),
            "p99_ms": round(percentile(values, 99), 2), "runs": len(values)}


def webhook_config(url, concurrency=None, extra=""):
    lines = ["providers:", "  hook:", "    type: webhook", f"    url: {url}/hook",
             "channels:", "  webhook: [hook]"]
    if concurrency:
        lines += ["delivery:", f"  concurrency: {concurrency}"]
    return "\n".join(lines) + "\n" + extra


def webhook_line(i, extra=None):
    line = {"channel": "webhook", "to": "https://hooks.example.com/in",
            "body": f"build {i} finished"}
    line.update(extra or {})
    return json.dumps(line)


def invoice_lines(count):
    """E-mail import lines due tomorrow, so that a running notifyd leaves them queued."""
    return (json.dumps({"channel": "email", "to": f"user{i}@example.com",
                        "subject": f"Invoice {i}", "body": f"Your invoice {i} is ready",
                        "in": "24h"}) for i in range(count))


def cpu_and_switches(pid):
    """(CPU seconds, context switches over all threads) of a running process."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    switches = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        switches += int(line.split()[1])
        except FileNotFoundError:
            pass
    return cpu, switches


def rss_kb(pid, key="VmRSS"):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def drain(env, sink, count, timeout):
    """Starts notifyd and waits until the sink has `count` unique ids; returns seconds."""
    start = time.monotonic()
    env.start_daemon()
    wait_for(lambda: sink.count()[1] >= count, timeout, step=0.1, what=f"{count} deliveries")
    elapsed = time.monotonic() - start
    env.stop_daemon()
    return elapsed


def sustained_rate(arrivals):
    """Deliveries per second between the 10th and 90th percentile arrival."""
    times = sorted(arrivals.values())
    lo, hi = times[len(times) // 10], times[len(times) * 9 // 10]
    return (len(times) * 0.8) / max((hi - lo) / 1000, 1e-3)


# ---------------------------------------------------------------------------------------------
# the benchmarks


def bench_enqueue(build, scale):
    runs = 200 if not scale.quick else 30
    with bench_env(build) as env:
        env.run("send", "--channel", "email", "--to", "ops@example.com", "--body", "first")
        floor = os.path.join(build, "tests/bench/enqueue_floor")
        commands = {
            "true": (["/bin/true"], env.env),
            "floor": ([floor, env.store], env.env),
            "notify --version": ([env.notify, "--version"], env.env),
            "notify send": ([env.notify, "send", "--channel", "email", "--to", "ops@example.com",
                             "--subject", "Backup", "--body", "nightly backup done"], env.env),
        }
        times = timed_runs(commands, runs)
        rows = env.status_counts().get("queued", 0)
        expected = 1 + 2 * runs
        if rows != expected:
            raise RuntimeError(f"enqueue: {rows} queued rows, expected {expected}")
    result = {name: summary(values) for name, values in times.items()}
    result["ratio_median"] = round(result["notify send"]["median_ms"] /
                                   result["floor"]["median_ms"], 2)
    return result


def bench_import(build, scale):
    count = 1_000_000 if not scale.quick else 50_000
    with bench_env(build) as env:
        path = env.import_lines(invoice_lines(count))
        start = time.perf_counter()
        env.run("import", path)
        notify_s = time.perf_counter() - start
        size = env.store_bytes()

        # The floor: the sqlite3 shell importing the same rows as CSV into a table of the
        # same shape (the notifications table, its indexes and the triggers that keep its
        # status counters), with the same pragmas.
        csv_path = os.path.join(env.home, "rows.csv")
        with open(csv_path, "w", encoding="utf-8") as out:
            subprocess.run(["sqlite3", "-csv", env.store, "SELECT * FROM notifications"],
                           stdout=out, check=True)
        schema = "".join(
            subprocess.run(["sqlite3", env.store, f".schema {table}"], check=True,
                           stdout=subprocess.PIPE, text=True).stdout
            for table in ("status_counts", "notifications"))
        # The shell's .import reads empty CSV fields as '' (not NULL), which a STRICT table
        # refuses in its INTEGER columns: the floor's table is the same but not STRICT.
        schema = schema.replace(") STRICT;", ");")
        floor_db = os.path.join(env.home, "floor.db")
        # notify's commands may grow the page cache to 64 MiB (cli/context.cpp): so may the
        # floor.
        script = ("PRAGMA journal_mode=WAL;\nPRAGMA synchronous=FULL;\n"
                  "PRAGMA cache_size=-65536;\n" + schema +
                  f"\n.import --csv {csv_path} notifications\n")
        start = time.perf_counter()
        subprocess.run(["sqlite3", floor_db], input=script, text=True, check=True,
                       stdout=subprocess.DEVNULL)
        floor_s = time.perf_counter() - start
        db = sqlite3.connect(floor_db)
        floor_rows = db.execute("SELECT count(*) FROM notifications").fetchone()[0]
        db.close()
        if floor_rows != count:
            raise RuntimeError(f"sqlite3 imported {floor_rows} rows, expected {count}")
        rows = env.status_counts().get("scheduled", 0)
        if rows != count:
            raise RuntimeError(f"import: {rows} scheduled rows, expected {count}")
    return {"lines": count, "notify_s": round(notify_s, 2),
            "notify_per_s": round(count / notify_s), "sqlite3_csv_s": round(floor_s, 2),
            "ratio": round(notify_s / floor_s, 2),
            "store_bytes_per_notification": round(size / count)}


def wrk_rate(url, seconds=5):
    """Requests per second `wrk` gets from the sink with a webhook-sized POST body."""
    if not shutil.which("wrk"):
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write('wrk.method = "POST"\n'
                     'wrk.headers["Content-Type"] = "application/json"\n'
                     'wrk.body = \'{"id": 1, "channel": "webhook", "to": '
                     '"https://hooks.example.com/in", "body": "build 1 finished"}\'\n')
    try:
        out = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "-s", script.name,
                              url + "/hook"], stdout=subprocess.PIPE, text=True,
                             check=True).stdout
    finally:
        os.unlink(script.name)
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            return round(float(line.split()[1]))
    return None


def bench_dispatch(build, scale):
    count = 100_000 if not scale.quick else 10_000
    sink = Sink(build)
    try:
        wrk = wrk_rate(sink.url)
        sink.reset()
        results = {"notifications": count, "wrk_per_s": wrk, "runs": []}
        for concurrency in scale.concurrency:
            with bench_env(build, webhook_config(sink.url, concurrency)) as env:
                env.run("import", env.import_lines(webhook_line(i) for i in range(count)))
                elapsed = drain(env, sink, count, timeout=1800)
                arrivals = sink.arrivals()
                counts = env.status_counts()
                requests, unique = sink.count()
                sink.reset()
            if counts.get("sent", 0) != count:
                raise RuntimeError(f"dispatch: store says {counts}, expected {count} sent")
            results["runs"].append({
                "concurrency": concurrency, "seconds": round(elapsed, 2),
                "per_s": round(count / elapsed), "sustained_per_s": round(sustained_rate(arrivals)),
                "requests": requests, "unique": unique,
                "ratio_to_wrk": round(count / elapsed / wrk, 3) if wrk else None})
        return results
    finally:
        sink.stop()


def bench_timing(build, scale, dispatch_rate):
    sink = Sink(build)
    results = {}
    try:
        # (a) lateness of single notifications, each due at its own instant 60 ms apart.
        singles = 200 if not scale.quick else 40
        with bench_env(build, webhook_config(sink.url)) as env:
            env.start_daemon()
            time.sleep(1)
            base = int(time.time() * 1000) + 2000
            lines = [webhook_line(i, {"at": rfc3339_ms(base + 60 * i)}) for i in range(singles)]
            env.run("import", env.import_lines(lines))
            wait_for(lambda: sink.count()[1] >= singles, 60 + singles * 0.1, what="singles")
            arrivals = sink.arrivals()
            db = sqlite3.connect(env.store)
            due = dict(db.execute("SELECT id, due_at FROM notifications"))
            db.close()
            late = [arrivals[i] - due[i] for i in arrivals]
            results["single"] = {"count": singles, "median_ms": statistics.median(late),
                                 "p99_ms": percentile(late, 99), "max_ms": max(late),
                                 "min_ms": min(late)}
            sink.reset()

            # (b) 10,000 due in the same second.
            burst = 10_000 if not scale.quick else 2_000
            at = (int(time.time()) + 6) * 1000
            env.run("import", env.import_lines(webhook_line(i, {"at": rfc3339_ms(at)})
                                                for i in range(burst)))
            wait_for(lambda: sink.count()[1] >= burst, 600, step=0.1, what="burst")
            arrivals = sink.arrivals()
            first, last = min(arrivals.values()), max(arrivals.values())
            bound = burst / dispatch_rate if dispatch_rate else None
            results["burst"] = {"count": burst, "first_after_due_ms": first - at,
                                "all_out_after_due_s": round((last - at) / 1000, 2),
                                "throughput_bound_s": round(bound, 2) if bound else None}
            sink.reset()
            env.stop_daemon()

        # (c) an idle daemon with 100,000 scheduled for tomorrow.
        idle = 100_000 if not scale.quick else 10_000
        seconds = 60 if not scale.quick else 15
        with bench_env(build, webhook_config(sink.url)) as env:
            env.run("import", env.import_lines(webhook_line(i, {"in": "24h"})
                                                for i in range(idle)))
            daemon = env.start_daemon()
            time.sleep(5)
            cpu0, sw0 = cpu_and_switches(daemon.pid)
            time.sleep(seconds)
            cpu1, sw1 = cpu_and_switches(daemon.pid)
            env.stop_daemon()
        results["idle"] = {"scheduled": idle, "seconds": seconds,
                           "cpu_percent": round((cpu1 - cpu0) / seconds * 100, 3),
                           "wakeups_per_s": round((sw1 - sw0) / seconds, 2)}
        return results
    finally:
        sink.stop()


def bench_scale(build, scale):
    count = 1_000_000 if not scale.quick else 50_000
    with bench_env(build) as env:
        env.run("import", env.import_lines(invoice_lines(count)))
        size = env.store_bytes()
        daemon = env.start_daemon()
        time.sleep(10)
        rss = rss_kb(daemon.pid)
        hwm = rss_kb(daemon.pid, "VmHWM")
        env.stop_daemon()
        runs = 20 if not scale.quick else 5
        times = timed_runs({"ls --limit 50": ([env.notify, "ls", "--limit", "50"], env.env),
                            "stats": ([env.notify, "stats"], env.env)}, runs)
    return {"scheduled": count, "notifyd_rss_mb": round(rss / 1024, 1),
            "notifyd_peak_rss_mb": round(hwm / 1024, 1),
            "ls_limit_50": summary(times["ls --limit 50"]), "stats": summary(times["stats"]),
            "store_bytes_per_notification": round(size / count)}


def bench_isolation(build, scale):
    count = 20_000 if not scale.quick else 4_000
    sink = Sink(build)
    hang = HangServer()
    config = "\n".join([
        "providers:",
        "  mail:", "    type: webhook", f"    url: {sink.url}/mail",
        "  sms_gw:", "    type: webhook", f"    url: http://127.0.0.1:{hang.port}/sms",
        "    timeout: 5s",
        "channels:", "  email: [mail]", "  sms: [sms_gw]", ""])
    email = [json.dumps({"channel": "email", "to": f"user{i}@example.com",
                         "subject": "s", "body": f"b {i}"}) for i in range(count)]
    sms = [json.dumps({"channel": "sms", "to": "+14155550123", "body": f"s {i}"})
           for i in range(count // 10)]
    try:
        rates = {}
        for name, lines in (("baseline", email), ("sms_hanging", email + sms)):
            with bench_env(build, config) as env:
                env.run("import", env.import_lines(lines))
                elapsed = drain(env, sink, count, timeout=1200)
                rates[name] = count / elapsed
                sink.reset()
        return {"emails": count, "baseline_per_s": round(rates["baseline"]),
                "with_sms_hanging_per_s": round(rates["sms_hanging"]),
                "ratio": round(rates["sms_hanging"] / rates["baseline"], 3)}
    finally:
        hang.stop()
        sink.stop()


def bench_scaleout(build, scale):
    """Dispatch throughput of 1, 2 and 4 notifyd sharing one PostgreSQL (a throwaway cluster of
    tests/e2e/pg_cluster.py, fsync off like every test cluster), and of one notifyd on SQLite,
    each draining the same import into the same sink."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
    from pg_cluster import PgCluster  # pylint: disable=import-outside-toplevel
    count = 50_000 if not scale.quick else 5_000
    concurrency = scale.concurrency[-1]
    lines = [webhook_line(i) for i in range(count)]
    sink = Sink(build)
    results = {"notifications": count, "concurrency": concurrency, "runs": []}

    def measure(env, instances):
        env.run("import", env.import_lines(lines))
        start = time.monotonic()
        extra = []
        env.start_daemon()
        for _ in range(instances - 1):
            with open(os.path.join(env.home, "notifyd.log"), "ab") as log:
                extra.append(subprocess.Popen([env.notifyd], env=env.env, cwd=env.home,
                                              stdout=subprocess.DEVNULL, stderr=log))
        wait_for(lambda: sink.count()[1] >= count, 1800, step=0.1, what=f"{count} deliveries")
        elapsed = time.monotonic() - start
        for p in extra:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=60)
        env.stop_daemon()
        requests, unique = sink.count()
        arrivals = sink.arrivals()
        sink.reset()
        return {"instances": instances, "seconds": round(elapsed, 2),
                "per_s": round(count / elapsed), "sustained_per_s": round(sustained_rate(arrivals)),
                "requests": requests, "unique": unique}

    try:
        with bench_env(build, webhook_config(sink.url, concurrency)) as env:
            run = measure(env, 1)
            if env.status_counts().get("sent", 0) != count:
                raise RuntimeError(f"scaleout: SQLite store says {env.status_counts()}")
            results["runs"].append({"store": "sqlite", **run})
        with PgCluster() as pg:
            for instances in (1, 2, 4):
                url = pg.create_database()
                config = webhook_config(sink.url, concurrency) + f"store:\n  url: {url}\n"
                with bench_env(build, config) as env:
                    run = measure(env, instances)
                    sent = env.run("stats", "--json").stdout
                if json.loads(sent)["by_status"].get("sent", 0) != count:
                    raise RuntimeError(f"scaleout: PostgreSQL store says {sent}")
                results["runs"].append({"store": "postgresql", **run})
        return results
    finally:
        sink.stop()


# ---------------------------------------------------------------------------------------------
# report


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    disk = subprocess.run(["df", "-h", "--output=source,fstype,size", tempfile.gettempdir()],
                          stdout=subprocess.PIPE, text=True).stdout.splitlines()[-1]
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "cores": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
            "tmp_filesystem": " ".join(disk.split())}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", required=True, help="a Release build with NOTIFY_BENCH=ON")
    parser.add_argument("--only",
                        default="enqueue,import,dispatch,timing,scale,isolation,scaleout")
    parser.add_argument("--quick", action="store_true", help="small sizes, to try the script")
    parser.add_argument("--concurrency", default="4,16",
                        help="delivery.concurrency values for benchmark 3 (default 4,16)")
    parser.add_argument("--out", help="write the figures as JSON here")
    args = parser.parse_args()
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    build = os.path.abspath(args.build)
    chosen = args.only.split(",")
    report = {"machine": machine()}
    print(json.dumps(report["machine"]), flush=True)
    dispatch_rate = None
    for name in chosen:
        start = time.monotonic()
        if name == "enqueue":
            report[name] = bench_enqueue(build, args)
        elif name == "import":
            report[name] = bench_import(build, args)
        elif name == "dispatch":
            report[name] = bench_dispatch(build, args)
            dispatch_rate = max(r["per_s"] for r in report[name]["runs"])
        elif name == "timing":
            report[name] = bench_timing(build, args, dispatch_rate)
        elif name == "scale":
            report[name] = bench_scale(build, args)
        elif name == "isolation":
            report[name] = bench_isolation(build, args)
        elif name == "scaleout":
            report[name] = bench_scaleout(build, args)
        else:
            parser.error(f"unknown benchmark {name}")
        report[name]["bench_seconds"] = round(time.monotonic() - start, 1)
        print(f"{name}: {json.dumps(report[name])}", flush=True)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
