#!/usr/bin/env bash
# The benchmark: its own PostgreSQL, RabbitMQ and service (profile "bench"), N simulated tablets (1, 4, 16)
# through the stem-cell consent over HTTP, and a raw Npgsql baseline in the same run; event lag and gate speed beside
# raw AMQP and SQL baselines. Usage: bench.sh [seconds-per-level] [sessions|events|gate|all]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
here="$REPO_ROOT/deploy/local"
export CONSENT_PG_PORT=28432 CONSENT_AMQP_PORT=28872
HTTP_PORT=5190
"$here/install.sh" postgres rabbitmq node fonts

service_pid=""
cleanup() {
  trap - INT TERM EXIT
  set +e
  [ -n "$service_pid" ] && stop_pid "$service_pid" 20
  "$here/rabbitmq.sh" stop bench; "$here/postgres.sh" stop bench
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$here/postgres.sh" reset bench >/dev/null 2>&1 || true
"$here/postgres.sh" start bench
"$here/rabbitmq.sh" start bench
dotnet build "$REPO_ROOT/Consent.sln" -c Release --nologo -v q -clp:ErrorsOnly >/dev/null || die "build failed"

export CONSENT_ConnectionStrings__Postgres; CONSENT_ConnectionStrings__Postgres="$("$here/postgres.sh" url bench)"
export CONSENT_Amqp__Uri; CONSENT_Amqp__Uri="$("$here/rabbitmq.sh" url bench)"
export CONSENT_Auth__LocalSigningKeyFile="$DATA_ROOT/bench/local-signing.key"
export CONSENT_Workflows__Path="$REPO_ROOT/workflows"
# The driver's coordinator creates consents for all tablets at once; per-caller limits would measure the limiter.
export CONSENT_RateLimiting__PermitsPerSecond=1000000 CONSENT_RateLimiting__Burst=1000000
export CONSENT_Serilog__MinimumLevel__Default="${BENCH_LOG_LEVEL:-Warning}"
export ASPNETCORE_ENVIRONMENT=Production
# Production settings, over plain HTTP on loopback: the links point at this port, and no HTTPS redirect.
export CONSENT_Tablet__PublicBaseUrl="http://127.0.0.1:$HTTP_PORT" CONSENT_Hosting__RequireHttps=false
api_dir="$REPO_ROOT/src/Consent.Api"
dotnet "$api_dir/bin/Release/net10.0/Consent.Api.dll" --contentRoot "$api_dir" --urls "http://127.0.0.1:$HTTP_PORT" > "$DATA_ROOT/bench/service.log" 2>&1 &
service_pid=$!
for ((i = 0; i < 600; i++)); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/health/ready")" = 200 ] && break
  pid_alive "$service_pid" || die "the service exited, see $DATA_ROOT/bench/service.log"
  sleep 0.1
done

# The driver subscribes as the demo subscriber, as an integrator would (the service's user cannot read a queue); its raw
# AMQP baseline publishes, with that same user, to an exchange of its own.
dotnet "$REPO_ROOT/tests/Consent.Benchmarks/bin/Release/net10.0/Consent.Benchmarks.dll" \
  "http://127.0.0.1:$HTTP_PORT" "$CONSENT_ConnectionStrings__Postgres" "$CONSENT_Auth__LocalSigningKeyFile" "$service_pid" \
  "$REPO_ROOT/workflows" "${1:-20}" "$("$here/rabbitmq.sh" subscriber-url bench)" "${2:-all}"
