"""The tracing check (ops/check/tracing): one request's trace, from the API to the row its
job wrote, received as OTLP on loopback.

It starts an OTLP/HTTP receiver of its own on loopback (JSON, as OTEL_EXPORTER_OTLP_PROTOCOL
=http/json sends it), then a `conveyor api` and a `conveyor worker` that export their spans to
it through the standard OTEL_* variables, and:
- sends POST /v1/jobs (a drill.ledger job) with a W3C traceparent of its own, and checks the
  tree: the API's server span is the child of that traceparent, the enqueue span the server
  span's, the worker's attempt span the enqueue span's, and the attempt's PostgreSQL pool wait
  and PostgreSQL spans the attempt's; and the row the attempt wrote is in drill_ledger;
- uploads an import with a callback_url on the receiver, and checks that the callback arrived
  with a traceparent of the upload's trace: the trace crossed the API, the chunk jobs, the
  worker's outbound call;
- checks that an API started without OTEL_* exports nothing.
Prints "N passed, M failed"; exits 1 on a failure, 2 when it could not go on.
"""

import argparse
import base64
import gzip
import http.client
import http.server
import json
import os
import secrets
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "drill"))
from drill_support import API, Drill, Service, drive, free_port, log, sql  # noqa: E402

KINDS = {1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}


def hex_id(value):
    """OTLP/JSON ids are hex; a protobuf JSON encoder may send them base64."""
    if not value:
        return ""
    if all(c in "0123456789abcdefABCDEF" for c in value) and len(value) in (16, 32):
        return value.lower()
    return base64.b64decode(value).hex()


class Receiver(http.server.ThreadingHTTPServer):
    """OTLP/HTTP's /v1/traces, and the import callbacks' /callback, on loopback."""

    def __init__(self, port):
        self.spans = []
        self.callbacks = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", port), ReceiverHandler)


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if self.path.startswith("/v1/traces"):
            document = json.loads(body or b"{}")
            spans = []
            for resource in document.get("resourceSpans", []):
                attributes = {a["key"]: a["value"].get("stringValue") for a in resource.get("resource", {}).get("attributes", [])}
                for scope in resource.get("scopeSpans", []):
                    for span in scope.get("spans", []):
                        spans.append({
                            "service": attributes.get("service.name"), "name": span.get("name"),
                            "kind": KINDS.get(span.get("kind"), span.get("kind")), "trace": hex_id(span.get("traceId")),
                            "id": hex_id(span.get("spanId")), "parent": hex_id(span.get("parentSpanId")),
                        })
            with self.server.lock:
                self.server.spans.extend(spans)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")
        else:
            with self.server.lock:
                self.server.callbacks.append(dict(self.headers))
            self.send_response(204)
            self.end_headers()

    def log_message(self, *_):
        pass


class TracingCheck(Drill):
    def __init__(self, options):
        super().__init__(options, "tracing", None, os.environ["CONVEYOR_DATABASE_URL"])
        self.queue = f"t-tracing-{os.getpid()}"
        self.import_queue = f"t-tracing-imports-{os.getpid()}"
        self.receiver = Receiver(free_port())
        threading.Thread(target=self.receiver.serve_forever, daemon=True).start()

    def title(self):
        return "Tracing check: one request's spans from the API to the row, over OTLP on loopback"

    def base_environment(self):
        environment = super().base_environment()
        environment.update({
            "CONVEYOR_QUEUES_ALLOWED": "t-*", "CONVEYOR_EXTERNAL_ALLOW": "127.0.0.1", "CONVEYOR_IMPORT_QUEUE": self.import_queue,
            "CONVEYOR_WEBHOOK_SECRET": secrets.token_hex(16),
        })
        return environment

    def traced_environment(self):
        environment = self.base_environment()
        environment.update({
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{self.receiver.server_port}",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json", "OTEL_TRACES_EXPORTER": "otlp", "OTEL_BSP_SCHEDULE_DELAY": "200",
        })
        return environment

    def start(self):
        traced = self.traced_environment()
        self.apis = [API(self, "api", traced), API(self, "api-untraced", self.base_environment())]
        self.workers = [Service(self, "worker", ["worker", "--queues", f"{self.queue},{self.import_queue}"], traced)]
        self.start_services()

    def send(self, api, method, path, body, content_type, traceparent):
        connection = http.client.HTTPConnection(api.host, api.port, timeout=30)
        try:
            headers = {"Authorization": f"Bearer {self.producer_key}", "Content-Type": content_type}
            if traceparent:
                headers["traceparent"] = traceparent
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def spans_of(self, trace):
        with self.receiver.lock:
            return [span for span in self.receiver.spans if span["trace"] == trace]

    def await_spans(self, trace, wanted, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            spans = self.spans_of(trace)
            if all(any(predicate(span) for span in spans) for predicate in wanted):
                return spans
            time.sleep(0.2)
        return self.spans_of(trace)

    def run(self):
        self.check_job_tree()
        self.check_callback()
        self.check_untraced()

    def check_job_tree(self):
        trace, caller = secrets.token_hex(16), secrets.token_hex(8)
        status, data = self.send(self.apis[0], "POST", "/v1/jobs",
                                 json.dumps({"kind": "drill.ledger", "payload": {"ms": 5}, "queue": self.queue}),
                                 "application/json", f"00-{trace}-{caller}-01")
        job = json.loads(data)["id"] if status == 202 else None
        self.result(status == 202, "the job accepted", f"{status} {job}")
        spans = self.await_spans(trace, [
            lambda s: s["name"] == "drill.ledger attempt", lambda s: s["name"] == "postgres",
            lambda s: s["name"] == "postgres pool wait",
        ])
        by_name = {}
        for span in spans:
            by_name.setdefault(span["name"], []).append(span)
        server = next((s for s in spans if s["kind"] == "server" and s["service"] == "conveyor-api"), None)
        enqueue = next(iter(by_name.get("enqueue", [])), None)
        attempt = next(iter(by_name.get("drill.ledger attempt", [])), None)
        self.result(server is not None and server["parent"] == caller, "the API's span continues the caller's traceparent",
                    f"{server['name']!r} of {server['service']}, parent {server['parent']}" if server else f"no server span among {len(spans)}")
        self.result(enqueue is not None and server is not None and enqueue["parent"] == server["id"] and enqueue["kind"] == "producer",
                    "the enqueue is the request's child", f"{enqueue}" if enqueue else "no enqueue span")
        self.result(attempt is not None and enqueue is not None and attempt["parent"] == enqueue["id"]
                    and attempt["service"] == "conveyor-worker" and attempt["kind"] == "consumer",
                    "the worker's attempt is the enqueue's child", f"{attempt}" if attempt else "no attempt span")
        phases = [s for s in spans if attempt and s["parent"] == attempt["id"]]
        names = sorted({s["name"] for s in phases})
        self.result({"postgres pool wait", "postgres"} <= set(names), "the attempt's phases are its children", ", ".join(names) or "none")
        rows = int(sql(self.database_url, f"SELECT count(*) FROM drill_ledger WHERE job_id = '{job}'")[0][0]) if job else 0
        self.result(rows > 0, "the row the traced attempt wrote", f"{rows} drill_ledger row(s) of {job}")
        self.figures.append(("spans of the job's trace", f"{len(spans)}: " + ", ".join(f"{s['service']}/{s['name']}" for s in spans)))

    def check_callback(self):
        trace = secrets.token_hex(16)
        callback = f"http://127.0.0.1:{self.receiver.server_port}/callback"
        rows = "\n".join(json.dumps({"sku": f"TRACE-{n:04d}", "name": f"traced {n}", "category": None, "price_cents": n,
                                     "quantity": n}) for n in range(1, 201)) + "\n"
        status, data = self.send(self.apis[0], "POST", f"/v1/imports/products?chunk_size=100&callback_url={callback}", rows.encode(),
                                 "application/x-ndjson", f"00-{trace}-{secrets.token_hex(8)}-01")
        self.result(status == 202, "the import accepted", f"{status} {data[:200]!r}")
        deadline = time.time() + 60
        arrived = []
        while time.time() < deadline and not arrived:
            with self.receiver.lock:
                arrived = [headers for headers in self.receiver.callbacks if trace in headers.get("traceparent", "")]
            time.sleep(0.2)
        with self.receiver.lock:
            seen = [headers.get("traceparent") for headers in self.receiver.callbacks]
        self.result(bool(arrived), "the import's callback carries the upload's trace",
                    f"traceparent {arrived[0].get('traceparent')}" if arrived else f"callbacks' traceparents: {seen}")
        self.sweep_products()

    def sweep_products(self):
        sql(self.database_url, f"DELETE FROM products WHERE tenant = '{self.tenant}' AND sku LIKE 'TRACE-%'")

    def check_untraced(self):
        trace = secrets.token_hex(16)
        status, _ = self.send(self.apis[1], "POST", "/v1/jobs",
                              json.dumps({"kind": "drill.ledger", "payload": {"ms": 5}, "queue": self.queue}),
                              "application/json", f"00-{trace}-{secrets.token_hex(8)}-01")
        time.sleep(2)
        api_spans = [s for s in self.spans_of(trace) if s["service"] == "conveyor-api"]
        self.result(status == 202 and not api_spans, "an API without OTEL_* exports nothing",
                    f"{status}; {len(api_spans)} API spans of its trace")

    def stop(self):
        super().stop()
        self.receiver.shutdown()


if __name__ == "__main__":
    sys.exit(drive("tracing", TracingCheck, argparse.ArgumentParser(description=__doc__.splitlines()[0])))
