"""The fault suite: the whole system on a private PostgreSQL and a private 3-node RabbitMQ cluster, two replicas
of every worker, a bounded workload through the gateway while faults are injected, then checks of what was
lost, duplicated or unexpected (`make faults`, docs/reliability.md). Run it with `python -m tests.faults`."""
