# Shared settings for the local (no-Docker) infrastructure scripts. Sourced, never run.
# A profile is one private set of PostgreSQL + RabbitMQ processes with its own ports and data under .data/.
#   demo: the README's run command.    test: the README's test command.
#   Any other name (tests use "resilience" and "brokerdown") takes its ports from CONSENT_PG_PORT / CONSENT_AMQP_PORT.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA_ROOT="${CONSENT_DATA_ROOT:-$REPO_ROOT/.data}"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Ports sit well above the system defaults (5432, 5672, 4369) so a system PostgreSQL or RabbitMQ never clashes, and
# below Linux's ephemeral range (32768-60999): a broker restarted under load could otherwise find its port taken by
# some client connection's local end (seen once: RabbitMQ could_not_start_listener on a port in that range).
profile_ports() {
  case "$1" in
    demo) PG_PORT=25432; AMQP_PORT=25872 ;;
    test) PG_PORT=26432; AMQP_PORT=26872 ;;
    *)    PG_PORT="${CONSENT_PG_PORT:?set CONSENT_PG_PORT for profile $1}"
          AMQP_PORT="${CONSENT_AMQP_PORT:?set CONSENT_AMQP_PORT for profile $1}" ;;
  esac
  PG_PORT="${CONSENT_PG_PORT:-$PG_PORT}"
  AMQP_PORT="${CONSENT_AMQP_PORT:-$AMQP_PORT}"
  DIST_PORT=$((AMQP_PORT + 1))
  EPMD_PORT=$((AMQP_PORT + 2))
}

profile_dir() { printf '%s/%s' "$DATA_ROOT" "$1"; }

is_root() { [ "$(id -u)" = 0 ]; }

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# Stops a process by id: TERM, wait up to $2 seconds, then KILL.
stop_pid() {
  local pid="$1" wait_s="${2:-30}" i
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < wait_s * 10; i++)); do pid_alive "$pid" || return 0; sleep 0.1; done
  log "process $pid did not stop in ${wait_s}s, killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

elapsed_since() { echo "$(( $(date +%s%N) / 1000000 - $1 ))"; }
now_ms() { echo "$(( $(date +%s%N) / 1000000 ))"; }
