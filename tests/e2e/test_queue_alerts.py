"""notifyd's queue threshold alerts (alerts.backlog, alerts.oldest_due) through alerts.command."""

import json
import sys
import textwrap
import time
import unittest

from notify_env import NotifyTestCase, wait_for

# The alerts.command script: appends its stdin (the alert message JSON) to argv[1].
ALERT_SCRIPT = textwrap.dedent("""\
    import sys
    data = sys.stdin.read()
    with open(sys.argv[1], "a", encoding="utf-8") as f:
        f.write(data.replace("\\n", " ") + "\\n")
    """)

# A provider that takes its time: each send sleeps, so with concurrency 1 the rest stay due.
SLOW_SCRIPT = "import sys, time\nsys.stdin.read()\ntime.sleep(3)\n"


def q(text):
    return json.dumps(str(text))


class QueueAlertsTest(NotifyTestCase):

    def read_alerts(self, path):
        try:
            with open(path, encoding="utf-8") as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def test_backlog_and_oldest_due_alerts_reach_the_command(self):
        alert_script = self.env.path("alert.py")
        slow_script = self.env.path("slow.py")
        alert_log = self.env.path("alerts.jsonl")
        with open(alert_script, "w", encoding="utf-8") as f:
            f.write(ALERT_SCRIPT)
        with open(slow_script, "w", encoding="utf-8") as f:
            f.write(SLOW_SCRIPT)
        self.env.write_config(
            "providers:\n"
            "  slow:\n"
            "    type: exec\n"
            f"    command: [{q(sys.executable)}, {q(slow_script)}]\n"
            "    timeout: 20s\n"
            "channels:\n"
            "  email: [slow]\n"
            "delivery:\n"
            "  concurrency: 1\n"
            "daemon:\n"
            "  shutdown_grace: 1s\n"
            "alerts:\n"
            f"  command: [{q(sys.executable)}, {q(alert_script)}, {q(alert_log)}]\n"
            "  backlog: 2\n"
            "  oldest_due: 10m\n")
        hour_ago = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
        for i in range(4):
            self.env.send("--at", hour_ago, body=f"late {i}")
        self.env.start_daemon()
        alerts = wait_for(lambda: (lambda a: a if len(a) >= 2 else None)(
            self.read_alerts(alert_log)), timeout=30, what="two alerts in " + alert_log)
        by_kind = {a["to"]: a for a in alerts}
        self.assertEqual(set(by_kind), {"backlog", "oldest_due"}, alerts)
        self.assertEqual(by_kind["backlog"]["subject"], "4 notifications due")
        self.assertIn("(alerts.backlog: 2)", by_kind["backlog"]["body"])
        self.assertRegex(by_kind["oldest_due"]["subject"],
                         r"^oldest due notification waited 1h\d*")
        self.assertIn("ALERT backlog: 4 notifications due", self.env.daemon_log())
        self.env.stop_daemon()

    def test_no_thresholds_no_alerts(self):
        alert_script = self.env.path("alert.py")
        alert_log = self.env.path("alerts.jsonl")
        with open(alert_script, "w", encoding="utf-8") as f:
            f.write(ALERT_SCRIPT)
        self.env.write_config(
            "alerts:\n"
            f"  command: [{q(sys.executable)}, {q(alert_script)}, {q(alert_log)}]\n")
        hour_ago = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
        for i in range(3):
            self.env.send("--at", hour_ago, body=f"late {i}")
        self.env.ok("dispatch", "--once")
        self.assertEqual(self.read_alerts(alert_log), [])


if __name__ == "__main__":
    unittest.main()
