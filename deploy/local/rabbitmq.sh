#!/usr/bin/env bash
# A private RabbitMQ node for one profile, bound to 127.0.0.1, data under .data/PROFILE/rabbitmq.
# Its own Erlang port mapper (epmd) port, node name and cookie keep it apart from any system RabbitMQ.
# Usage: rabbitmq.sh start|stop|reset|status|url PROFILE   (reset: stop and delete the data)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cmd="${1:?usage: rabbitmq.sh start|stop|status|url PROFILE}"; profile="${2:?profile}"
profile_ports "$profile"
dir="$(profile_dir "$profile")/rabbitmq"
RMQ_BIN=/usr/lib/rabbitmq/bin
VHOST=consent; RMQ_USER=consent; RMQ_PASS=consent-local

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
url() { echo "amqp://$RMQ_USER:$RMQ_PASS@127.0.0.1:$AMQP_PORT/$VHOST"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$AMQP_PORT") 2>/dev/null; }

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
CONF
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
  if ! ctl list_vhosts 2>/dev/null | grep -qx "$VHOST"; then ctl add_vhost "$VHOST" >/dev/null; fi
  if ! ctl list_users 2>/dev/null | grep -q "^$RMQ_USER[[:space:]]"; then ctl add_user "$RMQ_USER" "$RMQ_PASS" >/dev/null; fi
  ctl set_user_tags "$RMQ_USER" administrator >/dev/null
  ctl set_permissions -p "$VHOST" "$RMQ_USER" '.*' '.*' '.*' >/dev/null
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
  url) url ;;
  *) die "unknown command $cmd" ;;
esac
