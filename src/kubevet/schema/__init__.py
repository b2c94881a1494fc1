"""Validate objects as the API server would, offline: schemas, CRDs, CEL and API lifecycle.

Nothing heavy is imported here: jsonschema-rs and the CEL library are imported by the
functions that need them, the first time a scan validates something, so that kubevet
starts as fast without them.

- ``versions``: which Kubernetes versions kubevet has schemas for, and the target version;
- ``builtin``: the OpenAPI schemas of the built-in kinds (``data/schemas``, made by
  ``scripts/build_schemas.py`` from the PyPI package kubernetes-validate);
- ``crd``: CustomResourceDefinitions turned into validators for their custom resources;
- ``cel``: the ``x-kubernetes-validations`` rules of CRDs;
- ``errors``: validator errors as kubevet findings (message and field path);
- ``lifecycle``: when each built-in API version was deprecated and removed;
- ``catalog``: everything a scan validates against, for one target version.
"""
