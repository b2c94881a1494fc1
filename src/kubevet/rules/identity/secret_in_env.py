from kubevet.findings import Finding
from kubevet.k8s.workloads import containers
from kubevet.rules._base import WORKLOADS, Option, regexes, rule
from kubevet.rules.identity._secrets import (
    DEFAULT_NAME_PATTERNS,
    literal_credential,
    secret_shape,
    sensitive_name,
)


@rule(
    code="IDN004",
    name="secret-in-env",
    severity="error",
    kinds=WORKLOADS,
    options=[
        Option(
            "name-patterns",
            list(DEFAULT_NAME_PATTERNS),
            "regexes for the words of variable names that hold credentials",
            regexes,
        ),
    ],
)
def check(obj, ctx):
    """A container's environment holds a credential written into the manifest.

    ## What it checks
    The `env` of every container, init container and ephemeral container of a pod
    template. A variable set with a literal `value` is reported when:

    - its value has the shape of a secret, whatever the variable is called: a private
      key (`-----BEGIN ... PRIVATE KEY-----`), an AWS access key ID (`AKIA...`), a GitHub,
      GitLab, Slack or Stripe token, a Slack webhook, a Google API key, a JSON Web Token,
      or a URL with a password in it (`postgres://app:hunter2@db/app`);
    - or its name says it holds a credential (see `name-patterns`: `DB_PASSWORD`,
      `apiKey`, `AWS_SECRET_ACCESS_KEY`, `GITHUB_TOKEN` ...) and its value could be one.

    To keep false positives rare, a name match is not reported when the value is empty,
    a boolean, a number or a duration (`true`, `3600`, `15m`), a file path or URL
    (`/var/run/secrets/token`, `https://vault:8200`), text with spaces, a placeholder
    (`<your-token>`, `YOUR_API_KEY`), or built from references (`$(DB_PASSWORD)`,
    `${TOKEN}`, `{{ .token }}`); nor when the name describes a credential instead of
    holding one: its last word says where or what the credential is (`TOKEN_FILE`,
    `SECRET_NAME`, `PASSWORD_PATH`, `API_KEY_HEADER`, `TOKEN_TTL`, `AWS_ACCESS_KEY_ID`
    ...), or it names a Secret's key (`API_TOKEN_SECRET_KEY`). Variables set with
    `valueFrom` are never reported: that is the fix.

    ## Why it matters
    A manifest is not a safe place for a credential: it is committed to Git, rendered in
    CI logs, and anyone who can read the workload (`kubectl get deploy -o yaml`, a
    read-only dashboard) reads the password too. A Secret can be kept out of Git (Sealed
    Secrets, External Secrets, SOPS), is readable only with its own RBAC permission, and
    can be rotated without editing the workload.

    ## Example
    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
    spec:
      selector:
        matchLabels: {app: api}
      template:
        metadata:
          labels: {app: api}
        spec:
          containers:
            - name: api
              image: example/api:1.4.2
              env:
                - name: DB_PASSWORD
                  value: s3cr3t-Passw0rd
                - name: DATABASE_URL
                  value: postgres://api:hunter2@db:5432/api
    ```

    ## Fix
    Put the credential in a Secret and read it with `valueFrom.secretKeyRef`.

    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
    spec:
      selector:
        matchLabels: {app: api}
      template:
        metadata:
          labels: {app: api}
        spec:
          containers:
            - name: api
              image: example/api:1.4.2
              env:
                - name: DB_PASSWORD
                  valueFrom:
                    secretKeyRef: {name: api-db, key: password}
                - name: DATABASE_URL
                  value: postgres://api:$(DB_PASSWORD)@db:5432/api
                - name: TOKEN_FILE
                  value: /var/run/secrets/api/token
    ```

    ## Options
    - `name-patterns` (list of regexes): a variable name matches when a pattern matches
      whole words of it, compared case-insensitively after the name is turned into
      capitalised words joined by `_` (`dbPassword` and `db-password` both become
      `DB_PASSWORD`). The default is `PASS`, `[A-Z0-9]*PASS(WORD|WD|PHRASE)`,
      `[A-Z0-9]*SECRETS?`, `[A-Z0-9]*TOKENS?`, `BEARER`, `CREDENTIALS?`,
      `(API|ACCESS|PRIVATE|AUTH|ACCOUNT|ENCRYPTION|SIGNING|MASTER|SHARED|STORAGE|BATCH)_?KEY`
      and `KEY_CONTENT`. Value shapes are checked whatever the patterns.

    ## References
    - Secrets, good practices: https://kubernetes.io/docs/concepts/security/secrets-good-practices/
    - Using Secrets as environment variables: https://kubernetes.io/docs/tasks/inject-data-application/distribute-credentials-secure/
    - Peers: Polaris `sensitiveContainerEnvVar`, kube-linter `env-var-secret`. Both match
      names only by substring (Polaris also reports `GOOGLE_APPLICATION_CREDENTIALS`,
      which holds a file path); kubevet also looks at the value.
    - Known differences: kube-linter `read-secret-from-env-var` reports the fix itself
      (`secretKeyRef`); kubevet has no such check.
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    patterns = ctx.option("name-patterns")
    for c in containers(template):
        env = c.get("env")
        if not isinstance(env, list):
            continue
        for i, var in enumerate(env):
            if not isinstance(var, dict) or "valueFrom" in var:
                continue
            name, value = var.get("name"), var.get("value")
            if not isinstance(name, str):
                continue
            path = (*c.path, "env", i, "value")
            shape = secret_shape(value)
            if shape is not None:
                yield Finding(f"env {name} of container {c.name!r} holds what looks like {shape}", path)
            elif sensitive_name(name, patterns) and literal_credential(value):
                message = f"env {name} of container {c.name!r} is named like a credential and set to a literal"
                yield Finding(message, path)
