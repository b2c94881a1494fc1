"""``kubevet diff`` and ``kubevet gate``: compare what is deployed with what is about to be.

- ``sides``: load OLD and NEW (paths, charts with per-side values, git revisions, saved
  ``helm get manifest`` / ``kubectl get -o yaml``) and key their objects.
- ``fields``: the field-level diff, lists matched by merge key, noise kept apart, Secret
  values never kept.
- ``compare``: objects matched and diffed; ``risks``: the named risk checks;
  ``findings``: the rules on both sides, findings marked new or existing.
- ``report``: the verdict; ``output``: text, JSON, Markdown, SARIF; ``run``: the pipeline.
"""
