#!/usr/bin/env bash
# The README's test command: its own PostgreSQL and RabbitMQ (profile "test", apart from a running demo),
# every test project (or those given as arguments), then the names of the failed tests and, last, one line
# "N passed, N failed, N skipped". CONSENT_TEST_FILTER, when set, is passed to dotnet test as --filter.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
here="$REPO_ROOT/deploy/local"

# The pure projects (no PostgreSQL, RabbitMQ or browser) run first: a broken rule shows in seconds.
pure=(tests/Consent.Api.UnitTests/Consent.Api.UnitTests.csproj tests/Consent.Workflows.Tests/Consent.Workflows.Tests.csproj
  tests/Consent.Contracts.Tests/Consent.Contracts.Tests.csproj)
if [ $# -gt 0 ]; then projects=("$@"); else
  mapfile -t projects < <({ printf '%s\n' "${pure[@]}"; ls tests/*/*.csproj | grep -v Benchmarks; } | awk '!seen[$0]++')
fi

"$here/install.sh" postgres rabbitmq chromium node pdfcheck smtp
# signature_pad for the tablet pages, axe-core for the browser tests: pinned npm packages, never hand-copied.
"$here/assets.sh" all

cleanup() {
  trap - INT TERM EXIT
  "$here/rabbitmq.sh" stop test || true
  "$here/postgres.sh" stop test || true
  "$here/postgres.sh" stop test2 || true
  # Tests that stop and start their own broker and database use this profile; never leave it behind.
  CONSENT_PG_PORT=27432 CONSENT_AMQP_PORT=27872 "$here/rabbitmq.sh" stop resilience >/dev/null 2>&1 || true
  CONSENT_PG_PORT=27432 CONSENT_AMQP_PORT=27872 "$here/postgres.sh" stop resilience >/dev/null 2>&1 || true
  CONSENT_PG_PORT=27532 CONSENT_AMQP_PORT=27972 "$here/rabbitmq.sh" stop brokerdown >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Every run starts from empty stores, so no test depends on what an earlier run left behind.
"$here/postgres.sh" reset test2 >/dev/null 2>&1 || true
for c in rabbitmq postgres; do
  "$here/$c.sh" reset test >/dev/null 2>&1 || true
  CONSENT_PG_PORT=27432 CONSENT_AMQP_PORT=27872 "$here/$c.sh" reset resilience >/dev/null 2>&1 || true
done
CONSENT_PG_PORT=27532 CONSENT_AMQP_PORT=27972 "$here/rabbitmq.sh" reset brokerdown >/dev/null 2>&1 || true
t0=$(now_ms)
"$here/postgres.sh" start test
# A second PostgreSQL server: tests that spread clinics over two databases (ClinicDatabasesTests).
"$here/postgres.sh" start test2
"$here/rabbitmq.sh" start test
log "test infrastructure cold start: $(elapsed_since "$t0") ms"

export CONSENT_TEST_POSTGRES; CONSENT_TEST_POSTGRES="$("$here/postgres.sh" url test)"
export CONSENT_TEST_POSTGRES_APP; CONSENT_TEST_POSTGRES_APP="$("$here/postgres.sh" app-url test)"
export CONSENT_TEST_POSTGRES_2; CONSENT_TEST_POSTGRES_2="$("$here/postgres.sh" url test2)"
export CONSENT_TEST_AMQP; CONSENT_TEST_AMQP="$("$here/rabbitmq.sh" url test)"
export CONSENT_TEST_AMQP_SUBSCRIBER; CONSENT_TEST_AMQP_SUBSCRIBER="$("$here/rabbitmq.sh" subscriber-url test)"
export CONSENT_REPO_ROOT="$REPO_ROOT"

dotnet build "$REPO_ROOT/Consent.sln" -c Release --nologo -v q -clp:ErrorsOnly || die "build failed"

results="$DATA_ROOT/test-results"
rm -rf "$results"; mkdir -p "$results"
passed=0; failed=0; skipped=0
failures=()
for project in "${projects[@]}"; do
  name="$(basename "$project" .csproj)"
  log "running $name"
  # Minimal: a failed test is shown with its error and the service's log events of its run (the tests attach them);
  # passing tests print nothing, so a failure is not buried.
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" --results-directory "$results" \
    ${CONSENT_TEST_FILTER:+--filter "$CONSENT_TEST_FILTER"} || true
  trx="$results/$name.trx"
  if [ ! -f "$trx" ]; then
    log "$name produced no results: counted as one failure"; failed=$((failed + 1)); failures+=("$name (no results)"); continue
  fi
  counters="$(grep -o '<Counters [^>]*>' "$trx")"
  count() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  p=$(count passed); f=$(( $(count failed) + $(count error) + $(count timeout) + $(count aborted) )); s=$(count notExecuted)
  if [ "$(count total)" = 0 ]; then log "$name ran no test: counted as one failure"; f=$((f + 1)); failures+=("$name (ran no test)"); fi
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  mapfile -t -O "${#failures[@]}" failures < <(grep -o '<UnitTestResult [^>]*>' "$trx" \
    | grep -E ' outcome="(Failed|Error|Timeout|Aborted)"' \
    | sed -n 's/.* testName="\([^"]*\)".*/\1/p' \
    | sed 's/&quot;/"/g; s/&apos;/'"'"'/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g')
done

# Stopped before the summary, so that its line stays the output's last.
cleanup
if [ "${#failures[@]}" -gt 0 ]; then
  echo "failed tests:"
  printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
