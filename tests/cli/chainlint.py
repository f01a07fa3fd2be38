#!/usr/bin/env python3
"""chainlint.py: check that a CLI test body (on stdin) joins its commands with &&.

tests/cli/lib.sh runs each body under errexit, but bash ignores errexit for
every command of an && or || list except the last: in `a && b` followed by
`c`, a failing `a` is never seen.  Like git's chainlint, this refuses a body
in which one command does not lead to the next through &&, ||, a pipe or a
shell keyword, and a loop body whose last command does not `|| exit`
(a failure inside a loop that is not the last iteration is otherwise lost).

Exit status 0 when the body is chained, 1 with one message a problem.

With --serve it lints body after body for one test script (lib.sh runs it
as a coprocess, one python for the script instead of one per test): each
body ends with a NUL on stdin, and its problems, one a line, are answered
with a NUL after them (nothing before the NUL when it is chained).
"""
import re
import sys

OPENERS = ("&&", "||", "|", "&", "{", "(", "then", "do", "else", " in")
CLOSERS = ("}", ")", "fi", "done", "esac", "then", "else", "elif", "do", "&&", "||", "|")
# Commands whose own failure ends the body anyway, or that cannot fail.
TERMINAL = re.compile(r"^(exit|return)\b")
LOOP_EXIT = re.compile(r"\|\|\s*(exit|return)(\s+\S+)?\s*$")
# A loop may end with a command whose failure does not matter: a wait loop's
# sleep, a counter.
LOOP_HARMLESS = re.compile(r"^(sleep\s|:$|true$|break$|continue$|[A-Za-z_]+=\S*$)")
# `cmd && break` leaves a wait loop: its failure is the loop going on.
LEAVES_LOOP = re.compile(r"(&&|\|\|)\s*(break|continue)$")
# `cmd; echo $? >file` records the status for a later check.
RECORDS_STATUS = re.compile(r"^echo\s+\$\?\s*>")


def blank_quotes_and_heredocs(text):
    """Return (lines, problems): the body's physical lines with quoted text,
    command substitutions, comments and here-document bodies blanked, so that
    only the shell structure is left."""
    out, heredocs = [], []
    i, n = 0, len(text)
    state = []  # stack of "'", '"', "$(" , "`"
    line = []
    lines = []
    while i < n:
        c = text[i]
        top = state[-1] if state else None
        if c == "\n":
            if top in ("'", '"', "$(", "`"):
                line.append(" ")
            else:
                lines.append("".join(line))
                line = []
                if heredocs:
                    i = skip_heredocs(text, i + 1, heredocs)
                    heredocs = []
                    continue
            i += 1
            continue
        if top == "'":
            if c == "'":
                state.pop()
            line.append("x")
        elif top in ('"', "`"):
            if c == "\\" and i + 1 < n:
                line.append("xx")
                i += 2
                continue
            if (c == '"' and top == '"') or (c == "`" and top == "`"):
                state.pop()
            elif c == "$" and text.startswith("$(", i):
                state.append("$(")
                i += 2
                line.append("xx")
                continue
            line.append("x")
        elif top == "$(":
            if c == "(":
                state.append("$(")
            elif c == ")":
                state.pop()
            elif c in "'\"`":
                state.append(c)
            line.append("x")
        else:
            if c == "\\" and i + 1 < n:
                if text[i + 1] == "\n":  # continuation: same logical line
                    line.append(" ")
                else:
                    line.append("xx")
                i += 2
                continue
            if c in "'\"`":
                state.append(c)
                line.append("x")
            elif c == "$" and text.startswith("$(", i):
                state.append("$(")
                line.append("xx")
                i += 2
                continue
            elif c == "#" and (not line or line[-1] in " \t;&|({"):
                while i < n and text[i] != "\n":
                    i += 1
                continue
            elif text.startswith("<<", i) and not text.startswith("<<<", i):
                m = re.match(r"<<(-?)\s*\\?(['\"]?)([A-Za-z0-9_]+)\2", text[i:])
                if m:
                    heredocs.append((m.group(3), m.group(1) == "-"))
                    line.append(" " * len(m.group(0)))
                    i += len(m.group(0))
                    continue
                line.append(c)
            else:
                line.append(c)
        i += 1
    lines.append("".join(line))
    return lines


def skip_heredocs(text, i, heredocs):
    for word, strip_tabs in heredocs:
        while i < len(text):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            body_line = text[i:end]
            i = end + 1
            if (body_line.lstrip("\t") if strip_tabs else body_line) == word:
                break
    return i


def segments(lines):
    """Split the structure into commands, each with the separator after it:
    '\\n', ';' or ';;'."""
    segs = []
    for number, line in enumerate(lines, 1):
        parts = re.split(r"(;;|;)", line)
        for k in range(0, len(parts), 2):
            cmd = parts[k].strip()
            sep = parts[k + 1] if k + 1 < len(parts) else "\n"
            if cmd:
                segs.append([cmd, sep, number])
            elif sep == ";;" and segs:
                segs[-1][1] = ";;"
    return segs


def group_ends_in_exit(segs, start):
    """True when the commands from start to the end of their { } group end
    with exit or return: `|| { echo why; cat log; exit 1; }` is a failure
    branch, whose messages need no &&."""
    for cmd, _sep, _number in segs[start:]:
        if TERMINAL.match(cmd):
            return True
        if cmd.startswith("}") or cmd.startswith("{") or cmd.endswith("&&"):
            return False
    return False


def lint(text):
    segs = segments(blank_quotes_and_heredocs(text))
    source = text.split("\n")
    problems = []
    loops = []  # stack of booleans: is this `do` a loop's
    for k, (cmd, sep, number) in enumerate(segs):
        if re.match(r"^(for|while|until)\b", cmd):
            loops.append(True)
        nxt = segs[k + 1][0] if k + 1 < len(segs) else None
        where = "line %d: %s" % (number, source[number - 1].strip())
        if re.search(r"\|\s*grep\s+-[A-Za-z]*q", cmd):
            problems.append("%s: `| grep -q` fails the pipe with SIGPIPE under pipefail; use grep_q" % where)
        if re.search(r"(&&|\|\|).*[^&]&$", cmd):
            problems.append("%s: `&` puts the whole && list in the background; write { cmd & }" % where)
        if nxt is None:
            continue
        if re.match(r"^done\b", nxt) and loops:
            loops.pop()
            prev = segs[k - 1][0] if k > 0 else ""
            exits_in_group = cmd == "}" and TERMINAL.match(prev)
            if not (LOOP_EXIT.search(cmd) or TERMINAL.match(cmd) or LOOP_HARMLESS.match(cmd)
                    or exits_in_group or cmd == "do"):
                problems.append("%s: the last command of a loop body needs `|| exit 1`" % where)
            continue
        if sep == ";;":
            continue
        if cmd.endswith(OPENERS) or cmd in ("do", "then", "else", "{", "("):
            continue
        if re.match(r"^[^()]*\)$", cmd):  # a case pattern alone
            continue
        if nxt.startswith(CLOSERS) and re.match(r"^(\}|\)|fi|done|esac|then|else|elif|do|&&|\|\||\|)(\s|$|;|\))", nxt):
            continue
        if TERMINAL.match(nxt) or RECORDS_STATUS.match(nxt) or LEAVES_LOOP.search(cmd):
            continue
        if group_ends_in_exit(segs, k + 1):
            continue
        problems.append("%s: missing && after this command" % where)
    return problems


def serve():
    pending = b""
    while True:
        chunk = sys.stdin.buffer.read1(65536)
        if not chunk:
            return 0
        pending += chunk
        *bodies, pending = pending.split(b"\0")
        for body in bodies:
            problems = lint(body.decode("utf-8", "surrogateescape"))
            answer = "".join(p + "\n" for p in problems) + "\0"
            sys.stdout.buffer.write(answer.encode("utf-8", "surrogateescape"))
            sys.stdout.buffer.flush()


def main():
    if sys.argv[1:] == ["--serve"]:
        return serve()
    problems = lint(sys.stdin.read())
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
