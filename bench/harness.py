#!/usr/bin/env python3
"""Postloom against Postfix (Haraka, Exim, OpenSMTPD) on one machine, same load, same sink: see bench/README.md.

Started by bench/run, which picks JDK 25 and builds the jar first. Standard library only.
Every process started here runs in its own session and is killed (its whole group) on exit.
"""
import argparse
import datetime
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import peers
import report

HERE = os.path.dirname(os.path.abspath(__file__))
HOME = os.path.dirname(HERE)
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

# Loopback addresses: each stands for a host of its own.
SINK_IP, POSTFIX_IP, POSTLOOM_IP, DNS_IP, HARAKA_IP = "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"
EXIM_IP, OPENSMTPD_IP = "127.0.0.7", "127.0.0.8"
WEBHOOK_IP, WEBHOOK_PORT = "127.0.3.20", 8090
SMTP_PORT, SINK_PORT, DNS_PORT, ADMIN_PORT = 2525, 2526, 5399, 8025
MAX_DOMAINS = 1000

CHILDREN = []  # Popen objects, each the leader of its own process group


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def spawn(cmd, logfile, env=None, stdout=None, cwd=None):
    """Starts cmd in a new session (so that its whole group can be killed) and remembers it."""
    out = open(logfile, "ab")
    p = subprocess.Popen(cmd, stdout=stdout if stdout is not None else out, stderr=out, env=env, cwd=cwd,
                         start_new_session=True)
    CHILDREN.append(p)
    return p


def kill(p, grace=5.0):
    if p is None or p.poll() is not None:
        return
    try:
        os.killpg(p.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        p.wait(grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()


def kill_pids(pids):
    """SIGKILL to each pid still there (daemons' children that left our process groups)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


STOPPERS = []  # callables that stop daemons that left our process groups (Postfix's master)


def cleanup():
    for stop in reversed(STOPPERS):
        try:
            stop()
        except Exception as e:  # noqa: BLE001 - cleanup goes on whatever failed
            log(f"cleanup: {e}")
    STOPPERS.clear()
    for p in reversed(CHILDREN):
        kill(p, 3)
    CHILDREN.clear()


def on_signal(signum, _frame):
    raise SystemExit(128 + signum)


# ---------------------------------------------------------------- /proc sampling

def proc_stat(pid):
    """(utime+stime, cutime+cstime) in seconds, or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rindex(")") + 2:].split()
    # fields[0] is state (field 3); utime is field 14 -> index 11
    ut, st, cut, cst = (int(x) for x in fields[11:15])
    return (ut + st) / CLK_TCK, (cut + cst) / CLK_TCK


def proc_status(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def proc_pss(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def descendants(root):
    """root and every live process below it, by walking PPid in /proc."""
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                s = f.read()
        except OSError:
            continue
        ppid = int(s[s.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


class Meter:
    """CPU seconds and memory of an MTA: one root pid, or a root and all its descendants.

    CPU of a process tree = the root's own time + the time of children it has reaped (cutime) +
    the own time of every live descendant. Taken at two instants, the difference is the work done
    in between, also by children that came and went (Postfix's smtpd, cleanup, smtp)."""

    def __init__(self, root_pid, tree, root_memory=True):
        self.root, self.tree = root_pid, tree
        self.root_memory = root_memory  # False: the root is bench/reaper.py, not part of the MTA's memory
        self.peak_rss = self.peak_pss = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = None

    def pids(self):
        return descendants(self.root) if self.tree else [self.root]

    def cpu(self):
        total = 0.0
        for i, pid in enumerate(self.pids()):
            st = proc_stat(pid)
            if st is None:
                continue
            own, reaped = st
            total += own + reaped  # live descendants have reaped nobody; master and Java reap
        return total

    def sample(self):
        pids = [p for p in self.pids() if self.root_memory or p != self.root]
        rss = sum(proc_status(p, "VmRSS") for p in pids)
        self.peak_rss = max(self.peak_rss, rss)
        if self.tree:
            self.peak_pss = max(self.peak_pss, sum(proc_pss(p) for p in pids))
        self.samples += 1

    def hwm(self):
        return proc_status(self.root, "VmHWM")

    def start(self, every=0.25):
        def loop():
            while not self._stop.wait(every):
                self.sample()
        self.sample()
        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.sample()


# ---------------------------------------------------------------- helpers

def wait_smtp(ip, port, timeout=60.0, proc=None):
    """Waits until ip:port greets with 220."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {ip}:{port} listened")
        try:
            with socket.create_connection((ip, port), timeout=2) as s:
                s.settimeout(5)
                banner = s.recv(512)
                if banner.startswith(b"220"):
                    s.sendall(b"QUIT\r\n")
                    return
                last = banner
        except OSError as e:
            last = e
        time.sleep(0.1)
    raise RuntimeError(f"{ip}:{port} did not greet within {timeout}s ({last})")


def foreign_busy(seconds=0.5):
    """Share of all CPUs busy over a short window, taken between cells when the bench itself is idle
    (only dnsmasq runs): anything well above zero is someone else's work."""
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return v[3] + v[4], sum(v)
    i0, t0 = snap()
    time.sleep(seconds)
    i1, t1 = snap()
    return 1 - (i1 - i0) / max(1, t1 - t0)


def port_free(ip, port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((ip, port))
            return True
        except OSError:
            return False


class SinkCounter:
    """Messages the sink has taken: the last 'msg=N' in its counter output (smtp-sink -c, or bench sink)."""
    PATTERN = re.compile(rb"(?:msg|mesg)=(\d+)")  # smtp-sink 3.7 says mesg=, bench sink msg=

    def __init__(self, path):
        self.path = path

    def count(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                f.seek(max(0, size - 512))
                tail = f.read()
        except OSError:
            return 0
        found = self.PATTERN.findall(tail)
        return int(found[-1]) if found else 0

    STATS = re.compile(rb"first=(\d+) p50ms=(\d+) p99ms=(\d+) maxms=(\d+)")

    def retry_stats(self):
        """bench sink with deferrals: messages delivered at their first attempt, and the time from
        the generator's stamp to the final delivery (ms: p50, p99, max); None from smtp-sink."""
        try:
            with open(self.path, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - 512))
                found = self.STATS.findall(f.read())
        except OSError:
            return None
        if not found:
            return None
        first, p50, p99, most = (int(x) for x in found[-1])
        return {"first_attempt": first, "p50_ms": p50, "p99_ms": p99, "max_ms": most}

    def wait_for(self, n, timeout, poll=0.05):
        """The time at which the sink had seen n messages, or None after timeout."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.count() >= n:
                return time.time()
            time.sleep(poll)
        return None


BENCH_SITE = "mx.bench.test"  # every d<N>.bench.test has this one MX host: one site


def admin_post(path):
    """POST to Postloom's admin API (shaping scenario only)."""
    import urllib.request
    with urllib.request.urlopen(urllib.request.Request(f"http://{POSTLOOM_IP}:8025{path}", method="POST"), timeout=15) as r:
        r.read()


class RateSampler:
    """Polls the sink's counter every 100 ms on its own thread, to judge a shaped delivery rate."""

    def __init__(self, counter):
        self.counter, self.samples, self.running = counter, [], True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            self.samples.append((time.time(), self.counter.count()))
            time.sleep(0.1)

    def stop(self, baseline, want, limit):
        """The rate between 10 % and 90 % of the measured messages, and the most in any one second."""
        self.running = False
        self.thread.join()
        pts = [(t, c - baseline) for t, c in self.samples if c >= baseline]
        def first_at(n):
            return next(((t, c) for t, c in pts if c >= n), None)
        lo, hi = first_at(want * 0.1), first_at(want * 0.9)
        if not lo or not hi or hi[0] <= lo[0]:
            return None
        steady = (hi[1] - lo[1]) / (hi[0] - lo[0])
        worst = 0
        for i, (t, c) in enumerate(pts):
            later = [c2 for t2, c2 in pts[i:] if t2 <= t + 1.0]
            worst = max(worst, later[-1] - c)
        return {"limit_per_s": limit, "steady_per_s": steady, "max_in_1s": worst,
                "within_5pct": abs(steady - limit) <= 0.05 * limit}


# ---------------------------------------------------------------- the parts

class Env:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="postloom-bench-")
        os.chmod(self.tmp, 0o755)  # Postfix's daemons run as user postfix and must reach their dirs
        self.java_home = os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64")
        self.results = args.out
        os.makedirs(self.results, exist_ok=True)
        self.logs = os.path.join(self.tmp, "logs")
        os.makedirs(self.logs)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)


def start_dnsmasq(env):
    conf = env.path("dnsmasq.conf")
    with open(conf, "w") as f:
        f.write(f"port={DNS_PORT}\nlisten-address={DNS_IP}\nbind-interfaces\nno-resolv\nno-hosts\n"
                f"local=/bench.test/\nlocal-ttl=300\nno-negcache\nhost-record=mx.bench.test,{SINK_IP}\n")
        for d in range(1, MAX_DOMAINS + 1):
            f.write(f"mx-host=d{d}.bench.test,mx.bench.test,10\n")
    p = spawn(["/usr/sbin/dnsmasq", "--no-daemon", f"--conf-file={conf}", "--user=root", "--pid-file="],
              os.path.join(env.logs, "dnsmasq.log"))
    time.sleep(0.3)
    if p.poll() is not None:
        raise RuntimeError("dnsmasq did not start: see " + os.path.join(env.logs, "dnsmasq.log"))
    return p


def start_sink(env, tag, defer_percent):
    """smtp-sink (Postfix's) as the destination MX, or Postloom's bench sink when 4xx are wanted:
    smtp-sink can only refuse all of a command (-r), not a share of them."""
    out = os.path.join(env.logs, f"sink-{tag}.out")
    if defer_percent:
        cmd = [os.path.join(HOME, "bin", "postloom"), "bench", "sink", f"--listen={SINK_IP}:{SINK_PORT}",
               f"--defer-percent={defer_percent}"]
        e = dict(os.environ, POSTLOOM_JAVA_OPTS="-XX:+UseSerialGC -Xmx256m")
        p = spawn(cmd, os.path.join(env.logs, f"sink-{tag}.log"), env=e, stdout=open(out, "wb"))
        kind = f"bench sink --defer-percent {defer_percent}"
    else:
        cmd = ["/usr/sbin/smtp-sink", "-c", "-u", "root", "-m", "4000", f"{SINK_IP}:{SINK_PORT}", "4096"]
        p = spawn(cmd, os.path.join(env.logs, f"sink-{tag}.log"), stdout=open(out, "wb"))
        kind = "smtp-sink"
    wait_smtp(SINK_IP, SINK_PORT, 30, p)
    return p, SinkCounter(out), kind


class Postloom:
    name = "postloom"
    ip = POSTLOOM_IP

    def __init__(self, env):
        self.env = env
        self.proc = None
        self.webhook = None

    def start(self, tag, scenario):
        spool = self.env.path(f"postloom-{tag}")
        os.makedirs(spool)
        e = dict(os.environ)
        e.update({
            "POSTLOOM_SMTP_LISTEN": f"{POSTLOOM_IP}:{SMTP_PORT}",
            "POSTLOOM_ADMIN_LISTEN": f"{POSTLOOM_IP}:{ADMIN_PORT}",
            "POSTLOOM_SPOOL_DIR": spool,
            "POSTLOOM_DNS_SERVERS": f"{DNS_IP}:{DNS_PORT}",
            "POSTLOOM_DELIVERY_PORT": str(SINK_PORT),
            "POSTLOOM_HOSTNAME": "postloom.bench.test",
            # The generator is one client address: lift the per-address cap (default 1,000) for it.
            "POSTLOOM_LIMITS_CLIENT_CONNECTIONS": "20000",
        })
        if scenario.get("shaping_rate"):
            e["POSTLOOM_SHAPING_DEFAULT_MAX_MESSAGE_RATE"] = f"{scenario['shaping_rate']}/s"
        if scenario.get("defer"):
            e["POSTLOOM_DELIVERY_MIN_BACKOFF"] = "PT1S"
            e["POSTLOOM_DELIVERY_MAX_BACKOFF"] = "PT10S"
        if scenario.get("bare"):
            # The baseline of the features cell: the two outbound TLS policy lookups off too.
            e["POSTLOOM_DELIVERY_MTA_STS"] = "false"
            e["POSTLOOM_DELIVERY_DANE"] = "false"
        if scenario.get("features"):
            e["POSTLOOM_CONFIG"] = self.features_config(tag)
        self.webhook = None
        if scenario.get("webhook") or scenario.get("features"):
            # Events on (issue 14): a receiver that answers at once, signed batches of 100.
            self.webhook = spawn(["python3", os.path.join(HOME, "bench", "webhook_receiver.py"), WEBHOOK_IP, str(WEBHOOK_PORT)],
                                 os.path.join(self.env.logs, f"webhook-{tag}.log"),
                                 stdout=open(os.path.join(self.env.logs, f"webhook-{tag}.out"), "wb"))
            e["POSTLOOM_EVENTS_WEBHOOK_URL"] = f"http://{WEBHOOK_IP}:{WEBHOOK_PORT}/events"
            e["POSTLOOM_EVENTS_WEBHOOK_SECRET"] = "bench"
        opts = os.environ.get("POSTLOOM_JAVA_OPTS", "")
        if self.env.args.jfr and scenario["name"] == self.env.args.jfr_scenario:
            self.jfr = os.path.join(self.env.results, f"postloom-{scenario['name']}.jfr")
            opts += f" -XX:StartFlightRecording=filename={self.jfr},settings=profile,dumponexit=true"
        e["POSTLOOM_JAVA_OPTS"] = opts.strip()
        self.proc = spawn([os.path.join(HOME, "bin", "postloom")], os.path.join(self.env.logs, f"postloom-{tag}.log"), env=e)
        wait_smtp(POSTLOOM_IP, SMTP_PORT, 60, self.proc)
        return Meter(self.proc.pid, tree=False)

    def features_config(self, tag):
        """Everything a sender runs with (issue 20): shaping limits for the bench's site and reply rules,
        Ed25519 DKIM for the generator's From domain, and (by default) MTA-STS and DANE lookups."""
        key = self.env.path(f"dkim-{tag}.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", key], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        conf = self.env.path(f"features-{tag}.properties")
        with open(conf, "w") as f:
            f.write(f"""# bench/harness.py: the features cell
postloom.dkim."src.bench.test"."ed2026"={key}
postloom.delivery.mta-sts=true
postloom.delivery.dane=true
# The sink's MX host ends in .bench.test: a provider-wide site entry, with a rate cap the load stays under.
postloom.shaping.sites.".bench.test".max-connections=20
postloom.shaping.sites.".bench.test".max-messages-per-connection=100
postloom.shaping.sites.".bench.test".max-message-rate=100000/s
postloom.shaping.rules[0].match=*
postloom.shaping.rules[0].reply=^421 .*(TS0[1-4]|too many connections)
postloom.shaping.rules[0].action=suspend
postloom.shaping.rules[0].duration=PT15M
postloom.shaping.rules[1].match=.bench.test
postloom.shaping.rules[1].reply=^4[25]1 .*(rate limit|try again later)
postloom.shaping.rules[1].action=throttle
postloom.shaping.rules[1].max-message-rate=10/s
postloom.shaping.rules[1].duration=PT10M
""")
        return conf

    def stop(self):
        kill(self.proc, 20)
        if self.webhook is not None:
            kill(self.webhook)
            self.webhook = None

    def notes(self):
        return "default durable mode (250 after fsync); MX via dnsmasq"


class NullMeter:
    """No MTA process to measure (the no-relay row)."""
    peak_rss = peak_pss = 0
    tree = False

    def start(self, every=0.25):
        pass

    def stop(self):
        pass

    def cpu(self):
        return 0.0

    def pids(self):
        return []

    def hwm(self):
        return 0


class NoRelay:
    """The ceiling (issue 20): the same generator straight into the same sink, no MTA between."""
    name = "none"
    ip = SINK_IP
    port = SINK_PORT

    def __init__(self, env):
        self.env = env

    def start(self, tag, scenario):
        return NullMeter()

    def stop(self):
        pass

    def notes(self):
        return "generator straight into the sink: what the machine carries without a relay"


POSTFIX_MASTER_CF = """\
{ip}:{port} inet n - n - - smtpd
pickup    unix  n - n 60    1 pickup
cleanup   unix  n - n -     0 cleanup
qmgr      unix  n - n 300   1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -     - trivial-rewrite
bounce    unix  - - n -     0 bounce
defer     unix  - - n -     0 bounce
trace     unix  - - n -     0 bounce
verify    unix  - - n -     1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -     - proxymap
proxywrite unix - - n -     1 proxymap
smtp      unix  - - n -     - smtp
relay     unix  - - n -     - smtp
showq     unix  n - n -     - showq
error     unix  - - n -     - error
retry     unix  - - n -     - error
discard   unix  - - n -     - discard
anvil     unix  - - n -     1 anvil
scache    unix  - - n -     1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


def postfix_command(conf, verb):
    """Runs `postfix -c conf verb`. Before its postlogd runs, Postfix reports only to syslog; on a
    machine without one (/dev/log absent) the reason of a failure would be lost, so listen there
    for the duration of the command."""
    listener = None
    if not os.path.exists("/dev/log"):
        try:
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            listener.bind("/dev/log")
            listener.settimeout(0.2)
        except OSError:
            listener = None
    try:
        r = subprocess.run(["/usr/sbin/postfix", "-c", conf, verb], capture_output=True, text=True)
        said = []
        while listener is not None:
            try:
                said.append(listener.recv(4096).decode(errors="replace"))
            except OSError:
                break
        return r, " ".join(said)
    finally:
        if listener is not None:
            listener.close()
            os.unlink("/dev/log")


class Postfix:
    name = "postfix"
    ip = POSTFIX_IP

    def __init__(self, env):
        self.env = env
        self.conf = self.master = None

    def start(self, tag, scenario):
        base = self.env.path(f"postfix-{tag}")
        conf, queue, data = (os.path.join(base, d) for d in ("etc", "spool", "data"))
        for d in (conf, queue, data):
            os.makedirs(d)
        shutil.chown(data, "postfix", "postfix")
        tls = ""
        if scenario.get("starttls"):
            tls = (f"smtpd_tls_cert_file = {self.env.cert}\nsmtpd_tls_key_file = {self.env.key}\n"
                   "smtpd_tls_security_level = may\n")
        retry = ""
        if scenario.get("defer"):
            retry = "minimal_backoff_time = 1s\nmaximal_backoff_time = 10s\nqueue_run_delay = 1s\n"
        sessions = max(scenario.get("sessions", 50), 50)
        with open(os.path.join(conf, "main.cf"), "w") as f:
            f.write(f"""compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.bench.test
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_peername_lookup = no
relayhost = [{SINK_IP}]:{SINK_PORT}
smtp_tls_security_level = none
default_process_limit = {sessions + 150}
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
alias_maps =
alias_database =
local_recipient_maps =
biff = no
maillog_file_prefixes = {self.env.logs}
maillog_file = {self.env.logs}/postfix-{tag}.log
{tls}{retry}""")
        with open(os.path.join(conf, "master.cf"), "w") as f:
            f.write(POSTFIX_MASTER_CF.format(ip=POSTFIX_IP, port=SMTP_PORT))
        self.conf, self.queue = conf, queue
        r, syslog = postfix_command(conf, "start")
        if r.returncode != 0:
            try:
                with open(os.path.join(self.env.logs, f"postfix-{tag}.log")) as f:
                    syslog += " ".join(line.strip() for line in f if "fatal" in line)
            except OSError:
                pass
            raise RuntimeError(f"postfix start failed: {r.stdout}{r.stderr}{syslog}")
        STOPPERS.append(self.stop)
        wait_smtp(POSTFIX_IP, SMTP_PORT, 30)
        with open(os.path.join(queue, "pid", "master.pid")) as f:
            self.master = int(f.read().strip())
        return Meter(self.master, tree=True)

    def stop(self):
        if self.conf is None:
            return
        subprocess.run(["/usr/sbin/postfix", "-c", self.conf, "stop"], capture_output=True)
        if self.master is None:
            self.conf = None
            return
        deadline = time.time() + 10
        while time.time() < deadline and os.path.exists(f"/proc/{self.master}"):
            time.sleep(0.1)
        if os.path.exists(f"/proc/{self.master}"):
            kill_pids(descendants(self.master)[::-1])
        if self.stop in STOPPERS:
            STOPPERS.remove(self.stop)
        self.conf = self.master = None

    def notes(self):
        return "relayhost [sink]:port (no DNS); fsyncs queue files before 250"


class Haraka:
    name = "haraka"
    ip = HARAKA_IP

    def __init__(self, env, install_dir):
        self.env = env
        self.install = install_dir
        self.proc = None

    def start(self, tag, scenario):
        base = self.env.path(f"haraka-{tag}")
        cfg = os.path.join(base, "config")
        plugins = os.path.join(base, "plugins")
        # Haraka's own defaults first (connection.ini and friends), then the bench's files over them.
        shutil.copytree(os.path.join(self.install, "node_modules", "Haraka", "config"), cfg)
        os.makedirs(plugins)
        os.makedirs(os.path.join(base, "queue"))
        w = lambda name, text: open(os.path.join(cfg, name), "w").write(text)  # noqa: E731
        w("smtp.ini", f"listen={HARAKA_IP}:{SMTP_PORT}\nnodes=cpus\n")
        w("me", "haraka.bench.test\n")
        w("host_list", "")
        w("plugins", "relay\nbench_mx\n" + ("tls\n" if scenario.get("starttls") else ""))
        w("relay.ini", "[relay]\nacl=true\n")
        w("relay_acl_allow", "127.0.0.0/8\n")
        w("log.ini", "[main]\nlevel=warn\n")
        retry = "temp_fail_intervals=1s*10\n" if scenario.get("defer") else ""
        w("outbound.ini", f"concurrency_max=1000\nenable_tls=false\nlocal_mx_ok=true\n{retry}")
        if scenario.get("starttls"):
            w("tls.ini", "[main]\n")
            shutil.copy(self.env.key, os.path.join(cfg, "tls_key.pem"))
            shutil.copy(self.env.cert, os.path.join(cfg, "tls_cert.pem"))
        # The analogue of Postfix's relayhost: every domain's MX is the sink (Haraka cannot ask a
        # DNS server on another port).
        with open(os.path.join(plugins, "bench_mx.js"), "w") as f:
            f.write("exports.hook_get_mx = function (next, hmail, domain) {\n"
                    f"  next(OK, [{{ priority: 10, exchange: '{SINK_IP}', port: {SINK_PORT} }}]);\n" "};\n"
                    "// No reverse DNS of clients, like Postfix's smtpd_peername_lookup = no.\n"
                    "exports.hook_lookup_rdns = function (next, connection) { next(OK, 'client.bench.test'); };\n")
        haraka = os.path.join(self.install, "node_modules", ".bin", "haraka")
        self.proc = spawn([haraka, "-c", base], os.path.join(self.env.logs, f"haraka-{tag}.log"))
        wait_smtp(HARAKA_IP, SMTP_PORT, 60, self.proc)
        return Meter(self.proc.pid, tree=True)

    def stop(self):
        kill(self.proc, 10)

    def notes(self):
        return "get_mx hook -> sink (no DNS); outbound queue files are not fsynced"


class DebianPeer:
    """An MTA unpacked from Debian's packages (bench/peers.py), run in the foreground below
    bench/reaper.py: its delivery processes may outlive their parents, and the subreaper keeps them
    (and their CPU time) in the one tree the Meter walks."""
    ip = None
    port = SMTP_PORT

    def __init__(self, env, root):
        self.env, self.root = env, root
        self.proc = None

    def supports(self, scenario):
        """None, or why this peer sits a scenario out (retries are not set up for it yet)."""
        return "retry settings not set up for this peer" if scenario.get("defer") else None

    def run(self, cmd, tag, extra_env=None):
        e = dict(os.environ, **(extra_env or {}))
        self.proc = spawn(["python3", os.path.join(HERE, "reaper.py"), *cmd],
                          os.path.join(self.env.logs, f"{self.name}-{tag}.log"), env=e)
        STOPPERS.append(self.stop)
        wait_smtp(self.ip, self.port, 30, self.proc)
        return Meter(self.proc.pid, tree=True, root_memory=False)

    def stop(self):
        if self.proc is None:
            return
        left = descendants(self.proc.pid)
        kill(self.proc, 10)
        kill_pids(left[::-1])  # any that left the process group
        if self.stop in STOPPERS:
            STOPPERS.remove(self.stop)
        self.proc = None


class Exim(DebianPeer):
    name = "exim"
    ip = EXIM_IP

    def start(self, tag, scenario):
        base = self.env.path(f"exim-{tag}")
        spool, logs = os.path.join(base, "spool"), os.path.join(self.env.logs, f"exim-{tag}")
        for d in (spool, logs):
            os.makedirs(d)
            shutil.chown(d, "Debian-exim", "Debian-exim")  # the daemon runs as Debian-exim (see peers.py)
        tls = (self.env.cert, self.env.key) if scenario.get("starttls") else None
        conf = os.path.join(base, "exim.conf")
        with open(conf, "w") as f:
            f.write(peers.exim_config(self.root, EXIM_IP, SMTP_PORT, spool, logs, tag, SINK_IP, SINK_PORT,
                                      max(scenario.get("sessions", 50), 50), tls))
        exim = os.path.join(self.root, peers.PEERS["exim"]["binary"])
        return self.run([exim, "-C", conf, "-bdf"], tag,
                        {"LD_LIBRARY_PATH": os.path.join(self.root, peers.LIB_DIR)})


class OpenSmtpd(DebianPeer):
    name = "opensmtpd"
    ip = OPENSMTPD_IP
    QUEUE = "/var/spool/smtpd"  # compiled in (PATH_SPOOL); the package is not installed, so it is ours

    def start(self, tag, scenario):
        base = self.env.path(f"opensmtpd-{tag}")
        os.makedirs(base)
        shutil.rmtree(self.QUEUE, ignore_errors=True)  # a fresh queue per cell, like the others' spools
        os.makedirs("/var/lib/opensmtpd/empty", exist_ok=True)  # its chroot (PATH_CHROOT)
        tls = None
        if scenario.get("starttls"):
            key = os.path.join(base, "tls.key")
            shutil.copy(self.env.key, key)
            os.chmod(key, 0o600)  # smtpd refuses a key others can read
            tls = (self.env.cert, key)
        conf = os.path.join(base, "smtpd.conf")
        with open(conf, "w") as f:
            f.write(peers.opensmtpd_config(OPENSMTPD_IP, SMTP_PORT, SINK_IP, SINK_PORT, tls))
        os.chmod(conf, 0o644)
        # -d: foreground, log to stderr (the cell's log file) instead of syslog.
        return self.run([os.path.join(self.root, peers.PEERS["opensmtpd"]["binary"]), "-d", "-f", conf], tag)


# ---------------------------------------------------------------- generators

def java_cmd(*args):
    return [os.path.join(HOME, "bin", "postloom"), *args]


def run_blast(env, tag, mta, sc):
    cmd = java_cmd("bench", "blast", f"--server={mta.ip}:{getattr(mta, 'port', SMTP_PORT)}", f"--sessions={sc['sessions']}",
                   f"--messages={sc['messages']}", f"--size={sc['size']}", f"--domains={sc.get('domains', 1)}")
    if sc.get("starttls"):
        cmd.append("--starttls")
    if sc.get("mpc"):
        cmd.append(f"--messages-per-connection={sc['mpc']}")
    if sc.get("rate"):
        cmd.append(f"--rate={sc['rate']}")
    return run_generator(env, "blast", tag, cmd)


def run_generator(env, kind, tag, cmd):
    """Runs one of the bin/postloom bench generators; its last JSON line on stdout is the result."""
    e = dict(os.environ, POSTLOOM_JAVA_OPTS="-XX:+UseSerialGC -Xms256m -Xmx1g -XX:TieredStopAtLevel=1")
    logf = os.path.join(env.logs, f"{kind}-{tag}.log")
    p = spawn(cmd, logf, env=e, stdout=subprocess.PIPE)
    out, _ = p.communicate()
    lines = [line for line in out.decode().splitlines() if line.startswith("{")]
    if p.returncode != 0 or not lines:
        raise RuntimeError(f"{kind} failed ({p.returncode}): see {logf}")
    return json.loads(lines[-1])


def run_inject(env, tag, mta, sc):
    """HTTP injection (POST /messages on the admin listener): sc['messages'] messages in requests of sc['recipients']."""
    per = sc.get("recipients", 1)
    cmd = java_cmd("bench", "inject", f"--url=http://{mta.ip}:{ADMIN_PORT}/messages", f"--concurrency={sc['sessions']}",
                   f"--requests={max(1, sc['messages'] // per)}", f"--recipients={per}", f"--size={sc['size']}")
    return run_generator(env, "inject", tag, cmd)


def run_smtp_source(env, tag, mta, sc):
    # -l is the body length without the few headers smtp-source adds; -d reuses each connection.
    cmd = ["/usr/sbin/smtp-source", "-d", "-s", str(sc["sessions"]), "-m", str(sc["messages"]), "-l", str(sc["size"]),
           "-f", "bench@src.bench.test", "-t", "user@d1.bench.test", "-M", "source.bench.test", f"{mta.ip}:{SMTP_PORT}"]
    start = time.time()
    p = spawn(cmd, os.path.join(env.logs, f"smtp-source-{tag}.log"))
    rc = p.wait()
    end = time.time()
    ok = sc["messages"] if rc == 0 else 0
    return {"mode": "smtp-source", "accepted": ok, "attempted": sc["messages"], "accepted_per_s": ok / (end - start),
            "elapsed_s": end - start, "start_epoch_ms": int(start * 1000), "end_epoch_ms": int(end * 1000),
            "tempfail": 0, "permfail": 0, "io_errors": 0 if rc == 0 else 1, "latency_ms": None,
            "last_error": "" if rc == 0 else f"smtp-source exited {rc}"}


def run_idle(env, tag, mta, sc):
    cmd = java_cmd("bench", "blast", f"--server={mta.ip}:{SMTP_PORT}", f"--idle={sc['idle']}", "--hold=3s")
    e = dict(os.environ, POSTLOOM_JAVA_OPTS="-XX:+UseSerialGC -Xmx1g")
    p = spawn(cmd, os.path.join(env.logs, f"idle-{tag}.log"), env=e, stdout=subprocess.PIPE)
    out, _ = p.communicate()
    lines = [line for line in out.decode().splitlines() if line.startswith("{")]
    if p.returncode != 0 or not lines:
        raise RuntimeError(f"idle blast failed ({p.returncode})")
    return json.loads(lines[-1])


# ---------------------------------------------------------------- scenarios

def scenarios(quick):
    k = 1 if not quick else 0
    warm = 3000 if k else 1500   # messages per warm-up round (see warm_up)
    s = [
        dict(name="1k-50", title="1 KiB, 50 sessions", size=1024, sessions=50, messages=30000 if k else 4000, headline=True,
             ceiling=True),
        # One offered rate below every relay's peak, the same for all: latency where none is saturated.
        dict(name="1k-50-300", title="1 KiB, 50 sessions, 300 messages/s offered", size=1024, sessions=50,
             messages=9000 if k else 3000, rate=300, fixed_rate=True),
        # The headline load with the events webhook on: its delivered rate against 1k-50's (issue 14).
        dict(name="1k-50-webhook", title="1 KiB, 50 sessions, events webhook on", size=1024, sessions=50,
             messages=30000 if k else 4000, webhook=True, mtas=["postloom"], compare_to="1k-50"),
        # Every feature a sender runs with on together against all of them off, same load (issue 20 asks
        # for at least 85 %): shaping limits and reply rules, Ed25519 DKIM, the events webhook, MTA-STS
        # and DANE lookups (which find no policy here: no _mta-sts TXT, and dnsmasq does not validate).
        dict(name="1k-50-bare", title="1 KiB, 50 sessions, features off (no shaping rules, DKIM, events, MTA-STS, DANE)",
             size=1024, sessions=50, messages=30000 if k else 4000, bare=True, mtas=["postloom"]),
        dict(name="1k-50-features", title="1 KiB, 50 sessions, features on (shaping rules, Ed25519 DKIM, webhook, MTA-STS, DANE)",
             size=1024, sessions=50, messages=30000 if k else 4000, features=True, mtas=["postloom"],
             compare_to="1k-50-bare"),
        dict(name="1k-50-source", title="1 KiB, 50 sessions, smtp-source", size=1024, sessions=50,
             messages=20000 if k else 2500, generator="smtp-source"),
        dict(name="10k-100", title="10 KiB, 100 sessions", size=10240, sessions=100, messages=20000 if k else 2500),
        dict(name="100k-20", title="100 KiB, 20 sessions", size=102400, sessions=20, messages=5000 if k else 600,
             ceiling=True),
        dict(name="tls-50", title="1 KiB, 50 sessions, STARTTLS, 10 msgs/conn", size=1024, sessions=50,
             messages=10000 if k else 1500, starttls=True, mpc=10),
        dict(name="1000dom", title="1 KiB, 50 sessions, 1,000 domains", size=1024, sessions=50,
             messages=20000 if k else 2000, domains=1000),
        # All 1,000 domains share one MX set, so one site: Postloom must hold 500/s for all together.
        # The site is held while the load is queued, then released: the drain is what is measured.
        dict(name="1000dom-500", title="1 KiB, 50 sessions, 1,000 domains on one site, max-message-rate 500/s",
             size=1024, sessions=50, messages=15000 if k else 5000, domains=1000, shaping_rate=500,
             mtas=["postloom"]),
        # No warm-up here: deferred warm-up messages would come back during the measurement.
        dict(name="defer10", title="1 KiB, 50 sessions, sink defers 10%", size=1024, sessions=50,
             messages=10000 if k else 1500, defer=10, warmup=0),
        dict(name="idle10k", title="10,000 idle sessions", idle=10000, generator="idle", mtas=["postloom"]),
        # HTTP injection (Postloom only: Postfix has no such API): 50 requests in flight, ~1 KiB messages.
        dict(name="http-1", title="HTTP POST /messages, 1 recipient, 50 concurrent", size=1024, sessions=50,
             messages=20000 if k else 3000, recipients=1, generator="inject", mtas=["postloom"]),
        dict(name="http-100", title="HTTP POST /messages, 100 recipients with substitutions, 50 concurrent", size=1024,
             sessions=50, messages=50000 if k else 10000, recipients=100, generator="inject", mtas=["postloom"]),
    ]
    for sc in s:
        if not sc.get("idle"):
            sc.setdefault("warmup", warm)
        if quick and sc["name"] not in ("1k-50", "1k-50-source", "10k-100"):
            sc.setdefault("mtas", ["postloom", "postfix"])  # the optional peers in three scenarios only
    if not quick:
        # Latency at half of each MTA's own peak (from the headline scenario of the same run).
        s.insert(1, dict(name="1k-50-half", title="1 KiB, 50 sessions, at half the peak rate", size=1024, sessions=50,
                         messages=10000, half_of="1k-50", warmup=3000))
    return s


WARMUP_STEADY = 0.10   # two rounds in a row within 10 % of each other
WARMUP_MAX_ROUNDS = 8
# A JVM's rate steadies long before its JIT is done: Postloom's C2 threads still took 0.3-0.5 of a
# core 45 s into a cell, a tenth to two fifths of the relay's CPU, more with more code on the path
# (the events webhook). So a JVM also warms until C2 took at most this share of its CPU in a round.
WARMUP_JIT_SHARE = 0.10
WARMUP_JIT_MAX_ROUNDS = 40
# C2 works in bursts and one round is short (1-3 s): a round at 8 % was followed by a measured load
# with C2 at 18 % of the relay's CPU (bench/results/webhook-threads.md). So the share is taken over
# the newest rounds that together ran at least this long.
WARMUP_JIT_WINDOW_S = 10.0


def jit_cpu(pids):
    """CPU seconds so far of the C2 compiler threads of the given processes; None when none has
    any (not a JVM), so a JVM whose C2 has not run yet still counts as one."""
    total = None
    for pid in pids:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                with open(f"/proc/{pid}/task/{t}/comm") as f:
                    if not f.read().startswith("C2 Compiler"):
                        continue
            except OSError:
                continue
            st = proc_stat(f"{pid}/task/{t}")  # a thread's stat has the same fields as its process's
            if st is not None:
                total = (total or 0.0) + st[0]
    return total


def recent_jit_share(rounds):
    """C2's share of the CPU over the newest rounds that together ran WARMUP_JIT_WINDOW_S, or None
    while the rounds so far are shorter than that."""
    took = c2 = cpu = 0.0
    for seconds, c2_s, cpu_s in reversed(rounds):
        took, c2, cpu = took + seconds, c2 + c2_s, cpu + cpu_s
        if took >= WARMUP_JIT_WINDOW_S:
            return c2 / max(1e-3, cpu)
    return None


def warm_up(env, tag, mta, sc, counter, gen, meter):
    """Rounds of the scenario's own load (same sessions, unpaced) until two rounds in a row deliver
    within WARMUP_STEADY of each other and, for a JVM, its C2 compiler took at most WARMUP_JIT_SHARE
    of its CPU over the last WARMUP_JIT_WINDOW_S of load: JIT for the JVM, process pools for Postfix and Haraka, so a
    quick run and a full run measure the same steady relay (issue 20). Returns what it did."""
    rates, jit, rounds = [], None, []   # rounds: (seconds, C2 CPU-s, all CPU-s) of each round
    jvm = jit_cpu(meter.pids()) is not None
    for n in range(WARMUP_JIT_MAX_ROUNDS if jvm else WARMUP_MAX_ROUNDS):
        warm = dict(sc, messages=sc["warmup"], rate=None)
        before = counter.count()
        c2_0, cpu_0 = (jit_cpu(meter.pids()) or 0.0) if jvm else 0.0, meter.cpu()
        w = (run_inject if gen == "inject" else run_blast)(env, f"{tag}-warmup{n + 1}", mta, warm)
        done = counter.wait_for(before + w["accepted"], 60)
        if done is None:
            log(f"  warm-up: sink saw {counter.count() - before} of {w['accepted']} within 60 s")
            return {"rounds": n + 1, "per_s": rates, "steady": False, "jit_share": jit}
        took = max(1e-3, done - w["start_epoch_ms"] / 1000.0)
        rates.append(w["accepted"] / took)
        settled = True
        if jvm:
            rounds.append((took, (jit_cpu(meter.pids()) or 0.0) - c2_0, meter.cpu() - cpu_0))
            jit = recent_jit_share(rounds)
            settled = jit is not None and jit <= WARMUP_JIT_SHARE
        if settled and len(rates) >= 2 and abs(rates[-1] - rates[-2]) <= WARMUP_STEADY * max(rates[-1], rates[-2]):
            return {"rounds": n + 1, "per_s": rates, "steady": True, "jit_share": jit}
    return {"rounds": len(rates), "per_s": rates, "steady": False, "jit_share": jit}


def run_one(env, mta, sc, peaks):
    tag = f"{mta.name}-{sc['name']}"
    sc = dict(sc)
    if sc.get("half_of"):
        peak = peaks.get((mta.name, sc["half_of"]))
        if not peak:
            return {"skipped": "no peak measured"}
        sc["rate"] = max(1, round(peak / 2))
        sc["messages"] = max(2000, min(sc["messages"], int(sc["rate"] * 20)))
    sink = counter = None
    if sc.get("generator") != "idle":
        sink, counter, sink_kind = start_sink(env, tag, sc.get("defer", 0))
    try:
        load_before = foreign_busy()
        meter = mta.start(tag, sc)
        gen = sc.get("generator", "blast")
        baseline = 0
        warmup = None
        if gen != "idle" and sc.get("warmup", 0) != 0:
            warmup = warm_up(env, tag, mta, sc, counter, gen, meter)
            baseline = counter.count()
        time.sleep(0.5)
        meter.start()
        cpu0 = meter.cpu()
        if gen == "idle":
            res = run_idle(env, tag, mta, sc)
            meter.stop()
            return {"mta": mta.name, "scenario": sc["name"], "idle": res, "peak_rss": meter.peak_rss,
                    "vm_hwm": meter.hwm() if not meter.tree else None, "peak_pss": meter.peak_pss or None,
                    "cpu_s": meter.cpu() - cpu0}
        sampler = None
        if sc.get("shaping_rate"):
            # Hold the site while the load is queued, so the rate, not the generator, sets the pace.
            admin_post(f"/sites/{BENCH_SITE}/suspend?for=PT10M")
        runner = {"blast": run_blast, "inject": run_inject}.get(gen, run_smtp_source)
        res = runner(env, tag, mta, sc)
        if sc.get("shaping_rate"):
            sampler = RateSampler(counter)
            admin_post(f"/sites/{BENCH_SITE}/resume")
        want = res["accepted"]
        timeout = 180 if sc.get("defer") else 120
        done = counter.wait_for(baseline + want, timeout)
        shaped = sampler.stop(baseline, want, sc["shaping_rate"]) if sampler else None
        cpu1 = meter.cpu()
        seen = counter.count() - baseline
        meter.stop()
        t0 = res["start_epoch_ms"] / 1000.0
        out = {"mta": mta.name, "scenario": sc["name"], "generator": gen, "sink": sink_kind, "load": res,
               "accepted": want, "accepted_per_s": res["accepted_per_s"],
               "delivered": seen, "complete": done is not None,
               "delivered_per_s": (want / (done - t0)) if done else None,
               "e2e_s": (done - t0) if done else None,
               "latency_ms": res.get("latency_ms"),
               "cpu_s": cpu1 - cpu0, "cpu_s_per_1000": (cpu1 - cpu0) / want * 1000 if want else None,
               "peak_rss": meter.peak_rss, "vm_hwm": meter.hwm() if not meter.tree else None,
               "peak_pss": meter.peak_pss or None, "rate_limit": sc.get("rate"), "busy_before": load_before,
               "shaped": shaped, "warmup": warmup}
        if sc.get("defer") and done:
            # What a sender compares when some mail is retried (issue 20), not the unluckiest message alone.
            retry = counter.retry_stats()
            if retry:
                t_end = res["end_epoch_ms"] / 1000.0
                load_s = max(1e-3, t_end - t0)
                out["retry"] = dict(retry, first_attempt_per_s=(retry["first_attempt"] - baseline) / load_s,
                                    drain_s=max(0.0, done - t_end))
        if not done:
            out["problem"] = f"sink saw {seen} of {want} accepted messages within {timeout}s after the load ended"
        errors = res.get("tempfail", 0) + res.get("permfail", 0) + res.get("io_errors", 0) + res.get("connect_errors", 0)
        if errors:
            out.setdefault("problem", "")
            out["problem"] += f" generator errors={errors} last={res.get('last_error')}"
        return out
    finally:
        mta.stop()
        if sink is not None:
            kill(sink)


# ---------------------------------------------------------------- main

def ensure_haraka(env):
    """Haraka from npm into a cache beside the results; None and a reason when it cannot be had quickly."""
    install = os.path.join(os.path.expanduser("~"), ".cache", "postloom-bench", "haraka")
    if os.path.exists(os.path.join(install, "node_modules", ".bin", "haraka")):
        return install, None
    if not shutil.which("npm"):
        return None, "npm is not installed"
    os.makedirs(install, exist_ok=True)
    log("installing Haraka with npm (once, into ~/.cache/postloom-bench/haraka)")
    try:
        r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "Haraka@3"], cwd=install,
                           capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired:
        return None, "npm install Haraka took over 240 s"
    if r.returncode != 0:
        return None, "npm install Haraka failed: " + (r.stderr.strip().splitlines() or ["?"])[-1]
    return install, None


def make_cert(env):
    env.key, env.cert = env.path("tls.key"), env.path("tls.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", env.key, "-out", env.cert, "-days", "2", "-subj", "/CN=bench.test"],
                   check=True, capture_output=True)
    os.chmod(env.key, 0o644)


def main():
    ap = argparse.ArgumentParser(prog="bench/run")
    ap.add_argument("--quick", action="store_true", help="fewer messages (under 5 minutes)")
    ap.add_argument("--only", help="comma list of scenario names")
    ap.add_argument("--mtas", default="postloom,postfix,haraka,none",
                    help="comma list (default %(default)s; none = the generator straight into the sink)")
    ap.add_argument("--jfr", action="store_true", help="record Postloom with JFR during --jfr-scenario")
    ap.add_argument("--jfr-scenario", default="1k-50")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, spools)")
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    env = Env(args)
    started = time.time()
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    notes = []
    try:
        for ip, port in ((SINK_IP, SINK_PORT), (POSTFIX_IP, SMTP_PORT), (POSTLOOM_IP, SMTP_PORT), (HARAKA_IP, SMTP_PORT),
                         (EXIM_IP, SMTP_PORT), (OPENSMTPD_IP, SMTP_PORT)):
            if not port_free(ip, port):
                raise SystemExit(f"bench/run: {ip}:{port} is taken; is another bench running?")
        make_cert(env)
        start_dnsmasq(env)
        wanted = args.mtas.split(",")
        mtas = []
        if "postloom" in wanted:
            mtas.append(Postloom(env))
        if "postfix" in wanted:
            mtas.append(Postfix(env))
        if "none" in wanted:
            mtas.append(NoRelay(env))
        if "haraka" in wanted:
            install, why = ensure_haraka(env)
            if install:
                mtas.append(Haraka(env, install))
            else:
                notes.append(f"Haraka skipped: {why}")
                log(notes[-1])
        for name, cls in (("exim", Exim), ("opensmtpd", OpenSmtpd)):
            if name in wanted:
                root, why = peers.ensure_peer(name)
                if root:
                    mtas.append(cls(env, root))
                else:
                    notes.append(f"{name} skipped: {why}")
                    log(notes[-1])
        scs = scenarios(args.quick)
        if args.only:
            keep = set(args.only.split(","))
            scs = [s for s in scs if s["name"] in keep]
        results, peaks = [], {}
        for sc in scs:
            for mta in mtas:
                if sc.get("mtas") and mta.name not in sc["mtas"]:
                    continue
                if mta.name == "none" and not sc.get("ceiling"):
                    continue
                log(f"{sc['title']}: {mta.name} ...")
                try:
                    unsupported = mta.supports(sc) if hasattr(mta, "supports") else None
                    r = {"skipped": unsupported} if unsupported else run_one(env, mta, sc, peaks)
                except Exception as e:  # noqa: BLE001 - one failed cell must not lose the others
                    r = {"mta": mta.name, "scenario": sc["name"], "problem": f"{type(e).__name__}: {e}"}
                r.setdefault("mta", mta.name)
                r.setdefault("scenario", sc["name"])
                results.append(r)
                if r.get("accepted_per_s"):
                    peaks[(mta.name, sc["name"])] = r["accepted_per_s"]
                log("  " + report.one_line(r))
        busy = [r for r in results if (r.get("busy_before") or 0) > 0.15]
        if busy:
            notes.append(f"WARNING: other work used the CPUs while the bench was idle before {len(busy)} of "
                         f"{len(results)} cells (up to {100 * max(r['busy_before'] for r in busy):.0f}% of all CPUs): "
                         "absolute figures are unreliable; compare within a run only, and rerun on a quiet machine.")
            log(notes[-1])
        if any(s.get("idle") for s in scs):
            notes.append("idle sessions: Postloom only. Postfix runs one smtpd process per session "
                         "(default_process_limit 100); 10,000 processes is not a configuration anyone runs.")
        notes.append("Postfix, Haraka, Exim and OpenSMTPD relay to the sink without DNS (relayhost / get_mx hook / "
                     "manualroute / relay host); Postloom resolves MX through dnsmasq. That favours them.")
        if any(s.get("defer") for s in scs):
            notes.append("defer scenario: Postloom min-backoff PT1S, max-backoff PT10S; Postfix minimal_backoff_time 1s, "
                         "queue_run_delay 1s, maximal_backoff_time 10s; Haraka temp_fail_intervals 1s.")
        doc = {"started": stamp, "quick": args.quick, "host": {"cpus": os.cpu_count(), "kernel": os.uname().release},
               "versions": versions(env), "elapsed_s": time.time() - started, "notes": notes,
               "scenarios": [{k: v for k, v in s.items()} for s in scs], "results": results}
        base = os.path.join(env.results, f"{stamp}{'-quick' if args.quick else ''}")
        with open(base + ".json", "w") as f:
            json.dump(doc, f, indent=1)
        md = report.markdown(doc)
        with open(base + ".md", "w") as f:
            f.write(md)
        with open(base + ".svg", "w") as f:
            f.write(report.svg(doc))
        for ext in ("json", "md", "svg"):
            latest = os.path.join(env.results, f"latest{'-quick' if args.quick else ''}.{ext}")
            shutil.copy(base + "." + ext, latest)
        print(md)
        log(f"done in {time.time() - started:.0f}s: {base}.json .md .svg; logs in {env.logs}")
    finally:
        cleanup()
        if not args.keep:
            # keep the logs of the last run for inspection, drop spools and queues
            logs_dst = os.path.join(env.results, "last-logs")
            shutil.rmtree(logs_dst, ignore_errors=True)
            shutil.copytree(env.logs, logs_dst, dirs_exist_ok=True)
            shutil.rmtree(env.tmp, ignore_errors=True)


def versions(env):
    v = {}
    try:
        v["postfix"] = subprocess.run(["/usr/sbin/postconf", "-dh", "mail_version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    try:
        v["java"] = subprocess.run([os.path.join(env.java_home, "bin", "java"), "-version"], capture_output=True,
                                   text=True).stderr.splitlines()[0]
    except (OSError, IndexError):
        pass
    try:
        with open(os.path.expanduser("~/.cache/postloom-bench/haraka/node_modules/Haraka/package.json")) as f:
            v["haraka"] = json.load(f)["version"]
    except OSError:
        pass
    for name in ("exim", "opensmtpd"):
        if name in env.args.mtas.split(","):
            v[name] = peers.version(name)
    try:
        v["postloom"] = subprocess.run(["git", "-C", HOME, "describe", "--always", "--dirty"], capture_output=True,
                                       text=True).stdout.strip()
    except OSError:
        pass
    return v


if __name__ == "__main__":
    main()
