#!/usr/bin/env bash
# The local cluster, on 127.0.0.1 with its own ports (31000-31999) and data under .data/cluster/:
#   etcd (3 members) + Patroni (PostgreSQL primary and synchronous standby), RabbitMQ (3 clustered nodes),
#   three service instances, and HAProxy in front of the service, the Patroni leader and the RabbitMQ nodes.
# Usage: run.sh [up]     start everything, print the URLs, stop everything on Ctrl-C (like deploy/local/run.sh)
#        run.sh start    start everything and return (the fault suite uses this); run.sh stop; run.sh status
#        run.sh reset    stop and delete .data/cluster
# Component commands for the fault suite: run.sh start-one|stop-one NAME (etcd1.., pg1.., rabbit1.., svc1.., haproxy)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
here="$REPO_ROOT/deploy/cluster"
cmd="${1:-up}"

credential() { # a random secret, made once per cluster
  local file="$CLUSTER_DIR/credentials/$1"
  [ -f "$file" ] || (umask 077; mkdir -p "$(dirname "$file")"; openssl rand -hex 16 > "$file")
  cat "$file"
}

# ---------------------------------------------------------------------------------------------------------- etcd
start_etcd() {
  local i="$1" name="${ETCD_NAMES[$1]}" members="" j
  running "$name" && return 0
  for j in 0 1 2; do members+="${members:+,}${ETCD_NAMES[$j]}=http://127.0.0.1:$(etcd_peer_port "$j")"; done
  local state=new; [ -d "$CLUSTER_DIR/$name/member" ] && state=existing
  mkdir -p "$CLUSTER_DIR/$name"; chmod 700 "$CLUSTER_DIR/$name"
  # Heartbeat and election timeout are 2x etcd's defaults: on a loaded 2-core machine the defaults elect new leaders
  # for no reason. The v2 API is what Debian's Patroni speaks (python3-etcd).
  spawn "$name" - /usr/bin/etcd --name "$name" --data-dir "$CLUSTER_DIR/$name" \
    --listen-client-urls "http://127.0.0.1:$(etcd_client_port "$i")" --advertise-client-urls "http://127.0.0.1:$(etcd_client_port "$i")" \
    --listen-peer-urls "http://127.0.0.1:$(etcd_peer_port "$i")" --initial-advertise-peer-urls "http://127.0.0.1:$(etcd_peer_port "$i")" \
    --initial-cluster "$members" --initial-cluster-state "$state" --initial-cluster-token consent-cluster \
    --heartbeat-interval 200 --election-timeout 2000 --enable-v2=true --log-level warn
}
etcd_healthy() { [ "$(http_code "http://127.0.0.1:$(etcd_client_port "$1")/health")" = 200 ]; }

# ------------------------------------------------------------------------------------------------ Patroni + PostgreSQL
# PostgreSQL runs as the 'postgres' user, which may not reach a checkout under a private home: then its data lives
# under /var/tmp (one place per checkout), as deploy/local/postgres.sh does.
pg_root() {
  local dir="$CLUSTER_DIR/postgres"
  if is_root && [ ! -L "$dir" ] && ! runuser -u postgres -- test -x "$CLUSTER_DIR" 2>/dev/null; then
    local outside; outside="/var/tmp/consent-$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-12)/cluster-postgres"
    mkdir -p "$outside"; rm -rf "$dir"; ln -s "$outside" "$dir"
  fi
  mkdir -p "$dir"; readlink -f "$dir"
}

patroni_config() {
  local i="$1" name="${PG_NAMES[$1]}" root="$2"
  cat <<YAML
scope: consent
namespace: /consent-cluster/
name: $name
restapi:
  listen: 127.0.0.1:$(pg_rest "$i")
  connect_address: 127.0.0.1:$(pg_rest "$i")
etcd:
  hosts: $ETCD_HOSTS
watchdog:
  mode: off
bootstrap:
  dcs:
    # A dead primary's leader key expires after ttl; loop_wait + 2 * retry_timeout must stay within it.
    ttl: 10
    loop_wait: 2
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    # A commit returns only once the standby has it, so a write the service acknowledged survives losing the primary.
    # Not strict: with the standby gone the primary goes on alone rather than stopping every write.
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        max_connections: 200
        shared_buffers: 128MB
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 6
        max_replication_slots: 6
        synchronous_commit: "on"
  initdb:
  - encoding: UTF8
  - locale: C.UTF-8
  - data-checksums
postgresql:
  listen: 127.0.0.1:$(pg_port "$i")
  connect_address: 127.0.0.1:$(pg_port "$i")
  data_dir: $root/$name/data
  bin_dir: $PG_BIN
  pgpass: $root/$name/pgpass
  authentication:
    superuser:
      username: postgres
      password: $(credential pg-superuser)
    replication:
      username: replicator
      password: $(credential pg-replicator)
  parameters:
    unix_socket_directories: '$root/$name'
  pg_hba:
  - local all all trust
  - host replication replicator 127.0.0.1/32 scram-sha-256
  - host all all 127.0.0.1/32 scram-sha-256
YAML
}

start_pg() {
  local i="$1" name="${PG_NAMES[$1]}" root
  running "$name" && return 0
  root="$(pg_root)"
  mkdir -p "$root/$name"
  (umask 077; patroni_config "$i" "$root" > "$root/$name/patroni.yml")
  if is_root; then chown -R postgres: "$root/$name"; chmod 755 "$root"; fi
  # setpriv execs Patroni itself (no runuser in between), so the recorded pid is Patroni's and kill -9 reaches it.
  if is_root; then
    HOME="$root/$name" spawn "$name" - setpriv --reuid=postgres --regid=postgres --init-groups /usr/bin/patroni "$root/$name/patroni.yml"
  else
    HOME="$root/$name" spawn "$name" - /usr/bin/patroni "$root/$name/patroni.yml"
  fi
}
pg_role() { curl -s -m 2 "http://127.0.0.1:$(pg_rest "$1")/patroni" | sed -n 's/.*"role": *"\([a-z_]*\)".*/\1/p'; }
pg_primary_ready() { [ "$(http_code "http://127.0.0.1:$(pg_rest "$1")/primary")" = 200 ]; }
any_primary() { local i; for i in 0 1; do pg_primary_ready "$i" && return 0; done; return 1; }
sync_standby_ready() { local i; for i in 0 1; do [ "$(http_code "http://127.0.0.1:$(pg_rest "$i")/sync")" = 200 ] && return 0; done; return 1; }
# The postmaster of a node, for the fault suite's kill -9.
postmaster_pid() { local root; root="$(pg_root)"; [ -f "$root/${PG_NAMES[$1]}/data/postmaster.pid" ] && head -n 1 "$root/${PG_NAMES[$1]}/data/postmaster.pid" || true; }

# Each node asked directly (not through HAProxy): a lock held on a demoted or cut-off node would show too.
relay_holders() {
  local i
  for i in 0 1; do
    PGPASSWORD="$(credential pg-superuser)" "$PG_BIN/psql" -h 127.0.0.1 -p "$(pg_port "$i")" -U postgres -d postgres -qtA -F ' ' \
      -v ON_ERROR_STOP=1 -f "$here/relay-holders.sql" 2>/dev/null | sed "s/^/${PG_NAMES[$i]} /" || echo "${PG_NAMES[$i]} (no answer)"
  done
}

psql_admin() { PGPASSWORD="$(credential pg-superuser)" "$PG_BIN/psql" -h 127.0.0.1 -p "$HAPROXY_PG" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

# The same roles as a local profile (deploy/local/postgres.sh): the schema's owner "consent" (used by 'migrate' only),
# the service's role "consent_app" (append and read events, never rewrite them) and the sample scheduler's "scheduler".
# Databases: one per entry of CLINIC_DBS (the service's, on the same Patroni cluster) and one scheduler database per
# clinic; each role may connect to its own databases only.
ensure_databases() {
  local scheduler_password entry db clinic scheduler_db
  scheduler_password="$(CONSENT_PG_PORT=$HAPROXY_PG CONSENT_AMQP_PORT=$HAPROXY_AMQP "$REPO_ROOT/deploy/local/postgres.sh" scheduler-url cluster | sed 's/.*Password=//')"
  [ -n "$(psql_admin -c "select 1 from pg_roles where rolname = 'consent'")" ] || psql_admin -c "create role consent login password 'consent-local' createdb"
  [ -n "$(psql_admin -c "select 1 from pg_roles where rolname = '$APP_ROLE'")" ] || psql_admin -c "create role $APP_ROLE login"
  psql_admin -c "alter role $APP_ROLE password '$(credential pg-app)'" >/dev/null
  [ -n "$(psql_admin -c "select 1 from pg_roles where rolname = 'scheduler'")" ] || psql_admin -c "create role scheduler login"
  psql_admin -c "alter role scheduler password '$scheduler_password'" >/dev/null
  for entry in "${CLINIC_DBS[@]}"; do
    read -r _ db clinic <<<"$entry"
    scheduler_db="$(scheduler_database "$clinic")"
    [ -n "$(psql_admin -c "select 1 from pg_database where datname = '$db'")" ] || psql_admin -c "create database $db owner consent"
    [ -n "$(psql_admin -c "select 1 from pg_database where datname = '$scheduler_db'")" ] || psql_admin -c "create database $scheduler_db owner scheduler"
    psql_admin -c "revoke connect on database $db from public; revoke connect on database $scheduler_db from public; grant connect on database $db to $APP_ROLE"
  done
}

# ---------------------------------------------------------------------------------------------------------- RabbitMQ
rmq_env() { # the environment of node $1 (also for rabbitmqctl against it)
  local i="$1" name="${RMQ_NAMES[$1]}" dir="$CLUSTER_DIR/${RMQ_NAMES[$1]}"
  export RABBITMQ_NODENAME="$name@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$(rmq_port "$i")"
  export RABBITMQ_DIST_PORT="$(rmq_dist_port "$i")" ERL_EPMD_PORT="$RMQ_EPMD_PORT" ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
  export RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf" RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
  export RABBITMQ_ENABLED_PLUGINS="" HOME="$dir/home"
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export RABBITMQ_CTL_DIST_PORT_MIN=$((RMQ_EPMD_PORT + 400 + i * 10)) RABBITMQ_CTL_DIST_PORT_MAX=$((RMQ_EPMD_PORT + 409 + i * 10))
}
rmq_ctl() { (rmq_env "$1"; "$RMQ_BIN/rabbitmqctl" -q "${@:2}"); }

start_rmq() {
  local i="$1" name="${RMQ_NAMES[$1]}" dir="$CLUSTER_DIR/${RMQ_NAMES[$1]}" j
  (rmq_env "$i"; [ -n "$(pid_of "$name")" ] && pid_alive "$(tr -d '[:space:]' < "$RABBITMQ_PID_FILE" 2>/dev/null)") && return 0
  mkdir -p "$dir/mnesia" "$dir/log" "$dir/home"
  # One cookie for the three nodes (and rabbitmqctl): what lets them, and only them, talk over Erlang distribution.
  (umask 077; cp "$CLUSTER_DIR/credentials/erlang-cookie" "$dir/home/.erlang.cookie"; chmod 400 "$dir/home/.erlang.cookie")
  : > "$dir/rabbitmq-env.conf"; echo '[].' > "$dir/enabled_plugins"; echo '[].' > "$dir/advanced.config"
  cp "$CLUSTER_DIR/rabbitmq-definitions.json" "$dir/definitions.json"
  {
    echo "listeners.tcp.default = 127.0.0.1:$(rmq_port "$i")"
    echo "loopback_users = none"
    echo "log.console = false"
    echo "log.file.level = warning"
    echo "disk_free_limit.absolute = 200MB"
    echo "load_definitions = $dir/definitions.json"
    echo "cluster_formation.peer_discovery_backend = classic_config"
    for j in 0 1 2; do echo "cluster_formation.classic_config.nodes.$((j + 1)) = ${RMQ_NAMES[$j]}@localhost"; done
    # A node cut off from the other two stops serving rather than going on with a diverging view.
    echo "cluster_partition_handling = pause_minority"
  } > "$dir/rabbitmq.conf"
  chmod 600 "$dir/definitions.json"
  (rmq_env "$i"; rm -f "$RABBITMQ_PID_FILE"; spawn "$name" - "$RMQ_BIN/rabbitmq-server")
}
rmq_booted() { (rmq_env "$1"; timeout 100 "$RMQ_BIN/rabbitmqctl" -q wait --timeout 90 "$RABBITMQ_PID_FILE" >/dev/null 2>&1); }
rmq_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$(rmq_port "$1")") 2>/dev/null; }
# The Erlang VM of a node (rabbitmq-server is a shell script that execs it; the pid file is the VM's).
rmq_vm_pid() { tr -d '[:space:]' 2>/dev/null < "$CLUSTER_DIR/${RMQ_NAMES[$1]}/rabbitmq.pid" || true; }

rmq_prepare() {
  mkdir -p "$CLUSTER_DIR/credentials"
  [ -f "$CLUSTER_DIR/credentials/erlang-cookie" ] || (umask 077; openssl rand -hex 20 | tr 'a-f' 'A-F' > "$CLUSTER_DIR/credentials/erlang-cookie")
  # The same users, permissions and exchanges as a local broker; passwords kept in .data/cluster/rabbitmq/credentials.
  (umask 077; CONSENT_PG_PORT=$HAPROXY_PG CONSENT_AMQP_PORT=$HAPROXY_AMQP "$REPO_ROOT/deploy/local/rabbitmq.sh" definitions cluster \
    | python3 -c '
import json, sys
d = json.load(sys.stdin)
# The sample scheduler queue of every clinic as a quorum queue (replicated on all three nodes), with the arguments the sample declares.
sample = {"x-message-ttl": 604800000, "x-max-length": 100000, "x-overflow": "reject-publish"}
d["queues"] = [{"name": f"{c}-scheduler", "vhost": "consent", "durable": True, "auto_delete": False,
                "arguments": dict(sample, **{"x-queue-type": "quorum", "x-dead-letter-exchange": f"{c}-scheduler.dead"})} for c in sys.argv[1:]]
json.dump(d, sys.stdout)' $(for e in "${CLINIC_DBS[@]}"; do echo "${e##* }"; done) > "$CLUSTER_DIR/rabbitmq-definitions.json")
}

# ---------------------------------------------------------------------------------------------------------- HAProxy
haproxy_config() {
  local i
  cat <<CFG
global
  maxconn 4000
  log stdout format raw local0 warning
  stats socket $CLUSTER_DIR/haproxy.sock mode 600 level admin

defaults
  log global
  retries 3
  # A request whose connection could not be made goes to another instance (never one that reached a server).
  option redispatch
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  # WebSockets (the dashboard's live updates) and AMQP connections stay open for long.
  timeout tunnel 1h
  default-server inter 1s fall 2 rise 2

listen stats
  mode http
  bind 127.0.0.1:$HAPROXY_STATS
  stats enable
  stats uri /stats

# The service: an instance gets traffic only while /health/ready answers 200 (PostgreSQL and RabbitMQ reachable).
# Requests already on an instance that turns unready finish there (a database blip marks every instance down at once;
# cutting their requests would only turn answers into errors).
# The dashboard's SignalR connection must come back to the instance that negotiated it: a cookie keeps a browser on one.
frontend consent_http
  mode http
  bind 127.0.0.1:$HAPROXY_HTTP
  option forwardfor
  default_backend consent_api

backend consent_api
  mode http
  balance roundrobin
  option httpchk GET /health/ready
  http-check expect status 200
  cookie consent_instance insert indirect nocache httponly
$(for ((i = 0; i < SVC_COUNT; i++)); do echo "  server svc$((i + 1)) 127.0.0.1:$(svc_port "$i") check cookie svc$((i + 1))"; done)

# PostgreSQL: only the node Patroni holds the leader key for answers 200 on /primary; sessions on a node that stops
# being the leader are cut, so no client goes on writing to a demoted primary.
listen postgres_primary
  mode tcp
  bind 127.0.0.1:$HAPROXY_PG
  timeout client 1h
  timeout server 1h
  option httpchk GET /primary
  http-check expect status 200
  default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions
$(for i in 0 1; do echo "  server ${PG_NAMES[$i]} 127.0.0.1:$(pg_port "$i") check port $(pg_rest "$i")"; done)

# RabbitMQ: any live node (queues are quorum queues, replicated on all three).
listen rabbitmq
  mode tcp
  bind 127.0.0.1:$HAPROXY_AMQP
  balance leastconn
  timeout client 3h
  timeout server 3h
  default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions
$(for i in 0 1 2; do echo "  server ${RMQ_NAMES[$i]} 127.0.0.1:$(rmq_port "$i") check"; done)
CFG
}
start_haproxy() {
  running haproxy && return 0
  haproxy_config > "$CLUSTER_DIR/haproxy.cfg"
  /usr/sbin/haproxy -c -q -f "$CLUSTER_DIR/haproxy.cfg" || die "HAProxy refuses $CLUSTER_DIR/haproxy.cfg"
  spawn haproxy - /usr/sbin/haproxy -db -f "$CLUSTER_DIR/haproxy.cfg"
}
# Backend server states from HAProxy's stats (name,status lines), for status and the fault suite.
haproxy_states() { curl -s -m 2 "http://127.0.0.1:$HAPROXY_STATS/stats;csv" | awk -F, '$2 != "FRONTEND" && $2 != "BACKEND" && NR > 1 {print $1 "/" $2 " " $18}'; }

# ---------------------------------------------------------------------------------------------------------- service
# A database's connection string through HAProxy's PostgreSQL route: as the schema's owner (migrate) or as the service's
# role, then with the instance's name as PostgreSQL's application_name (pg_stat_activity tells the instances apart:
# faults.sh relay-holders reads which one holds each database's relay lock).
owner_url() { echo "Host=127.0.0.1;Port=$HAPROXY_PG;Database=$1;Username=consent;Password=consent-local"; }
app_url() { echo "Host=127.0.0.1;Port=$HAPROXY_PG;Database=$1;Username=$APP_ROLE;Password=$(credential pg-app)${2:+;Application Name=$2}"; }

# The databases as the service sees them: ConnectionStrings:Postgres is "default" (clinic demo and everything that
# belongs to no clinic), Store:Databases:<name> the others, each clinic mapped to its own (Store:ClinicDatabases).
# Usage: database_env owner|INSTANCE-NAME
database_env() {
  local entry name db clinic
  for entry in "${CLINIC_DBS[@]}"; do
    read -r name db clinic <<<"$entry"
    local url; if [ "$1" = owner ]; then url="$(owner_url "$db")"; else url="$(app_url "$db" "$1")"; fi
    if [ "$name" = default ]; then
      export CONSENT_ConnectionStrings__Postgres="$url"
    else
      export "CONSENT_Store__Databases__${name}__ConnectionString=$url" "CONSENT_Store__ClinicDatabases__${clinic}=$name"
    fi
  done
}

# Each clinic's web sign-in (a coordinator and a clinician) and its gate subscriber (the sample scheduler's token),
# passwords made once per clinic and kept in .data/cluster/staff-CLINIC.env.
staff_env() {
  local entry clinic n=0 s=0 file
  for entry in "${CLINIC_DBS[@]}"; do
    read -r _ _ clinic <<<"$entry"
    file="$(staff_file "$clinic")"
    [ -f "$file" ] || (umask 077; printf 'COORDINATOR_PASSWORD=%s\nCLINICIAN_PASSWORD=%s\n' \
      "$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 20)" "$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 20)" > "$file")
    # shellcheck disable=SC1090
    source "$file"
    local who; who="$(staff_user "$clinic" '')"
    export "CONSENT_Staff__Local__${n}__Username=${who}coordinator" "CONSENT_Staff__Local__${n}__Password=$COORDINATOR_PASSWORD" \
      "CONSENT_Staff__Local__${n}__Role=coordinator" "CONSENT_Staff__Local__${n}__Clinic=$clinic" "CONSENT_Staff__Local__${n}__DisplayName=$clinic Coordinator"
    n=$((n + 1))
    export "CONSENT_Staff__Local__${n}__Username=${who}clinician" "CONSENT_Staff__Local__${n}__Password=$CLINICIAN_PASSWORD" \
      "CONSENT_Staff__Local__${n}__Role=clinician" "CONSENT_Staff__Local__${n}__Clinic=$clinic" "CONSENT_Staff__Local__${n}__DisplayName=$clinic Clinician"
    n=$((n + 1))
    # appsettings.json registers the sample scheduler for demo (Gate:Subscribers:0); the other clinics get their own.
    if [ "$clinic" != demo ]; then
      s=$((s + 1))
      export "CONSENT_Gate__Subscribers__${s}__Name=scheduler" "CONSENT_Gate__Subscribers__${s}__Clinic=$clinic" "CONSENT_Gate__Subscribers__${s}__Subject=scheduler-sample"
    fi
  done
}
# demo keeps the usernames it always had (coordinator, clinician); another clinic's are prefixed with its id.
staff_user() { [ "$1" = demo ] && echo "$2" || echo "$1-$2"; }
staff_file() { [ "$1" = demo ] && echo "$CLUSTER_DIR/staff.env" || echo "$CLUSTER_DIR/staff-$1.env"; }
scheduler_database() { [ "$1" = demo ] && echo scheduler || echo "scheduler_$1"; }

service_env() {
  export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Production}"
  # The instances run as the service's role on a schema 'migrate' made (start_all), and never change it.
  database_env "${1:-owner}"
  export CONSENT_Store__ApplySchemaChanges=false
  export CONSENT_Amqp__Uri; CONSENT_Amqp__Uri="$(CONSENT_PG_PORT=$HAPROXY_PG CONSENT_AMQP_PORT=$HAPROXY_AMQP "$REPO_ROOT/deploy/local/rabbitmq.sh" url cluster)"
  export CONSENT_Auth__Mode=Local CONSENT_Auth__LocalSigningKeyFile="$CLUSTER_DIR/local-signing.key"
  # The fault driver's clinician countersigns for the whole suite with the token demo.json gave it at start; the suite
  # measures faults, not the 5-minute recent sign-in a staff signature needs in production (README "Countersigning").
  export CONSENT_Auth__RecentSignInSeconds=86400
  export CONSENT_Workflows__Path="$REPO_ROOT/workflows"
  # One key directory for every instance (made before they start, so no two make a first key at once).
  export CONSENT_Signing__KeyDirectory="$CLUSTER_DIR/signing-keys" CONSENT_Signing__CreateIfMissing=false
  export CONSENT_Demo__Enabled=true
  # Production settings over plain HTTP on loopback: tablet links point at HAProxy, and no HTTPS redirect (#21).
  export CONSENT_Tablet__PublicBaseUrl="http://127.0.0.1:$HAPROXY_HTTP" CONSENT_Hosting__RequireHttps=false
  # The fault suite's tablets all come from one address through one proxy.
  export CONSENT_RateLimiting__PermitsPerSecond="${CONSENT_RateLimiting__PermitsPerSecond:-1000000}" CONSENT_RateLimiting__Burst="${CONSENT_RateLimiting__Burst:-1000000}"
  staff_env
}
# The schema's owner brings every database's schema up to date and grants the service's role its rights in each
# (Consent.Api migrate, README "Security"): a deploy step, run once before the instances start, through HAProxy.
migrate() {
  local api_dir="$REPO_ROOT/src/Consent.Api"
  (service_env owner; CONSENT_Store__AppRole="$APP_ROLE" dotnet "$api_dir/bin/Release/net10.0/Consent.Api.dll" migrate --contentRoot "$api_dir") \
    >>"$LOGS/migrate.log" 2>&1 || die "migrating the schema failed, see $LOGS/migrate.log"
}
start_svc() {
  local i="$1" name="svc$(($1 + 1))" api_dir="$REPO_ROOT/src/Consent.Api"
  running "$name" && return 0
  (service_env "consent-$name"; spawn "$name" - dotnet "$api_dir/bin/Release/net10.0/Consent.Api.dll" --contentRoot "$api_dir" --urls "http://127.0.0.1:$(svc_port "$i")")
}
svc_ready() { [ "$(http_code "http://127.0.0.1:$(svc_port "$1")/health/ready")" = 200 ]; }

# ---------------------------------------------------------------------------------------------------------- commands
start_one() {
  case "$1" in
    etcd[1-3]) start_etcd $((${1#etcd} - 1)) ;;
    pg[1-2]) start_pg $((${1#pg} - 1)) ;;
    rabbit[1-3]) start_rmq $((${1#rabbit} - 1)) ;;
    svc[1-9]) start_svc $((${1#svc} - 1)) ;;
    haproxy) start_haproxy ;;
    *) die "unknown component $1" ;;
  esac
}
stop_one() {
  case "$1" in
    rabbit[1-3]) local i=$((${1#rabbit} - 1)) vm; vm="$(rmq_vm_pid "$i")"; pid_alive "$vm" && stop_pid "$vm" 30; halt "$1" 5 ;;
    pg[1-2]) halt "$1" 40 ;;   # Patroni stops its PostgreSQL before it exits
    *) halt "$1" 20 ;;
  esac
}

start_all() {
  local t0; t0=$(now_ms)
  "$here/install.sh"
  mkdir -p "$CLUSTER_DIR"; chmod 755 "$DATA_ROOT" "$CLUSTER_DIR" 2>/dev/null || true
  log "cluster: building (Release)"
  dotnet build "$REPO_ROOT/Consent.sln" -c Release --nologo -v q -clp:ErrorsOnly >/dev/null || die "build failed: run 'dotnet build' to see why"

  local i
  for i in 0 1 2; do start_etcd "$i"; done
  for i in 0 1 2; do wait_until 30 "etcd member ${ETCD_NAMES[$i]} healthy" etcd_healthy "$i"; done
  log "cluster: etcd ready ($(elapsed_since "$t0") ms)"

  rmq_prepare
  start_haproxy
  start_pg 0
  wait_until 60 "a PostgreSQL primary" any_primary
  start_pg 1
  # The first RabbitMQ node forms the cluster; the others join it (classic peer discovery).
  start_rmq 0
  rmq_booted 0 || die "RabbitMQ node ${RMQ_NAMES[0]} did not boot, see $CLUSTER_DIR/${RMQ_NAMES[0]}/log"
  start_rmq 1; start_rmq 2
  ensure_databases
  wait_until 90 "a synchronous standby" sync_standby_ready
  log "cluster: PostgreSQL primary and synchronous standby ready ($(elapsed_since "$t0") ms)"
  rmq_booted 1 && rmq_booted 2 || die "RabbitMQ nodes did not boot, see $CLUSTER_DIR/rabbit*/log"
  # The definitions add users but never remove one: the first boot's "guest" (an administrator) goes.
  rmq_ctl 0 delete_user guest >/dev/null 2>&1 || true
  log "cluster: RabbitMQ ready, $(rmq_ctl 0 cluster_status --formatter json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["running_nodes"]))') nodes running ($(elapsed_since "$t0") ms)"

  [ -n "$(ls "$CLUSTER_DIR/signing-keys/"*.private.pem 2>/dev/null)" ] \
    || dotnet "$REPO_ROOT/src/Consent.Cli/bin/Release/net10.0/consent.dll" keys rotate --dir "$CLUSTER_DIR/signing-keys" >/dev/null
  # Every instance must hold the same key file for the data-protection key ring (README "Security"), as a Secret gives it.
  [ -f "$CLUSTER_DIR/signing-keys/data-protection.key" ] \
    || (umask 077; openssl rand -base64 32 > "$CLUSTER_DIR/signing-keys/data-protection.key")
  migrate
  log "cluster: schema migrated by its owner in ${#CLINIC_DBS[@]} databases; the instances run as $APP_ROLE ($(elapsed_since "$t0") ms)"
  # The first instance seeds the staff accounts alone; the others start once it is ready.
  start_svc 0
  wait_until 90 "service instance svc1 ready" svc_ready 0
  for ((i = 1; i < SVC_COUNT; i++)); do start_svc "$i"; done
  for ((i = 1; i < SVC_COUNT; i++)); do wait_until 90 "service instance svc$((i + 1)) ready" svc_ready "$i"; done
  wait_until 10 "HAProxy routing to the service" test "$(http_code "http://127.0.0.1:$HAPROXY_HTTP/health/ready")" = 200
  log "cluster: $SVC_COUNT service instances ready behind HAProxy in $(elapsed_since "$t0") ms"
  write_demo_file
}

# One demo file per clinic, as the run command writes its one: demo.json for clinic demo, demo-CLINIC.json for the
# others, each with that clinic's tokens, staff sign-in, subscriber user and queue, and scheduler database.
write_demo_file() {
  service_env owner
  local env=(CONSENT_PG_PORT=$HAPROXY_PG CONSENT_AMQP_PORT=$HAPROXY_AMQP) entry name db clinic out scheduler_url
  for entry in "${CLINIC_DBS[@]}"; do
    read -r name db clinic <<<"$entry"
    out="$(demo_file "$clinic")"
    # shellcheck disable=SC1090
    source "$(staff_file "$clinic")"
    scheduler_url="$(env "${env[@]}" "$REPO_ROOT/deploy/local/postgres.sh" scheduler-url cluster | sed "s/Database=scheduler;/Database=$(scheduler_database "$clinic");/")"
    env "${env[@]}" CONSENT_DEMO_AMQP="$(env "${env[@]}" "$REPO_ROOT/deploy/local/rabbitmq.sh" subscriber-url cluster "$clinic-scheduler")" \
      CONSENT_DEMO_SCHEDULER_DB="$scheduler_url" \
      CONSENT_DEMO_STAFF_COORDINATOR="$(staff_user "$clinic" coordinator):$COORDINATOR_PASSWORD" CONSENT_DEMO_STAFF_CLINICIAN="$(staff_user "$clinic" clinician):$CLINICIAN_PASSWORD" \
      dotnet "$REPO_ROOT/src/Consent.Cli/bin/Release/net10.0/consent.dll" demo-file --out "$out" --clinic "$clinic" --scheduler-queue "$clinic-scheduler" \
      --base-url "http://127.0.0.1:$HAPROXY_HTTP" --postgres "$(owner_url "$db")" --key-file "$CLUSTER_DIR/local-signing.key"
  done
}

stop_all() {
  local i
  for ((i = 8; i >= 0; i--)); do [ -f "$(pidfile "svc$((i + 1))")" ] && stop_one "svc$((i + 1))"; done
  stop_one haproxy
  for i in 2 1 0; do stop_one "${RMQ_NAMES[$i]}"; done
  local e; e="$(command -v epmd || ls /usr/lib/erlang/erts-*/bin/epmd 2>/dev/null | head -n 1)"
  [ -n "$e" ] && "$e" -port "$RMQ_EPMD_PORT" -kill >/dev/null 2>&1 || true
  # The standby first, so the primary does not fail over to it on the way down.
  for i in 1 0; do [ "$(pg_role "$i")" = primary ] || stop_one "${PG_NAMES[$i]}"; done
  for i in 1 0; do stop_one "${PG_NAMES[$i]}"; done
  for i in 2 1 0; do stop_one "${ETCD_NAMES[$i]}"; done
  rm -f "$CLUSTER_DIR"/demo*.json
  log "cluster: stopped"
}

status() {
  local i
  for i in 0 1 2; do printf '%-8s %s\n' "${ETCD_NAMES[$i]}" "$(etcd_healthy "$i" && echo "healthy 127.0.0.1:$(etcd_client_port "$i")" || echo down)"; done
  for i in 0 1; do printf '%-8s %s\n' "${PG_NAMES[$i]}" "$(r="$(pg_role "$i")"; echo "${r:-down} 127.0.0.1:$(pg_port "$i")")"; done
  for i in 0 1 2; do printf '%-8s %s\n' "${RMQ_NAMES[$i]}" "$(rmq_port_open "$i" && echo "up 127.0.0.1:$(rmq_port "$i")" || echo down)"; done
  for ((i = 0; i < SVC_COUNT; i++)); do printf '%-8s %s\n' "svc$((i + 1))" "$(svc_ready "$i" && echo "ready 127.0.0.1:$(svc_port "$i")" || echo "not ready")"; done
  printf '%-8s %s\n' haproxy "$(running haproxy && echo "http://127.0.0.1:$HAPROXY_HTTP postgres 127.0.0.1:$HAPROXY_PG amqp 127.0.0.1:$HAPROXY_AMQP stats http://127.0.0.1:$HAPROXY_STATS/stats" || echo down)"
}

healthy() {
  local i
  for i in 0 1 2; do etcd_healthy "$i" || return 1; done
  any_primary && sync_standby_ready || return 1
  for i in 0 1 2; do rmq_port_open "$i" || return 1; done
  [ "$(rmq_ctl 0 cluster_status --formatter json 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["running_nodes"]))' 2>/dev/null)" = 3 ] || return 1
  for ((i = 0; i < SVC_COUNT; i++)); do svc_ready "$i" || return 1; done
  [ "$(http_code "http://127.0.0.1:$HAPROXY_HTTP/health/ready")" = 200 ]
}
# The member the others follow (etcd's v2 statistics say which).
etcd_leader() {
  local i; for i in 0 1 2; do
    curl -s -m 2 "http://127.0.0.1:$(etcd_client_port "$i")/v2/stats/self" | grep -q '"state":"StateLeader"' && { echo "${ETCD_NAMES[$i]}"; return 0; }
  done; return 1
}

print_summary() {
  cat >&2 <<MSG

  The Consent cluster is running (clinic "demo" in database consent, clinic "north" in database consent_north,
  both on the one Patroni cluster; the instances run as $APP_ROLE).
    API (HAProxy)  http://127.0.0.1:$HAPROXY_HTTP   (instances 127.0.0.1:$(svc_port 0)-$(svc_port $((SVC_COUNT - 1))))
    PostgreSQL     127.0.0.1:$HAPROXY_PG (the Patroni leader; nodes 127.0.0.1:$(pg_port 0) and :$(pg_port 1))
    RabbitMQ       127.0.0.1:$HAPROXY_AMQP (any node; nodes 127.0.0.1:$(rmq_port 0)-$(rmq_port 2))
    HAProxy stats  http://127.0.0.1:$HAPROXY_STATS/stats
    Demo files     $CLUSTER_DIR/demo.json (clinic demo), $CLUSTER_DIR/demo-north.json (clinic north)
    Scheduler      dotnet run --project src/Consent.SchedulerSample -- --demo-file .data/cluster/demo.json

MSG
  cat "$CLUSTER_DIR/demo.json"
}

case "$cmd" in
  up)
    trap 'trap - INT TERM EXIT; set +e; stop_all' EXIT
    trap 'exit 130' INT TERM
    start_all; status >&2; print_summary
    log "press Ctrl-C to stop everything this command started"
    while sleep 3600; do :; done ;;
  start) start_all; status >&2; print_summary ;;
  stop) stop_all ;;
  reset) stop_all; rm -rf "$(readlink -f "$CLUSTER_DIR/postgres" 2>/dev/null || true)" "$CLUSTER_DIR"; log "cluster: data removed" ;;
  status) status ;;
  start-one) start_one "${2:?component}" ;;
  stop-one) stop_one "${2:?component}" ;;
  # For the fault suite: the pids a kill -9 must reach.
  pid) case "${2:?component}" in
         postmaster[1-2]) postmaster_pid $((${2#postmaster} - 1)) ;;
         rabbit[1-3]) rmq_vm_pid $((${2#rabbit} - 1)) ;;
         *) pid_of "$2" ;;
       esac ;;
  role) pg_role $((${2:?pg1 or pg2} - 1)) ;;
  # Exits 0 when everything is as start left it: etcd members healthy, a primary with a synchronous standby, the three
  # RabbitMQ nodes clustered, every instance ready and HAProxy routing to one.
  healthy) healthy ;;
  etcd-leader) etcd_leader ;;
  # Which instance holds each database's relay lock, per PostgreSQL node: "NODE DATABASE consent-svcN" lines.
  relay-holders) relay_holders ;;
  # For the fault driver's relay watch: each PostgreSQL node's superuser connection string, one a line.
  pg-nodes) for i in 0 1; do echo "Host=127.0.0.1;Port=$(pg_port "$i");Database=postgres;Username=postgres;Password=$(credential pg-superuser)"; done ;;
  haproxy-states) haproxy_states ;;
  *) die "unknown command $cmd (up|start|stop|status|reset)" ;;
esac
