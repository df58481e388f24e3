# Shared settings of the local cluster (deploy/cluster/). Sourced, never run.
# Every port is on 127.0.0.1 in the block 31000-31999 (below Linux's ephemeral range, like the local profiles).
source "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"

CLUSTER_DIR="$DATA_ROOT/cluster"
PIDS="$CLUSTER_DIR/pids"
LOGS="$CLUSTER_DIR/logs"

# etcd: three members, so that one stopped or cut off leaves a quorum for Patroni's leader key.
ETCD_NAMES=(etcd1 etcd2 etcd3)
etcd_client_port() { echo $((31379 + 2 * $1)); }   # 31379 31381 31383
etcd_peer_port()   { echo $((31380 + 2 * $1)); }   # 31380 31382 31384
ETCD_HOSTS="127.0.0.1:31379,127.0.0.1:31381,127.0.0.1:31383"

# PostgreSQL under Patroni: a primary and a synchronous standby.
PG_NAMES=(pg1 pg2)
pg_port()   { echo $((31432 + $1)); }   # 31432 31433
pg_rest()   { echo $((31008 + $1)); }   # 31008 31009 (Patroni's REST API: /primary answers 200 on the leader only)

# The service's databases, all on the one Patroni cluster: "STORE-NAME POSTGRES-DATABASE CLINIC". "default" is
# ConnectionStrings:Postgres (clinic demo, and what belongs to no clinic); the others are Store:Databases entries, each
# holding its clinic (Store:ClinicDatabases). A second Patroni cluster would double the CPU on this 2-core machine.
CLINIC_DBS=("default consent demo" "north consent_north north")
# The service's PostgreSQL role: it may append and read events, never rewrite them ('migrate' grants it, as its owner).
APP_ROLE=consent_app
demo_file() { [ "$1" = demo ] && echo "$CLUSTER_DIR/demo.json" || echo "$CLUSTER_DIR/demo-$1.json"; }

# RabbitMQ: three nodes sharing one port mapper (they find each other through it) and one cookie.
RMQ_NAMES=(rabbit1 rabbit2 rabbit3)
rmq_port()      { echo $((31701 + $1)); }   # AMQP 31701 31702 31703
rmq_dist_port() { echo $((31711 + $1)); }   # Erlang distribution 31711 31712 31713
RMQ_EPMD_PORT=31369

# The service: three instances.
SVC_COUNT="${CONSENT_CLUSTER_INSTANCES:-3}"
svc_port() { echo $((31181 + $1)); }        # 31181 31182 31183

# HAProxy: the one address of each thing.
HAPROXY_HTTP=31080      # the service (health-checked on /health/ready, WebSockets)
HAPROXY_PG=31400        # the Patroni leader (checked on Patroni's REST API)
HAPROXY_AMQP=31672      # any live RabbitMQ node
HAPROXY_STATS=31090     # HAProxy's own status page (/stats, and ;csv for scripts)

PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
RMQ_BIN=/usr/lib/rabbitmq/bin

pidfile() { echo "$PIDS/$1.pid"; }
pid_of() { [ -f "$(pidfile "$1")" ] && tr -d '[:space:]' < "$(pidfile "$1")" || true; }
running() { pid_alive "$(pid_of "$1")"; }

# Starts a long-running process in its own session (so a Ctrl-C of the caller does not reach it), logging to
# logs/NAME.log, its pid in pids/NAME.pid. Usage: spawn NAME [runuser-user|-] COMMAND...
spawn() {
  local name="$1" user="$2"; shift 2
  mkdir -p "$PIDS" "$LOGS"
  if [ "$user" = - ]; then
    setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  else
    setsid runuser -u "$user" -- "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  fi
  echo $! > "$(pidfile "$name")"
}

# Stops one of our processes by its recorded id (and, with runuser, the child it started).
halt() {
  local name="$1" wait_s="${2:-20}" p child
  p="$(pid_of "$name")"
  if pid_alive "$p"; then
    for child in $(pgrep -P "$p" 2>/dev/null); do kill -TERM "$child" 2>/dev/null || true; done
    stop_pid "$p" "$wait_s"
  fi
  rm -f "$(pidfile "$name")"
}

http_code() { curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" || true; }
wait_until() { # wait_until SECONDS DESCRIPTION COMMAND...
  local limit="$1" what="$2" i; shift 2
  for ((i = 0; i < limit * 5; i++)); do "$@" && return 0; sleep 0.2; done
  die "$what did not happen within ${limit}s (logs: $LOGS)"
}
