#!/usr/bin/env python3
"""Fault driver of the kafka role's cluster scenario, run on the control node with kafka-python (verify.yml does the
faults themselves through Ansible; this script streams, watches and judges).

  stream      a steady, bounded stream of unique vote-like messages (acks=all, idempotent producer, the API's
              timeouts) and one consumer-group member reading and committing, until --stop-file appears (or
              --max-seconds); every acknowledged id with its partition, offset and times, every failed send with
              its error and times, and what the group read go to --state; --progress is rewritten every second
  leader      the broker id leading a partition of a topic
  wait-isr    waits until every partition of every topic has a leader and all its replicas in sync
  mark        appends a named, timestamped event (verify's faults) to an events file
  check       reads the whole topic from the beginning without a group and judges the run: every acknowledged id
              is in the log exactly once, at the partition and offset its acknowledgement named; no id is in the
              log twice; the group read every acknowledged id and committed up to the end of every partition.
              Writes the figures (producer error seconds, failed sends, brokers' peak RSS, ...) as JSON to
              --artifact and prints them; exits 1 when a message was lost or duplicated.

Every address it talks to (the bootstrap list, and every broker the cluster's metadata names) must route through a
local podman bridge (`ip -o route get`); it refuses otherwise. Bounded: --max-seconds, --rate, and every wait.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

ROUTE_OK = re.compile(r" dev (cni-)?podman[0-9]* ")
MAX_SECONDS = 900  # hard bound of any stream, whatever --max-seconds says
MAX_RATE = 200.0  # msg/s


def fail(message: str) -> None:
    print(message, file=sys.stderr)
    sys.exit(1)


_checked: set[str] = set()


def require_local_route(host: str) -> None:
    """Refuse any address that does not route through a local podman bridge (traffic stays on this machine)."""
    if host in _checked:
        return
    out = subprocess.run(["ip", "-o", "route", "get", host], capture_output=True, text=True, check=False)
    if out.returncode != 0 or not ROUTE_OK.search(out.stdout + " "):
        fail(f"refusing to contact {host}: it does not route through a local podman bridge ({out.stdout.strip()!r})")
    _checked.add(host)


def bootstrap_list(args: argparse.Namespace) -> list[str]:
    servers = [s.strip() for s in args.bootstrap.split(",") if s.strip()]
    for server in servers:
        require_local_route(server.rsplit(":", 1)[0])
    return servers


def admin_client(args: argparse.Namespace) -> KafkaAdminClient:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_list(args), client_id="cluster-faults-admin",
                             request_timeout_ms=5000)
    for broker in admin.describe_cluster()["brokers"]:
        require_local_route(broker["host"])
    return admin


def partitions_of(admin: KafkaAdminClient, topics: list[str] | None) -> list[dict[str, Any]]:
    """[{topic, partition, leader, replicas, isr}] from a fresh metadata request."""
    rows = []
    for topic in admin.describe_topics(topics):
        if topic["error_code"]:
            raise RuntimeError(f"topic {topic['name']}: error {topic['error_code']}")
        for p in topic["partitions"]:
            rows.append({"topic": topic["name"], "partition": p["partition_index"], "leader": p["leader_id"],
                         "replicas": sorted(p["replica_nodes"]), "isr": sorted(p["isr_nodes"])})
    return rows


# ---------------------------------------------------------------------------------------------------------- leader
def poll_partitions(args: argparse.Namespace, timeout: float, done: Any) -> tuple[bool, Any, float]:
    """Asks the cluster for every partition (a new admin client after any error: a broker that is starting refuses
    connections or answers with errors for a while) until done(rows) returns something true, at most `timeout` s.
    Returns (reached, the last answer or error, seconds taken)."""
    start = time.monotonic()
    deadline = start + min(timeout, MAX_SECONDS)
    last: Any = None
    admin: KafkaAdminClient | None = None
    try:
        while time.monotonic() < deadline:
            try:
                admin = admin or admin_client(args)
                rows = partitions_of(admin, None)
                last = done(rows)
                if last:
                    return True, last, time.monotonic() - start
                last = rows
            except Exception as exc:  # noqa: BLE001 - asked again with a new client
                last = repr(exc)
                if admin is not None:
                    admin.close()
                admin = None
            time.sleep(1)
        return False, last, time.monotonic() - start
    finally:
        if admin is not None:
            admin.close()


def leader(args: argparse.Namespace) -> None:
    def of_partition(rows: list[dict[str, Any]]) -> int | None:
        return next((r["leader"] for r in rows if r["topic"] == args.topic and r["partition"] == args.partition
                     and r["leader"] >= 0), None)

    found, answer, _ = poll_partitions(args, 60, of_partition)
    if not found:
        fail(f"{args.topic} partition {args.partition} has no leader: {answer}")
    print(answer)


def wait_isr(args: argparse.Namespace) -> None:
    def in_sync(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        behind = [r for r in rows if r["leader"] < 0 or r["isr"] != r["replicas"]]
        return rows if rows and not behind else []

    found, answer, took = poll_partitions(args, args.timeout, in_sync)
    if not found:
        if isinstance(answer, list):
            answer = [r for r in answer if r["leader"] < 0 or r["isr"] != r["replicas"]][:5]
        fail(f"partitions still out of sync after {args.timeout}s: {answer}")
    print(json.dumps({"in_sync_after_s": round(took, 1), "partitions": len(answer),
                      "replication": sorted({len(r["replicas"]) for r in answer})}))


def mark(args: argparse.Namespace) -> None:
    event: dict[str, Any] = {"event": args.name, "t": float(args.at) if args.at else time.time()}
    for pair in args.fields:
        key, _, value = pair.partition("=")
        event[key] = value
    with open(args.events, "a", encoding="utf-8") as f:
        f.write(json.dumps(event) + "\n")
    print(json.dumps(event))


# ---------------------------------------------------------------------------------------------------------- stream
def force_close(producer: KafkaProducer, grace: float = 0.0) -> None:
    """Close a producer, giving its batches `grace` seconds to complete: kafka-python's close() flushes first and
    raises when batches are still incomplete then (close(0) included), leaving its sender running; the sender's
    force_close() fails them instead (a wedged producer would never complete them)."""
    try:
        producer.close(timeout=grace)
    except Exception:  # noqa: BLE001 - incomplete batches
        producer._sender.force_close()
        producer._sender.join(10)


class Stream:
    """The producer and the group member of one run; their records are appended from the clients' threads."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.run = uuid.uuid4().hex[:12]
        self.group = f"{args.group}-{self.run}"  # a fresh group: no member of an earlier run delays the join
        self.servers = bootstrap_list(args)
        self.acked: list[dict[str, Any]] = []
        self.failed: list[dict[str, Any]] = []
        self.sent = 0
        self.group_reads: dict[str, int] = {}
        self.commit_errors: list[dict[str, Any]] = []
        self.poll_errors: list[dict[str, Any]] = []
        self.producer_done = threading.Event()
        self.consumer_done = threading.Event()
        self.consumer_reason = ""
        self.producer_error = ""
        self.recycles: list[dict[str, Any]] = []
        self.recycled_at = 0.0
        self.recycle_wanted = ""
        self.last_completion = time.monotonic()
        self.started = time.time()
        self.producer_ended = 0.0
        self.lock = threading.Lock()

    def stop_requested(self) -> bool:
        return Path(self.args.stop_file).exists() or time.time() - self.started > min(self.args.max_seconds,
                                                                                     MAX_SECONDS)

    def new_producer(self) -> KafkaProducer:
        # The API's producer settings (app/api/producer.py, publish timeout 2 s): a send not acknowledged within
        # 4 s fails, as a vote would be refused, instead of waiting out the broker's failover.
        return KafkaProducer(
            bootstrap_servers=self.servers, acks="all", enable_idempotence=True,
            max_in_flight_requests_per_connection=5, linger_ms=2, batch_size=64 * 1024, max_block_ms=2000,
            request_timeout_ms=1500, delivery_timeout_ms=4000, reconnect_backoff_max_ms=1000,
            allow_auto_create_topics=False, client_id="cluster-faults-producer",
        )

    def recycle(self, producer: KafkaProducer | None, reason: str) -> KafkaProducer | None:
        """Replace the producer as the API does (VotePublisher._recycle/_note_timeout): after a send failed, or
        after 6 s in which no send completed. kafka-python 3.0.12's idempotent producer can stop sending for good:
        when a batch it already sent expires, reset_producer_id() clears the producer id but leaves the state READY,
        so init_producer_id() does nothing and the sender waits for a producer id that never comes; a new producer
        starts clean. The old one gets its delivery timeout to finish what it has in flight, in the background, and
        is then force-closed, which fails what it could not deliver."""
        self.recycles.append({"t": time.time(), "reason": reason})
        self.recycled_at = time.monotonic()
        if producer is not None:
            threading.Thread(target=force_close, args=(producer, 5.0), daemon=True).start()
        try:
            fresh = self.new_producer()
        except Exception as exc:  # noqa: BLE001 - no broker answered; the next send tries again
            self.recycles[-1]["error"] = repr(exc)
            return None
        self.last_completion = time.monotonic()
        return fresh

    def produce(self) -> None:
        producer: KafkaProducer | None = None
        interval = 1.0 / min(self.args.rate, MAX_RATE)
        try:
            producer = self.new_producer()
            next_at = time.monotonic()
            while not self.stop_requested() and self.sent < self.args.max_count:
                now = time.monotonic()
                outstanding = self.sent - len(self.acked) - len(self.failed)
                if now - self.recycled_at >= 1.0 and (
                        producer is None or self.recycle_wanted
                        or (outstanding > 0 and now - self.last_completion >= 6.0)):
                    reason = self.recycle_wanted or ("no producer" if producer is None else "6 s without a completion")
                    self.recycle_wanted = ""
                    producer = self.recycle(producer, reason)
                seq = self.sent
                msg_id = f"{self.run}-{seq}"
                value = json.dumps({"id": msg_id, "seq": seq, "choice": ("monthly", "biweekly")[seq % 2],
                                    "vote": ("for", "against")[seq % 3 % 2]}).encode()
                t_send = time.time()
                try:
                    if producer is None:
                        raise RuntimeError("no producer (no broker answered)")
                    future = producer.send(self.args.topic, key=f"user-{seq % 101}".encode(), value=value)
                    future.add_callback(self._acked, msg_id, t_send)
                    future.add_errback(self._failed, msg_id, t_send, len(self.recycles))
                except Exception as exc:  # noqa: BLE001 - send() itself times out when no leader is known
                    self._failed(msg_id, t_send, len(self.recycles), exc)
                self.sent += 1
                next_at += interval
                delay = next_at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                elif delay < -1.0:
                    next_at = time.monotonic()  # a blocked send() does not turn into a burst afterwards
            # the last sends resolve; a producer that completes nothing for 6 s is force-closed (its batches fail)
            deadline = time.monotonic() + 30
            while (producer is not None and self.sent > len(self.acked) + len(self.failed)
                   and time.monotonic() < deadline):
                if time.monotonic() - self.last_completion >= 6.0:
                    self.recycles.append({"t": time.time(), "reason": "6 s without a completion, at the end"})
                    force_close(producer)
                    producer = None
                time.sleep(0.2)
        except Exception as exc:  # noqa: BLE001 - reported in the state; check then fails on too few acks
            self.producer_error = repr(exc)
        finally:
            if producer is not None:
                force_close(producer)
            # whatever is still unresolved (a wedged producer's batches) was not acknowledged
            deadline = time.monotonic() + 15
            while self.sent > len(self.acked) + len(self.failed) and time.monotonic() < deadline:
                time.sleep(0.2)
            self.producer_ended = time.time()
            self.producer_done.set()

    def _acked(self, msg_id: str, t_send: float, meta: Any) -> None:  # future callbacks get (*args, value)
        with self.lock:
            self.acked.append({"id": msg_id, "p": meta.partition, "o": meta.offset, "t_send": t_send,
                               "t_ack": time.time()})
        self.last_completion = time.monotonic()

    def _failed(self, msg_id: str, t_send: float, generation: int, exc: BaseException) -> None:
        with self.lock:
            self.failed.append({"id": msg_id, "t_send": t_send, "t_err": time.time(),
                                "error": type(exc).__name__ + (f": {exc}" if str(exc) else "")})
        self.last_completion = time.monotonic()
        if generation == len(self.recycles):  # not the batches a replaced producer fails when it is force-closed
            self.recycle_wanted = self.recycle_wanted or f"send failed: {type(exc).__name__}"

    def consume(self) -> None:
        consumer = KafkaConsumer(
            self.args.topic, bootstrap_servers=self.servers, group_id=self.group, enable_auto_commit=False,
            auto_offset_reset="earliest", client_id="cluster-faults-group", allow_auto_create_topics=False,
        )
        prefix = f'"id": "{self.run}-'.encode()
        try:
            while True:
                try:
                    batches = consumer.poll(timeout_ms=500)
                except Exception as exc:  # noqa: BLE001 - a dead coordinator or leader surfaces here for a while
                    self.poll_errors.append({"t": time.time(), "error": repr(exc)})
                    time.sleep(0.5)
                    continue
                for records in batches.values():
                    for record in records:
                        if prefix in (record.value or b""):
                            msg_id = json.loads(record.value)["id"]
                            self.group_reads[msg_id] = self.group_reads.get(msg_id, 0) + 1
                if batches:
                    try:
                        consumer.commit()
                    except Exception as exc:  # noqa: BLE001 - recorded; the next commit covers these offsets
                        self.commit_errors.append({"t": time.time(), "error": repr(exc)})
                if self.producer_done.is_set():
                    with self.lock:
                        missing = [a["id"] for a in self.acked if a["id"] not in self.group_reads]
                    if not missing and self._at_end(consumer) and self._final_commit(consumer):
                        self.consumer_reason = "read every acknowledged message"
                        return
                    if time.time() - self.producer_ended > self.args.drain_seconds:
                        self.consumer_reason = f"drain timeout, {len(missing)} acknowledged messages unread"
                        return
        finally:
            consumer.close()
            self.consumer_done.set()

    def _at_end(self, consumer: KafkaConsumer) -> bool:
        """The group member has read every partition to its end (a failed send the broker kept may follow the last
        acknowledged message), so its final commit covers the whole log."""
        try:
            parts = list(consumer.assignment())
            ends = consumer.end_offsets(parts)
            return bool(parts) and all(consumer.position(tp) >= ends[tp] for tp in parts)
        except Exception as exc:  # noqa: BLE001 - asked again on the next round
            self.poll_errors.append({"t": time.time(), "error": repr(exc)})
            return False

    def _final_commit(self, consumer: KafkaConsumer) -> bool:
        try:
            consumer.commit()
            return True
        except Exception as exc:  # noqa: BLE001 - tried again on the next round
            self.commit_errors.append({"t": time.time(), "error": repr(exc)})
            return False

    def progress(self) -> dict[str, Any]:
        acked, failed, read = len(self.acked), len(self.failed), len(self.group_reads)
        return {"run": self.run, "elapsed_s": round(time.time() - self.started, 1), "sent": self.sent,
                "acked": acked, "failed": failed, "group_read": read, "ready": acked >= 100 and read >= 50}


def stream(args: argparse.Namespace) -> None:
    s = Stream(args)
    threads = [threading.Thread(target=s.produce, name="producer", daemon=True),
               threading.Thread(target=s.consume, name="group", daemon=True)]
    for t in threads:
        t.start()
    hard_end = s.started + min(args.max_seconds, MAX_SECONDS) + args.drain_seconds + 60
    while not s.consumer_done.is_set() and time.time() < hard_end:
        Path(args.progress).write_text(json.dumps(s.progress()))
        s.consumer_done.wait(1.0)
    Path(args.progress).write_text(json.dumps(s.progress() | {"finished": True}))
    with s.lock:
        state = {
            "run": s.run, "topic": args.topic, "group": s.group, "rate": args.rate, "started": s.started,
            "producer_ended": s.producer_ended, "ended": time.time(), "sent": s.sent, "acked": s.acked,
            "failed": s.failed, "group_reads": s.group_reads, "commit_errors": s.commit_errors,
            "poll_errors": s.poll_errors, "consumer": s.consumer_reason or "stream hit its hard time bound",
            "producer_error": s.producer_error, "producer_recycles": s.recycles,
        }
    Path(args.state).write_text(json.dumps(state))
    print(json.dumps(s.progress() | {"consumer": state["consumer"]}))


# ----------------------------------------------------------------------------------------------------------- check
def read_log(args: argparse.Namespace, run: str) -> tuple[dict[str, int], dict[tuple[int, int], str], dict[int, int]]:
    """Every record of the topic from the beginning to the current end, without a group: how often each id of the
    run occurs, which id sits at each (partition, offset), and the end offset of each partition."""
    reader = KafkaConsumer(bootstrap_servers=bootstrap_list(args), group_id=None, enable_auto_commit=False,
                           client_id="cluster-faults-reader")
    try:
        parts = [TopicPartition(args.topic, p) for p in sorted(reader.partitions_for_topic(args.topic) or ())]
        if not parts:
            fail(f"topic {args.topic} has no partitions")
        reader.assign(parts)
        reader.seek_to_beginning(*parts)
        ends = reader.end_offsets(parts)
        counts: dict[str, int] = {}
        at: dict[tuple[int, int], str] = {}
        prefix = f'"id": "{run}-'.encode()
        deadline = time.monotonic() + 120
        while any(reader.position(tp) < ends[tp] for tp in parts):
            if time.monotonic() > deadline:
                fail("could not read the topic to its end within 120 s")
            for records in reader.poll(timeout_ms=1000).values():
                for record in records:
                    if prefix in (record.value or b""):
                        msg_id = json.loads(record.value)["id"]
                        counts[msg_id] = counts.get(msg_id, 0) + 1
                        at[(record.partition, record.offset)] = msg_id
        return counts, at, {tp.partition: ends[tp] for tp in parts}
    finally:
        reader.close()


def committed_offsets(args: argparse.Namespace, group: str) -> dict[int, int]:
    for attempt in range(5):
        admin: KafkaAdminClient | None = None
        try:
            admin = admin_client(args)
            offsets = admin.list_group_offsets({group: None}).get(group, {})
            return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == args.topic}
        except Exception:  # a coordinator still moving: asked again
            if attempt == 4:
                raise
            time.sleep(2)
        finally:
            if admin is not None:
                admin.close()
    return {}


def seconds_with(times: list[float]) -> int:
    return len({math.floor(t) for t in times})


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def memory_figures(path: str, broker_ids: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Peak RSS per broker over its JVMs (VmHWM is the kernel's own high-water mark of one process, so the JVM
    that was SIGKILLed is read before the kill), and its -Xmx."""
    problems: list[str] = []
    brokers: dict[str, Any] = {}
    samples = json.loads(Path(path).read_text()) if path else []
    for sample in samples:
        host = sample["host"]
        b = brokers.setdefault(host, {"broker_id": broker_ids.get(host), "jvms": {}, "xmx": set()})
        jvm = b["jvms"].setdefault(str(sample["pid"]), {"vmhwm_kb": 0})
        jvm["vmhwm_kb"] = max(jvm["vmhwm_kb"], int(sample["vmhwm_kb"]))
        jvm["vmrss_kb_last"] = int(sample["vmrss_kb"])
        if sample.get("memory_peak_bytes"):
            jvm["cgroup_memory_peak_mb"] = round(int(sample["memory_peak_bytes"]) / 2**20, 1)
        b["xmx"].add(sample.get("xmx") or "none")
    out: dict[str, Any] = {}
    for host, b in sorted(brokers.items()):
        xmx_mb = [parse_size_mb(x) for x in b["xmx"]]
        if any(x is None or x > 512 for x in xmx_mb):
            problems.append(f"{host}: heap flag {sorted(b['xmx'])} is missing or above -Xmx512m")
        out[host] = {
            "broker_id": b["broker_id"], "xmx": sorted(b["xmx"]),
            "peak_rss_mb": round(max(j["vmhwm_kb"] for j in b["jvms"].values()) / 1024, 1),
            "jvms": {pid: {"peak_rss_mb": round(j["vmhwm_kb"] / 1024, 1),
                           "last_rss_mb": round(j["vmrss_kb_last"] / 1024, 1),
                           **({"cgroup_memory_peak_mb": j["cgroup_memory_peak_mb"]}
                              if "cgroup_memory_peak_mb" in j else {})}
                     for pid, j in b["jvms"].items()},
        }
    return out, problems


def parse_size_mb(flag: str) -> float | None:
    m = re.fullmatch(r"-Xmx(\d+)([kKmMgG]?)", flag)
    if not m:
        return None
    return int(m.group(1)) * {"": 1 / 2**20, "k": 1 / 1024, "m": 1, "g": 1024}[m.group(2).lower()]


def check(args: argparse.Namespace) -> None:
    state = json.loads(Path(args.state).read_text())
    events = [json.loads(line) for line in Path(args.events).read_text().splitlines() if line.strip()]
    acked: list[dict[str, Any]] = state["acked"]
    failed: list[dict[str, Any]] = state["failed"]
    counts, at, ends = read_log(args, state["run"])
    committed = committed_offsets(args, state["group"])

    acked_ids = {a["id"] for a in acked}
    failed_ids = {f["id"] for f in failed}
    lost = sorted(i for i in acked_ids if counts.get(i, 0) == 0)
    duplicated = sorted(i for i, n in counts.items() if n > 1)
    misplaced = [a["id"] for a in acked if at.get((a["p"], a["o"])) != a["id"]]
    unknown = sorted(set(counts) - acked_ids - failed_ids)
    group_missing = sorted(acked_ids - set(state["group_reads"]))
    uncommitted = {p: {"end": e, "committed": committed.get(p)} for p, e in ends.items() if committed.get(p) != e}
    latencies = [a["t_ack"] - a["t_send"] for a in acked]
    ack_times = sorted(a["t_ack"] for a in acked)
    longest_gap = max((b - a for a, b in itertools.pairwise(ack_times)), default=0.0)
    t0 = float(state["started"])
    error_kinds: dict[str, int] = {}
    for f in failed:
        kind = f["error"].split(":")[0]
        error_kinds[kind] = error_kinds.get(kind, 0) + 1
    broker_ids = dict(pair.split("=", 1) for pair in args.broker_ids.split(",") if "=" in pair)
    memory, memory_problems = memory_figures(args.memory, broker_ids)

    def rel(t: float) -> float:
        return round(t - t0, 1)

    ev = {e["event"]: e for e in events}
    phases = []
    for name, begin, end in (("broker SIGKILL to back in sync", "broker_killed", "broker_in_sync"),
                             ("ZooKeeper stop to serving again", "zookeeper_stopped", "zookeeper_serving"),
                             ("rolling restart by the roles' handlers", "rolling_restart", "rolling_restart_done")):
        if begin in ev and end in ev:
            lo, hi = ev[begin]["t"], ev[end]["t"]
            # a send fails up to 4 s (the delivery timeout) after it was made: from 4 s before the fault on
            inside = [f for f in failed if lo - 4 <= f["t_send"] <= hi + 10]
            phases.append({"phase": name, "from_s": rel(lo), "to_s": rel(hi), "failed_sends": len(inside),
                           "producer_error_seconds": seconds_with([f["t_send"] for f in inside]),
                           "failed_sends_made_s": [rel(min(f["t_send"] for f in inside)),
                                                   rel(max(f["t_send"] for f in inside))] if inside else None,
                           "acked": sum(1 for a in acked if lo <= a["t_send"] <= hi)})
    report = {
        "run": state["run"], "topic": args.topic, "group": state["group"], "rate_msg_s": state["rate"],
        "stream_s": round(state["producer_ended"] - t0, 1),
        "sent": state["sent"], "acknowledged": len(acked), "failed_sends": len(failed),
        "unresolved_sends": state["sent"] - len(acked) - len(failed),
        "failed_sends_in_log": sum(1 for i in failed_ids if counts.get(i, 0) > 0),
        "failed_send_errors": error_kinds,
        "producer_recycles": len(state.get("producer_recycles", [])),
        "producer_error_seconds": seconds_with([f["t_send"] for f in failed]),
        # when the sends that failed were made, and when the producer reported their failures
        "failed_sends_made_s": [rel(min(f["t_send"] for f in failed)), rel(max(f["t_send"] for f in failed))]
        if failed else None,
        "failures_reported_s": [rel(min(f["t_err"] for f in failed)), rel(max(f["t_err"] for f in failed))]
        if failed else None,
        "ack_latency_ms": {"p50": round(pct(latencies, 0.5) * 1000, 1), "p99": round(pct(latencies, 0.99) * 1000, 1),
                           "max": round(max(latencies, default=0) * 1000, 1)},
        "longest_ack_gap_s": round(longest_gap, 2),
        "in_log": len(counts), "lost": len(lost), "duplicates": len(duplicated), "misplaced": len(misplaced),
        "unknown_in_log": len(unknown),
        "group_read": len(set(state["group_reads"]) & acked_ids), "group_missing": len(group_missing),
        "group_redeliveries": sum(n - 1 for n in state["group_reads"].values()),
        "group_commit_errors": len(state["commit_errors"]), "group_poll_errors": len(state["poll_errors"]),
        "group_committed_to_end": not uncommitted, "consumer": state["consumer"],
        "phases": phases,
        "events": [{"event": e["event"], "at_s": rel(e["t"]),
                    **{k: v for k, v in e.items() if k not in ("event", "t")}} for e in events],
        "brokers": memory,
    }
    Path(args.artifact).parent.mkdir(parents=True, exist_ok=True)
    Path(args.artifact).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))

    problems = list(memory_problems)
    if len(acked) < args.min_acked:
        problems.append(f"only {len(acked)} messages acknowledged (at least {args.min_acked} expected)")
    for label, ids in (("acknowledged messages lost", lost), ("messages in the log more than once", duplicated),
                       ("acknowledged messages not at their acknowledged offset", misplaced),
                       ("messages in the log that were never sent", unknown),
                       ("acknowledged messages the group never read", group_missing)):
        if ids:
            problems.append(f"{len(ids)} {label}, e.g. {ids[:5]}")
    if uncommitted:
        problems.append(f"the group did not commit up to the end of every partition: {uncommitted}")
    if problems:
        fail("; ".join(problems))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--bootstrap", required=True, help="host:port,host:port,... of the brokers")
        p.add_argument("--topic", default="vote-events")
        return p

    p = common(sub.add_parser("stream"))
    p.add_argument("--group", default="cluster-faults", help="prefix of the run's consumer group")
    p.add_argument("--rate", type=float, default=50.0, help="messages per second")
    p.add_argument("--max-seconds", type=float, default=600.0)
    p.add_argument("--max-count", type=int, default=50_000)
    p.add_argument("--drain-seconds", type=float, default=90.0, help="how long the group may take to catch up")
    p.add_argument("--stop-file", required=True)
    p.add_argument("--state", required=True)
    p.add_argument("--progress", required=True)
    p = common(sub.add_parser("leader"))
    p.add_argument("--partition", type=int, default=0)
    p = common(sub.add_parser("wait-isr"))
    p.add_argument("--timeout", type=float, default=180.0)
    p = sub.add_parser("mark")
    p.add_argument("events")
    p.add_argument("name")
    p.add_argument("fields", nargs="*", help="key=value")
    p.add_argument("--at", default="", help="when it happened (seconds since the epoch; default now)")
    p = common(sub.add_parser("check"))
    p.add_argument("--state", required=True)
    p.add_argument("--events", required=True)
    p.add_argument("--memory", default="", help="JSON list of jvm_memory.py samples")
    p.add_argument("--broker-ids", default="", help="host=broker.id,... (names the brokers in the report)")
    p.add_argument("--artifact", required=True)
    p.add_argument("--min-acked", type=int, default=1000)
    args = parser.parse_args()
    {"stream": stream, "leader": leader, "wait-isr": wait_isr, "mark": mark, "check": check}[args.command](args)


if __name__ == "__main__":
    main()
