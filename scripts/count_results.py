#!/usr/bin/env python3
"""Counts test cases in meson's JUnit logs (gtest cases are listed one by
one) and prints the closing line "tests: N passed, N failed". Exits 1 when
anything failed, when a log is missing, or when no test ran at all."""
import argparse
import sys
import xml.etree.ElementTree as ET

parser = argparse.ArgumentParser()
parser.add_argument("logs", nargs="+")
parser.add_argument("--failed-steps", type=int, default=0,
                    help="failed steps that are not test cases (build, fuzz)")
args = parser.parse_args()

passed, failed, skipped = 0, args.failed_steps, 0
for log in args.logs:
    try:
        root = ET.parse(log).getroot()
    except (OSError, ET.ParseError) as error:
        print(f"count_results: cannot read {log}: {error}")
        failed += 1
        continue
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1

line = f"tests: {passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed or passed == 0 else 0)
