#!/usr/bin/env python3
"""test-summary.py BUILD_DIR...: the skips and the totals of the ctest runs
in the given build directories (their junit.xml and LastTest.log).

A CLI test script reports a test it skipped as `ok N - desc # SKIP reason`
and still passes as a whole when others ran; ctest then counts it as
passed, so the skips are listed here with their reasons.  Exits 1 when a
test failed or no test ran."""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET


def main(dirs):
    passed = failed = skipped = 0
    skips = []
    for d in dirs:
        suite = ET.parse(os.path.join(d, "junit.xml")).getroot()
        for case in suite.iter("testcase"):
            status = case.get("status", "")
            name = case.get("name")
            if case.find("skipped") is not None or status == "notrun":
                skipped += 1
                skips.append("%s: skipped (%s)" % (name, skip_reason(case)))
            elif case.find("failure") is not None or status == "fail":
                failed += 1
            else:
                passed += 1
        for log in glob.glob(os.path.join(d, "Testing", "Temporary", "LastTest*.log")):
            current = None
            for line in open(log, errors="replace"):
                m = re.match(r"^\d+/\d+ Test: (\S+)", line)
                if m:
                    current = m.group(1)
                m = re.match(r"^ok \d+ - (.*) # SKIP (.*)$", line.rstrip("\n"))
                if m:
                    skips.append("%s: %s: skipped (%s)" % (current, m.group(1), m.group(2)))
    for s in skips:
        print("SKIP " + s)
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed or passed == 0 else 0


def skip_reason(case):
    out = case.findtext("system-out") or ""
    m = re.search(r"# SKIP (.*)", out)
    return m.group(1) if m else "no reason given"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
