"""Results of one ctest run for ci/test, read with a real XML parser.

ctest_junit(path): the `ctest --output-junit` file (CMake >= 3.21). ctest
writes each test as <testcase status="run|fail|notrun">; a test ctest skipped
(SKIP_REGULAR_EXPRESSION matched, SKIP_RETURN_CODE) is "notrun" with
<skipped message="SKIP_REGULAR_EXPRESSION_MATCHED"> or "SKIP_RETURN_CODE=N".
Any other "notrun" (executable not found, a failed fixture, disabled) is a
failure, as ctest's console reports it ("***Not Run").

console_statuses(path): what ctest's console said of each test that did not
pass ("Timeout", "Failed", "Exception: SegFault", "Not Run"): the JUnit file
gives a timeout and a failure the same empty message, the console does not.

gtest_cases(dir): per-case results from <build>/gtest-results/*.xml
(written by cmake/XtrampRunGtest.cmake). A binary whose cases ALL skipped is
already ctest "Skipped" (cmake/XtrampGtest.cmake); these files name the cases
that skipped inside a binary that passed.
"""
import os
import re
import xml.etree.ElementTree as ET

SKIP_MESSAGES = ("SKIP_REGULAR_EXPRESSION_MATCHED", "SKIP_RETURN_CODE")


def ctest_junit(path):
    """[(test name, "passed"|"failed"|"skipped", detail)] from a JUnit file."""
    results = []
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.get("name", "?")
        status = case.get("status")
        skipped = case.find("skipped")
        failure = case.find("failure")
        if status == "run" and failure is None:
            results.append((name, "passed", ""))
        elif skipped is not None and skipped.get("message", "").startswith(SKIP_MESSAGES):
            results.append((name, "skipped", skipped.get("message", "")))
        else:
            node = failure if failure is not None else skipped
            msg = node.get("message", "") if node is not None else ""
            results.append((name, "failed", msg or ("Not Run" if status == "notrun" else "Failed")))
    return results


# " 3/17 Test  #3: xtramp_vm_test .......***Timeout 600.01 sec"
CONSOLE_LINE = re.compile(r"Test\s+#\d+: (\S+) \.*\s*\*\*\*(.+?)\s+[\d.]+ sec\s*$")


def console_statuses(path):
    """{test name: ctest's console status} for the tests that did not pass."""
    statuses = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = CONSOLE_LINE.search(line)
                if m:
                    statuses[m.group(1)] = m.group(2)
    except OSError:
        pass
    return statuses


def gtest_cases(results_dir):
    """(passed, failed, skipped, ["binary: Suite.Case" skipped]) over all files."""
    p = f = s = 0
    names = []
    if not os.path.isdir(results_dir):
        return None
    for xml in sorted(os.listdir(results_dir)):
        if not xml.endswith(".xml"):
            continue
        binary = xml[: -len(".xml")]
        try:
            root = ET.parse(os.path.join(results_dir, xml)).getroot()
        except ET.ParseError:
            continue  # a binary that crashed mid-write: ctest counted it failed
        for case in root.iter("testcase"):
            if case.get("status") != "run":
                continue  # disabled tests
            if case.find("failure") is not None:
                f += 1
            elif case.get("result") == "skipped":
                s += 1
                names.append(f"{binary}: {case.get('classname')}.{case.get('name')}")
            else:
                p += 1
    return p, f, s, names
