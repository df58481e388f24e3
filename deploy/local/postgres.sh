#!/usr/bin/env bash
# A private PostgreSQL for one profile, bound to 127.0.0.1, data under .data/PROFILE/postgres.
# Usage: postgres.sh start|stop|reset|status|url|scheduler-url PROFILE   (reset: stop and delete the data)
#   PROFILE test2: a second server for the test command (its own port, CONSENT_PG2_PORT, else 26433)
#   url:           the service's database "consent" as its owner (user consent): for migrations, tests that play the
#                  database administrator, and the one-role developer set-up
#   app-url:       the same database as the service's own role (consent_app, a password made per profile and kept in
#                  .data/PROFILE/app-postgres.password): it may append and read events but never rewrite them
#                  (granted by 'Consent.Api migrate', see README "Security")
#   scheduler-url: the sample scheduler's own database "scheduler" (user scheduler, a password made per profile and
#                  kept in .data/PROFILE/scheduler-postgres.password); neither user may connect to the other's database.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cmd="${1:?usage: postgres.sh start|stop|status|url|app-url|scheduler-url PROFILE}"; profile="${2:?profile}"
# "test2" is the test command's second PostgreSQL (clinics spread over two databases): CONSENT_PG2_PORT, else 26433.
if [ "$profile" = test2 ]; then PG_PORT="${CONSENT_PG2_PORT:-26433}"; else profile_ports "$profile"; fi
dir="$(profile_dir "$profile")/postgres"
# As root the server runs as 'postgres', which may not reach a checkout under a private home directory;
# then the cluster lives under /var/tmp, one per checkout and profile, and .data/PROFILE/postgres links to it.
if is_root && ! runuser -u postgres -- test -x "$(dirname "$dir")" 2>/dev/null && [ ! -L "$dir" ]; then
  mkdir -p "$(dirname "$dir")"
  outside="/var/tmp/consent-$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-12)/$profile/postgres"
  mkdir -p "$outside"; chmod 755 "$(dirname "$outside")" "$(dirname "$(dirname "$outside")")"
  rm -rf "$dir"; ln -s "$outside" "$dir"
fi
if [ -L "$dir" ]; then
  # The link outlives its target when /var/tmp was cleared: make the target again, as above.
  target="$(readlink "$dir")"
  [ -d "$target" ] || { mkdir -p "$target"; chmod 755 "$(dirname "$target")" "$(dirname "$(dirname "$target")")"; }
  dir="$(readlink -f "$dir")"
fi
pgdata="$dir/data"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
DB=consent; DB_USER=consent; DB_PASS=consent-local
SCHEDULER_DB=scheduler; SCHEDULER_USER=scheduler
scheduler_password_file="$(profile_dir "$profile")/scheduler-postgres.password"
APP_USER=consent_app
app_password_file="$(profile_dir "$profile")/app-postgres.password"

# initdb and pg_ctl refuse to run as root, so as root the cluster belongs to the 'postgres' system user.
as_owner() { if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

pid() { [ -f "$pgdata/postmaster.pid" ] && head -n 1 "$pgdata/postmaster.pid" || true; }

url() { echo "Host=127.0.0.1;Port=$PG_PORT;Database=$DB;Username=$DB_USER;Password=$DB_PASS"; }

scheduler_password() {
  [ -f "$scheduler_password_file" ] || (umask 077; mkdir -p "$(dirname "$scheduler_password_file")"; openssl rand -hex 16 > "$scheduler_password_file")
  cat "$scheduler_password_file"
}
app_password() {
  [ -f "$app_password_file" ] || (umask 077; mkdir -p "$(dirname "$app_password_file")"; openssl rand -hex 16 > "$app_password_file")
  cat "$app_password_file"
}
app_url() { echo "Host=127.0.0.1;Port=$PG_PORT;Database=$DB;Username=$APP_USER;Password=$(app_password)"; }

scheduler_url() { echo "Host=127.0.0.1;Port=$PG_PORT;Database=$SCHEDULER_DB;Username=$SCHEDULER_USER;Password=$(scheduler_password)"; }

ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres -t 1; }

init_cluster() {
  mkdir -p "$dir"
  if is_root; then
    chown postgres: "$dir"
    runuser -u postgres -- test -w "$dir" || die "the postgres user cannot write $dir"
  fi
  log "postgres[$profile]: creating a cluster in $pgdata"
  local pwfile; pwfile="$(mktemp)"; echo "$DB_PASS" > "$pwfile"; chmod 644 "$pwfile"
  as_owner "$PG_BIN/initdb" -D "$pgdata" -U postgres --auth=scram-sha-256 --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { rm -f "$pwfile"; die "initdb failed, see $dir/initdb.log"; }
  rm -f "$pwfile"
  cat >>"$pgdata/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = ''
max_connections = 200
shared_buffers = 256MB
fsync = on
logging_collector = off
CONF
}

start() {
  [ -x "$PG_BIN/pg_ctl" ] || die "PostgreSQL is not installed: run deploy/local/install.sh postgres"
  local t0; t0=$(now_ms)
  if pid_alive "$(pid)" && ready; then log "postgres[$profile]: already running on 127.0.0.1:$PG_PORT"; return 0; fi
  [ -f "$pgdata/PG_VERSION" ] || init_cluster
  # A stale pid file from a killed run would block the start.
  pid_alive "$(pid)" || rm -f "$pgdata/postmaster.pid"
  as_owner "$PG_BIN/pg_ctl" -D "$pgdata" -l "$dir/server.log" -o "-p $PG_PORT" start >/dev/null \
    || die "PostgreSQL did not start, see $dir/server.log"
  local i; for ((i = 0; i < 600; i++)); do ready && break; sleep 0.1; done
  ready || die "PostgreSQL is not accepting connections after 60s, see $dir/server.log"
  ensure_database
  log "postgres[$profile]: ready on 127.0.0.1:$PG_PORT in $(elapsed_since "$t0") ms (pid $(pid))"
}

ensure_database() {
  local psql=("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA)
  export PGPASSWORD="$DB_PASS"
  if [ -z "$("${psql[@]}" -c "select 1 from pg_roles where rolname = '$DB_USER'")" ]; then
    "${psql[@]}" -c "create role $DB_USER login password '$DB_PASS' createdb"
  fi
  if [ -z "$("${psql[@]}" -c "select 1 from pg_database where datname = '$DB'")" ]; then
    "${psql[@]}" -c "create database $DB owner $DB_USER"
  fi
  # The service's own role: no rights of its own; 'Consent.Api migrate' grants what it needs in the schema.
  if [ -z "$("${psql[@]}" -c "select 1 from pg_roles where rolname = '$APP_USER'")" ]; then
    "${psql[@]}" -c "create role $APP_USER login"
  fi
  "${psql[@]}" -c "alter role $APP_USER password '$(app_password)'" >/dev/null
  "${psql[@]}" -c "grant connect on database $DB to $APP_USER" >/dev/null
  # The sample scheduler is a separate system with its own database; the password is set on every start so that
  # it always matches the file (which outlives "reset").
  if [ -z "$("${psql[@]}" -c "select 1 from pg_roles where rolname = '$SCHEDULER_USER'")" ]; then
    "${psql[@]}" -c "create role $SCHEDULER_USER login"
  fi
  "${psql[@]}" -c "alter role $SCHEDULER_USER password '$(scheduler_password)'" >/dev/null
  if [ -z "$("${psql[@]}" -c "select 1 from pg_database where datname = '$SCHEDULER_DB'")" ]; then
    "${psql[@]}" -c "create database $SCHEDULER_DB owner $SCHEDULER_USER"
  fi
  # PostgreSQL lets every role connect to every database unless told otherwise.
  "${psql[@]}" -c "revoke connect on database $DB from public; revoke connect on database $SCHEDULER_DB from public"
}

stop() {
  local p; p="$(pid)"
  if ! pid_alive "$p"; then log "postgres[$profile]: not running"; return 0; fi
  # SIGINT is PostgreSQL's "fast" shutdown: disconnect clients, checkpoint, exit.
  kill -INT "$p" 2>/dev/null || true
  stop_pid "$p" 30
  log "postgres[$profile]: stopped (pid $p)"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  reset) stop; rm -rf "$dir"; log "postgres[$profile]: data removed" ;;
  status) if pid_alive "$(pid)" && ready; then echo "running 127.0.0.1:$PG_PORT pid $(pid)"; else echo stopped; exit 3; fi ;;
  url) url ;;
  app-url) app_url ;;
  scheduler-url) scheduler_url ;;
  *) die "unknown command $cmd" ;;
esac
