"""kubevet serve: the validating admission webhook.

settings (the ``serve:`` config section) · judge (the adapter to the engine) · context
(--context manifests, reloaded) · review (AdmissionReview -> verdict, no HTTP) · app (the
ASGI application) · server (uvicorn, TLS reload, workers) · metrics · logs · tls ·
manifests (``--manifests``). See docs/admission.md.
"""
