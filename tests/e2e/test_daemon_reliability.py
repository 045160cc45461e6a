"""notifyd reliability end to end: wake-up latency, due times, the single-dispatcher lock,
SIGTERM / SIGKILL with sends in flight, lane isolation, retry -> dead -> alert, the circuit
breaker and SIGHUP reloads. Every test runs the real daemon on local files only and stops it.

Providers that misbehave are `exec` providers running a small Python script (written into the
test's temp dir) that reads the message JSON on stdin and can log its id, sleep, wait for a
gate file and exit with a chosen code (0 sent, 75 transient, 65 permanent).
"""

import json
import os
import signal
import sys
import textwrap
import time
import unittest

from notify_env import NOTIFYD_BIN, NotifyTestCase, parse_time, wait_for

# The exec provider script. Arguments:
#   --started FILE  append "<id>\n" when the send starts
#   --log FILE      append "<id>\n" when the send is done (before exiting)
#   --sleep S       sleep S seconds before finishing
#   --gate FILE     wait (at most --gate-max seconds) until FILE exists
#   --exit CODE     exit code (default 0)
PROVIDER_SCRIPT = textwrap.dedent("""\
    import json, os, sys, time
    args = sys.argv[1:]
    opts = dict(zip(args[0::2], args[1::2]))
    msg = json.load(sys.stdin)
    def append(path, text):
        with open(path, "a", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    if "--started" in opts:
        append(opts["--started"], f"{msg['id']}\\n")
    if "--sleep" in opts:
        time.sleep(float(opts["--sleep"]))
    if "--gate" in opts:
        deadline = time.monotonic() + float(opts.get("--gate-max", "15"))
        while not os.path.exists(opts["--gate"]) and time.monotonic() < deadline:
            time.sleep(0.05)
    if "--log" in opts:
        append(opts["--log"], f"{msg['id']}\\n")
    sys.exit(int(opts.get("--exit", "0")))
    """)

# The alerts.command script: appends its stdin (the alert message JSON) to argv[1].
ALERT_SCRIPT = textwrap.dedent("""\
    import sys
    data = sys.stdin.read()
    with open(sys.argv[1], "a", encoding="utf-8") as f:
        f.write(data + "\\n")
    """)


def q(text):
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(str(text))


def read_text(path):
    """The text of a file ("" if absent)."""
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8") as f:
        return f.read()


def read_ids(path):
    """The ids, one a line, in a file the provider script appends to ([] if absent)."""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [int(line) for line in f if line.strip()]


class ReliabilityTest(NotifyTestCase):

    # --- helpers ----------------------------------------------------------------------------
    def setUp(self):
        super().setUp()
        self.script = self.env.path("provider.py")
        with open(self.script, "w", encoding="utf-8") as f:
            f.write(PROVIDER_SCRIPT)

    def exec_command(self, *args):
        """A YAML flow list running the provider script with `args`."""
        return "[" + ", ".join(q(a) for a in (sys.executable, self.script, *args)) + "]"

    def start(self, *args):
        """Starts notifyd and waits for its "started" line (log offset aware across
        restarts)."""
        before = self.env.daemon_log().count("started:")
        proc = self.env.start_daemon(*args)
        wait_for(lambda: self.env.daemon_log().count("started:") > before
                 or proc.poll() is not None, timeout=30, what="notifyd to start")
        self.assertIsNone(proc.poll(), "notifyd exited early:\n" + self.env.daemon_log())
        return proc

    def wait_status(self, nid, status, timeout=30):
        return wait_for(lambda: self.env.status(nid) == status, timeout=timeout,
                        what=f"notification {nid} to be {status}; log:\n"
                             + self.env.daemon_log())

    def statuses(self, ids):
        rows = self.env.json("ls", "--limit", "10000")
        by_id = {r["id"]: r["status"] for r in rows}
        return {nid: by_id.get(nid) for nid in ids}

    def wait_all(self, ids, status, timeout=60):
        return wait_for(lambda: all(s == status for s in self.statuses(ids).values()),
                        timeout=timeout,
                        what=f"all of {ids} to be {status}: {self.statuses(ids)}; log:\n"
                             + self.env.daemon_log())

    def gated_sms_setup(self):
        """sms -> an exec provider blocked on a gate file (at most 60 s: a sanitized, loaded machine needs time to send 20 e-mails meanwhile), email -> a file;
        shutdown_grace 1s. Returns (started, sms_log, gate, out)."""
        started = self.env.path("sms-started.txt")
        sms_log = self.env.path("sms.txt")
        gate = self.env.path("sms-gate")
        out = self.env.path("email.jsonl")
        self.env.write_config(
            "daemon:\n"
            "  shutdown_grace: 1s\n"
            "providers:\n"
            "  slowsms:\n"
            "    type: exec\n"
            f"    command: {self.exec_command('--started', started, '--gate', gate, '--gate-max', '60', '--log', sms_log)}\n"
            "    timeout: 90s\n"
            "  out:\n"
            "    type: file\n"
            f"    path: {q(out)}\n"
            "channels:\n"
            "  sms: [slowsms]\n"
            "  email: [out]\n")

        def open_gate():
            with open(gate, "w"):
                pass

        def release_scripts():
            # Runs before the temp dir is removed: let blocked provider scripts finish.
            open_gate()
            deadline = time.monotonic() + 5
            while (sorted(read_ids(started)) != sorted(read_ids(sms_log))
                   and time.monotonic() < deadline):
                time.sleep(0.05)
        self.addCleanup(release_scripts)
        self.open_gate = open_gate
        return started, sms_log, gate, out

    # --- 1. wake-up on send -----------------------------------------------------------------
    def test_due_now_send_is_delivered_well_before_the_safety_poll(self):
        # The default safety poll is 5 s; `notify send` pokes the daemon, so a due-now
        # notification goes out at once. Send while the daemon is idle in its poll wait.
        self.start()
        latencies = []
        for i in range(3):
            time.sleep(1.5)  # let the daemon settle into its (up to 5 s) idle wait
            t0 = time.monotonic()
            nid = self.env.send(body=f"now {i}")
            wait_for(lambda: self.env.status(nid) == "sent", timeout=30, interval=0.02,
                     what=f"notification {nid} to be sent")
            latency = time.monotonic() - t0
            latencies.append(latency)
            self.assertLess(latency, 3.0, f"send -> sent took {latency:.3f}s (poll is 5s)")
        print(f"\n  send -> sent latencies: {', '.join(f'{x:.3f}s' for x in latencies)}",
              file=sys.stderr)
        self.assertEqual(self.env.stop_daemon(), 0)

    # --- 2. a batch of scheduled sends --------------------------------------------------------
    def test_batch_of_50_scheduled_all_sent_none_early(self):
        self.start()
        ids = [self.env.send("--in", "3s", body=f"b{i}") for i in range(50)]
        self.assertEqual(len(set(ids)), 50)
        self.wait_all(ids, "sent", timeout=60)
        for nid in ids:
            n = self.env.show(nid)
            self.assertEqual(n["status"], "sent")
            self.assertGreaterEqual(parse_time(n["due_at"]), parse_time(n["created_at"]) + 2,
                                    f"due_at of {nid} is not ~3 s after created_at: {n}")
            self.assertGreaterEqual(parse_time(n["sent_at"]), parse_time(n["due_at"]),
                                    f"notification {nid} was sent before it was due: {n}")
            self.assertEqual(n["attempts"], 1, n)
        delivered = [m["id"] for m in self.env.delivered()]
        self.assertEqual(sorted(delivered), sorted(ids), "each sent exactly once")
        self.assertEqual(self.env.stop_daemon(), 0)

    # --- 3. one dispatcher per store ----------------------------------------------------------
    def test_second_dispatcher_on_the_same_store_exits_75(self):
        first = self.start()
        res = self.env.run(binary=NOTIFYD_BIN, timeout=30)
        line = self.assert_error_output(res, 75, prog="notifyd")
        self.assertIn(f"pid {first.pid}", line)
        res = self.env.run("dispatch", "--once", timeout=30)
        line = self.assert_error_output(res, 75)
        self.assertIn(f"pid {first.pid}", line)
        res = self.env.run("--once", binary=NOTIFYD_BIN, timeout=30)
        self.assert_error_output(res, 75, prog="notifyd")
        # The first daemon is unaffected and still dispatches.
        self.assertIsNone(first.poll())
        nid = self.env.send()
        self.wait_status(nid, "sent")
        self.assertEqual(self.env.stop_daemon(), 0)
        # Once it is gone the lock is free again.
        res = self.env.run("dispatch", "--once", timeout=30)
        self.assertEqual(res.returncode, 0, res.stderr)

    # --- 4./5. signals with sends in flight ---------------------------------------------------
    def slow_exec_setup(self):
        self.started_file = self.env.path("started.txt")
        self.log_file = self.env.path("delivered.txt")
        self.env.write_config(
            "daemon:\n"
            "  shutdown_grace: 1s\n"
            "providers:\n"
            "  slow:\n"
            "    type: exec\n"
            f"    command: {self.exec_command('--started', self.started_file, '--sleep', '2', '--log', self.log_file)}\n"
            "    timeout: 30s\n"
            "channels:\n"
            "  email: [slow]\n")

    def wait_some_in_flight(self):
        # At least one send has started and is sleeping; not all are done.
        wait_for(lambda: len(read_ids(self.started_file)) >= 2, timeout=30,
                 what="sends to start; log:\n" + self.env.daemon_log())
        time.sleep(0.5)

    def wait_scripts_done(self):
        """Provider scripts orphaned by the stop keep running; wait until every started send
        has logged its delivery."""
        wait_for(lambda: sorted(read_ids(self.started_file)) == sorted(read_ids(self.log_file)),
                 timeout=30, what="every started provider script to finish")

    def assert_none_lost(self, ids, in_flight):
        delivered = read_ids(self.log_file)
        self.assertTrue(set(ids) <= set(delivered), f"lost: {set(ids) - set(delivered)}")
        duplicates = {nid for nid in delivered if delivered.count(nid) > 1}
        self.assertTrue(duplicates <= in_flight,
                        f"duplicates {duplicates} not among those in flight {in_flight}")
        for nid in ids:
            self.assertLessEqual(delivered.count(nid), 2, f"{nid} delivered more than twice")
        return duplicates

    def test_sigterm_mid_dispatch_loses_nothing(self):
        self.slow_exec_setup()
        self.start()
        ids = [self.env.send(body=f"m{i}") for i in range(10)]
        self.wait_some_in_flight()
        delivered_before = set(read_ids(self.log_file))
        self.assertLess(len(delivered_before), 10, "everything was sent before the signal")
        t0 = time.monotonic()
        code = self.env.stop_daemon(signal.SIGTERM, timeout=30)
        elapsed = time.monotonic() - t0
        print(f"\n  SIGTERM -> exit took {elapsed:.3f}s (shutdown_grace 1s)", file=sys.stderr)
        self.assertEqual(code, 0, self.env.daemon_log())
        self.assertLess(elapsed, 1 + 9, "notifyd overran shutdown_grace by far")
        in_flight = set(read_ids(self.started_file)) - delivered_before
        # Stopping releases what the daemon held: nothing is left `sending`, and the released
        # rows are due at once.
        after = self.statuses(ids)
        self.assertNotIn("sending", after.values(), after)
        for nid, status in after.items():
            if status != "sent":
                n = self.env.show(nid)
                self.assertLessEqual(parse_time(n["due_at"]), time.time() + 1, n)
        self.start()
        self.wait_all(ids, "sent", timeout=60)
        self.assertEqual(self.env.stop_daemon(), 0)
        self.wait_scripts_done()
        dups = self.assert_none_lost(ids, in_flight)
        print(f"  in flight at the signal: {sorted(in_flight)}; sent twice: {sorted(dups)}",
              file=sys.stderr)

    def test_sigkill_mid_dispatch_then_restart_rescues(self):
        self.slow_exec_setup()
        self.start()
        ids = [self.env.send(body=f"m{i}") for i in range(10)]
        self.wait_some_in_flight()
        delivered_before = set(read_ids(self.log_file))
        self.assertLess(len(delivered_before), 10, "everything was sent before the signal")
        self.env.stop_daemon(signal.SIGKILL, timeout=30)
        in_flight = set(read_ids(self.started_file)) - delivered_before
        sending = {nid for nid, s in self.statuses(ids).items() if s == "sending"}
        self.assertTrue(sending, "nothing was left `sending` by the killed daemon")
        self.start()
        self.wait_all(ids, "sent", timeout=60)
        self.assertIn("rescued", self.env.daemon_log())
        for nid in sending:
            n = self.env.show(nid)
            self.assertIn("rescued", [a["outcome"] for a in n["attempts_log"]], n)
            self.assertIn("rescued", [e["type"] for e in n["events"]], n)
            self.assertEqual(n["attempts_log"][-1]["outcome"], "sent", n)
        self.assertEqual(self.env.stop_daemon(), 0)
        self.wait_scripts_done()
        self.assert_none_lost(ids, in_flight | sending)

    # --- 6. lanes -----------------------------------------------------------------------------
    def test_slow_channel_does_not_block_another_channel(self):
        # The sms provider blocks until the gate file exists (at most 60 s, under its 90 s
        # timeout): deterministic "still in flight" without relying on a sleep's length.
        started, sms_log, gate, out = self.gated_sms_setup()
        self.start()
        sms = [self.env.send(channel="sms", to=f"+1415555010{i}", body=f"s{i}") for i in range(4)]
        wait_for(lambda: len(read_ids(started)) >= 1, timeout=30,
                 what="an sms send to start; log:\n" + self.env.daemon_log())
        emails = [self.env.send(to=f"u{i}@example.com", body=f"e{i}") for i in range(20)]
        self.wait_all(emails, "sent", timeout=30)
        self.assertEqual(read_ids(sms_log), [], "an sms finished while emails were going out")
        sms_status = self.statuses(sms)
        self.assertNotIn("sent", sms_status.values(), sms_status)
        self.assertIn("sending", sms_status.values(), sms_status)
        self.assertEqual(sorted(m["id"] for m in self.env.delivered(out)), sorted(emails))
        self.open_gate()
        self.wait_all(sms, "sent", timeout=60)
        self.assertEqual(sorted(read_ids(sms_log)), sorted(sms))
        self.assertEqual(self.env.stop_daemon(), 0)

    # --- 7. retry -> dead -> alert ------------------------------------------------------------
    def test_retry_then_dead_raises_alert_and_permanent_is_dead_at_once(self):
        alert_script = self.env.path("alert.py")
        with open(alert_script, "w", encoding="utf-8") as f:
            f.write(ALERT_SCRIPT)
        alert_log = self.env.path("alert.log")
        calls75 = self.env.path("calls75.txt")
        calls65 = self.env.path("calls65.txt")
        self.env.write_config(
            "providers:\n"
            "  flaky:\n"
            "    type: exec\n"
            f"    command: {self.exec_command('--log', calls75, '--exit', '75')}\n"
            "  broken:\n"
            "    type: exec\n"
            f"    command: {self.exec_command('--log', calls65, '--exit', '65')}\n"
            "channels:\n"
            "  email: [flaky]\n"
            "  sms: [broken]\n"
            "delivery:\n"
            "  retry_base: 100ms\n"
            "  retry_cap: 200ms\n"
            "  max_attempts: 3\n"
            "  jitter_percent: 0\n"
            "alerts:\n"
            f"  command: [{q(sys.executable)}, {q(alert_script)}, {q(alert_log)}]\n"
            "  min_interval: 1ms\n")
        self.start()
        nid = self.env.send()
        self.wait_status(nid, "dead", timeout=30)
        n = self.env.show(nid)
        self.assertEqual(n["attempts"], 3, n)
        self.assertEqual([a["n"] for a in n["attempts_log"]], [1, 2, 3], n)
        self.assertTrue(all(a["outcome"] == "transient" for a in n["attempts_log"]), n)
        self.assertIn("dead", [e["type"] for e in n["events"]])
        self.assertIsNotNone(n["last_error"])
        self.assertEqual(read_ids(calls75), [nid] * 3)
        wait_for(lambda: f"notification {nid} " in read_text(alert_log),
                 timeout=30, what="the dead alert in alert.log")
        # A permanent failure is dead after one attempt.
        pid_ = self.env.send(channel="sms", to="+14155550123")
        self.wait_status(pid_, "dead", timeout=30)
        p = self.env.show(pid_)
        self.assertEqual(p["attempts"], 1, p)
        self.assertEqual([a["outcome"] for a in p["attempts_log"]], ["permanent"], p)
        self.assertEqual(read_ids(calls65), [pid_])
        wait_for(lambda: f"notification {pid_} " in read_text(alert_log),
                 timeout=30, what="the second dead alert in alert.log")
        self.assertEqual(self.env.stop_daemon(), 0)

    # --- 8. circuit breaker -------------------------------------------------------------------
    def test_breaker_pauses_provider_and_defers_without_counting(self):
        calls = self.env.path("calls.txt")
        self.env.write_config(
            "providers:\n"
            "  flaky:\n"
            "    type: exec\n"
            f"    command: {self.exec_command('--log', calls, '--exit', '75')}\n"
            "channels:\n"
            "  email: [flaky]\n"
            "delivery:\n"
            "  retry_base: 1h\n"
            "  retry_cap: 1h\n"
            "  breaker_failures: 2\n"
            "  breaker_base: 1m\n")
        self.start()
        # Sequential, so exactly two failures reach the provider before it is paused.
        failed = []
        for i in range(2):
            nid = self.env.send(body=f"f{i}")
            self.wait_status(nid, "retrying")
            self.assertEqual(self.env.show(nid)["attempts"], 1)
            failed.append(nid)
        wait_for(lambda: "paused" in self.env.daemon_log(), timeout=10,
                 what="the provider pause in the log:\n" + self.env.daemon_log())
        later = [self.env.send(body=f"later{i}") for i in range(3)]
        for nid in later:
            wait_for(lambda: "deferred" in [e["type"] for e in self.env.show(nid)["events"]],
                     timeout=30, what=f"a deferred event on {nid}; log:\n"
                                      + self.env.daemon_log())
        for nid in later:
            n = self.env.show(nid)
            self.assertEqual(n["attempts"], 0, n)
            self.assertEqual(n["attempts_log"], [], n)
            self.assertIn(n["status"], ("queued", "scheduled"), n)
            self.assertGreater(parse_time(n["due_at"]), time.time(), "deferred to the reopen")
        self.assertEqual(sorted(read_ids(calls)), sorted(failed), "paused provider was called")
        self.assertEqual(self.env.stop_daemon(), 0)

    # --- 9. SIGHUP ----------------------------------------------------------------------------
    def test_sighup_switches_route_and_keeps_old_config_when_broken(self):
        # The daemon reads its own config file; the CLI keeps the built-in defaults (so a
        # broken daemon config does not break `notify`).
        calls = self.env.path("calls.txt")
        out = self.env.path("out.jsonl")
        daemon_config = self.env.path("notifyd.yaml")
        base = (
            "providers:\n"
            "  flaky:\n"
            "    type: exec\n"
            f"    command: {self.exec_command('--log', calls, '--exit', '75')}\n"
            "  out:\n"
            "    type: file\n"
            f"    path: {q(out)}\n"
            "delivery:\n"
            "  retry_base: 1h\n"
            "  retry_cap: 1h\n")
        self.env.write_config(base + "channels:\n  email: [flaky]\n", path=daemon_config)
        self.start("--config", daemon_config)
        nid = self.env.send()
        self.wait_status(nid, "retrying")
        self.assertEqual(read_ids(calls), [nid])
        self.env.write_config(base + "channels:\n  email: [out]\n", path=daemon_config)
        self.env.signal_daemon(signal.SIGHUP)
        wait_for(lambda: "reloaded" in self.env.daemon_log(), timeout=30,
                 what="the reload in the log:\n" + self.env.daemon_log())
        self.env.ok("retry", nid)
        self.wait_status(nid, "sent")
        self.assertEqual([m["id"] for m in self.env.delivered(out)], [nid])
        self.assertEqual(self.env.show(nid)["provider"], "out")
        # A broken config on SIGHUP: logged, the old one (route to `out`) stays.
        self.env.write_config(base + "channels:\n  email: [nosuchprovider]\n  bogus_key: [\n",
                              path=daemon_config)
        self.env.signal_daemon(signal.SIGHUP)
        wait_for(lambda: "reload failed" in self.env.daemon_log(), timeout=30,
                 what="the reload failure in the log:\n" + self.env.daemon_log())
        self.assertIsNone(self.env.daemon.poll(), "notifyd died on a bad reload")
        second = self.env.send(body="after bad reload")
        self.wait_status(second, "sent")
        self.assertEqual(sorted(m["id"] for m in self.env.delivered(out)), sorted([nid, second]))
        self.assertEqual(read_ids(calls), [nid], "the failing route came back")
        self.assertEqual(self.env.stop_daemon(), 0)

    # --- SIGHUP with a send in flight longer than shutdown_grace -----------------------------
    # Regression: on SIGHUP, daemon/run.cpp calls dispatcher->drain(shutdown_grace), which releases
    # sends still running past the grace, then dispatcher.reset(): ~SendPool joins its threads,
    # so the whole daemon blocks until the slow send finishes. Every other lane stalls for
    # that time (an email sent during the reload waits for the sms provider).
    def test_sighup_with_slow_send_in_flight_does_not_stall_other_lanes(self):
        started, sms_log, gate, out = self.gated_sms_setup()
        self.start()
        sms = self.env.send(channel="sms", to="+14155550123", body="slow")
        wait_for(lambda: read_ids(started) == [sms], timeout=30, what="the sms send to start")
        self.env.signal_daemon(signal.SIGHUP)
        time.sleep(0.3)
        email = self.env.send(body="during reload")
        # The sms provider is blocked (gate closed, up to 15 s): the email must not wait for it.
        wait_for(lambda: self.env.status(email) == "sent", timeout=10,
                 what="the email to be sent while the sms send is still running; log:\n"
                      + self.env.daemon_log())
        self.assertEqual(read_ids(sms_log), [])
        self.open_gate()
        self.wait_status(sms, "sent")
        self.assertEqual(self.env.stop_daemon(), 0)

    # Regression: same root cause: the send running at SIGHUP is released ("may be sent twice") even
    # though the daemon keeps running, the old pool then lets it finish (its result is
    # discarded), and the new dispatcher sends the released row again: delivered twice.
    def test_sighup_with_slow_send_in_flight_sends_it_once(self):
        started, sms_log, gate, out = self.gated_sms_setup()
        self.start()
        sms = self.env.send(channel="sms", to="+14155550123", body="slow")
        wait_for(lambda: read_ids(started) == [sms], timeout=30, what="the sms send to start")
        self.env.signal_daemon(signal.SIGHUP)
        time.sleep(2)  # past shutdown_grace: the reload has given up waiting for the send
        self.open_gate()
        self.wait_status(sms, "sent")
        wait_for(lambda: sorted(read_ids(started)) == sorted(read_ids(sms_log)), timeout=30,
                 what="every started sms send to finish")
        time.sleep(0.5)
        self.assertEqual(read_ids(sms_log), [sms], "a reload made the provider send twice")
        self.assertEqual(self.env.stop_daemon(), 0)

    # Regression: same root cause: SIGTERM arriving while a SIGHUP reload waits for the send pool is
    # only honoured once the slow send finishes, far beyond daemon.shutdown_grace.
    def test_sigterm_during_reload_exits_within_shutdown_grace(self):
        started, sms_log, gate, out = self.gated_sms_setup()
        self.start()
        sms = self.env.send(channel="sms", to="+14155550123", body="slow")
        wait_for(lambda: read_ids(started) == [sms], timeout=30, what="the sms send to start")
        self.env.signal_daemon(signal.SIGHUP)
        time.sleep(0.3)
        t0 = time.monotonic()
        code = self.env.stop_daemon(signal.SIGTERM, timeout=30)
        elapsed = time.monotonic() - t0
        print(f"\n  SIGHUP+SIGTERM -> exit took {elapsed:.3f}s (shutdown_grace 1s)",
              file=sys.stderr)
        self.assertEqual(code, 0)
        self.assertLess(elapsed, 1 + 5, "notifyd overran shutdown_grace by far")


if __name__ == "__main__":
    unittest.main()
