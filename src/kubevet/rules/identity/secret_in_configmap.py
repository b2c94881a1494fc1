import base64
import binascii

from kubevet.findings import Finding
from kubevet.rules._base import Option, regexes, rule
from kubevet.rules.identity._secrets import (
    DEFAULT_NAME_PATTERNS,
    literal_credential,
    secret_shape,
    sensitive_name,
)


@rule(
    code="IDN005",
    name="secret-in-configmap",
    severity="warning",
    kinds=["ConfigMap"],
    options=[
        Option("key-patterns", list(DEFAULT_NAME_PATTERNS), "regexes for the words of keys that hold credentials", regexes),
    ],
)
def check(obj, ctx):
    """A ConfigMap holds what looks like a credential.

    ## What it checks
    Every entry of a ConfigMap's `data` and `binaryData` (decoded), with two heuristics:

    - by shape, anywhere in the value, including inside embedded configuration files: a
      private key (`-----BEGIN ... PRIVATE KEY-----`), an AWS access key ID, a GitHub,
      GitLab, Slack or Stripe token, a Slack webhook, a Google API key, a JSON Web Token,
      or a URL with a password in it (`amqp://app:hunter2@rabbitmq`);
    - by key: a key whose words match `key-patterns` (`db_password`,
      `AWS_SECRET_ACCESS_KEY`, `api-token` ...) with a single-line value that could be a
      credential.

    A key match is not reported when the value is empty, a boolean, a number or a
    duration, a file path or URL, text with spaces or several lines (a configuration
    file: only shapes are looked for in those, since `password: ${DB_PASSWORD}` lines are
    mostly placeholders), a placeholder (`<your-token>`, `YOUR_API_KEY`), or built from
    references (`$(VAR)`, `${VAR}`, `{{ }}`); nor when the key describes a credential
    instead of holding one (`secret-name`, `token-file`, `password-path`, `token-ttl`,
    `api-token-secret-key` ...).

    ## Why it matters
    ConfigMaps are meant for configuration that anyone may read: they are not encrypted
    at rest, RBAC roles grant `get configmaps` far more freely than `get secrets`, and
    their content ends up in Git, CI logs, dashboards and support bundles. A credential
    in a ConfigMap is a credential handed to everyone who can read the namespace.

    ## Example
    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: api-config
    data:
      db_host: postgres.db.svc
      db_password: s3cr3t-Passw0rd
    ```

    ## Fix
    Move the credential to a Secret and keep only non-sensitive settings in the ConfigMap.

    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: api-config
    data:
      db_host: postgres.db.svc
      db_password_file: /etc/api/secrets/db-password
    ```

    ## Options
    - `key-patterns` (list of regexes): a key matches when a pattern matches whole words
      of it, compared case-insensitively after the key is turned into capitalised words
      joined by `_` (`db.password` and `dbPassword` both become `DB_PASSWORD`). The default
      is the same list as the `name-patterns` of secret-in-env (IDN004). Value shapes are
      checked whatever the patterns.

    ## References
    - ConfigMaps: https://kubernetes.io/docs/concepts/configuration/configmap/
    - Secrets, good practices: https://kubernetes.io/docs/concepts/security/secrets-good-practices/
    - Peers: Polaris `sensitiveConfigmapContent`.
    """
    if obj.group != "":
        return
    patterns = ctx.option("key-patterns")
    for section, decode in (("data", None), ("binaryData", _decode)):
        entries = obj.data.get(section)
        if not isinstance(entries, dict):
            continue
        for key, value in entries.items():
            if not isinstance(value, str):
                continue
            path = (section, key)
            shape = secret_shape(decode(value) if decode else value)
            if shape is not None:
                yield Finding(f"{section} key {key!r} holds what looks like {shape}", path)
            elif sensitive_name(key, patterns) and literal_credential(value):
                yield Finding(f"{section} key {key!r} is named like a credential and set to a literal", path)


def _decode(value: str) -> str:
    """binaryData as text, for the shape checks; undecodable data is no text."""
    try:
        return base64.b64decode(value, validate=False).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return ""
