"""`notify completion bash|zsh|fish`: each script loads in its shell and completes subcommands
(nested ones too), their flags, and the values of --channel, --status, --template and schedule
names (the dynamic ones by running notify against the test's store), each through the shell's
own completion machinery: bash by calling the function on COMP_WORDS and reading COMPREPLY,
fish by `complete -C`, zsh by pressing a key bound to complete-word in an interactive zsh in a
pty with compinit (zsh_complete.zsh records what compadd was given after zsh's matching)."""

import os
import re
import shutil
import subprocess
import unittest

from notify_env import HERE, NOTIFY_BIN, STATUSES, NotifyTestCase


def top_level_commands(env):
    """The subcommand names and aliases `notify --help` lists."""
    text = env.ok("--help")
    names = []
    section = text.split("Subcommands:", 1)[1].split("\n\n", 1)[0]
    for line in section.strip("\n").splitlines():
        first = re.split(r"\s{2,}", line.strip())[0]
        names += [n.strip() for n in first.split(",") if n.strip()]
    return names


class CompletionCommandTest(NotifyTestCase):
    def test_unknown_shell_is_a_usage_error(self):
        res = self.env.run("completion", "tcsh")
        line = self.assert_error_output(res, 64)
        self.assertIn("tcsh", line)

    def test_missing_shell_is_a_usage_error(self):
        self.assert_error_output(self.env.run("completion"), 64)

    def test_scripts_name_every_command(self):
        for shell in ("bash", "zsh", "fish"):
            with self.subTest(shell=shell):
                script = self.env.ok("completion", shell)
                for name in top_level_commands(self.env):
                    self.assertIn(name, script)

    def test_help_describes_the_command(self):
        self.assertIn("completion", self.env.ok("--help"))
        text = self.env.ok("completion", "--help")
        self.assertIn("bash, zsh or fish", text)


class ShellCase(NotifyTestCase):
    shell = None

    def setUp(self):
        super().setUp()
        if shutil.which(self.shell) is None:
            self.skipTest(f"{self.shell} is not installed (scripts/deps.sh --test installs it)")
        self.script = self.env.path("completion." + self.shell)
        with open(self.script, "w", encoding="utf-8") as f:
            f.write(self.env.ok("completion", self.shell))

    def run_shell(self, argv, code):
        res = subprocess.run(argv + [code], capture_output=True, text=True, env=self.env.env,
                             cwd=self.env.root, timeout=60)
        self.assertEqual(res.returncode, 0, f"{self.shell} failed:\n{res.stderr}")
        return res

    def add_schedule(self, name, *extra):
        self.env.ok("schedule", "add", name, "--cron", "0 7 * * *", "--channel", "email",
                    "--to", "ops@example.com", "--body", "x", *extra)


class BashCompletionTest(ShellCase):
    shell = "bash"

    def complete(self, *words):
        """COMPREPLY for the command line NOTIFY_BIN words..., the cursor on the last word."""
        quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in (NOTIFY_BIN,) + words)
        code = (f"source '{self.script}' || exit 1\n"
                f"COMP_WORDS=({quoted}); COMP_CWORD={len(words)}; COMP_LINE=\"${{COMP_WORDS[*]}}\"\n"
                "_notify || exit 1\n"
                "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
        res = self.run_shell(["bash", "--norc", "--noprofile", "-c"], code)
        self.assertEqual(res.stderr, "")
        return [line for line in res.stdout.splitlines() if line]

    def test_loads_with_bash_completion(self):
        loader = "/usr/share/bash-completion/bash_completion"
        if not os.path.exists(loader):
            self.skipTest("bash-completion is not installed")
        res = self.run_shell(["bash", "--norc", "--noprofile", "-c"],
                             f"source {loader}; source '{self.script}'; complete -p notify")
        self.assertIn("-F _notify notify", res.stdout)

    def test_top_level_commands(self):
        self.assertEqual(self.complete("sch"), ["schedule"])
        self.assertEqual(sorted(self.complete("")), sorted(top_level_commands(self.env)))

    def test_nested_commands_and_aliases(self):
        self.assertEqual(self.complete("schedule", "a"), ["add"])
        self.assertIn("list", self.complete("schedule", "l"))
        self.assertEqual(self.complete("config", "ch"), ["check"])

    def test_flags_of_the_command_and_the_global_ones(self):
        flags = self.complete("schedule", "add", "--c")
        for flag in ("--cron", "--catch-up", "--channel", "--category", "--config"):
            self.assertIn(flag, flags)
        self.assertNotIn("--status", flags)
        self.assertIn("--older-than", self.complete("purge", "--o"))

    def test_option_values(self):
        self.assertEqual(sorted(self.complete("ls", "--status", "")), sorted(STATUSES))
        self.assertEqual(self.complete("ls", "--status", "su"), ["suppressed"])
        self.assertEqual(self.complete("send", "--priority", "h"), ["high"])
        self.assertEqual(self.complete("send", "--channel", "e"), ["email"])
        self.assertIn("welcome", self.complete("send", "--template", "w"))
        # A value nothing can guess offers nothing, not the subcommands.
        self.assertEqual(self.complete("send", "--to", ""), [])

    def test_channels_come_from_the_config(self):
        self.env.write_config("providers:\n  out:\n    type: file\n    path: "
                              + self.env.path("out.jsonl") + "\nchannels:\n  pager: [out]\n")
        self.assertEqual(self.complete("send", "--channel", ""), ["pager"])

    def test_schedule_names_from_the_store(self):
        self.add_schedule("digest")
        self.add_schedule("daily")
        self.assertEqual(sorted(self.complete("schedule", "rm", "d")), ["daily", "digest"])
        self.assertEqual(self.complete("schedule", "pause", "di"), ["digest"])
        # schedule add names a new schedule: nothing to offer.
        self.assertEqual(self.complete("schedule", "add", "d"), [])

    def test_db_given_on_the_line_is_used(self):
        other = self.env.path("other.db")
        self.env.ok("--db", other, "schedule", "add", "elsewhere", "--cron", "@daily",
                    "--channel", "email", "--to", "ops@example.com", "--body", "x")
        self.assertEqual(self.complete("--db", other, "schedule", "rm", ""), ["elsewhere"])
        self.assertEqual(self.complete("schedule", "rm", ""), [])

    def test_positional_files(self):
        with open(self.env.path("batch.ndjson"), "w", encoding="utf-8") as f:
            f.write("")
        self.assertEqual(self.complete("import", "bat"), ["batch.ndjson"])


class ZshCompletionTest(ShellCase):
    """Real completion: an interactive zsh in a pty (zsh_complete.zsh) with compinit finding
    _notify on fpath by its #compdef line, completing on a key bound to complete-word."""
    shell = "zsh"

    def setUp(self):
        super().setUp()
        self.funcdir = self.env.path("zfunc")
        os.makedirs(self.funcdir)
        shutil.copy(self.script, os.path.join(self.funcdir, "_notify"))
        bindir = self.env.path("bin")
        os.makedirs(bindir)
        os.symlink(NOTIFY_BIN, os.path.join(bindir, "notify"))
        self.env.env["PATH"] = bindir + os.pathsep + self.env.env["PATH"]

    def offered(self, line):
        res = subprocess.run(["zsh", "-f", os.path.join(HERE, "zsh_complete.zsh"), self.funcdir,
                              line, self.env.path("zshrc")],
                             capture_output=True, text=True, env=self.env.env, cwd=self.env.root,
                             timeout=90)
        self.assertEqual(res.returncode, 0, res.stderr)
        return res.stdout.split()

    def test_compinit_registers_the_compdef_file(self):
        res = self.run_shell(["zsh", "-f", "-c"],
                             f"fpath=({self.funcdir} $fpath); autoload -Uz compinit; "
                             f"compinit -u -d {self.env.path('zcompdump')}; "
                             "print -r -- $_comps[notify]")
        self.assertEqual(res.stdout.strip(), "_notify")

    def test_commands_flags_and_values(self):
        self.assertEqual(self.offered("notify sch"), ["schedule"])
        self.assertEqual(self.offered("notify schedule a"), ["add"])
        flags = self.offered("notify schedule add --c")
        for flag in ("--cron", "--catch-up", "--channel", "--category", "--config"):
            self.assertIn(flag, flags)
        self.assertEqual(self.offered("notify ls --status s"),
                         sorted(s for s in STATUSES if s.startswith("s")))
        self.assertEqual(self.offered("notify send --channel e"), ["email"])
        self.assertEqual(self.offered("notify send --to "), [])  # nothing to guess

    def test_files_and_schedule_names(self):
        with open(self.env.path("batch.ndjson"), "w", encoding="utf-8") as f:
            f.write("")
        self.assertIn("batch.ndjson", self.offered("notify import ba"))
        self.add_schedule("digest")
        self.assertEqual(self.offered("notify schedule resume di"), ["digest"])


class FishCompletionTest(ShellCase):
    shell = "fish"

    def complete(self, line):
        """The candidates (without descriptions) fish offers for the command line `line`."""
        code = f"source '{self.script}'; or exit 1; complete -C '{line}'"
        env = dict(self.env.env)
        res = subprocess.run(["fish", "--no-config", "-c", code], capture_output=True, text=True,
                             env=env, cwd=self.env.root, timeout=60)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(res.stderr, "")
        return sorted(line.split("\t")[0] for line in res.stdout.splitlines() if line)

    def setUp(self):
        super().setUp()
        # `complete -C` completes the command word "notify": put the built one first on PATH.
        bindir = self.env.path("bin")
        os.makedirs(bindir)
        os.symlink(NOTIFY_BIN, os.path.join(bindir, "notify"))
        self.env.env["PATH"] = bindir + os.pathsep + self.env.env["PATH"]

    def test_commands(self):
        self.assertEqual(self.complete("notify sch"), ["schedule"])
        self.assertEqual(self.complete("notify schedule a"), ["add"])
        self.assertEqual(self.complete("notify "), sorted(top_level_commands(self.env)))
        self.assertIn("list", self.complete("notify schedule l"))

    def test_flags_and_values(self):
        flags = self.complete("notify schedule add --c")
        for flag in ("--cron", "--catch-up", "--channel", "--category", "--config"):
            self.assertIn(flag, flags)
        self.assertEqual(self.complete("notify ls --status su"), ["suppressed"])
        self.assertEqual(self.complete("notify send --channel e"), ["email"])
        self.assertIn("welcome", self.complete("notify send --template w"))

    def test_schedule_names_from_the_store(self):
        self.add_schedule("digest")
        self.assertEqual(self.complete("notify schedule rm d"), ["digest"])


if __name__ == "__main__":
    unittest.main()
