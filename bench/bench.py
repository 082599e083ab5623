"""make bench: every figure in one table, on this machine.

Call economy and the rate-limit floor on seeded emulator accounts of 10, 100 and 1,000 APIs;
the check engine (criterion) and its peak memory on synthetic snapshots; the log classifier
(criterion, 1,000,000 lines) and CloudWatch Logs calls per stage window; the function's
binary size, init time and peak memory; and gatecheck beside Prowler on the same emulated
accounts. Everything runs on 127.0.0.1 against moto with the emulator extension.

usage: bench.py   (run by bench/run.sh, which builds first)
"""

import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.environ.get("VENV", os.path.join(ROOT, ".venv"))
PROWLER_VENV = os.environ.get("PROWLER_VENV", os.path.join(ROOT, "bench", ".venv-prowler"))
OUT = os.path.join(ROOT, ".bench")
RELEASE = os.path.join(ROOT, "target", "release")
SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "10,100,1000").split(",")]
SIDE_BY_SIDE = [int(n) for n in os.environ.get("BENCH_PROWLER_SIZES", "50,200").split(",")]
# The call economy always runs (it seeds the accounts); the rest can be left out.
SECTIONS = os.environ.get("BENCH_SECTIONS", "engine,traffic,lambda,prowler").split(",")
os.makedirs(OUT, exist_ok=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_http(url, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.1)
    sys.exit(f"{url} did not answer")


def aws_env(endpoint, region):
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("AWS_") or key.startswith("GATECHECK_"):
            del env[key]
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_REGION=region,
        AWS_DEFAULT_REGION=region,
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def run_json(args, env):
    out = subprocess.run(args, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(args)} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def timed(args, env, cwd=None):
    """Wall seconds, peak RSS in MB and exit code, by GNU time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        started = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", t.name, *args], env=env, cwd=cwd, capture_output=True, text=True
        )
        wall = time.perf_counter() - started
        peak_kib = int((open(t.name).read().strip().splitlines() or ["0"])[-1] or 0)
    return wall, peak_kib / 1024, done


rows = []


def row(section, measure, value, target="", verdict=""):
    rows.append((section, measure, value, target, verdict))
    print(f"  {section:<14} {measure:<58} {value:>18} {target:>14} {verdict}", flush=True)


def check(ok):
    return "met" if ok else "MISSED"


# The emulator, and a counting proxy in front of it.
moto_port = free_port()
moto = subprocess.Popen(
    [os.path.join(VENV, "bin", "python"), os.path.join(ROOT, "tests", "support", "moto_ext.py"), "-H", "127.0.0.1", "-p", str(moto_port)],
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
)
proxy = subprocess.Popen(
    [sys.executable, os.path.join(ROOT, "bench", "count_proxy.py"), str(moto_port)], stdout=subprocess.PIPE, text=True
)
try:
    wait_http(f"http://127.0.0.1:{moto_port}/moto-api/")
    proxy_port = int(proxy.stdout.readline())
    moto_url, proxy_url = f"http://127.0.0.1:{moto_port}", f"http://127.0.0.1:{proxy_port}"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; moto on {moto_url}")
    print(f"  {'section':<14} {'measure':<58} {'value':>18} {'target':>14}")

    # 1. Call economy and the rate-limit floor.
    regions = {10: "eu-west-1", 100: "eu-west-2", 1000: "eu-west-3", 50: "ap-south-1", 200: "ap-northeast-1"}
    economy = {}
    for n in sorted(set(SIZES + SIDE_BY_SIDE)):
        region = regions.get(n, f"us-west-{1 + n % 2}")
        economy[n] = run_json([os.path.join(RELEASE, "examples", "bench_economy"), str(n), region], aws_env(moto_url, region))
        economy[n]["region"] = region
    for n in SIZES:
        e = economy[n]
        calls = e["calls"]
        ops = ", ".join(f"{op} {c}" for op, c in sorted(calls.items()))
        row("calls", f"{n} APIs, {e['stages']} stages, {e['deployments']} deployments: total", e["total_calls"])
        row("calls", f"{n} APIs: by operation", "", "", "")
        print(f"      {ops}")
        per_api = e["per_api_calls"]
        per_deployment = e["deployment_calls"] / max(e["deployments"], 1)
        row("calls", f"{n} APIs: per API (GetResources+GetStages+GetGatewayResponses, +GetAuthorizers where a method names one)", f"{per_api:.2f}", "<= 4", check(per_api <= 4))
        row("calls", f"{n} APIs: GetDeployment per distinct deployment", f"{per_deployment:.2f}", "1, 0 per stage", check(per_deployment <= 1))
        row("rate floor", f"{n} APIs: {e['api_gateway_calls']} API Gateway calls, quota floor", f"{e['floor_s']:.1f} s")
        # The limiter keeps 100 ms of margin on each 2 s GetResources window (5% over the
        # floor at scale) and a tenth of the burst.
        row("rate floor", f"{n} APIs: the limiter, on its own clock", f"{e['limiter_s']:.1f} s", "floor + 6%", check(e["limiter_s"] <= e["floor_s"] * 1.06 + 0.5))
        row("rate floor", f"{n} APIs: unlimited against the emulator (wall)", f"{e['emulator_wall_s']:.1f} s")
    # Quota-light scheduled audits with a stored state an hour old (hourly, 24 h full refresh).
    for n in SIZES[-1:]:
        light = economy[n]["light"]
        for name, label in [("unchanged", "unchanged"), ("five_changed", "5 APIs changed"),
                            ("five_changed_busy", "5 APIs changed among 20,000 other services' writes")]:
            l = light[name]
            row("state", f"{n} APIs, {label}: API Gateway calls ({l['apis_read']} APIs read, {l['apis_changed']} named by CloudTrail)",
                l["api_gateway_calls"], f"<= {l['target_calls']}", check(l["api_gateway_calls"] <= l["target_calls"]))
            row("state", f"{n} APIs, {label}: quota floor (full audit {l['full_api_gateway_calls']} calls, {l['full_floor_s']:.1f} s)",
                f"{l['floor_s']:.1f} s")
            row("state", f"{n} APIs, {label}: wall against the emulator, LookupEvents calls", f"{l['emulator_wall_s']:.2f} s, {l['lookup_events_calls']}")
            row("state", f"{n} APIs, {label}: findings identical to a full audit", str(l["same_findings_as_full"]).lower(), "true", check(l["same_findings_as_full"]))
        # A busy account's lookups: 10 pages of every service's writes, then one lookup per
        # event name of the table, not 400 pages. Other services' events that share a name with
        # API Gateway's (here SNS's TagResource, a fifth of them: 4,000) cost a page per 50.
        busy = light["five_changed_busy"]
        target = 10 + 48 + 4_000 // 50 + 2
        row("state", f"{n} APIs, 20,000 other services' writes: LookupEvents calls (at 2 a second)", busy["lookup_events_calls"],
            f"<= 10 + 48 names + 80 same-named pages + 2", check(busy["lookup_events_calls"] <= target))
        row("state", f"{n} APIs: the stored state (one S3 object, JSON)", f"{light['state_bytes'] / 1e6:.1f} MB")
        print(f"      target: 40 + 4 per changed API + the rotating slice ({light['unchanged']['rotating_calls']} calls: 4 per API, 1 per plan and domain)")

    if len(SIZES) >= 2:
        a, b = SIZES[-2], SIZES[-1]
        growth = (economy[b]["total_calls"] - economy[a]["total_calls"]) / (b - a)
        row("calls", f"growth from {a} to {b} APIs: calls per added API", f"{growth:.2f}", "<= 4 + 1 deployment")

    if "engine" in SECTIONS:
        # 2. The engine.
        bench = subprocess.run(
            ["cargo", "bench", "--bench", "engine", "--", "--noplot"], cwd=ROOT, capture_output=True, text=True
        )
        for n, unit_value in re.findall(r"engine/evaluate/(\d+)\s+time:\s+\[\S+ \S+ (\S+ \S+)", bench.stdout):
            value, unit = unit_value.split()
            ms = float(value) * {"ns": 1e-6, "µs": 1e-3, "us": 1e-3, "ms": 1, "s": 1000}[unit]
            target = "< 100 ms" if n == "10000" else ""
            row("engine", f"evaluate {n} APIs (criterion median)", f"{ms:.2f} ms", target, check(ms < 100) if target else "")
        if bench.returncode != 0:
            row("engine", "criterion", "failed", "", bench.stderr[-300:])
        for n in [100, 1000, 10000]:
            m = run_json([os.path.join(RELEASE, "examples", "bench_memory"), str(n)], dict(os.environ))
            target = "< 100 MB" if n == 10000 else ""
            row("engine", f"peak RSS, {n} APIs ({m['findings']} findings), snapshot included", f"{m['peak_rss_mb']:.1f} MB", target, check(m["peak_rss_mb"] < 100) if target else "")

    if "traffic" in SECTIONS:
        # 3. The log classifier alone: 1,000,000 lines in memory, classified and counted.
        bench = subprocess.run(
            ["cargo", "bench", "--bench", "traffic", "--", "--noplot"], cwd=ROOT, capture_output=True, text=True
        )
        found = re.findall(r"classify/(\w+)\s+time:\s+\[[^\]]*\]\s+thrpt:\s+\[\S+ \S+ (\S+) (\S+)", bench.stdout)
        for name, value, unit in found:
            per_second = float(value) * {"elem/s": 1, "Kelem/s": 1e3, "Melem/s": 1e6, "Gelem/s": 1e9}[unit]
            label = name.replace("_1m_lines", "").replace("_", " ")
            row("traffic", f"{label}: lines classified per second (1,000,000 lines)", f"{per_second / 1e6:.2f} M/s")
        if bench.returncode != 0 or not found:
            row("traffic", "criterion", "failed", "", bench.stderr[-300:])
        # FilterLogEvents returns at most 10,000 events a call (tests/traffic.rs measures 3
        # calls for 25,000 lines): a stage's window costs ceil(lines / 10,000) calls, at least 1.
        for lines in [1_000, 100_000, 1_000_000]:
            row("traffic", f"CloudWatch Logs calls for a stage window of {lines:,} lines", f"{max(1, -(-lines // 10_000))}")

    if "lambda" in SECTIONS:
        # 3. The function's footprint.
        # x86_64: the native release build is that target already; arm64: cargo-lambda's cross build.
        native = os.path.join(RELEASE, "bootstrap")
        mb = os.path.getsize(native) / 1e6
        row("lambda", f"bootstrap size, {platform.machine()}, release, stripped", f"{mb:.2f} MB", "< 12 MB", check(mb < 12))
        built = subprocess.run(
            ["cargo", "lambda", "build", "--release", "--arm64", "--bin", "bootstrap"], cwd=ROOT, capture_output=True, text=True
        )
        path = os.path.join(ROOT, "target", "lambda", "bootstrap", "bootstrap")
        if built.returncode == 0 and os.path.exists(path):
            mb = os.path.getsize(path) / 1e6
            row("lambda", "bootstrap size, arm64 (cargo lambda build), stripped", f"{mb:.2f} MB", "< 12 MB", check(mb < 12))
        else:
            row("lambda", "bootstrap size, arm64", "build failed", "< 12 MB", built.stderr[-200:])
        big = economy.get(1000) or economy[max(economy)]
        footprint = run_json(
            [
                sys.executable, os.path.join(ROOT, "bench", "lambda_footprint.py"), os.path.join(RELEASE, "bootstrap"),
                os.path.join(ROOT, "events", "scheduled.json"), big["region"],
                f"AWS_ENDPOINT_URL={moto_url}", "AWS_ACCESS_KEY_ID=bench", "AWS_SECRET_ACCESS_KEY=bench",
                f"GATECHECK_REGIONS={big['region']}", "GATECHECK_MAX_RPS=100",
            ],
            dict(os.environ),
        )
        row("lambda", "init: process start to first request for work (median of 7)", f"{footprint['init_ms_median']:.1f} ms", "< 30 ms", check(footprint["init_ms_median"] < 30))
        row("lambda", f"peak RSS auditing {footprint['apis_audited']} APIs ({footprint['api_calls']} calls)", f"{footprint['peak_rss_mb']:.1f} MB", "< 64 MB", check(footprint["peak_rss_mb"] < 64))

    if "prowler" in SECTIONS:
        # 4. Beside Prowler, on the same accounts, through the same counting proxy.
        prowler = os.path.join(PROWLER_VENV, "bin", "prowler")
        if not os.path.exists(prowler):
            row("prowler", "not installed", "see bench/run.sh", "", "")
        else:
            def counts_reset():
                urllib.request.urlopen(urllib.request.Request(f"{proxy_url}/__reset", method="POST"))

            def counts():
                return json.load(urllib.request.urlopen(f"{proxy_url}/__counts"))

            # Both tools through a proxy that enforces API Gateway's documented quotas and answers
            # 429 past them, on the economy's console-shaped APIs (empty mapping templates).
            quota_proxy = subprocess.Popen(
                [sys.executable, os.path.join(ROOT, "bench", "count_proxy.py"), str(moto_port), "--quota"],
                stdout=subprocess.PIPE,
                text=True,
            )
            quota_url = f"http://127.0.0.1:{int(quota_proxy.stdout.readline())}"

            def quota_counts():
                urllib.request.urlopen(urllib.request.Request(f"{quota_url}/__reset", method="POST"))
                return lambda: json.load(urllib.request.urlopen(f"{quota_url}/__counts"))

            def tally(counted):
                calls = sum(c for k, c in counted.items() if not k.startswith("throttled "))
                throttles = sum(c for k, c in counted.items() if k.startswith("throttled "))
                gateway = sum(c for k, c in counted.items() if k.startswith("apigateway "))
                resources = sum(c for k, c in counted.items() if k.startswith("apigateway GET /restapis/") and k.endswith("/resources"))
                return calls, throttles, gateway, resources

            def floor_s(total, get_resources):
                # The documented quotas: 10/s after a burst of 40; GetResources 5 in any 2 s.
                return max((total - 40) / 10, (max(get_resources - 1, 0) // 5) * 2, 0)

            def prowler_run(region, env):
                """Wall, peak RSS, the process, and per REST API the set of (check, resource, status)."""
                out_dir = tempfile.mkdtemp(prefix="prowler-")
                wall, mb, done = timed(
                    [prowler, "aws", "--service", "apigateway", "-f", region, "--no-banner", "-o", out_dir, "--output-formats", "json-ocsf"],
                    env,
                )
                results = {}
                for path in os.listdir(out_dir):
                    if path.endswith(".ocsf.json"):
                        for finding in json.load(open(os.path.join(out_dir, path))):
                            code = finding.get("metadata", {}).get("event_code", "")
                            if code.startswith("apigateway_restapi_"):
                                for resource in finding.get("resources", []):
                                    # Per REST API: stage-level results name the stage's ARN.
                                    api = re.search(r"/restapis/([^/]+)", resource.get("uid") or "")
                                    key = api.group(1) if api else resource.get("name")
                                    results.setdefault(key, set()).add((code, resource.get("uid"), finding.get("status_code")))
                shutil.rmtree(out_dir, ignore_errors=True)
                return wall, mb, done, results

            try:
                for n in SIDE_BY_SIDE:
                    region = economy[n]["region"]
                    env = aws_env(quota_url, region)
                    read = quota_counts()
                    g_wall, g_mb, g = timed([os.path.join(RELEASE, "gatecheck"), "audit", "--region", region, "--format", "json"], env)
                    g_calls, g_throttles, g_gateway, g_resources = tally(read())
                    try:
                        report = json.loads(g.stdout)
                        gaps = [f for f in report["findings"] if f["check"] == "GC900"]
                        g_full = 0 if any(f["api_id"] is None for f in gaps) else report["summary"]["apis_audited"] - len({f["api_id"] for f in gaps})
                    except (ValueError, KeyError):
                        g_full = 0
                    read = quota_counts()
                    p_wall, p_mb, p, results = prowler_run(region, env)
                    p_calls, p_throttles, _, _ = tally(read())
                    p_ok = p.returncode in (0, 3)  # 3: Prowler found failing checks
                    # An API is fully read when Prowler's results for it are those of a run
                    # without the quota (through the plain counting proxy).
                    _, _, _, reference = prowler_run(region, aws_env(proxy_url, region))
                    p_full = sum(1 for api, found in reference.items() if results.get(api) == found)
                    row("prowler", f"{n} console-shaped APIs, quota enforced: gatecheck wall / calls / throttled / fully read", f"{g_wall:.1f} s / {g_calls} / {g_throttles} / {g_full}", "0 throttled", check(g_throttles == 0 and g_full == n))
                    floor = floor_s(g_gateway, g_resources)
                    row("prowler", f"{n} APIs: gatecheck wall vs the quota floor of its {g_gateway} API Gateway calls", f"{g_wall:.1f} s / {floor:.1f} s")
                    row("prowler", f"{n} APIs, quota enforced: prowler wall / calls / throttled / fully read", f"{p_wall:.1f} s / {p_calls} / {p_throttles} / {p_full}", "", "" if p_ok else f"exit {p.returncode}: {p.stderr[-200:]}")
                    row("prowler", f"{n} APIs: peak RSS gatecheck / prowler", f"{g_mb:.0f} MB / {p_mb:.0f} MB")
            finally:
                quota_proxy.terminate()

            # Which causes each tool reports, on the demo account: one API per cause of 403.
            region = "us-east-2"
            env = aws_env(proxy_url, region)
            seeded = subprocess.run([os.path.join(RELEASE, "examples", "seed_demo")], env=aws_env(moto_url, region), capture_output=True, text=True)
            expected = {}
            for line in seeded.stdout.splitlines()[1:]:
                parts = line.split(None, 2)
                if len(parts) == 3 and parts[0] != "and":
                    expected[parts[0]] = parts[2]
            g = subprocess.run([os.path.join(RELEASE, "gatecheck"), "audit", "--region", region, "--format", "json", "--max-rps", "100"], env=env, capture_output=True, text=True)
            by_api = {}
            for f in json.loads(g.stdout)["findings"]:
                by_api.setdefault(f["api_name"], set()).add(f["check"])
            out_dir = tempfile.mkdtemp(prefix="prowler-")
            subprocess.run([prowler, "aws", "--service", "apigateway", "-f", region, "--no-banner", "-o", out_dir, "--output-formats", "json-ocsf"], env=env, capture_output=True)
            failed = {}
            for path in os.listdir(out_dir):
                if path.endswith(".ocsf.json"):
                    for finding in json.load(open(os.path.join(out_dir, path))):
                        if finding.get("status_code") == "FAIL":
                            for resource in finding.get("resources", []):
                                failed.setdefault(resource.get("name"), set()).add(finding["metadata"]["event_code"].replace("apigateway_restapi_", ""))
            shutil.rmtree(out_dir, ignore_errors=True)
            print("\n  cause of 403 on the demo account   gatecheck reports                prowler fails (apigateway_restapi_*)")
            causes = []
            for name, cause in expected.items():
                g_checks = ", ".join(sorted(by_api.get(name, set()))) or "nothing"
                p_checks = ", ".join(sorted(failed.get(name, set()))) or "nothing"
                print(f"  {name:<34} {g_checks:<32} {p_checks}")
                causes.append({"api": name, "expected": cause, "gatecheck": g_checks, "prowler": p_checks})
            with open(os.path.join(OUT, "causes.json"), "w") as f:
                json.dump(causes, f, indent=1)
finally:
    proxy.terminate()
    moto.terminate()

with open(os.path.join(OUT, "table.json"), "w") as f:
    json.dump({"machine": platform.machine(), "cores": os.cpu_count(), "rows": rows}, f, indent=1)
missed = [r for r in rows if r[4] == "MISSED"]
print(f"{len(rows)} figures; targets missed: {len(missed)}")
