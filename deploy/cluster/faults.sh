#!/usr/bin/env bash
# The fault suite: under tablet load through HAProxy, breaks one thing at a time in the local cluster and prints, per
# fault, the requests that failed while it lasted, the time until steps succeeded again, the acknowledged steps lost or
# doubled (must be 0), and the events lost or sent under a second message id (must be 0), each per clinic (demo in the
# default database, north in the second one), and which instance held each database's relay lock before the fault,
# after it and in between (never two at once). Then the tablets' throughput with 3 instances and with 1. Heavy (15-20 minutes on 2 cores, with the cluster's start): not part of the test command.
# Usage: faults.sh [all|throughput|pg-primary|rabbit-node|service-instance|etcd-member|pg-both ...]
#   Starts the cluster when it is not running (and stops it again at the end); FAULT_TABLETS (default 4) tablets.
# Internal: faults.sh inject|heal FAULT (the driver calls these).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
here="$REPO_ROOT/deploy/cluster"
run() { "$here/run.sh" "$@"; }
victim_file="$CLUSTER_DIR/fault-victim"

wait_healthy() { wait_until "${1:-120}" "the cluster back to full health" run healthy; }

inject() {
  case "$1" in
    pg-primary)
      # The primary's whole node dies: Patroni and PostgreSQL at once, so nothing hands over gracefully.
      local i node="" role; for i in 1 2; do role="$(run role "$i")"; if [ "$role" = master ] || [ "$role" = primary ]; then node="pg$i"; fi; done
      [ -n "$node" ] || die "no PostgreSQL primary to kill"
      echo "$node" > "$victim_file"
      kill -9 "$(run pid "$node")" "$(run pid "postmaster${node#pg}")"
      log "faults: kill -9 $node (the primary: Patroni and its postmaster)" ;;
    rabbit-node)
      echo rabbit1 > "$victim_file"
      kill -9 "$(run pid rabbit1)"
      log "faults: kill -9 rabbit1's Erlang VM" ;;
    service-instance)
      echo svc1 > "$victim_file"
      kill -9 "$(run pid svc1)"
      log "faults: kill -9 svc1" ;;
    etcd-member)
      local leader; leader="$(run etcd-leader)" || die "no etcd leader"
      echo "$leader" > "$victim_file"
      run stop-one "$leader"
      log "faults: stopped $leader (the etcd leader)" ;;
    pg-both)
      # Standby first: the primary then has no one to fail over to and simply goes down with it.
      local i; for i in 1 2; do if [ "$(run role "$i")" = replica ]; then run stop-one "pg$i"; fi; done
      run stop-one pg1; run stop-one pg2
      log "faults: stopped both PostgreSQL nodes (Patroni and PostgreSQL)" ;;
    none) ;;
    *) die "unknown fault $1" ;;
  esac
}

heal() {
  case "$1" in
    pg-both) run start-one pg1; run start-one pg2 ;;
    none) ;;
    *) run start-one "$(cat "$victim_file")" ;;
  esac
  wait_healthy 150
  log "faults: $1 healed, the cluster is back to full health"
}

# Tablets in every clinic (each in its own database), a subscriber per clinic, and the relay locks watched on each
# PostgreSQL node (run.sh relay-holders, once a second).
driver() {
  local demos="" databases="" entry db clinic
  for entry in "${CLINIC_DBS[@]}"; do
    read -r _ db clinic <<<"$entry"
    demos+="${demos:+,}$(demo_file "$clinic")"; databases+="${databases:+,}$db"
  done
  FAULT_DEMOS="$demos" FAULT_DATABASES="$databases" FAULT_WORKFLOWS="$REPO_ROOT/workflows" \
    FAULT_PG_NODES="$(run pg-nodes)" FAULT_RELAY_SQL="$here/relay-holders.sql" \
    dotnet "$here/FaultDriver/bin/Release/net10.0/Consent.Cluster.FaultDriver.dll" "$@"
}

# One throughput measurement (instances, tablets) as a line of the results.
throughput() {
  FAULT_TABLETS="$2" driver throughput "${FAULT_SECONDS:-30}" | sed -n 's/^RESULT //p' \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); d["name"]="throughput-'"$1"'"; print(json.dumps(d))' >> "$results"
}

case "${1:-all}" in
  inject) inject "${2:?fault}"; exit 0 ;;
  heal) heal "${2:?fault}"; exit 0 ;;
esac

scenarios=("$@"); [ ${#scenarios[@]} -gt 0 ] && [ "$1" != all ] || scenarios=(throughput pg-primary rabbit-node service-instance etcd-member pg-both)

started=0
if ! run healthy 2>/dev/null; then run start >/dev/null; started=1; fi
cleanup() { trap - INT TERM EXIT; set +e; [ $started = 1 ] && run stop; }
trap cleanup EXIT
trap 'exit 130' INT TERM
dotnet build "$here/FaultDriver" -c Release --nologo -v q -clp:ErrorsOnly >/dev/null || die "the fault driver does not build"
results="$CLUSTER_DIR/fault-results.jsonl"; : > "$results"

for s in "${scenarios[@]}"; do
  wait_healthy 150
  if [ "$s" = throughput ]; then
    for tablets in 4 16; do
      log "faults: throughput with $SVC_COUNT instances, $tablets tablets"
      throughput "$SVC_COUNT" "$tablets"
    done
    for ((i = 2; i <= SVC_COUNT; i++)); do run stop-one "svc$i"; done
    sleep 3   # HAProxy marks them down (2 failed checks, 1 s apart)
    for tablets in 4 16; do
      log "faults: throughput with 1 instance, $tablets tablets"
      throughput 1 "$tablets"
    done
    for ((i = 2; i <= SVC_COUNT; i++)); do run start-one "svc$i"; done
    continue
  fi
  log "faults: scenario $s"
  driver scenario "$s" "$here/faults.sh inject $s" "$here/faults.sh heal $s" | sed -n 's/^RESULT //p' >> "$results" \
    || log "faults: scenario $s did not complete"
done

python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
faults = [r for r in rows if "stepsLost" in r]
def per_clinic(r, key):
    # the total, then each clinic's share (each clinic is in its own database)
    parts = [str(c[key]) for c in r.get("clinics", [])]
    return f'{r[key]} ({" / ".join(parts)})' if len(parts) > 1 else str(r[key])
def relay(r):
    # per database: the instance holding its relay lock before the fault > ... > at the end, and the most holders at once
    return "; ".join(f'{l["database"]}: {l["path"]} (max {l["maxHolders"]})' for l in r.get("relayLeaders", [])) or "-"
if faults:
    clinics = " / ".join(c["clinic"] for c in faults[0].get("clinics", []))
    print("clinics: " + clinics)
    head = ["fault", "failed requests", "recovered after s (after heal)", "wrong answers", "acked steps", "steps lost", "doubled", "chains broken", "events expected", "events lost", "dup. ids", "redelivered", "relay leader per database"]
    print(" | ".join(head))
    for r in faults:
        print(" | ".join(str(x) for x in [r["name"], f'{r["failedAttempts"]} ({r["failureKinds"] or "-"})', f'{r["recoverySeconds"]} ({r.get("afterHealSeconds", "-")})', r["wrongAnswers"],
              per_clinic(r, "ackedSteps"), per_clinic(r, "stepsLost"), per_clinic(r, "stepsDoubled"), per_clinic(r, "chainsBroken"), per_clinic(r, "eventsExpected"),
              per_clinic(r, "eventsLost"), per_clinic(r, "eventsDuplicateIds"), per_clinic(r, "redelivered"), relay(r)]))
tp = [r for r in rows if r.get("name", "").startswith("throughput")]
if tp:
    print()
    print("instances | tablets | steps/s | p50 ms | p99 ms | failed requests")
    for r in tp:
        print(f'{r["name"].split("-")[1]} | {r["tablets"]} | {r["stepsPerSecond"]} | {r["p50Ms"]} | {r["p99Ms"]} | {r["failedAttempts"]}')
bad = [r["name"] for r in faults if r["stepsLost"] or r["stepsDoubled"] or r["eventsLost"] or r["eventsDuplicateIds"] or r["wrongAnswers"] or r["chainsBroken"]
       or any(l["maxHolders"] > 1 for l in r.get("relayLeaders", [])) or len(r.get("clinics", [])) < 2]
print()
print("FAILED: " + ", ".join(bad) if bad else f"all {len(faults)} faults: 0 acknowledged steps lost, 0 events lost or duplicated, in every clinic's database; never two relay leaders of one database")
sys.exit(1 if bad else 0)
PY
