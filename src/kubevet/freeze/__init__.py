"""Change freezes: when a release must not go out, read from ``freeze:`` in ``.kubevet.yaml``.

- ``settings``: the ``freeze`` section parsed and checked (called by the configuration
  reader, so that a bad freeze fails every command at once, with the key it is about).
- ``windows``: whether a moment is frozen, why, when the window ends and when the next
  begins, with IANA time zones (``zoneinfo``), daylight-saving changes and public holidays
  (the maintained ``holidays`` library) handled.
"""
