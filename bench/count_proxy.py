"""A loopback HTTP proxy in front of the emulator that counts the AWS requests passing
through it, by service (from the SigV4 credential scope) and operation. Both tools of the
side-by-side go through it, so their calls are counted the same way.

usage: count_proxy.py UPSTREAM_PORT [--quota]   (prints the port it listens on, then serves)
GET /__counts returns the counts so far as JSON; POST /__reset clears them.

With --quota it also enforces API Gateway's documented control-plane quotas, as AWS answers
past them (429 TooManyRequestsException): 10 requests per second with a burst of 40 per
account and region, and GetResources at most 5 in any 2 seconds (the strict reading of "5
every 2 seconds"). A refused request is counted as `throttled <service> <operation>`.
"""

import collections
import http.client
import http.server
import json
import re
import socketserver
import sys
import threading
import time
import urllib.parse

upstream_port = int(sys.argv[1])
enforce_quota = "--quota" in sys.argv[2:]
lock = threading.Lock()
counts = collections.Counter()


class Quota:
    """API Gateway's control-plane quotas for one account and region."""

    RATE, BURST = 10.0, 40.0
    GET_RESOURCES, WINDOW = 5, 2.0

    def __init__(self):
        self.tokens, self.last = self.BURST, time.monotonic()
        self.get_resources = collections.deque()

    def admit(self, is_get_resources):
        now = time.monotonic()
        self.tokens = min(self.BURST, self.tokens + (now - self.last) * self.RATE)
        self.last = now
        while self.get_resources and now - self.get_resources[0] >= self.WINDOW:
            self.get_resources.popleft()
        if self.tokens < 1 or (is_get_resources and len(self.get_resources) >= self.GET_RESOURCES):
            return False
        self.tokens -= 1
        if is_get_resources:
            self.get_resources.append(now)
        return True


quotas = collections.defaultdict(Quota)


def operation(handler, body):
    target = handler.headers.get("X-Amz-Target")
    if target:
        return target.split(".")[-1]
    if body and b"Action=" in body:
        query = urllib.parse.parse_qs(body.decode(errors="replace"))
        return query.get("Action", ["?"])[0]
    path = urllib.parse.urlparse(handler.path).path
    # REST APIs: the verb and the path with ids blanked.
    shape = re.sub(r"/(?=[^/]*\d)[A-Za-z0-9._~-]{6,}", "/{id}", path)
    return f"{handler.command} {shape}"


def service(handler):
    auth = handler.headers.get("Authorization", "")
    match = re.search(r"Credential=[^/]+/\d+/[^/]+/([^/]+)/", auth)
    return match.group(1) if match else "unsigned"


def is_get_resources(handler):
    path = urllib.parse.urlparse(handler.path).path.rstrip("/")
    return handler.command == "GET" and re.fullmatch(r"/restapis/[^/]+/resources", path) is not None


def region(handler):
    auth = handler.headers.get("Authorization", "")
    match = re.search(r"Credential=[^/]+/\d+/([^/]+)/", auth)
    return match.group(1) if match else "unsigned"


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def relay(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        if self.path == "/__counts":
            with lock:
                payload = json.dumps(dict(counts)).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        if self.path == "/__reset":
            with lock:
                counts.clear()
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        name = f"{service(self)} {operation(self, body)}"
        with lock:
            admitted = not (enforce_quota and service(self) == "apigateway") or quotas[
                (self.headers.get("x-moto-account-id"), region(self))
            ].admit(is_get_resources(self))
            counts[name if admitted else f"throttled {name}"] += 1
        if not admitted:
            payload = b'{"message":"Too Many Requests"}'
            self.send_response(429)
            self.send_header("Content-Type", "application/json")
            self.send_header("x-amzn-ErrorType", "TooManyRequestsException")
            self.send_header("Retry-After", "1")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        connection = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
        connection.request(self.command, self.path, body=body, headers=headers)
        answer = connection.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        connection.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = relay


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Proxy)
print(server.server_address[1], flush=True)
server.serve_forever()
