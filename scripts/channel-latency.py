#!/usr/bin/env python3
"""SMS latency of `relais serve` (part of `make bench`): a stand-in for Twilio's Messages
API on a free port records when each SMS reaches it; CONTACTS (40) numbers each send two
signed webhooks, one after the other. Prints, p50/p90/max: the webhook's answer, the
bot's answer at the provider for a new conversation (after its greeting), and for a
message in an open conversation. Python's standard library only; the repository's trained
models and knowledge index; a fresh data folder."""
import base64, hashlib, hmac, http.server, json, os, socket, subprocess, tempfile, threading, time, urllib.parse, urllib.request

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
CONTACTS = int(os.environ.get("CONTACTS", "40"))
TOKEN = "bench-token"
QUESTIONS = ["how do I return an item", "where is my order", "do you deliver to Belgium",
             "how do I assemble the Atlas bookshelf", "what payment methods do you take"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


received = {}  # To -> [(time, body)]
lock = threading.Lock()


class StandIn(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
        with lock:
            received.setdefault(form["To"], []).append((time.perf_counter(), form["Body"]))
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"sid": "SM%d" % time.time_ns()}).encode())

    def log_message(self, *args):
        pass


def main():
    sms_port, port = free_port(), free_port()
    standin = http.server.ThreadingHTTPServer(("127.0.0.1", sms_port), StandIn)
    threading.Thread(target=standin.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{port}/v1/channels/twilio"
    env = dict(os.environ, RELAIS_LOG="warn", RELAIS__NLU__MODELS_OUT="data/models", RELAIS__KNOWLEDGE__INDEX_DIR="data/knowledge",
               RELAIS__CHANNELS__TWILIO__ACCOUNT_SID="ACbench", RELAIS__CHANNELS__TWILIO__AUTH_TOKEN=TOKEN,
               RELAIS__CHANNELS__TWILIO__FROM="Brightwood", RELAIS__CHANNELS__TWILIO__PUBLIC_URL=url,
               RELAIS__CHANNELS__TWILIO__API_BASE=f"http://127.0.0.1:{sms_port}")
    data = tempfile.mkdtemp()
    server = subprocess.Popen(["target/release/relais", "serve", "--bind", f"127.0.0.1:{port}", "--data-dir", data],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in server.stdout:
            if "listening on" in line:
                break
        else:
            raise SystemExit("relais serve stopped before it listened")

        def sms(sid, sender, text):
            params = {"MessageSid": sid, "From": sender, "To": "+15550000000", "Body": text}
            signed = url + "".join(k + params[k] for k in sorted(params))
            signature = base64.b64encode(hmac.new(TOKEN.encode(), signed.encode(), hashlib.sha1).digest()).decode()
            request = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(), headers={"X-Twilio-Signature": signature})
            start = time.perf_counter()
            urllib.request.urlopen(request).read()
            return start, time.perf_counter() - start

        def reply_after(sender, seen, start):
            deadline = time.perf_counter() + 10
            while time.perf_counter() < deadline:
                with lock:
                    sent = received.get(sender, [])
                    if len(sent) > seen:
                        return sent[seen][0] - start
                time.sleep(0.0005)
            raise SystemExit(f"no SMS reached {sender} within 10 s")

        answered, first, later = [], [], []
        for i in range(CONTACTS):
            sender = "+1555%07d" % i
            start, took = sms(f"SMa{i}", sender, QUESTIONS[i % len(QUESTIONS)])
            answered.append(took)
            first.append(reply_after(sender, 1, start))  # the greeting is the first SMS
            with lock:
                seen = len(received[sender])
            start, took = sms(f"SMb{i}", sender, QUESTIONS[(i + 1) % len(QUESTIONS)])
            answered.append(took)
            later.append(reply_after(sender, seen, start))
    finally:
        server.terminate()
        server.wait()

    def row(name, values):
        values = sorted(values)
        at = lambda q: values[int(q * (len(values) - 1))] * 1000
        print(f"{name}: p50 {at(.5):.1f} ms, p90 {at(.9):.1f} ms, max {values[-1] * 1000:.1f} ms (n={len(values)})")

    row("SMS webhook answered", answered)
    row("bot's answer at the provider, new conversation", first)
    row("bot's answer at the provider, open conversation", later)


if __name__ == "__main__":
    main()
