"""kubevet policy: rules exported as ValidatingAdmissionPolicy objects (CEL).

catalog (the rules in CEL, and why the others are not exported) · export (policies and
bindings from a configuration) · evaluate (run them as the API server would, with a real
CEL engine: the equivalence tests use it). See docs/admission.md.
"""
