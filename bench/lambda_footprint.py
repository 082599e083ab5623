"""The function's footprint, measured the way Lambda runs it: a minimal Lambda Runtime API
on 127.0.0.1 serves the bootstrap one event, and this script records the time from process
start to the bootstrap's first request for work (init, median of several starts) and the peak
resident set (VmHWM) while it audits. Prints one JSON line.

usage: lambda_footprint.py BOOTSTRAP EVENT_FILE REGION [ENV=VALUE ...]
"""

import http.server
import json
import os
import socketserver
import statistics
import subprocess
import sys
import threading
import time

bootstrap, event_file, region = sys.argv[1], sys.argv[2], sys.argv[3]
extra_env = dict(arg.split("=", 1) for arg in sys.argv[4:])
event = open(event_file, "rb").read()


class State:
    def __init__(self):
        self.ready = threading.Event()
        self.done = threading.Event()
        self.served = False
        self.response = b""
        self.error = None


state = State()


class RuntimeApi(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if not self.path.endswith("/runtime/invocation/next"):
            self.send_error(404)
            return
        state.ready.set()
        if state.served:
            # The next invocation never comes; the process is stopped first.
            state.done.wait(600)
            time.sleep(5)
            return
        state.served = True
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", "bench-1")
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 900_000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", f"arn:aws:lambda:{region}:123456789012:function:gatecheck")
        self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(event)))
        self.end_headers()
        self.wfile.write(event)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if "/error" in self.path:
            state.error = body.decode(errors="replace")
        else:
            state.response = body
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        state.done.set()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def start(port):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "AWS_LAMBDA_FUNCTION_NAME": "gatecheck",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/gatecheck",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_REGION": region,
        **extra_env,
    }
    return subprocess.Popen([bootstrap], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def vm_kib(pid, field):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        return None
    return None


server = Server(("127.0.0.1", 0), RuntimeApi)
port = server.server_address[1]
threading.Thread(target=server.serve_forever, daemon=True).start()

# Init: process start to the first request for work, median of 7 starts.
inits = []
for _ in range(7):
    state.ready.clear()
    state.served = True  # hold /next: only the time to ask for it counts
    started = time.perf_counter()
    process = start(port)
    if not state.ready.wait(30):
        process.kill()
        sys.exit("the bootstrap never asked for work")
    inits.append((time.perf_counter() - started) * 1000)
    process.kill()
    process.wait()
    state.done.set()
    time.sleep(0.1)
    state.done.clear()

# One real invocation: peak RSS while it audits.
state.served = False
state.ready.clear()
started = time.perf_counter()
process = start(port)
peak = 0
while not state.done.is_set() and process.poll() is None and time.perf_counter() - started < 600:
    peak = max(peak, vm_kib(process.pid, "VmHWM:") or 0)
    time.sleep(0.01)
peak = max(peak, vm_kib(process.pid, "VmHWM:") or 0)
elapsed = time.perf_counter() - started
process.kill()
process.wait()

report = json.loads(state.response or b"{}")
print(
    json.dumps(
        {
            "init_ms_median": round(statistics.median(inits), 1),
            "init_ms_all": [round(i, 1) for i in inits],
            "peak_rss_mb": round(peak / 1024, 1),
            "invocation_s": round(elapsed, 2),
            "apis_audited": report.get("summary", {}).get("apis_audited"),
            "api_calls": report.get("summary", {}).get("api_calls"),
            "error": state.error,
        }
    )
)
