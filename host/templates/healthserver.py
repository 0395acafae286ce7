"""Answers every GET with 200 so the platform keeps the runner's container alive."""

import os
from http.server import BaseHTTPRequestHandler, HTTPServer

BODY = b"OK - reigh-megaplan-dev container alive\n"


class Alive(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format, *args):
        # One line per probe would drown the entrypoint log.
        pass


def main():
    port = int(os.environ.get("PORT", "8080"))
    server = HTTPServer(("0.0.0.0", port), Alive)
    print(f"healthserver listening on :{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
