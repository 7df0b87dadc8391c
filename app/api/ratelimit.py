"""Per-client rate limit of POST /api/vote: a fixed window counted in Redis, so every API process behind the same
Redis shares one budget per client. Concurrent votes share one atomic script call (group commit), each still getting
its own exact count.

Who the client is: the socket peer, unless that peer is a trusted proxy (VOTELAB_TRUSTED_PROXIES, the front end),
in which case the last X-Forwarded-For hop, the one that proxy added. Hops further left were written by whoever sent
the request and are never trusted. When Redis fails the vote is let through (fail open): refusing votes because the
limiter's store is down would turn a Redis outage into a vote outage. Each fail-open is counted and logged (at most
one log line per interval, so an outage does not flood the log).
"""

from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass

import redis.asyncio

from app.api.group_commit import GroupCommit
from app.api.metrics import ApiMetrics
from app.core.errors import DEPENDENCY_ERRORS
from app.core.logs import get_logger
from app.core.redis_keys import rate_limit_key

# INCR each window key (one per vote, repeated keys count twice); a key's first hit sets its expiry. Returns the
# counts so far, in order.
WINDOW_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
  counts[i] = n
end
return counts
"""
_FAIL_OPEN_LOG_INTERVAL_S = 10.0

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(peer: str | None, forwarded_for: str | None, trusted: list[Network]) -> str:
    """The address to count: the peer, or the last X-Forwarded-For hop when the peer is a trusted proxy."""
    peer = peer or "unknown"
    if not forwarded_for or not trusted or not _in(peer, trusted):
        return peer
    last_hop = forwarded_for.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(last_hop))
    except ValueError:
        return peer  # a proxy we trust wrote garbage: count it against the proxy, not against a made-up name


def _in(address: str, networks: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # a dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d
    return any(ip in network for network in networks)


@dataclass(frozen=True)
class Decision:
    """Whether the request may go on, and how many seconds until the client's window resets."""

    allowed: bool
    retry_after_s: int


class RateLimiter:
    """Fixed-window counter per client in Redis; limit 0 disables it."""

    def __init__(self, client: redis.asyncio.Redis, limit: int, window_s: int, metrics: ApiMetrics) -> None:
        self.limit = limit
        self.window_s = window_s
        self._metrics = metrics
        self._script = client.register_script(WINDOW_SCRIPT)
        self._batches: GroupCommit[str, int] = GroupCommit(self._count)
        self._log = get_logger("api.ratelimit")
        self._logged_at = -math.inf

    async def _count(self, keys: list[str]) -> list[int]:
        counts = await self._script(keys=keys, args=[self.window_s * 1000 + 1000])
        return [int(n) for n in counts]

    async def check(self, client_id: str) -> Decision:
        """Count this request against the client's current window."""
        now = time.time()
        window = int(now // self.window_s)
        retry_after = max(1, math.ceil((window + 1) * self.window_s - now))
        if self.limit <= 0:
            return Decision(True, retry_after)
        key = rate_limit_key(client_id, window)
        try:
            count = await self._batches.submit(key)
        except DEPENDENCY_ERRORS as exc:
            self._metrics.rate_limit_fail_open.inc()
            if time.monotonic() - self._logged_at >= _FAIL_OPEN_LOG_INTERVAL_S:
                self._logged_at = time.monotonic()
                self._log.warning("rate_limit_fail_open", error=type(exc).__name__)
            return Decision(True, retry_after)
        if count > self.limit:
            self._metrics.rate_limited.inc()
            return Decision(False, retry_after)
        return Decision(True, retry_after)
