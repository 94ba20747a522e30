#!/usr/bin/env python3
"""The application's end of the events webhook for bench/run: answers 204 at once to every POST
and counts the events (array elements) it was given; prints the count when stopped (SIGTERM)."""
import json
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

events = 0
posts = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        global events, posts
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        events += len(json.loads(body))
        posts += 1
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    server = ThreadingHTTPServer((host, port), Handler)

    def stop(*_):
        print(json.dumps({"events": events, "posts": posts}), flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    server.serve_forever()


if __name__ == "__main__":
    main()
