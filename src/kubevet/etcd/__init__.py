"""etcd health and safe rolling defragmentation (``kubevet etcd status|defrag``).

Talks to etcd through its v3 HTTP/JSON gateway (the grpc-gateway every etcd 3.x serves on
its client URLs) with httpx, so no gRPC stack is needed:

  connection.py   Settings: endpoints, TLS files, timeouts, from flags and ETCDCTL_* variables
  client.py       Member: one endpoint's HTTP client; EtcdError names the member and the cause
  metrics.py      /metrics parsed by prometheus_client; p99 from the histograms
  status.py       MemberStatus, ClusterStatus: everything `status` shows, gathered once
  verdicts.py     Thresholds and the verdicts drawn from a ClusterStatus
  lock.py         one run per cluster: a key in etcd held by a lease
  defrag.py       the plan and the rolling run: followers one at a time, the leader last
  report.py       text and JSON renderings of status and defrag reports

See docs/etcd.md for the rules, thresholds and the lock.
"""
