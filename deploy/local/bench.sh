#!/usr/bin/env bash
# The benchmark: its own PostgreSQL, RabbitMQ and service (profile "bench"), N simulated tablets (1, 4, 16)
# through the stem-cell consent over HTTP, and a raw Npgsql baseline in the same run; event lag and gate speed beside
# raw AMQP and SQL baselines; the growth suite (the same numbers on an empty and on a loaded database).
# Usage: bench.sh [seconds-per-level] [sessions|events|gate|records|growth|all]   ("all" leaves growth out: it takes long)
# records: a 40-step signed record built and drawn as a PDF, in the driver's own process (target under 300 ms).
# CONSENT_BENCH_STATEMENTS=1 loads pg_stat_statements and writes the statements that took PostgreSQL's time, per
# statement with calls, total and mean ms and rows, to artifacts/bench/<suite>-statements.txt when the run ends.
# Ports: CONSENT_BENCH_PG_PORT (28432), CONSENT_BENCH_AMQP_PORT (28872), CONSENT_BENCH_HTTP_PORT (5190).
# Growth: CONSENT_BENCH_GROWTH_CONSENTS (100000) consents loaded, CONSENT_BENCH_GROWTH_BACKLOG (100000) events left
# for the relay to catch up. Tables go to artifacts/bench/<suite>.json and charts to artifacts/bench/*.svg.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
here="$REPO_ROOT/deploy/local"
export CONSENT_PG_PORT="${CONSENT_BENCH_PG_PORT:-28432}" CONSENT_AMQP_PORT="${CONSENT_BENCH_AMQP_PORT:-28872}"
HTTP_PORT="${CONSENT_BENCH_HTTP_PORT:-5190}"
seconds="${1:-20}"; suite="${2:-all}"
"$here/install.sh" postgres rabbitmq node fonts

service_pid=""
bench_psql() { PGPASSWORD=consent-local "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/psql" -h 127.0.0.1 -p "$CONSENT_PG_PORT" -U postgres -d consent -v ON_ERROR_STOP=1 -qX "$@"; }
statements_file="$REPO_ROOT/artifacts/bench/$suite-statements.txt"
write_statements() {
  [ "${CONSENT_BENCH_STATEMENTS:-}" = 1 ] || return 0
  mkdir -p "$(dirname "$statements_file")"
  bench_psql -c "select calls, round(total_exec_time::numeric, 0) as total_ms, round(mean_exec_time::numeric, 3) as mean_ms,
      round(total_plan_time::numeric, 0) as plan_ms, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 400) as query
    from pg_stat_statements where dbid = (select oid from pg_database where datname = 'consent')
    order by total_exec_time + total_plan_time desc limit 40" > "$statements_file" && log "statements: $statements_file"
}
cleanup() {
  trap - INT TERM EXIT
  set +e
  [ -n "$service_pid" ] && stop_pid "$service_pid" 20
  write_statements
  "$here/rabbitmq.sh" stop bench; "$here/postgres.sh" stop bench
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$here/postgres.sh" reset bench >/dev/null 2>&1 || true
"$here/postgres.sh" start bench
if [ "${CONSENT_BENCH_STATEMENTS:-}" = 1 ]; then
  bench_psql -c "alter system set shared_preload_libraries = 'pg_stat_statements'"
  "$here/postgres.sh" stop bench; "$here/postgres.sh" start bench
  bench_psql -c "alter system set pg_stat_statements.track_planning = on" \
    -c "select pg_reload_conf()" -c "create extension if not exists pg_stat_statements"
fi
"$here/rabbitmq.sh" start bench
# CONSENT_BENCH_NO_BUILD=1 skips the build when the Release build is fresh (e.g. while working on the benchmark itself).
[ "${CONSENT_BENCH_NO_BUILD:-}" = 1 ] || dotnet build "$REPO_ROOT/Consent.sln" -c Release --nologo -v q -clp:ErrorsOnly >/dev/null || die "build failed"

export CONSENT_ConnectionStrings__Postgres; CONSENT_ConnectionStrings__Postgres="$("$here/postgres.sh" url bench)"
export CONSENT_Amqp__Uri; CONSENT_Amqp__Uri="$("$here/rabbitmq.sh" url bench)"
export CONSENT_Auth__LocalSigningKeyFile="$DATA_ROOT/bench/local-signing.key"
export CONSENT_Workflows__Path="$REPO_ROOT/workflows"
# The bench's own signing keys (the growth loader signs with them as the service does); the database is new each run,
# so the head checkpoints of an earlier run would name consents that no longer exist.
export CONSENT_Signing__KeyDirectory="$DATA_ROOT/bench/signing-keys" CONSENT_Signing__CreateIfMissing=true
rm -rf "$DATA_ROOT/bench/head-checkpoints"
# The driver's coordinator creates consents for all tablets at once; per-caller limits would measure the limiter.
export CONSENT_RateLimiting__PermitsPerSecond=1000000 CONSENT_RateLimiting__Burst=1000000
# The driver's clinician countersigns with the token made at the start of the run; a staff signature's 5-minute recent
# sign-in (Auth:RecentSignInSeconds) would measure the clock, not the service.
export CONSENT_Auth__RecentSignInSeconds=86400
export CONSENT_Serilog__MinimumLevel__Default="${BENCH_LOG_LEVEL:-Warning}"
export ASPNETCORE_ENVIRONMENT=Production
# Production settings, over plain HTTP on loopback: the links point at this port, and no HTTPS redirect.
export CONSENT_Tablet__PublicBaseUrl="http://127.0.0.1:$HTTP_PORT" CONSENT_Hosting__RequireHttps=false
# A dashboard account for the growth suite's list measurements; the driver signs in as a TLS-terminating proxy on
# loopback would pass the request on (X-Forwarded-Proto: https), since the dashboard's cookies are Secure outside Development.
export CONSENT_Proxy__KnownProxies__0=127.0.0.1
export CONSENT_Staff__Local__0__Username=bench-coordinator CONSENT_Staff__Local__0__Password=bench-coordinator-password \
  CONSENT_Staff__Local__0__Role=coordinator CONSENT_Staff__Local__0__Clinic=bench CONSENT_Staff__Local__0__DisplayName="Bench Coordinator"
api_dir="$REPO_ROOT/src/Consent.Api"
log_file="$DATA_ROOT/bench/service.log"

# Starts the service and waits until it is ready; ready_ms is how long that took.
ready_ms=0
start_service() {
  local t0; t0=$(now_ms)
  dotnet "$api_dir/bin/Release/net10.0/Consent.Api.dll" --contentRoot "$api_dir" --urls "http://127.0.0.1:$HTTP_PORT" "$@" >> "$log_file" 2>&1 &
  service_pid=$!
  for ((i = 0; i < 6000; i++)); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/health/ready")" = 200 ] && break
    pid_alive "$service_pid" || die "the service exited, see $log_file"
    sleep 0.1
  done
  ready_ms=$(elapsed_since "$t0")
}
stop_service() { stop_pid "$service_pid" 20; service_pid=""; }

mkdir -p "$DATA_ROOT/bench"; : > "$log_file"
# Growth measures on a quiet service: the start-up pass that re-verifies every consent runs once, timed, at the end.
growth_settings=(--Integrity:VerifyRows=false)
if [ "$suite" = growth ]; then start_service "${growth_settings[@]}"; else start_service; fi

bench() {
  # The driver subscribes as the demo subscriber, as an integrator would (the service's user cannot read a queue); its
  # raw AMQP baseline publishes, with that same user, to an exchange of its own.
  dotnet "$REPO_ROOT/tests/Consent.Benchmarks/bin/Release/net10.0/Consent.Benchmarks.dll" \
    "http://127.0.0.1:$HTTP_PORT" "$CONSENT_ConnectionStrings__Postgres" "$CONSENT_Auth__LocalSigningKeyFile" "${service_pid:-0}" \
    "$REPO_ROOT/workflows" "$seconds" "$("$here/rabbitmq.sh" subscriber-url bench)" "$@"
}

if [ "$suite" != growth ]; then bench "$suite"; exit 0; fi

# Growth: the same measurements on the nearly empty database (the templates and the relay's backlog only) and after
# loading CONSENT_BENCH_GROWTH_CONSENTS consents. The loader writes while the service is stopped, as a restore would.
export CONSENT_BENCH_ARTIFACTS="$REPO_ROOT/artifacts/bench" CONSENT_Signing__KeyDirectory
bench growth-templates
for phase in empty loaded; do
  stop_service
  bench growth-load "$phase"
  start_service "${growth_settings[@]}"
  log "growth[$phase]: service ready in $ready_ms ms"
  bench growth-measure "$phase" "$ready_ms"
done
# The start-up pass over every consent (RowVerifier), on the loaded database: how long until it logs its result.
stop_service
t0=$(now_ms)
start_service --Serilog:MinimumLevel:Override:Consent.Api.Consents.Integrity.RowVerifier=Information
for ((i = 0; i < 14400; i++)); do grep -q "Row verification" "$log_file" && break; sleep 0.5; done
bench growth-report "$(elapsed_since "$t0")"
