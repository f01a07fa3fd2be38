#!/usr/bin/env python3
"""Generate template-python-cases.h: what Python's string.Template (the
engine atomic renders templates with) does with each template below.

    python3 tests/unit/template-python-cases.py > tests/unit/template-python-cases.h

test-template.c checks that sc_template_render and sc_template_scan agree
with every row; Python is needed only to regenerate the table.

Positions: Python reports an invalid placeholder as "line L, col C" with
1-based lines and 1-based columns in code points; sc-build does the same but
counts only '\\n' as a line break (str.splitlines also breaks at \\r, \\v,
\\f, \\x1c-\\x1e, \\x85, U+2028, U+2029).  Rows whose text holds one of
those are checked against sc-build's rule, and the generator asserts that
both rules agree on every other row.  Python gives no position for an
undefined variable; the table holds the position of its `$`."""
import random
import re
import sys
from string import Template

VALUES = {
    "X": "x",
    "Y": "yy",
    "Xy": "XY",
    "_a1_B2": "ok",
    "_": "underscore",
    "EMPTY": "",
    "D": "$X",  # a value is never expanded again
    "U": "\u00e9\u20ac",
    "NL": "a\nb",
}

FIXED = [
    "",
    "plain text, no placeholder",
    "$X",
    "${X}",
    "$$",
    "$$X",
    "$${X}",
    "$$$X",
    "$$$${X}",
    "$$$$",
    "$X$Y",
    "${X}${Y}",
    "${X}y",
    "$Xy",
    "${Xy}y",
    "$X_",
    "$X.Y",
    "$X-$Y",
    "{$X}",
    "${X}}",
    "$",
    "abc $",
    "$X $",
    "${X",
    "${",
    "${}",
    "${ X}",
    "${X }",
    "${X:-d}",
    "${$X}",
    "$1",
    "$1X",
    "$-",
    "$ ",
    "$\n",
    "$\u00e9",
    "$X\u00e9",
    "$_a1_B2",
    "${_a1_B2}",
    "$_",
    "$_1",
    "$x",
    "$UNDEFINED",
    "a $X ${UNDEFINED}",
    "$1 $UNDEFINED",
    "$UNDEFINED $1",
    "$D",
    "$U",
    "$EMPTY|${EMPTY}|",
    "$NL",
    "h\u00e9llo $X",
    "h\u00e9llo $1",
    "h\u00e9llo ${UNDEFINED}",
    "\u20ac$X\u20ac",
    "\u65e5\u672c\u8a9e $-",
    "\U0001F600 $1",
    "\t$1",
    "a\nb\nc $1",
    "a\nb\n  ${X",
    "line1\nline2 $X\n\u00e9\u00e9\u00e9 $UNDEFINED\n",
    "x\r\n$1",
    "x\ry $1",
    "a\x00$X\x00b",
    "a\x00$1",
    "\xff\xfe $X",
    "\udcff\udcfe $1",  # raw bytes 0xff 0xfe: not UTF-8
    "ExecStart=$EXEC_START\nPIDFile=$$PIDFILE\n",
    "[${X}]",
    '"bounding": [${X}],',
    "echo $${HOME:-/root} $X",
]

ALPHABET = ["$", "$", "$", "{", "}", "X", "Y", "y", "1", "_", "\u00e9", " ", "\n", "a"]


def random_cases(n, seed=20240611):
    rng = random.Random(seed)
    seen = set(FIXED)
    out = []
    while len(out) < n:
        s = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 9)))
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def position(text, i):
    """1-based line and column (code points) of text[i], '\\n' ends a line."""
    before = text[:i]
    line = before.count("\n") + 1
    col = i - (before.rfind("\n") + 1) + 1
    return line, col


def byte_offset(text, i):
    return len(text[:i].encode("utf-8", "surrogateescape"))


def scan(text):
    """sc_template_scan's visits: every placeholder but `$$`, in order."""
    visits = []
    for mo in Template.pattern.finditer(text):
        if mo.group("escaped") is not None:
            continue
        i = mo.start()
        line, col = position(text, i)
        where = "@%d:%d:%d" % (byte_offset(text, i), line, col)
        if mo.group("named") is not None:
            visits.append("$" + mo.group("named") + where)
        elif mo.group("braced") is not None:
            visits.append("${" + mo.group("braced") + "}" + where)
        else:
            visits.append("$?" + where)
    return " ".join(visits)


def expect(text):
    """(outcome, output, name, line, col) as Python's substitute() gives it."""
    try:
        return ("OK", Template(text).substitute(VALUES), None, 0, 0)
    except ValueError as e:
        m = re.fullmatch(r"Invalid placeholder in string: line (\d+), col (\d+)", str(e))
        assert m, e
        mo = next(mo for mo in Template.pattern.finditer(text) if mo.group("invalid") is not None)
        line, col = position(text, mo.start())
        if not re.search("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", text):
            assert (line, col) == (int(m.group(1)), int(m.group(2))), (text, e)
        return ("INVALID", None, None, line, col)
    except KeyError as e:
        name = e.args[0]
        for mo in Template.pattern.finditer(text):
            if name in (mo.group("named"), mo.group("braced")):
                line, col = position(text, mo.start())
                return ("UNDEFINED", None, name, line, col)
        raise


def c_bytes(text):
    """A C string literal for text's UTF-8 bytes, with the macro S()."""
    out = []
    for b in text.encode("utf-8", "surrogateescape"):
        c = chr(b)
        if c in "\\\"?" or b < 0x20 or b >= 0x7F:
            out.append("\\%03o" % b)
        else:
            out.append(c)
    return 'S("' + "".join(out) + '")'


def c_string(text):
    return "NULL" if text is None else '"' + text + '"'


def main():
    w = sys.stdout.write
    w("/* Generated by template-python-cases.py from Python %s's string.Template:\n"
      " * do not edit, regenerate. */\n" % sys.version.split()[0])
    w("static const template_value python_values[] = {\n")
    for k, v in VALUES.items():
        w("    {\"%s\", %s},\n" % (k, c_bytes(v)[2:-1]))
    w("};\n\n")
    w("static const python_case python_cases[] = {\n")
    for text in FIXED + random_cases(400):
        # Texts from a str with lone surrogates stand for raw, invalid UTF-8 bytes.
        outcome, output, name, line, col = expect(text)
        w("    {%s, PY_%s, %s, %s, %d, %d,\n     \"%s\"},\n" % (
            c_bytes(text), outcome, c_bytes(output) if output is not None else "S(\"\")",
            c_string(name), line, col, scan(text)))
    w("};\n")


if __name__ == "__main__":
    main()
