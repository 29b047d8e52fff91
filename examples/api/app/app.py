"""A small JSON API on Python's standard library.

GET /health answers {"status": "ok"} (the image's health check asks it);
GET /items lists items; POST /items adds one ({"name": "..."}); GET /whoami
tells the process's user and whether the code directory is writable, so a test
can see the image's ownership rules from the outside. SIGTERM stops the server
cleanly, so `docker stop` is quick.
"""
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ITEMS = []
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            self._send(200, {"status": "ok", "env": os.environ.get("APP_ENV", "")})
        elif self.path == "/items":
            with LOCK:
                self._send(200, {"items": list(ITEMS)})
        elif self.path == "/whoami":
            self._send(200, {"uid": os.getuid(), "gid": os.getgid(),
                             "code_writable": os.access(os.path.dirname(os.path.abspath(__file__)), os.W_OK),
                             "tmp_writable": os.access("/app/tmp", os.W_OK)})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self):
        if self.path != "/items":
            self._send(404, {"error": "not found"})
            return
        length = int(self.headers.get("Content-Length", "0"))
        try:
            item = json.loads(self.rfile.read(length) or b"{}")
            name = str(item["name"])
        except (ValueError, KeyError, TypeError):
            self._send(400, {"error": "expected {\"name\": ...}"})
            return
        with LOCK:
            ITEMS.append(name)
            self._send(201, {"name": name, "count": len(ITEMS)})

    def log_message(self, fmt, *args):
        sys.stdout.write("%s %s\n" % (self.address_string(), fmt % args))


def main():
    port = int(os.environ.get("PORT", "8000"))
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    # shutdown() waits for serve_forever() to return: call it from another thread.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"api listening on :{port} as {os.getuid()}:{os.getgid()}", flush=True)
    server.serve_forever()
    server.server_close()
    print("api stopped", flush=True)


if __name__ == "__main__":
    main()
