"""devstack: the vote pipeline on loopback as plain processes, for `make dev`, tests and benchmarks.

    from devstack import Stack, TEST_PORTS
    stack = Stack(Path("/tmp/my-stack"), TEST_PORTS)
    stack.up()            # PostgreSQL 15, Redis 7, ZooKeeper, Apache Kafka, migrations, API, consumer
    stack.stop_redis(); stack.start_redis()   # fault injection, one component at a time
    stack.down()          # stop everything, delete the state dir

See devstack.stack.Stack for the attributes (api_url, redis_url, database_url, bootstrap_servers, state_dir, ...)
and devstack.process.ProcessHandle for the process handle that start_* (and devstack.frontend) return.
"""

from devstack.process import ProcessHandle
from devstack.stack import BENCH_PORTS, DEV_PORTS, TEST_PORTS, Ports, Stack, fresh_stack

__all__ = ["BENCH_PORTS", "DEV_PORTS", "TEST_PORTS", "Ports", "ProcessHandle", "Stack", "fresh_stack"]
