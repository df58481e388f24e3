#!/usr/bin/env bash
# A private RabbitMQ node for one profile, bound to 127.0.0.1, data under .data/PROFILE/rabbitmq.
# Its own Erlang port mapper (epmd) port, node name and cookie keep it apart from any system RabbitMQ.
# Usage: rabbitmq.sh start|stop|reset|status|url|definitions PROFILE | subscriber-url PROFILE [USER]   (reset: stop, delete the data)
#   url:            the service's URI (user consent-service: may publish to the consent exchanges, nothing else)
#   subscriber-url: a subscriber's URI, by default demo-scheduler's (its own "demo-" queues, clinic demo's events)
# There is no "guest". Users, permissions and the consent exchanges come from a definitions file the node loads at
# every boot; passwords are random per profile, made on first use, kept in .data/PROFILE/rabbitmq/credentials (0700).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cmd="${1:?usage: rabbitmq.sh start|stop|reset|status|url|subscriber-url PROFILE [USER]}"; profile="${2:?profile}"
profile_ports "$profile"
dir="$(profile_dir "$profile")/rabbitmq"
RMQ_BIN=/usr/lib/rabbitmq/bin
VHOST=consent
SERVICE_USER=consent-service
# Subscribers, one per clinic: "user queue-prefix clinic". The user owns the queues named with its prefix and may bind
# only its clinic's routing keys on the clinic exchange. Profiles other than demo get a second clinic's subscriber, so
# that tests can show one clinic's subscriber sees nothing of another's and that any non-service user is refused.
SUBSCRIBERS=("demo-scheduler demo- demo")
[ "$profile" = demo ] || SUBSCRIBERS+=("north-scheduler north- north")
# Declared by the broker itself so that a subscriber may bind before the service has published anything (subscribers
# cannot declare them: declaring needs the "configure" right, which would also let them delete the exchanges). The
# service declares the same exchanges, with the same properties, when it publishes.
FANOUT_EXCHANGES=(ConsentGranted ConsentDeclined ConsentWithdrawn ConsentExpired ReconsentRequired SchedulingGateChanged)
CLINIC_EXCHANGE=consent.clinic-events

export RABBITMQ_NODENAME="consent-$profile@localhost"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$AMQP_PORT"
export RABBITMQ_DIST_PORT="$DIST_PORT"
export ERL_EPMD_PORT="$EPMD_PORT"
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_MNESIA_BASE="$dir/mnesia"
export RABBITMQ_LOG_BASE="$dir/log"
export RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
export RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
export RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
export RABBITMQ_ENABLED_PLUGINS=""
export HOME="$dir/home"   # the Erlang cookie lives here, private to this node
# Erlang distribution would otherwise listen on every interface.
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"

ctl() { "$RMQ_BIN/rabbitmqctl" -q "$@"; }
pid() { [ -f "$RABBITMQ_PID_FILE" ] && tr -d '[:space:]' < "$RABBITMQ_PID_FILE" || true; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$AMQP_PORT") 2>/dev/null; }

password() {
  local file="$dir/credentials/$1"
  if [ ! -f "$file" ]; then
    (umask 077; mkdir -p "$dir/credentials"; openssl rand -hex 16 > "$file")
  fi
  cat "$file"
}
uri() { echo "amqp://$1:$(password "$1")@127.0.0.1:$AMQP_PORT/$VHOST"; }
subscriber_uri() {
  local wanted="${1:-demo-scheduler}" entry
  for entry in "${SUBSCRIBERS[@]}"; do
    set -- $entry
    [ "$1" = "$wanted" ] && { uri "$1"; return 0; }
  done
  die "no subscriber $wanted in profile $profile"
}

# RabbitMQ's rabbit_password_hashing_sha256: base64(salt || sha256(salt || password)), a 4-byte salt.
password_hash() {
  local salt; salt="$(openssl rand -hex 4)"
  { printf '%s' "$salt" | xxd -r -p; { printf '%s' "$salt" | xxd -r -p; printf '%s' "$1"; } | openssl dgst -sha256 -binary; } | base64 -w0
}

# Least privilege, found by trying (RabbitMQ checks "configure" to declare or delete, "write" to publish or to be a
# binding's destination, "read" to consume or to be a binding's source):
# - the service declares the consent exchanges and publishes to them (MassTransit with confirms needs no queue of
#   its own when it only publishes), and may publish to the clinic exchange only with "<clinicId>.<MessageType>" keys;
# - the subscriber declares, binds and consumes only queues (and MassTransit-style exchanges) named with its prefix or
#   named by the server, may use the consent exchanges only as a binding's source, and may bind to the clinic exchange
#   only with its clinic's keys. It has no write right on any consent exchange, so the broker refuses its publishes.
# Regular expressions here write a literal dot as [.] so that they need no escaping inside JSON.
definitions() {
  local consent_exchanges="^(Consent[.]Contracts:.*|consent[.]clinic-events)$"
  local users permissions topics exchanges="" type entry user prefix clinic own
  users="$(user_json "$SERVICE_USER")"
  permissions="{\"user\":\"$SERVICE_USER\",\"vhost\":\"$VHOST\",\"configure\":\"$consent_exchanges\",\"write\":\"$consent_exchanges\",\"read\":\"^\$\"}"
  topics="{\"user\":\"$SERVICE_USER\",\"vhost\":\"$VHOST\",\"exchange\":\"$CLINIC_EXCHANGE\",\"write\":\"^[A-Za-z0-9_-]{1,64}[.][A-Za-z]+$\",\"read\":\"^\$\"}"
  for entry in "${SUBSCRIBERS[@]}"; do
    read -r user prefix clinic <<<"$entry"
    own="^(${prefix//./[.]}.*|amq[.]gen-.*)$"
    users+=",$(user_json "$user")"
    permissions+=",{\"user\":\"$user\",\"vhost\":\"$VHOST\",\"configure\":\"$own\",\"write\":\"$own\",\"read\":\"^(${prefix//./[.]}.*|amq[.]gen-.*|Consent[.]Contracts:.*|consent[.]clinic-events)$\"}"
    topics+=",{\"user\":\"$user\",\"vhost\":\"$VHOST\",\"exchange\":\"$CLINIC_EXCHANGE\",\"write\":\"^\$\",\"read\":\"^$clinic[.]\"}"
  done
  for type in "${FANOUT_EXCHANGES[@]}"; do
    exchanges+="$(exchange_json "Consent.Contracts:$type" fanout),"
  done
  exchanges+="$(exchange_json "$CLINIC_EXCHANGE" topic)"
  printf '{"vhosts":[{"name":"%s"}],\n"users":[%s],\n"permissions":[%s],\n"topic_permissions":[%s],\n"exchanges":[%s]}\n' \
    "$VHOST" "$users" "$permissions" "$topics" "$exchanges"
}
user_json() {
  printf '{"name":"%s","password_hash":"%s","hashing_algorithm":"rabbit_password_hashing_sha256","tags":""}' "$1" "$(password_hash "$(password "$1")")"
}
exchange_json() {
  printf '{"name":"%s","vhost":"%s","type":"%s","durable":true,"auto_delete":false,"internal":false,"arguments":{}}' "$1" "$VHOST" "$2"
}

prepare() {
  mkdir -p "$dir/mnesia" "$dir/log" "$HOME"
  : > "$RABBITMQ_CONF_ENV_FILE"
  echo '[].' > "$RABBITMQ_ENABLED_PLUGINS_FILE"
  echo '[].' > "$RABBITMQ_ADVANCED_CONFIG_FILE"
  cat > "$RABBITMQ_CONFIG_FILE" <<CONF
listeners.tcp.default = 127.0.0.1:$AMQP_PORT
loopback_users = none
log.console = false
log.file.level = warning
disk_free_limit.absolute = 200MB
load_definitions = $dir/definitions.json
CONF
  (umask 077; definitions > "$dir/definitions.json")
}

start() {
  [ -x "$RMQ_BIN/rabbitmq-server" ] || die "RabbitMQ is not installed: run deploy/local/install.sh rabbitmq"
  local t0; t0=$(now_ms)
  if pid_alive "$(pid)" && port_open; then log "rabbitmq[$profile]: already running on 127.0.0.1:$AMQP_PORT"; return 0; fi
  prepare
  rm -f "$RABBITMQ_PID_FILE"
  setsid "$RMQ_BIN/rabbitmq-server" >"$dir/log/startup.log" 2>&1 < /dev/null &
  # 'wait' returns once the node has written its pid file and the broker application has fully booted.
  ctl wait --timeout 90 "$RABBITMQ_PID_FILE" >/dev/null 2>&1 \
    || die "RabbitMQ did not boot in 90s, see $dir/log/startup.log"
  # The definitions add users but never remove one: the first boot's "guest" (an administrator) and the single
  # all-powerful "consent" user of earlier versions of this script go here.
  local user keep=" $SERVICE_USER " entry
  for entry in "${SUBSCRIBERS[@]}"; do keep+="${entry%% *} "; done
  for user in $(ctl list_users --no-table-headers 2>/dev/null | awk '{print $1}'); do
    [[ "$keep" == *" $user "* ]] || ctl delete_user "$user" >/dev/null
  done
  local i; for ((i = 0; i < 100; i++)); do port_open && break; sleep 0.1; done
  port_open || die "RabbitMQ booted but does not accept connections on $AMQP_PORT"
  log "rabbitmq[$profile]: ready on 127.0.0.1:$AMQP_PORT in $(elapsed_since "$t0") ms (pid $(pid))"
}

stop() {
  local p; p="$(pid)"
  if pid_alive "$p"; then
    stop_pid "$p" 30
    log "rabbitmq[$profile]: stopped (pid $p)"
  else
    log "rabbitmq[$profile]: not running"
  fi
  # The node starts its own port mapper on a private port; stop it too so nothing of ours keeps running.
  local e; e="$(command -v epmd || ls /usr/lib/erlang/erts-*/bin/epmd 2>/dev/null | head -n 1)"
  [ -n "$e" ] && "$e" -port "$EPMD_PORT" -kill >/dev/null 2>&1 || true
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  reset) stop; rm -rf "$dir"; log "rabbitmq[$profile]: data removed" ;;
  status) if pid_alive "$(pid)" && port_open; then echo "running 127.0.0.1:$AMQP_PORT pid $(pid)"; else echo stopped; exit 3; fi ;;
  url) uri "$SERVICE_USER" ;;
  subscriber-url) subscriber_uri "${3:-}" ;;
  # The users, permissions and exchanges above as a definitions file, for brokers started elsewhere (deploy/cluster).
  definitions) definitions ;;
  *) die "unknown command $cmd" ;;
esac
