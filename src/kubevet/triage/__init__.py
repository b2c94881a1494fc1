"""Incident triage: read what kubectl, the kubelet and the kernel printed during an outage,
and turn it into diagnoses joined on one timeline, each with its evidence lines, its fix and
the kubevet rules that would have caught it in CI.

Layout: ``model`` (signals, locations), ``times`` (kubectl ages and timestamps),
``parsers/`` (one module per input kind, ``detect`` splits a file into them),
``diagnoses/`` (a registry of diagnoses, like the rules), ``chain`` (causal links and the
timeline), ``manifests`` (pods to their owners and to the manifest lines), ``report``
(text, JSON, Markdown) and ``run`` (the whole pipeline).
"""
