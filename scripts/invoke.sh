#!/usr/bin/env bash
# make invoke EVENT=events/x.json: run the real bootstrap under cargo-lambda's runtime
# emulator against a local moto seeded with the demo account, and send it one event.
set -euo pipefail
cd "$(dirname "$0")/.."

event=${1:?usage: scripts/invoke.sh events/FILE.json}
[[ -r $event ]] || { echo "cannot read event file $event" >&2; exit 2; }
venv=${VENV:-.venv}
export PATH="$PWD/$venv/bin:$PATH"
region=us-east-1
free_port() { "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
mkdir -p .demo

echo "==> Starting moto (with the emulator extension)"
moto_port=$(free_port)
"$venv/bin/python" tests/support/moto_ext.py -H 127.0.0.1 -p "$moto_port" >.demo/moto.log 2>&1 &
moto_pid=$!
watch_pid=
# cargo lambda watch starts each function instance in a process group of its own: stop the
# whole tree, deepest first.
kill_tree() {
  local child
  for child in $(pgrep -P "$1"); do kill_tree "$child"; done
  kill -KILL "$1" 2>/dev/null || true
}
cleanup() {
  [[ -n $watch_pid ]] && kill_tree "$watch_pid"
  kill "$moto_pid" 2>/dev/null || true
}
trap cleanup EXIT
"$venv/bin/python" - "$moto_port" <<'PY'
import sys, time, urllib.request
for _ in range(300):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/", timeout=2); sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.exit("moto did not start; see .demo/moto.log")
PY

# Emulator credentials only: they reach nothing but the local emulator.
export AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port" AWS_REGION=$region AWS_DEFAULT_REGION=$region
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo
unset AWS_PROFILE AWS_SESSION_TOKEN

echo "==> Seeding the demo account and an SNS topic with an SQS subscriber"
cargo build --quiet --example seed_demo --bin bootstrap
target/debug/examples/seed_demo >/dev/null
read -r topic queue api_id < <("$venv/bin/python" - <<'PY'
import boto3, json
sns, sqs = boto3.client("sns"), boto3.client("sqs")
apis = boto3.client("apigateway").get_rest_apis()["items"]
api_id = next(a["id"] for a in apis if a["name"] == "orders-no-usage-plan")
topic = sns.create_topic(Name="gatecheck-findings")["TopicArn"]
queue = sqs.create_queue(QueueName="gatecheck-findings")["QueueUrl"]
arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
print(topic, queue, api_id)
PY
)
# The sample events name the placeholder API a1b2c3d4e5: point them at a seeded one.
sed "s/a1b2c3d4e5/$api_id/g" "$event" >.demo/event.json
echo "sample API id a1b2c3d4e5 → seeded orders-no-usage-plan ($api_id)"

echo "==> cargo lambda watch (runtime emulator) on 127.0.0.1"
watch_port=$(free_port)
GATECHECK_TOPIC_ARN=$topic cargo lambda watch -A 127.0.0.1 -P "$watch_port" --ignore-changes \
  >.demo/watch.log 2>&1 &
watch_pid=$!
for _ in $(seq 1 600); do
  (exec 3<>"/dev/tcp/127.0.0.1/$watch_port") 2>/dev/null && break
  sleep 0.2
done

echo "==> cargo lambda invoke --data-file $event"
status=0
timeout 600 cargo lambda invoke -A 127.0.0.1 -P "$watch_port" bootstrap --data-file .demo/event.json >.demo/response.json || status=$?
cat .demo/response.json; echo

echo "==> What the function wrote (EMF metrics and finding logs): .demo/watch.log"
grep -c '"_aws"' .demo/watch.log | sed 's/^/EMF lines: /' || true
"$venv/bin/python" - "$queue" <<'PY'
import boto3, json, sys
messages = boto3.client("sqs").receive_message(QueueUrl=sys.argv[1], MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get("Messages", [])
print(f"SNS messages delivered to the subscribed queue: {len(messages)}")
for m in messages:
    body = json.loads(m["Body"])
    print("  subject:", body.get("Subject"))
    print("  attributes:", {k: v["Value"] for k, v in body.get("MessageAttributes", {}).items()})
PY
exit $status
