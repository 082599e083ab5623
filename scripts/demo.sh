#!/usr/bin/env bash
# make demo: start a local AWS emulator, seed an account with broken and healthy REST APIs,
# and audit it with gatecheck. Everything stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${VENV:-.venv}
region=us-east-1
if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }

step "Building gatecheck and the demo seeder (the first build compiles the AWS SDK: a few minutes)"
cargo build --bin gatecheck --example seed_demo

step "Starting the AWS emulator (moto, with tests/support/moto_ext.py) on a free loopback port"
port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p .demo
# The extension makes moto answer as AWS does where it differs (see its header).
"$venv/bin/python" tests/support/moto_ext.py -H 127.0.0.1 -p "$port" >.demo/moto.log 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null || true' EXIT
"$venv/bin/python" - "$port" <<'PY'
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/moto-api/"
for _ in range(300):
    try:
        urllib.request.urlopen(url, timeout=2)
        sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.exit("moto did not start; see .demo/moto.log")
PY
echo "moto is listening on http://127.0.0.1:$port"

# Emulator credentials only: they reach nothing but the local emulator.
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=$region AWS_DEFAULT_REGION=$region
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo
unset AWS_PROFILE AWS_SESSION_TOKEN

step "Seeding account 123456789012 in $region with broken and healthy REST APIs"
target/debug/examples/seed_demo

step "gatecheck audit --region $region"
status=0
target/debug/gatecheck audit --region "$region" || status=$?

step "The same audit for a pipeline: gatecheck audit --format json --fail-on high"
target/debug/gatecheck audit --region "$region" --format json --fail-on high >.demo/report.json || true
"$venv/bin/python" - <<'PY'
import json
report = json.load(open(".demo/report.json"))
s = report["summary"]
print(f"{len(report['findings'])} findings, {s['suppressed']} suppressed, {s['api_calls']} AWS calls;",
      "by severity:", ", ".join(f"{k} {v}" for k, v in s["findings_by_severity"].items()))
print("full JSON report: .demo/report.json")
PY

# The demo key's value is the emulator's own seed data; explain never prints it.
demo_key=demoKeyValueEnabled0000000000000001
api_of() { "$venv/bin/python" -c 'import json,sys; r=json.load(open(".demo/report.json")); print(next(f["api_id"] for f in r["findings"] if f["api_name"]==sys.argv[1]))' "$1"; }
orders=$(api_of orders-no-usage-plan)
step "Why does GET /prod/orders answer 403? gatecheck explain https://$orders.execute-api.$region.amazonaws.com/prod/orders -H 'x-api-key: ...' --lookup-key-value"
target/debug/gatecheck explain "https://$orders.execute-api.$region.amazonaws.com/prod/orders" \
    -H "x-api-key: $demo_key" --lookup-key-value || true

admin=$(api_of admin-waf-default-block)
step "The same question as a pasted curl command, from an address the WAF does not know"
target/debug/gatecheck explain --source-ip 192.0.2.10 --lookup-key-value -- \
    "curl -H 'x-api-key: $demo_key' https://$admin.execute-api.$region.amazonaws.com/prod/admin" || true

step "Through a CloudFront alias whose behaviour forwards the viewer's Host: gatecheck explain https://catalog.example.com/items"
target/debug/gatecheck explain --region "$region" "https://catalog.example.com/items" -H "x-api-key: $demo_key" || true

step "What did the stages actually refuse in the last hour? gatecheck logs --api $orders"
target/debug/gatecheck logs --region "$region" --api "$orders" --since 1h || true

step "The WAF-guarded stage's JSON access log: gatecheck logs --api $admin --stage prod"
target/debug/gatecheck logs --region "$region" --api "$admin" --stage prod --since 1h || true

step "Findings with the requests their causes refused: gatecheck audit --evidence 1h --format json"
target/debug/gatecheck audit --region "$region" --evidence 1h --format json >.demo/evidence.json || true
"$venv/bin/python" - <<'PY'
import json
report = json.load(open(".demo/evidence.json"))
for f in report["findings"]:
    if f.get("evidence", {}).get("refused_requests"):
        e = f["evidence"]
        print(f"  {f['check']} {f['api_name']}/{f['stage'] or '*'}: {e['refused_requests']} refused in the last {e['window']} ({', '.join(e['causes'])})")
s = report["summary"]["evidence"]
not_yet = [n for n in s["notes"] if "the stage has not written to it yet" in n]
other = len(s["notes"]) - len(not_yet)
print(f"{s['stages_read']} stages' logs read with {s['log_calls']} CloudWatch Logs calls; "
      f"{len(not_yet)} stage(s) have no log group yet (no traffic since logging was turned on)"
      + (f"; {other} other note(s) in the JSON" if other else ""))
PY

step "The same report as one page to pass around: gatecheck audit --evidence 1h --format html"
target/debug/gatecheck audit --region "$region" --evidence 1h --format html >.demo/report.html || true
echo "open .demo/report.html in a browser (self-contained: no script, nothing loaded from anywhere)"

state=s3://gatecheck-demo-state/audits
step "Alerting on change: gatecheck audit --state $state (the first run: every finding is new)"
"$venv/bin/python" - <<'PY'
import boto3
boto3.client("s3").create_bucket(Bucket="gatecheck-demo-state")
# As if the seeding had happened three hours ago: the next audits look CloudTrail's history up
# only from the previous audit on.
import os, urllib.request
urllib.request.urlopen(urllib.request.Request(os.environ["AWS_ENDPOINT_URL"] + "/moto-api/cloudtrail/age?seconds=10800&region=" + os.environ["AWS_REGION"], data=b""))
PY
target/debug/gatecheck audit --region "$region" --state "$state" --format json >.demo/state-1.json || true
"$venv/bin/python" - <<'PY'
import json
s = json.load(open(".demo/state-1.json"))["summary"]
c, r = s["changes"], s["reads"]
print(f"{c['new']} new, {c['ongoing']} ongoing, {c['resolved']} resolved; read {r['apis_read']} APIs in full ({r['full_read_because']})")
PY

step "Fix one cause (a usage plan for orders-no-usage-plan/prod), then audit again: it is listed as resolved"
"$venv/bin/python" - "$orders" <<'PY'
import sys, boto3
apigw = boto3.client("apigateway")
key = next(k["id"] for k in apigw.get_api_keys()["items"] if k["enabled"])
plan = apigw.create_usage_plan(name="orders-plan", apiStages=[{"apiId": sys.argv[1], "stage": "prod"}])
apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key, keyType="API_KEY")
PY
target/debug/gatecheck audit --region "$region" --state "$state" >.demo/state-2.txt || true
sed -n '/Resolved since the previous audit/,/^Findings:/p; /^Since the previous audit/,/from the stored state/p' .demo/state-2.txt

step "The same findings for Security Hub or a security lake: --format asff, --format ocsf"
target/debug/gatecheck audit --region "$region" --format asff >.demo/findings.asff.json || true
target/debug/gatecheck audit --region "$region" --format ocsf >.demo/findings.ocsf.json || true
"$venv/bin/python" - <<'PY'
import json
asff = json.load(open(".demo/findings.asff.json"))["Findings"]
ocsf = json.load(open(".demo/findings.ocsf.json"))
print(f"{len(asff)} ASFF findings (.demo/findings.asff.json), {len(ocsf)} OCSF Compliance Finding events (.demo/findings.ocsf.json)")
PY

step "Done"
echo "gatecheck exited with $status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 could not run."
echo "The emulator stops now."
