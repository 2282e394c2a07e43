#!/usr/bin/env bash
# A private 3-node RabbitMQ cluster on this machine, for the tests that take nodes down and for anyone who
# wants to try Guanxi on a cluster. It never touches the machine's own node (5672): each node has its own
# name, ports, config file, data and log folders, and the cluster its own Erlang cookie, all under FOLDER.
#
#   deploy/local/rabbitmq-cluster.sh start|stop|status [FOLDER]
#   deploy/local/rabbitmq-cluster.sh kill-node|start-node N [FOLDER]     (N = 1, 2 or 3)
#   deploy/local/rabbitmq-cluster.sh ctl N [FOLDER] -- RABBITMQCTL-ARGUMENTS...
#
# FOLDER defaults to var/rabbitmq-cluster. Node N listens for AMQP on 127.0.0.1:$((PORT + N - 1)) and for
# the other nodes and the CLI on $((PORT + 20000 + N - 1)); PORT is GUANXI_CLUSTER_PORT (5701 unless set).
# The nodes register with the machine's epmd (4369), named guanxi-<AMQP port>@localhost.
# `start` on a FOLDER that already holds a cluster starts it again, its queues and messages kept;
# `stop` stops every node and keeps the data (delete FOLDER to start afresh); `kill-node` kills one node's
# Erlang VM with SIGKILL (a crash), `start-node` brings it back into the cluster.
set -euo pipefail

here="$(cd "$(dirname "$0")/../.." && pwd)"
command="${1:-}"
case "$command" in
  start|stop|status) folder="${2:-$here/var/rabbitmq-cluster}" ;;
  kill-node|start-node) node_number="${2:?usage: $0 $command N [FOLDER]}"; folder="${3:-$here/var/rabbitmq-cluster}" ;;
  ctl)
    node_number="${2:?usage: $0 ctl N [FOLDER] -- ARGUMENTS...}"; shift 2
    folder="$here/var/rabbitmq-cluster"
    if [ "${1:-}" != "--" ]; then folder="${1:?}"; shift; fi
    [ "${1:-}" = "--" ] && shift ;;
  *) echo "usage: $0 start|stop|status [FOLDER] | kill-node|start-node N [FOLDER] | ctl N [FOLDER] -- ARGS" >&2
     exit 2 ;;
esac
mkdir -p "$folder"
folder="$(cd "$folder" && pwd)"
base_port="${GUANXI_CLUSTER_PORT:-5701}"
# The port is part of the cluster's identity: `start` remembers it, later commands reuse it.
if [ -f "$folder/port" ]; then base_port="$(cat "$folder/port")"; fi
sbin="${RABBITMQ_SBIN:-/usr/lib/rabbitmq/bin}"
[ -x "$sbin/rabbitmq-server" ] || sbin="$(dirname "$(command -v rabbitmq-server)")"

amqp_port() { echo $((base_port + $1 - 1)); }
node_name() { echo "guanxi-$(amqp_port "$1")@localhost"; }
node_dir() { echo "$folder/node$1"; }

# The environment node N runs in: nothing read from /etc/rabbitmq, the cookie in FOLDER (HOME),
# distribution on the loopback interface only. Called in a subshell.
export_node_env() {
  local dir; dir="$(node_dir "$1")"
  export HOME="$folder" \
    RABBITMQ_CONF_ENV_FILE="$folder/rabbitmq-env.conf" \
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
    RABBITMQ_NODENAME="$(node_name "$1")" \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$(amqp_port "$1")" \
    RABBITMQ_DIST_PORT=$(($(amqp_port "$1") + 20000)) \
    RABBITMQ_MNESIA_BASE="$dir/data" \
    RABBITMQ_LOG_BASE="$dir/log" \
    RABBITMQ_PID_FILE="$dir/rabbitmq.pid" \
    ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

ctl() {  # ctl N args...: rabbitmqctl against node N
  local n="$1"; shift
  env HOME="$folder" RABBITMQ_CONF_ENV_FILE="$folder/rabbitmq-env.conf" ERL_EPMD_ADDRESS=127.0.0.1 \
    "$sbin/rabbitmqctl" -q -n "$(node_name "$n")" "$@"
}

prepare() {
  echo "$base_port" > "$folder/port"
  : > "$folder/rabbitmq-env.conf"
  if [ ! -f "$folder/.erlang.cookie" ]; then
    (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$folder/.erlang.cookie")
    chmod 400 "$folder/.erlang.cookie"
  fi
  for n in 1 2 3; do
    local dir; dir="$(node_dir "$n")"
    mkdir -p "$dir/data" "$dir/log"
    printf 'listeners.tcp.1 = 127.0.0.1:%s\nlog.file.level = info\n' "$(amqp_port "$n")" > "$dir/rabbitmq.conf"
    echo '[].' > "$dir/enabled_plugins"
  done
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_node() {
  local n="$1" dir; dir="$(node_dir "$n")"
  if ctl "$n" ping >/dev/null 2>&1; then return 0; fi
  for port in "$(amqp_port "$n")" $(($(amqp_port "$n") + 20000)); do
    port_free "$port" || { echo "port $port is in use: choose another GUANXI_CLUSTER_PORT" >&2; return 1; }
  done
  (export_node_env "$n"; setsid nohup "$sbin/rabbitmq-server" >> "$dir/log/console.log" 2>&1 < /dev/null &)
}

await_node() {  # the node's VM answers (within 60 s), then RabbitMQ in it has booted (within 120 s)
  local n="$1"
  for _ in $(seq 1 120); do ctl "$n" ping >/dev/null 2>&1 && break; sleep 0.5; done
  if ! ctl "$n" await_startup --timeout 120 >/dev/null 2>&1; then
    echo "node $(node_name "$n") did not start; its log: $(node_dir "$n")/log" >&2
    tail -n 20 "$(node_dir "$n")/log/console.log" >&2 || true
    return 1
  fi
}

clustered() { [ -f "$folder/clustered" ]; }

case "$command" in
  start)
    prepare
    for n in 1 2 3; do start_node "$n"; done
    for n in 1 2 3; do await_node "$n"; done
    if ! clustered; then
      for n in 2 3; do
        ctl "$n" stop_app
        ctl "$n" join_cluster "$(node_name 1)"
        ctl "$n" start_app
      done
      touch "$folder/clustered"
    fi
    "$0" status "$folder"
    ;;
  stop)
    for n in 3 2 1; do
      if [ -f "$(node_dir "$n")/rabbitmq.pid" ]; then ctl "$n" stop >/dev/null 2>&1 || true; fi
    done
    for n in 3 2 1; do
      pid_file="$(node_dir "$n")/rabbitmq.pid"
      if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then kill -9 "$(cat "$pid_file")" || true; fi
      rm -f "$pid_file"
    done
    echo "cluster in $folder stopped"
    ;;
  status)
    urls=()
    for n in 1 2 3; do
      url="amqp://guest:guest@127.0.0.1:$(amqp_port "$n")//"
      if ctl "$n" ping >/dev/null 2>&1; then state=running; urls+=("$url"); else state=down; fi
      echo "node $n: $(node_name "$n") $url $state"
    done
    (IFS=';'; echo "CRM_BROKER_URL='${urls[*]:-}'")
    ;;
  kill-node)
    pid_file="$(node_dir "$node_number")/rabbitmq.pid"
    [ -f "$pid_file" ] || { echo "node $node_number is not running" >&2; exit 1; }
    kill -9 "$(cat "$pid_file")"
    rm -f "$pid_file"
    echo "node $node_number ($(node_name "$node_number")) killed"
    ;;
  ctl)
    ctl "$node_number" "$@"
    ;;
  start-node)
    start_node "$node_number"
    await_node "$node_number"
    echo "node $node_number ($(node_name "$node_number")) running"
    ;;
esac
