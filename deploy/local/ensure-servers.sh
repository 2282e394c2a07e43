#!/usr/bin/env bash
# Start PostgreSQL and RabbitMQ on this machine if they are down; fail loudly if they cannot be reached.
set -u
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
rabbit_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }

if ! pg_up; then
  echo "PostgreSQL is down: starting it" >&2
  for version in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>&1 || true
  done
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
if ! rabbit_up; then
  echo "RabbitMQ is down: starting it" >&2
  rabbitmq-server -detached 2>&1 || true
  for _ in $(seq 1 60); do rabbit_up && break; sleep 1; done
  rabbitmqctl -q await_startup >/dev/null 2>&1 || true
fi
pg_up || { echo "FATAL: PostgreSQL is not reachable on 127.0.0.1:5432; the tests need it." >&2; exit 1; }
rabbit_up || { echo "FATAL: RabbitMQ is not reachable on 127.0.0.1:5672; the tests need it." >&2; exit 1; }
echo "PostgreSQL and RabbitMQ are up."
