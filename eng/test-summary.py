#!/usr/bin/env python3
"""Counts test outcomes from TRX files and checks minimum counts of executed conformance cases.

usage: test-summary.py RESULTS_DIR MIN_COUNTS_FILE [--partial]
Prints one line per checked suite, then 'N passed, N failed, N skipped' alone on a line.
Exits 1 when a test failed, or (unless --partial, used with a filter) when a suite ran fewer cases than required.
"""
import glob
import re
import sys
import xml.etree.ElementTree as ET

results_dir, min_file = sys.argv[1], sys.argv[2]
partial = "--partial" in sys.argv[3:]
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
outcomes = []  # (testName, outcome)
for trx in sorted(glob.glob(f"{results_dir}/**/*.trx", recursive=True)):
    root = ET.parse(trx).getroot()
    for r in root.iterfind(".//t:Results/t:UnitTestResult", ns):
        # Data-driven tests have one result per row, nested under a parent result without its own row.
        if r.find("t:InnerResults", ns) is not None:
            continue
        outcomes.append((r.get("testName", ""), r.get("outcome", "")))

passed = sum(1 for _, o in outcomes if o == "Passed")
failed = sum(1 for _, o in outcomes if o in ("Failed", "Error", "Timeout", "Aborted"))
skipped = len(outcomes) - passed - failed

short = []
for line in open(min_file, encoding="utf-8"):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    # The label has no '|' and the minimum is last: the pattern in between may use '|' for alternatives.
    label, rest = line.split("|", 1)
    pattern, minimum = rest.rsplit("|", 1)
    label, pattern, minimum = label.strip(), pattern.strip(), minimum.strip()
    n = sum(1 for name, o in outcomes if o == "Passed" and re.search(pattern, name))
    ok = n >= int(minimum)
    print(f"conformance {label}: {n} passed (at least {minimum} required){'' if ok else '  <-- TOO FEW'}")
    if not ok:
        short.append(label)

for name, o in outcomes:
    if o in ("Failed", "Error", "Timeout", "Aborted"):
        print(f"FAILED: {name}")
if short and not partial:
    print(f"too few conformance cases ran in: {', '.join(short)}")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or (short and not partial) or not outcomes else 0)
