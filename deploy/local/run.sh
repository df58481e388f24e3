#!/usr/bin/env bash
# The README's run command: PostgreSQL, RabbitMQ and the service with the demo clinic, until Ctrl-C.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

# Tokens and the demo tablet link are bearer secrets: printed only when asked (a terminal is often shared, recorded or
# scrolled back by others); they are always in .data/demo.json, readable by its owner only.
show_tokens=false
for arg in "$@"; do
  case "$arg" in
    --show-tokens) show_tokens=true ;;
    *) die "unknown argument '$arg' (the only one is --show-tokens)" ;;
  esac
done

HTTP_PORT="${CONSENT_HTTP_PORT:-5180}"
here="$REPO_ROOT/deploy/local"
"$here/install.sh" postgres rabbitmq node fonts

started=()
service_pid=""
cleanup() {
  trap - INT TERM EXIT
  # Ctrl-C also reaches a pipe reader (e.g. "| tee"); stopping must go on even if nothing can be printed.
  set +e; trap '' PIPE
  if [ -n "$service_pid" ]; then log "stopping the service (pid $service_pid)"; stop_pid "$service_pid" 25; fi
  local c; for c in "${started[@]}"; do "$here/$c.sh" stop demo || true; done
  rm -f "$DATA_ROOT/demo.json"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$(now_ms)
for c in postgres rabbitmq; do
  "$here/$c.sh" status demo >/dev/null 2>&1 || started+=("$c")
  "$here/$c.sh" start demo
done
log "infrastructure ready in $(elapsed_since "$t0") ms"

log "building (Release)"
dotnet build "$REPO_ROOT/Consent.sln" -c Release --nologo -v q -clp:ErrorsOnly >/dev/null || die "build failed: run 'dotnet build' to see why"

if curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/health/live"; then
  die "port $HTTP_PORT is in use (another demo running?). Stop it, or set CONSENT_HTTP_PORT."
fi

export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export CONSENT_ConnectionStrings__Postgres; CONSENT_ConnectionStrings__Postgres="$("$here/postgres.sh" url demo)"
export CONSENT_Amqp__Uri; CONSENT_Amqp__Uri="$("$here/rabbitmq.sh" url demo)"
export CONSENT_Auth__Mode=Local
export CONSENT_Auth__LocalSigningKeyFile="$DATA_ROOT/local-signing.key"
export CONSENT_Workflows__Path="$REPO_ROOT/workflows"
export CONSENT_Demo__Enabled=true
# The demo clinic's web sign-in: one coordinator and one clinician, passwords made once and kept in .data/ (git-ignored).
staff_file="$DATA_ROOT/demo-staff.env"
if [ ! -f "$staff_file" ]; then
  (umask 077; printf 'COORDINATOR_PASSWORD=%s\nCLINICIAN_PASSWORD=%s\n' \
    "$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 20)" "$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 20)" > "$staff_file")
fi
# shellcheck disable=SC1090
source "$staff_file"
export CONSENT_Staff__Local__0__Username=coordinator CONSENT_Staff__Local__0__Password="$COORDINATOR_PASSWORD" \
  CONSENT_Staff__Local__0__Role=coordinator CONSENT_Staff__Local__0__Clinic=demo CONSENT_Staff__Local__0__DisplayName="Demo Coordinator"
export CONSENT_Staff__Local__1__Username=clinician CONSENT_Staff__Local__1__Password="$CLINICIAN_PASSWORD" \
  CONSENT_Staff__Local__1__Role=clinician CONSENT_Staff__Local__1__Clinic=demo CONSENT_Staff__Local__1__DisplayName="Demo Clinician"

base_url="http://127.0.0.1:$HTTP_PORT"
api_dir="$REPO_ROOT/src/Consent.Api"
# The schema's owner migrates it and grants the service's role its rights; the service then runs as that role, which
# may append events but never rewrite or delete them (README "Security"), as a production deployment would.
owner_db="$CONSENT_ConnectionStrings__Postgres"
CONSENT_Store__AppRole=consent_app dotnet "$api_dir/bin/Release/net10.0/Consent.Api.dll" migrate --contentRoot "$api_dir" >/dev/null \
  || die "migrating the database schema failed (see above)"
CONSENT_ConnectionStrings__Postgres="$("$here/postgres.sh" app-url demo)"
export CONSENT_Store__ApplySchemaChanges=false
dotnet "$api_dir/bin/Release/net10.0/Consent.Api.dll" --contentRoot "$api_dir" --urls "$base_url" &
service_pid=$!

for ((i = 0; i < 600; i++)); do
  pid_alive "$service_pid" || die "the service exited during start-up (see its log above)"
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base_url/health/ready")" = 200 ] && break
  sleep 0.1
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base_url/health/ready")" = 200 ] || die "the service did not become ready in 60s"
log "service ready in $(elapsed_since "$t0") ms from the start of this command"

# demo.json carries the demo SUBSCRIBER's broker user, never the service's: whoever holds the file can read the demo
# clinic's events but cannot publish one. Passwords go through the environment, not the command line.
subscriber_uri="$("$here/rabbitmq.sh" subscriber-url demo)"
CONSENT_DEMO_AMQP="$subscriber_uri" CONSENT_DEMO_SCHEDULER_DB="$("$here/postgres.sh" scheduler-url demo)" \
  CONSENT_DEMO_STAFF_COORDINATOR="coordinator:$COORDINATOR_PASSWORD" CONSENT_DEMO_STAFF_CLINICIAN="clinician:$CLINICIAN_PASSWORD" \
  dotnet "$REPO_ROOT/src/Consent.Cli/bin/Release/net10.0/consent.dll" demo-file --out "$DATA_ROOT/demo.json" \
  --base-url "$base_url" --postgres "$owner_db"

# One demo consent, so the tablet can be tried at once: the link a coordinator would hand to the tablet.
coordinator_token="$(grep -o '"coordinator": *"[^"]*"' "$DATA_ROOT/demo.json" | head -1 | sed 's/.*: *"\(.*\)"/\1/')"
tablet_url="$(curl -s -X POST "$base_url/api/consents" -H "Authorization: Bearer $coordinator_token" -H 'Content-Type: application/json' \
  -d '{"patientId":"DEMO-0001","procedureCode":"MSC-IV","workflowId":"stem-cell-ms","locale":"en"}' \
  | grep -o '"tabletUrl":"[^"]*"' | sed 's/"tabletUrl":"\(.*\)"/\1/')" || true

if $show_tokens; then
  tablet_line="${tablet_url:-"(could not start a demo consent)"}"
  tokens="$(sed -n '/"tokens"/,/}/p' "$DATA_ROOT/demo.json" | sed '1d;$d;s/^ */    /')"
else
  tablet_line="(a link was made; run with --show-tokens to print it, or start a consent from the dashboard)"
  tokens="    in $DATA_ROOT/demo.json (mode 0600); run with --show-tokens to print them here"
fi

cat >&2 <<MSG

  Consent is running (demo clinic "demo").
    API            $base_url   (reference: $base_url/docs, OpenAPI: $base_url/openapi/v1.json)
    Health         $base_url/health/ready
    PostgreSQL     $CONSENT_ConnectionStrings__Postgres
    RabbitMQ       amqp://${subscriber_uri##*@}   (users: consent-service publishes; demo-scheduler, in demo.json, subscribes)
    Demo file      $DATA_ROOT/demo.json   (URLs, one token per role, the subscriber's AMQP URI)
    Scheduler      dotnet run --project src/Consent.SchedulerSample -- --demo-file .data/demo.json   (in another terminal)
    Dashboard      $base_url/dashboard   (sign in as coordinator or clinician; passwords in $staff_file)
    Patient tablet $tablet_line
                   (a new stem-cell consent for demo patient DEMO-0001; the link opens on one browser only)

  Tokens:
$tokens

  Press Ctrl-C to stop everything this command started.

MSG
wait "$service_pid" || true
service_pid=""
