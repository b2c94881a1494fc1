"""Triage reports: text for the console, JSON (docs/triage.schema.json), Markdown postmortem."""

from __future__ import annotations

import json
from functools import lru_cache

from kubevet.output.escape import printable_lines
from kubevet.triage import chain
from kubevet.triage.diagnoses import Diagnosis
from kubevet.triage.model import Signal
from kubevet.triage.run import Triage
from kubevet.triage.times import fmt

SCHEMA_VERSION = 1
TEXT_TIMELINE = 40
TEXT_UNPARSED = 20
TEXT_DIAGNOSES = 40


@lru_cache(maxsize=None)
def rule_name(code: str) -> str:
    from kubevet.rules import lookup

    try:
        return lookup(code).name
    except KeyError:
        return "?"


def headline(t: Triage) -> str:
    if not t.diagnoses:
        return "Nothing abnormal found."
    root = t.roots[0]
    by_id = {d.id: d for d in t.diagnoses}
    tail = _path(root, by_id)
    text = f"Probable root cause: {root.name} ({root.id}, {root.found.confidence} confidence): "
    text += root.found.detail or root.kind.title
    if tail:
        text += "\n  which led to: " + " -> ".join(f"{d.name} ({d.id})" for d in tail)
    return text


def _path(d: Diagnosis, by_id: dict[str, Diagnosis]) -> list[Diagnosis]:
    """The longest chain of effects from ``d``."""
    best: list[Diagnosis] = []
    for e in d.effects:
        p = [by_id[e]] + _path(by_id[e], by_id)
        if len(p) > len(best):
            best = p
    return best


def timeline(t: Triage) -> list[tuple[Signal, Diagnosis]]:
    seen = set()
    out = []
    for d in t.diagnoses:
        for s in d.found.evidence:
            if id(s) not in seen:
                seen.add(id(s))
                out.append((s, d))
    out.sort(key=lambda sd: (sd[0].start is None, sd[0].start or 0, sd[0].loc))
    return out


def _what(s: Signal) -> str:
    obj = f"{s.obj}" if s.obj else ""
    if s.source == "event":
        count = f" (x{s.count})" if s.count > 1 else ""
        return f"{s.type} {s.reason}{count} {obj}: {s.message}"
    if s.source == "container":
        f = s.fields
        state = " ".join(x for x in (f["state"] or "?", f["state_reason"]) if x)
        return (f"{obj} container {f['container']}: state {state}, last "
                f"{f['last_reason'] or '-'} exit {f['last_exit']}, restarts {f['restarts']}")
    if s.source == "probe":
        f = s.fields
        return f"{obj} container {f['container']} {s.reason} probe {f['handler']} timeout={f['timeout']}s " \
               f"period={f['period']}s failure={f['failure']}"
    if s.source == "resources":
        f = s.fields
        return f"{obj} container {f['container']}: limits {f['limits'] or 'none'}, requests {f['requests'] or 'none'}"
    if s.source == "node-condition":
        return f"{obj} condition {s.reason}={s.fields['status']} {s.fields['reason']}: {s.message}"
    if s.source == "node-taint":
        return f"{obj} taint {s.reason}"
    if s.source == "pod-status":
        return f"{obj} {s.reason}: {s.message}"
    return f"{s.host + ' ' if s.host else ''}{s.component}: {s.message}"


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def text(t: Triage) -> str:
    lines = [headline(t), ""]
    others: dict[str, list[Diagnosis]] = {}
    for r in t.roots[1:]:
        others.setdefault(r.name, []).append(r)
    if others:
        shown = [f"{ds[0].name} ({', '.join(d.id for d in ds[:3])}{f' and {len(ds) - 3} more' if len(ds) > 3 else ''})"
                 for ds in list(others.values())[:8]]
        more = f"; and {len(others) - 8} more kinds" if len(others) > 8 else ""
        lines.append("Other causes: " + "; ".join(shown) + more)
        lines.append("")
    if t.diagnoses:
        tl = timeline(t)
        lines.append(f"Timeline (UTC; ages read against {fmt(t.at)}):")
        for s, d in tl[:TEXT_TIMELINE]:
            when = s.start.strftime("%H:%M:%S") if s.start else "--:--:--"
            lines.append(f"  {when}  {d.id:<4} {d.name:<34} {_short(_what(s), 110)}  [{s.where}]")
        if len(tl) > TEXT_TIMELINE:
            lines.append(f"  ... {len(tl) - TEXT_TIMELINE} more (all in --format json)")
        lines.append("")
        lines.append("Diagnoses:")
        shown = _text_order(t)[:TEXT_DIAGNOSES]
        for d in shown:
            lines.extend(_diagnosis_text(d))
        if len(t.diagnoses) > len(shown):
            rest: dict[str, int] = {}
            for d in t.diagnoses:
                if d not in shown:
                    rest[d.name] = rest.get(d.name, 0) + 1
            lines.append(f"... {len(t.diagnoses) - len(shown)} more diagnoses (all in --format json): "
                         + ", ".join(f"{n} {name}" for name, n in sorted(rest.items(), key=lambda kv: -kv[1])))
            lines.append("")
    lines.extend(_read_text(t))
    return printable_lines("\n".join(lines)) + "\n"  # events and logs may hold control characters


def _text_order(t: Triage) -> list[Diagnosis]:
    """The root causes and what they explain first, then the rest, each part in timeline order."""
    if len(t.diagnoses) <= TEXT_DIAGNOSES:
        return list(t.diagnoses)
    by_id = {d.id: d for d in t.diagnoses}
    first: set[str] = set()
    for r in t.roots:
        if r.effects:
            first.add(r.id)
            first.update(chain.downstream(r, by_id))
    return [d for d in t.diagnoses if d.id in first] + [d for d in t.diagnoses if d.id not in first]


def _diagnosis_text(d: Diagnosis) -> list[str]:
    f = d.found
    out = [f"{d.id} {d.name} [{f.confidence}] {d.kind.title}"]
    if f.detail:
        out.append(f"   {_short(f.detail, 300)}")
    objs = ", ".join(str(o) for o in f.objects[:8]) + (f" and {len(f.objects) - 8} more" if len(f.objects) > 8 else "")
    if objs:
        out.append(f"   affected: {objs}")
    out.append(f"   when: {fmt(d.start)} .. {fmt(d.end)}")
    for s in f.evidence[:6]:
        out.append(f"   evidence {s.where}: {_short(_what(s), 120)}")
    if len(f.evidence) > 6:
        out.append(f"   ... {len(f.evidence) - 6} more evidence lines")
    out.append(f"   why: {f.explanation or d.kind.explanation}" if f.explanation else f"   why: {d.kind.explanation}")
    out.append(f"   fix: {f.fix or d.kind.fix}")
    if d.kind.rules:
        out.append("   caught in CI by: " + ", ".join(f"{c} {rule_name(c)}" for c in d.kind.rules))
    for m in d.manifests:
        fix = m["fix"]
        where = f"{fix['file']}:{fix['line']}" + (f" ({fix['field']})" if fix["field"] else "")
        out.append(f"   manifest: {m['object']} at {m['file']}:{m['line']}; the fix changes {where}")
        for g in m["findings"]:
            out.append(f"     {g['file']}:{g['line']} {g['severity']} {g['code']} {g['rule']}: {_short(g['message'], 110)}")
    if d.causes:
        out.append(f"   explained by: {', '.join(d.causes)}")
    if d.effects:
        out.append(f"   leads to: {', '.join(d.effects)}")
    out.append("")
    return out


def _read_text(t: Triage) -> list[str]:
    out = []
    for i in t.inputs:
        if i.error:
            out.append(f"{i.name}: {i.error}")
            continue
        kinds = ", ".join(f"{p.kind} (line {p.first_line}, {len(p.signals)} signals)"
                          for p in i.parts if p.kind != "unrecognised")
        out.append(f"{i.name}: read {kinds or 'nothing triage recognises'}")
    unparsed = [u for i in t.inputs for u in i.unparsed]
    if unparsed:
        out.append(f"{len(unparsed)} lines not understood (kept out of the diagnoses):")
        for u in unparsed[:TEXT_UNPARSED]:
            out.append(f"  {u.loc}: {_short(u.text, 100)}  ({u.why})")
        if len(unparsed) > TEXT_UNPARSED:
            out.append(f"  ... {len(unparsed) - TEXT_UNPARSED} more (all in --format json)")
    for e in t.manifest_errors:
        out.append(f"manifests: {e}")
    return out


def _signal_json(s: Signal) -> dict:
    return {
        "file": s.loc.file, "line": s.loc.line, "source": s.source, "reason": s.reason,
        "object": s.obj.to_json() if s.obj else None, "type": s.type or None, "message": s.message,
        "count": s.count, "first": s.first.isoformat() if s.first else None,
        "last": s.last.isoformat() if s.last else None, "component": s.component or None, "host": s.host or None,
        "also": [{"file": loc.file, "line": loc.line} for loc in s.also],
    }


def to_json(t: Triage) -> dict:
    return {
        "schemaVersion": SCHEMA_VERSION,
        "at": t.at.isoformat(),
        "headline": headline(t),
        "rootCauses": [d.id for d in t.roots if d.effects] or [d.id for d in t.roots[:1]],
        "diagnoses": [{
            "id": d.id, "name": d.name, "title": d.kind.title, "confidence": d.found.confidence,
            "detail": d.found.detail, "start": d.start.isoformat() if d.start else None,
            "end": d.end.isoformat() if d.end else None,
            "objects": [o.to_json() for o in d.found.objects],
            "evidence": [_signal_json(s) for s in d.found.evidence],
            "explanation": d.found.explanation or d.kind.explanation, "fix": d.found.fix or d.kind.fix,
            "rules": [{"code": c, "name": rule_name(c)} for c in d.kind.rules],
            "causes": d.causes, "effects": d.effects, "manifests": d.manifests,
        } for d in t.diagnoses],
        "timeline": [{"time": s.start.isoformat() if s.start else None, "diagnosis": d.id,
                      "file": s.loc.file, "line": s.loc.line, "text": _what(s)} for s, d in timeline(t)],
        "inputs": [{
            "name": i.name, "error": i.error or None, "at": i.at.isoformat() if i.at else None,
            "parts": [{"kind": p.kind, "firstLine": p.first_line, "lines": p.lines, "signals": len(p.signals)}
                      for p in i.parts if p.kind != "unrecognised"],
            "unparsed": [{"line": u.loc.line, "text": u.text, "why": u.why} for u in i.unparsed],
        } for i in t.inputs],
        "signals": len(t.signals),
        "manifestErrors": t.manifest_errors,
        "exitCode": t.exit_code,
    }


def json_text(t: Triage) -> str:
    return json.dumps(to_json(t), indent=2, ensure_ascii=False) + "\n"


def markdown(t: Triage) -> str:
    by_id = {d.id: d for d in t.diagnoses}
    root_ids = {d.id for d in t.roots}
    out = ["# Postmortem draft", "", "_Generated by `kubevet triage`; check every statement against the evidence._", "",
           "## Summary", ""]
    out.append(headline(t).replace("\n  which led to:", "; it led to:"))
    out.append("")
    if t.diagnoses:
        out += ["## Timeline", "", "| time (UTC) | what | evidence |", "| --- | --- | --- |"]
        for s, d in timeline(t):
            out.append(f"| {fmt(s.start)} | {d.id} {d.name}: {_md(_short(_what(s), 140))} | `{s.loc}` |")
        out += ["", "## Root causes", ""]
        for d in t.roots:
            out += _md_diagnosis(d, by_id)
        contributing = [d for d in t.diagnoses if d.id not in root_ids]
        if contributing:
            out += ["## Contributing factors and effects", ""]
            for d in contributing:
                out += _md_diagnosis(d, by_id)
        out += ["## Action items", ""]
        n = 0
        for d in t.roots + contributing:
            if not d.kind.rules and not d.manifests:
                continue
            n += 1
            rules = ", ".join(f"`{c}` {rule_name(c)}" for c in d.kind.rules)
            where = "; ".join(f"{m['object']} at `{m['fix']['file']}:{m['fix']['line']}`" for m in d.manifests)
            item = f"{n}. [ ] {d.found.fix or d.kind.fix} ({d.id})"
            if where:
                item += f" Change {where}."
            if rules:
                item += f" Gate it in CI with {rules}."
            out.append(item)
        out.append("")
    unparsed = [u for i in t.inputs for u in i.unparsed]
    out += ["## Inputs", ""]
    for i in t.inputs:
        out.append(f"- `{i.name}`: " + (i.error or ", ".join(f"{p.kind} from line {p.first_line}" for p in i.parts
                                                          if p.kind != "unrecognised") or "nothing recognised"))
    if unparsed:
        out.append(f"- {len(unparsed)} lines not understood: " + ", ".join(f"`{u.loc}`" for u in unparsed[:30]))
    return printable_lines("\n".join(out)) + "\n"  # events and logs may hold control characters


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _md_diagnosis(d: Diagnosis, by_id: dict[str, Diagnosis]) -> list[str]:
    f = d.found
    out = [f"### {d.id} {d.kind.title}", "", f"- **Diagnosis:** `{d.name}`, {f.confidence} confidence"
           + (f": {f.detail}" if f.detail else "")]
    out.append(f"- **When:** {fmt(d.start)} to {fmt(d.end)}")
    if f.objects:
        out.append("- **Affected:** " + ", ".join(str(o) for o in f.objects[:12]))
    out.append("- **Evidence:** " + ", ".join(f"`{loc}`" for s in f.evidence[:12] for loc in [s.loc, *s.also]))
    out.append(f"- **Why:** {f.explanation or d.kind.explanation}")
    out.append(f"- **Fix:** {f.fix or d.kind.fix}")
    if d.kind.rules:
        out.append("- **Caught in CI by:** " + ", ".join(f"`{c}` {rule_name(c)}" for c in d.kind.rules))
    for m in d.manifests:
        out.append(f"- **Manifest:** {m['object']} (`{m['file']}:{m['line']}`), fix at `{m['fix']['file']}:"
                   f"{m['fix']['line']}`" + "".join(f"; `{g['code']}` at line {g['line']}" for g in m["findings"]))
    if d.causes:
        out.append("- **Explained by:** " + ", ".join(f"{c} {by_id[c].name}" for c in d.causes))
    if d.effects:
        out.append("- **Led to:** " + ", ".join(f"{e} {by_id[e].name}" for e in d.effects))
    out.append("")
    return out


FORMATS = {"text": text, "json": json_text, "markdown": markdown}
