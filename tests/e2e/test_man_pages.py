"""The man pages document every subcommand and flag that --help shows, and groff accepts them.

Environment: NOTIFY_BIN and NOTIFYD_BIN name the binaries, NOTIFY_SOURCE_DIR the repository
root (defaults: the build/ tree next to this file's repository).
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

SOURCE_DIR = Path(os.environ.get("NOTIFY_SOURCE_DIR", Path(__file__).resolve().parents[2]))
NOTIFY_BIN = os.environ.get("NOTIFY_BIN", str(SOURCE_DIR / "build" / "cli" / "notify"))
NOTIFYD_BIN = os.environ.get("NOTIFYD_BIN", str(SOURCE_DIR / "build" / "daemon" / "notifyd"))
MAN_DIR = SOURCE_DIR / "man"
PAGES = ("notify.1", "notifyd.8", "notify-config.5")

# CLI11 adds -h,--help to every command; notify.1 documents it once, under GLOBAL OPTIONS.
UNIVERSAL_FLAGS = {"--help"}


# ---------------------------------------------------------------------------------------------
# --help parsing


def run_help(binary, args):
    """Runs `binary args... --help` in a fresh HOME and returns stdout; fails on non-zero exit."""
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("XDG_") and not k.startswith("NOTIFY_")}
        env["HOME"] = home
        proc = subprocess.run([binary, *args, "--help"], env=env, cwd=home,
                              capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        raise AssertionError(f"{binary} {' '.join(args)} --help exited {proc.returncode}: "
                             f"{proc.stderr}")
    return proc.stdout


def help_section(text, title):
    """Returns the lines of a CLI11 help section ("Options:", "Subcommands:") up to a blank line."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == title:
            out = []
            for body in lines[i + 1:]:
                if not body.strip():
                    break
                out.append(body)
            return out
    return []


def long_flags(help_text):
    """Returns the long flags (--xxx) declared in the Options: section of a --help text."""
    flags = set()
    for line in help_section(help_text, "Options:"):
        # Option lines are indented by two spaces; wrapped descriptions by many more.
        if not re.match(r"^  -", line):
            continue
        for name in line.split()[0].split(","):
            if name.startswith("--"):
                flags.add(name)
    return flags


def subcommands(help_text):
    """Returns the subcommands of a --help text as lists of names (name first, then aliases)."""
    out = []
    for line in help_section(help_text, "Subcommands:"):
        names = re.split(r"\s{2,}", line.strip())[0]
        out.append([n.strip() for n in names.split(",") if n.strip()])
    return out


def command_tree(binary):
    """Walks `binary --help` recursively. Returns {path: (aliases, flags)} for every leaf command,
    path being e.g. "send" or "config check", plus the top-level help text and its flags."""
    top = run_help(binary, [])
    leaves = {}

    def walk(path, aliases):
        text = run_help(binary, path)
        children = subcommands(text)
        if children:
            for names in children:
                walk(path + [names[0]], names[1:])
        else:
            leaves[" ".join(path)] = (aliases, long_flags(text))

    for names in subcommands(top):
        walk([names[0]], names[1:])
    return top, long_flags(top), leaves


# ---------------------------------------------------------------------------------------------
# roff parsing


def roff_text(line):
    """Returns the visible text of one roff line: the macro name dropped, quotes and font and
    character escapes removed, and \\- (the roff minus) read as '-'."""
    if line.startswith((".\\\"", "'\\\"")):
        return ""
    if line.startswith((".", "'")):
        parts = line[1:].split(None, 1)
        line = parts[1].replace('"', "") if len(parts) > 1 else ""
    line = line.replace("\\-", "-").replace("\\(hy", "-").replace("\\(em", " ")
    line = re.sub(r"\\f(\[[^\]]*\]|\(..|.)", "", line)
    line = line.replace("\\&", "").replace("\\%", "").replace("\\e", "\\")
    return line


class ManPage:
    """A roff page split into .SH sections and their .SS subsections, as plain text."""

    def __init__(self, path):
        self.path = path
        self.source = path.read_text(encoding="utf-8")
        self.sections = {}     # SH title -> text
        self.subsections = {}  # (SH title, SS title) -> text
        self.exit_codes = set()  # numeric .TP labels under EXIT STATUS
        sh, ss, previous = "", None, ""
        for raw in self.source.splitlines():
            if raw.startswith(".SH"):
                sh, ss = roff_text(raw).strip(), None
                self.sections.setdefault(sh, "")
            elif raw.startswith(".SS"):
                ss = roff_text(raw).strip()
                self.subsections.setdefault((sh, ss), "")
            else:
                text = roff_text(raw)
                self.sections[sh] = self.sections.get(sh, "") + " " + text
                if ss is not None:
                    self.subsections[(sh, ss)] += " " + text
                if sh == "EXIT STATUS" and previous == ".TP" and re.fullmatch(r"\d+", text.strip()):
                    self.exit_codes.add(int(text.strip()))
            previous = raw.strip()
        self.text = " ".join(self.sections.values())

    def headings(self, sh):
        """Returns {name: SS title} for every comma-separated name of the .SS headings in `sh`."""
        out = {}
        for (section, title) in self.subsections:
            if section == sh:
                for name in title.split(","):
                    out[" ".join(name.split())] = title
        return out


def mentions(text, flag):
    """True if `flag` occurs in `text` as a whole flag (--data does not match --data-json)."""
    return re.search(r"(?<![\w-])" + re.escape(flag) + r"(?![\w-])", text) is not None


# ---------------------------------------------------------------------------------------------
# tests


def require_binary(path):
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise unittest.SkipTest(f"binary not built: {path}")


class ParserSelfTest(unittest.TestCase):
    """The checks below are only as good as these helpers."""

    def test_flag_match_is_whole_word(self):
        text = roff_text('.BI \\-\\-data\\-json " JSON"')
        self.assertTrue(mentions(text, "--data-json"))
        self.assertFalse(mentions(text, "--data"))
        self.assertFalse(mentions(text, "--no-such-flag"))

    def test_help_parsing(self):
        sample = ("Usage: x [OPTIONS]\n\nOptions:\n"
                  "  -h,--help                   Print this help message and exit\n"
                  "  --in DURATION Excludes: --at\n"
                  "                              When: --not-a-flag\n"
                  "  --brand-new X               A flag nobody documented\n\n"
                  "Subcommands:\n  ls, list                    List\n  send   Send\n\n"
                  "Footer --footer-flag\n")
        self.assertEqual(long_flags(sample), {"--help", "--in", "--brand-new"})
        self.assertEqual(subcommands(sample), [["ls", "list"], ["send"]])


class NotifyManPageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_binary(NOTIFY_BIN)
        cls.page = ManPage(MAN_DIR / "notify.1")
        cls.top_help, cls.global_flags, cls.commands = command_tree(NOTIFY_BIN)
        cls.headings = cls.page.headings("COMMANDS")

    def test_help_was_parsed(self):
        self.assertIn("send", self.commands, "could not parse the subcommands of notify --help")
        self.assertIn("--config", self.global_flags)
        for path, (_, flags) in self.commands.items():
            self.assertIn("--help", flags, f"could not parse the options of notify {path} --help")

    def test_every_subcommand_has_a_heading(self):
        for path, (aliases, _) in self.commands.items():
            with self.subTest(command=path):
                self.assertIn(path, self.headings,
                              f"notify.1 has no '.SS {path}' under COMMANDS")
                for alias in aliases:
                    self.assertIn(alias, self.headings,
                                  f"alias '{alias}' of {path} missing from its .SS heading")

    def test_every_heading_is_a_subcommand(self):
        known = set(self.commands)
        for path, (aliases, _) in self.commands.items():
            known.update(aliases)
        for name in self.headings:
            with self.subTest(heading=name):
                self.assertIn(name, known, f"notify.1 documents '{name}', which --help lacks")

    def test_every_global_flag_is_documented(self):
        text = self.page.sections.get("GLOBAL OPTIONS", "")
        self.assertTrue(text, "notify.1 has no GLOBAL OPTIONS section")
        for flag in sorted(self.global_flags):
            with self.subTest(flag=flag):
                self.assertTrue(mentions(text, flag),
                                f"notify --help shows {flag}; GLOBAL OPTIONS does not")

    def test_every_subcommand_flag_is_documented(self):
        for path, (_, flags) in sorted(self.commands.items()):
            title = self.headings.get(path)
            if title is None:
                continue  # reported by test_every_subcommand_has_a_heading
            text = self.page.subsections[("COMMANDS", title)]
            # A section may borrow another's options: "the same options as send".
            borrowed = re.search(r"same options as\s+([\w-]+)", text)
            if borrowed and borrowed.group(1) in self.headings:
                text += self.page.subsections[("COMMANDS", self.headings[borrowed.group(1)])]
            for flag in sorted(flags - UNIVERSAL_FLAGS):
                with self.subTest(command=path, flag=flag):
                    self.assertTrue(mentions(text, flag),
                                    f"notify {path} --help shows {flag}; "
                                    f"'.SS {title}' in notify.1 does not")
            for flag in sorted(flags & UNIVERSAL_FLAGS):
                with self.subTest(command=path, flag=flag):
                    self.assertTrue(mentions(self.page.sections.get("GLOBAL OPTIONS", ""), flag))

    def test_every_flag_appears_in_the_page(self):
        every = set(self.global_flags)
        for _, flags in self.commands.values():
            every |= flags
        for flag in sorted(every):
            with self.subTest(flag=flag):
                self.assertTrue(mentions(self.page.text, flag), f"{flag} missing from notify.1")

    def test_exit_codes_of_help_are_documented(self):
        footer = self.top_help.split("Exit codes:", 1)
        if len(footer) < 2:
            self.skipTest("notify --help lists no exit codes")
        codes = {int(c) for c in re.findall(r"\b(\d+) [a-zA-Z]", footer[1].split("See ", 1)[0])}
        self.assertTrue(codes)
        self.assertLessEqual(codes, self.page.exit_codes,
                             "EXIT STATUS in notify.1 lacks codes that notify --help lists")


class NotifydManPageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_binary(NOTIFYD_BIN)
        cls.page = ManPage(MAN_DIR / "notifyd.8")
        cls.help = run_help(NOTIFYD_BIN, [])
        cls.flags = long_flags(cls.help)

    def test_help_was_parsed(self):
        self.assertIn("--help", self.flags)
        self.assertIn("--once", self.flags)

    def test_every_flag_is_documented_under_options(self):
        text = self.page.sections.get("OPTIONS", "")
        self.assertTrue(text, "notifyd.8 has no OPTIONS section")
        for flag in sorted(self.flags):
            with self.subTest(flag=flag):
                self.assertTrue(mentions(text, flag),
                                f"notifyd --help shows {flag}; OPTIONS in notifyd.8 does not")

    def test_no_subcommands_undocumented(self):
        self.assertEqual(subcommands(self.help), [],
                         "notifyd grew subcommands: document them in notifyd.8 and here")


class GroffTest(unittest.TestCase):
    def test_pages_exist(self):
        for name in PAGES:
            with self.subTest(page=name):
                self.assertTrue((MAN_DIR / name).is_file(), f"missing man/{name}")

    @unittest.skipUnless(shutil.which("groff"), "groff is not installed")
    def test_groff_has_no_warnings(self):
        for name in PAGES:
            with self.subTest(page=name):
                proc = subprocess.run(["groff", "-man", "-ww", "-z", str(MAN_DIR / name)],
                                      capture_output=True, text=True, timeout=60)
                self.assertEqual(proc.stderr, "", f"groff warnings in man/{name}")
                self.assertEqual(proc.returncode, 0)


if __name__ == "__main__":
    unittest.main()
