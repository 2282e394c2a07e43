#!/usr/bin/env bash
# Start PostgreSQL and RabbitMQ on this machine if they are down; install the browser the console's tests drive
# (Debian's Chromium, with CJK fonts) and the alert rules' checker (promtool) if they are missing; fail loudly if
# any of them cannot be had.
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

# The staff console's browser tests: Playwright drives Debian's Chromium; Chinese needs the Noto CJK fonts.
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  echo "Installing Debian's chromium and fonts-noto-cjk for the console's browser tests" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk >&2 \
    || { $SUDO apt-get update -q >&2 && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk >&2; }
fi
command -v chromium >/dev/null 2>&1 || { echo "FATAL: Chromium could not be installed; the console's browser tests need it (apt-get install chromium fonts-noto-cjk)." >&2; exit 1; }
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || { echo "FATAL: the Noto CJK fonts could not be installed (apt-get install fonts-noto-cjk)." >&2; exit 1; }
echo "Chromium and the CJK fonts are installed."

# The alert rules' checks (tests/deploy/test_prometheus.py): promtool alone, taken out of Debian's prometheus
# package without installing the package (which would start a Prometheus server).
if ! command -v promtool >/dev/null 2>&1; then
  echo "Installing promtool (from Debian's prometheus package) for the alert rules' tests" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  unpacked=$(mktemp -d)
  (cd "$unpacked" && apt-get download -q prometheus >&2 2>/dev/null \
     || { $SUDO apt-get update -q >&2 && apt-get download -q prometheus >&2; }) \
    && dpkg -x "$unpacked"/prometheus_*.deb "$unpacked/root" \
    && $SUDO install -m 0755 "$unpacked/root/usr/bin/promtool" /usr/local/bin/promtool
  rm -rf "$unpacked"
fi
command -v promtool >/dev/null 2>&1 || { echo "FATAL: promtool could not be installed; the alert rules' tests need it (apt-get download prometheus)." >&2; exit 1; }
echo "promtool is installed."
