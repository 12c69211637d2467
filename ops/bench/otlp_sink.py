"""An OTLP/HTTP receiver that takes every export and keeps nothing but counts, for the
benches' runs with tracing on: the cost measured is the traced process's, not a collector's.

Usage: otlp_sink.py PORT. Answers 200 to every POST; on SIGTERM prints the exports and bytes
it took, and exits.
"""

import http.server
import signal
import sys

received = {"exports": 0, "bytes": 0}


class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        received["exports"] += 1
        received["bytes"] += length
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_):
        pass


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink)

    def stop(*_):
        print(f"OTLP sink: {received['exports']} exports, {received['bytes']} bytes", flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    server.serve_forever()


if __name__ == "__main__":
    main()
