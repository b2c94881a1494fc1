"""JUnit XML for CI test reports: a test case per object and rule that judged it.

Each file is a ``<testsuite>``. An object gets one ``<testcase>`` per rule that applies to
its kind (``classname`` the rule, ``name`` the object); the case has a ``<failure>`` when
the rule found something, and is ``<skipped>`` when everything it found was suppressed.
Problems with the input itself get a case of their own, placed at the problem: an
``<error>`` when the input could not be read or parsed (the scan did not see all of it),
a ``<failure>`` otherwise (a duplicate key). Internal errors of kubevet are ``<error>``
cases in a last suite. Findings of every severity fail their case; the severity is in
the failure's ``type``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from xml.etree import ElementTree as ET

from kubevet.findings import Finding
from kubevet.output import RenderOptions, ordered
from kubevet.output.escape import printable
from kubevet.output.hints import help_for
from kubevet.result import INPUT_ERRORS, ScanResult
from kubevet.rules import Rule

EXTENSION = "xml"
NEEDS_CHECKS = True  # the engine records which rules judged each object
INTERNAL_SUITE = "kubevet internal errors"

# characters XML 1.0 cannot carry at all, even escaped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(text: str) -> str:
    """Text for XML: control characters as their escapes (a report line stays one line)."""
    return _NOT_XML.sub(lambda m: repr(m.group())[1:-1], printable(text))


def _case(classname: str, name: str, file: str, line: int = 0) -> ET.Element:
    case = ET.Element("testcase", classname=_x(classname), name=_x(name))
    if file:
        case.set("file", _x(file))
    if line:
        case.set("line", str(line))
    return case


def _where(f: Finding) -> str:
    if f.line and f.column:
        return f"{f.file}:{f.line}:{f.column}"
    return f"{f.file}:{f.line}" if f.line else f.file


def _judge(case: ET.Element, found: list[Finding], helps: dict[str, str]) -> None:
    """Mark a case failed, errored or skipped by the findings of its rule."""
    active = [f for f in found if not f.suppressed]
    if not active:
        if found:
            n = len(found)
            ET.SubElement(case, "skipped", message=f"{n} finding{'s' if n != 1 else ''} suppressed")
        return
    first = active[0]
    lines = []
    for f in active:
        obj = f" [{f.obj}]" if f.obj else ""
        lines.append(f"{_where(f)}: {f.severity}: {f.message}{obj}")
    if help_for(first, helps):
        lines.append(f"help: {help_for(first, helps)}")
    tag = "error" if first.rule in INPUT_ERRORS else "failure"
    element = ET.SubElement(case, tag, message=_x(first.message), type=f"{first.code} {first.severity}")
    element.text = "\n".join(_x(line) for line in lines)


def render(result: ScanResult, rules: Sequence[Rule], options: RenderOptions) -> str:
    helps = {r.code: r.help for r in rules}
    by_check: dict[tuple, list[Finding]] = defaultdict(list)
    loose: list[Finding] = []  # findings about no object: input problems
    for f in ordered(result):
        if f.obj is None:
            loose.append(f)
        else:
            by_check[(f.file, f.obj, f.rule)].append(f)

    # (line, case) per file; sorted by line at the end, ties kept in scan order
    suites: dict[str, list[tuple[int, ET.Element]]] = defaultdict(list)
    for ref, file, line, names in result.checked:
        for name in names:
            case = _case(name, str(ref), file, line)
            _judge(case, by_check.pop((file, ref, name), []), helps)
            suites[file].append((line, case))
    # findings on objects the engine did not record (a scan without record_checks)
    for (file, ref, name), found in by_check.items():
        case = _case(name, str(ref), file, found[0].line)
        _judge(case, found, helps)
        suites[file].append((found[0].line, case))
    for f in loose:
        case = _case(f.rule, _where(f), f.file, f.line)
        _judge(case, [f], helps)
        suites[f.file].append((f.line, case))

    root = ET.Element("testsuites", name="kubevet")
    ordered_suites = [(file, [c for _, c in sorted(suites[file], key=lambda lc: lc[0])]) for file in sorted(suites)]
    if result.crashes:
        crashes = []
        for i, crash in enumerate(result.crashes, 1):
            case = _case("kubevet", f"internal error {i}", "")
            ET.SubElement(case, "error", message=_x(str(crash)), type="internal-error")
            crashes.append(case)
        ordered_suites.append((INTERNAL_SUITE, crashes))

    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for file, cases in ordered_suites:
        counts = {
            "tests": len(cases),
            "failures": sum(1 for c in cases if c.find("failure") is not None),
            "errors": sum(1 for c in cases if c.find("error") is not None),
            "skipped": sum(1 for c in cases if c.find("skipped") is not None),
        }
        suite = ET.SubElement(root, "testsuite", name=_x(file), **{k: str(v) for k, v in counts.items()})
        suite.extend(cases)
        for key, value in counts.items():
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
