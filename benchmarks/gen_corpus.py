"""Generate a synthetic corpus of realistic Kubernetes objects for benchmarks.

The mix follows ../shared/MEASUREMENTS.md: 40% Deployments (two containers with
probes, env, volumes and a securityContext), 20% Services, 20% ConfigMaps, 10%
Roles and 10% RoleBindings, written as multi-document YAML files.

    python benchmarks/gen_corpus.py OUT_DIR [--objects 20000] [--files 100]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {ns}
  labels:
    app.kubernetes.io/name: {name}
    app.kubernetes.io/part-of: shop
    tier: "{tier}"
  annotations:
    deployment.kubernetes.io/revision: "{rev}"
spec:
  replicas: {replicas}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}
        app.kubernetes.io/part-of: shop
    spec:
      serviceAccountName: {name}
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        fsGroup: 10001
        seccompProfile:
          type: RuntimeDefault
      terminationGracePeriodSeconds: 45
      priorityClassName: shop-default
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: {name}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: {name}
      tolerations:
        - key: dedicated
          operator: Equal
          value: shop
          effect: NoSchedule
      containers:
        - name: app
          image: registry.example.com/shop/{name}:1.{rev}.3
          imagePullPolicy: IfNotPresent
          args: ["--port=8080", "--log-level=info", "--cache-size={cache}"]
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
            - name: metrics
              containerPort: 9090
          env:
            - name: DATABASE_HOST
              value: postgres.{ns}.svc.cluster.local
            - name: DATABASE_PORT
              value: "5432"
            - name: FEATURE_FLAGS
              value: "checkout,recommendations"
            - name: DATABASE_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {name}-db
                  key: password
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            - name: OTEL_EXPORTER_OTLP_ENDPOINT
              value: http://otel-collector.observability.svc:4317
            - name: JAVA_OPTS
              value: "-XX:MaxRAMPercentage=75 -XX:+UseG1GC"
            - name: CACHE_TTL_SECONDS
              value: "300"
          resources:
            requests:
              cpu: {cpu}m
              memory: {mem}Mi
            limits:
              cpu: "1"
              memory: {memlim}Mi
          readinessProbe:
            httpGet:
              path: /ready
              port: http
            periodSeconds: 5
            timeoutSeconds: 2
          lifecycle:
            preStop:
              exec:
                command: ["/bin/sh", "-c", "sleep 10"]
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 6
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
          volumeMounts:
            - name: config
              mountPath: /etc/{name}
              readOnly: true
            - name: tmp
              mountPath: /tmp
        - name: proxy
          image: registry.example.com/infra/envoy:v1.29.{rev}
          ports:
            - name: proxy
              containerPort: 15001
          resources:
            requests:
              cpu: 50m
              memory: 64Mi
            limits:
              cpu: 200m
              memory: 128Mi
          readinessProbe:
            tcpSocket:
              port: 15001
          livenessProbe:
            exec:
              command: ["/bin/sh", "-c", "pgrep envoy"]
            timeoutSeconds: 5
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
      volumes:
        - name: config
          configMap:
            name: {group}-config
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {ns}
  labels:
    app.kubernetes.io/name: {name}
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: {name}
  ports:
    - name: http
      port: 80
      targetPort: http
      protocol: TCP
    - name: metrics
      port: 9090
      targetPort: 9090
"""

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
  namespace: {ns}
data:
  LOG_LEVEL: info
  ENABLE_TRACING: "true"
  RETRIES: "3"
  app.properties: |
    server.port=8080
    cache.size={cache}
    upstream=http://backend.{ns}.svc:8080
    # generated
"""

ROLE = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {name}-reader
  namespace: {ns}
rules:
  - apiGroups: [""]
    resources: ["configmaps", "services"]
    verbs: ["get", "list", "watch"]
  - apiGroups: ["apps"]
    resources: ["deployments"]
    verbs: ["get"]
"""

ROLEBINDING = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {name}-reader
  namespace: {ns}
subjects:
  - kind: ServiceAccount
    name: {name}
    namespace: {ns}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {name}-reader
"""

# one application group: 4 Deployments, 2 Services, 2 ConfigMaps, a Role and its binding
GROUP = [
    (DEPLOYMENT, "{g}-api"),
    (DEPLOYMENT, "{g}-web"),
    (DEPLOYMENT, "{g}-worker"),
    (DEPLOYMENT, "{g}-cron"),
    (SERVICE, "{g}-api"),
    (SERVICE, "{g}-web"),
    (CONFIGMAP, "{g}"),
    (CONFIGMAP, "{g}-extra"),
    (ROLE, "{g}"),
    (ROLEBINDING, "{g}"),
]


def generate(out: Path, objects: int, files: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    per_file = max(1, -(-objects // files))
    written = 0
    for f in range(files):
        docs = []
        for _ in range(per_file):
            if written >= objects:
                break
            template, name = GROUP[written % len(GROUP)]
            group = written // len(GROUP)
            docs.append(
                template.format(
                    name=name.format(g=f"app-{group:05d}"),
                    group=f"app-{group:05d}",
                    ns=f"team-{group % 40:02d}",
                    tier=rng.choice(["web", "api", "worker"]),
                    rev=rng.randint(1, 40),
                    replicas=rng.choice([2, 3, 4, 6]),
                    cpu=rng.choice([100, 250, 500]),
                    mem=rng.choice([128, 256, 512]),
                    memlim=rng.choice([512, 768, 1024]),
                    cache=rng.randint(10, 1000),
                )
            )
            written += 1
        if docs:
            (out / f"part-{f:04d}.yaml").write_text("---\n".join(docs), encoding="utf-8")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--objects", type=int, default=20000)
    parser.add_argument("--files", type=int, default=100)
    args = parser.parse_args()
    n = generate(args.out, args.objects, args.files)
    size = sum(p.stat().st_size for p in args.out.glob("*.yaml"))
    print(f"wrote {n} objects, {size / 1e6:.1f} MB, into {args.out}")


if __name__ == "__main__":
    main()
