"""JUnit XML for CI test reports: a test case per object and rule that judged it.

Each file is a test suite. An object gets one test case per rule that applies to its
kind; the case fails when the rule found something. Input problems (a YAML syntax error,
an unreadable file) are failing cases of their own.
"""

from __future__ import annotations

from collections import defaultdict
from xml.etree import ElementTree as ET

from kubevet.engine import ScanResult
from kubevet.rules._base import Rule

NEEDS_CHECKS = True  # the CLI asks the engine to record which rules judged each object


def render(result: ScanResult, rules: list[Rule], options) -> str:
    helps = {r.code: r.help for r in rules}
    failed: dict[tuple, list] = defaultdict(list)
    loose: dict[str, list] = defaultdict(list)  # findings about no object (input problems)
    for f in result.findings:
        if f.suppressed:
            continue
        if f.obj is None:
            loose[f.file].append(f)
        else:
            failed[(f.obj, f.rule)].append(f)

    suites: dict[str, list[ET.Element]] = defaultdict(list)
    for ref, file, line, names in result.checked:
        for name in names:
            case = ET.Element("testcase", classname=name, name=str(ref), file=file, line=str(line))
            found = failed.pop((ref, name), None)
            if found:
                _fail(case, found, helps)
            suites[file].append(case)
    # findings on objects the engine did not record (e.g. rendered in another way)
    for (ref, name), found in failed.items():
        case = ET.Element("testcase", classname=name, name=str(ref), file=found[0].file)
        _fail(case, found, helps)
        suites[found[0].file].append(case)
    for file, found in loose.items():
        for f in found:
            case = ET.Element("testcase", classname=f.rule, name=f"{f.file}:{f.line}", file=f.file)
            _fail(case, [f], helps)
            suites[file].append(case)

    root = ET.Element("testsuites", name="kubevet")
    total = failures = 0
    for file in sorted(suites):
        cases = suites[file]
        n_fail = sum(1 for c in cases if c.find("failure") is not None)
        suite = ET.SubElement(root, "testsuite", name=file, tests=str(len(cases)), failures=str(n_fail))
        suite.extend(cases)
        total += len(cases)
        failures += n_fail
    root.set("tests", str(total))
    root.set("failures", str(failures))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _fail(case: ET.Element, found: list, helps: dict[str, str]) -> None:
    first = found[0]
    body = "\n".join(f"{f.file}:{f.line}:{f.column}: {f.severity}: {f.message}" for f in found)
    if helps.get(first.code):
        body += f"\nhelp: {helps[first.code]}"
    failure = ET.SubElement(case, "failure", message=first.message, type=f"{first.code} {first.severity}")
    failure.text = body
