"""One defragmentation run per cluster: a key in etcd itself, attached to a lease.

Taking the lock is one transaction: "if the key has never been created, put it with the
lease; otherwise read it" (etcd's create-revision compare, the same primitive as its own
``concurrency.Mutex``). The lease is kept alive by a background thread while the run
lasts; a run that crashes or is killed stops renewing and etcd deletes the key when the
TTL runs out, so a dead run never blocks the next one for longer than the TTL.

Under a NOSPACE alarm etcd refuses every write, lease grants included, so no run can take
the lock; kubevet then only checks that no other run holds it and says so in its report.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time

from kubevet.etcd.client import EtcdError, Member, as_int, b64, unb64

KEY = "kubevet/etcd/defrag-lock"
NOSPACE_MARK = "database space exceeded"


class LockHeld(Exception):
    """Another run holds the lock; ``holder`` is what it wrote in the key."""

    def __init__(self, holder: dict) -> None:
        super().__init__(f"another kubevet etcd defrag holds the lock ({describe(holder)})")
        self.holder = holder


def describe(holder: dict) -> str:
    parts = [f"{k} {holder[k]}" for k in ("host", "pid", "started") if holder.get(k)]
    return ", ".join(parts) or "holder unknown"


class Lock:
    """``acquire()`` then ``release()``; ``lost`` turns true when the lease could not be renewed."""

    def __init__(self, member: Member, ttl: int = 60, key: str = KEY, renew_via: list[Member] | None = None) -> None:
        self.member = member
        # the keep-alive thread's own clients (httpx clients are not shared across threads),
        # tried in turn: the member it first asks may be the one being defragmented
        self.renew_via = renew_via or []
        self.ttl = max(int(ttl), 5)
        self.key = key
        self.lease_id = 0
        self.lost: str | None = None
        self.skipped_for_nospace = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def current_holder(self) -> dict | None:
        reply = self.member.range(self.key)
        kvs = reply.get("kvs") or []
        if not kvs:
            return None
        try:
            return json.loads(unb64(kvs[0].get("value")))
        except ValueError:
            return {"raw": unb64(kvs[0].get("value")).decode("utf-8", "replace")}

    def acquire(self, nospace: bool = False) -> None:
        """Take the lock or raise LockHeld; EtcdError when etcd cannot be asked."""
        if nospace:
            holder = self.current_holder()
            if holder is not None:
                raise LockHeld(holder)
            self.skipped_for_nospace = True
            return
        grant = self.member.call("/lease/grant", {"TTL": str(self.ttl)})
        self.lease_id = as_int(grant, "ID", self.member.endpoint)
        if not self.lease_id:
            raise EtcdError(self.member.endpoint, "malformed reply to /lease/grant: no lease ID")
        me = {"host": socket.gethostname(), "pid": os.getpid(),
              "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "lease": format(self.lease_id, "x")}
        key = b64(self.key)
        reply = self.member.call("/kv/txn", {
            "compare": [{"key": key, "target": "CREATE", "result": "EQUAL", "create_revision": "0"}],
            "success": [{"request_put": {"key": key, "value": b64(json.dumps(me)), "lease": str(self.lease_id)}}],
            "failure": [{"request_range": {"key": key}}],
        })
        if not reply.get("succeeded"):
            self._revoke()
            holder = None
            for r in reply.get("responses") or []:
                kvs = (r.get("response_range") or {}).get("kvs") or []
                if kvs:
                    try:
                        holder = json.loads(unb64(kvs[0].get("value")))
                    except ValueError:
                        holder = {}
            raise LockHeld(holder or {})
        self._thread = threading.Thread(target=self._keep_alive, name="kubevet-etcd-lock", daemon=True)
        self._thread.start()

    def _keep_alive(self) -> None:
        while not self._stop.wait(self.ttl / 4):
            failures = []
            for member in self.renew_via:
                try:
                    reply = member.call("/lease/keepalive", {"ID": str(self.lease_id)})
                except EtcdError as exc:
                    failures.append(str(exc))
                    continue
                result = reply.get("result") if isinstance(reply.get("result"), dict) else reply
                if as_int(result, "TTL") <= 0:
                    self.lost = "the lock's lease expired"
                    return
                break
            else:
                self.lost = "the lock's lease could not be renewed: " + "; ".join(failures or ["no endpoint"])
                return

    def _revoke(self) -> None:
        if self.lease_id:
            try:
                self.member.call("/lease/revoke", {"ID": str(self.lease_id)})
            except EtcdError:
                pass  # the lease runs out by itself
            self.lease_id = 0

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.member.settings.command_timeout + 1)
        self._revoke()
        self.member.close()
        for member in self.renew_via:
            member.close()
