"""Exim and OpenSMTPD as bench peers (issue 20): fetched from Debian once, unpacked beside Postfix,
configured per cell. Standard library only; the process handling is harness.py's.

Neither is installed with apt: both provide mail-transport-agent and apt would remove Postfix. Their
.debs are fetched with `apt-get download` and unpacked with `dpkg -x` into
/var/cache/postloom-bench/<name>/root, once; a later run finds the marker file and goes on. Not under
~/.cache like Haraka: the daemons drop to their own users (Debian-exim, opensmtpd) and re-execute their
binary from there, which /root (mode 700) would forbid.
"""
import os
import shutil
import subprocess

CACHE = "/var/cache/postloom-bench"
LIB_DIR = "usr/lib/x86_64-linux-gnu"

PEERS = {
    # exim4-config only for its sample files: the bench writes its own configuration.
    "exim": dict(packages=["exim4-daemon-light", "exim4-base", "exim4-config", "libidn12"],
                 binary="usr/sbin/exim4", users=[("Debian-exim", "/var/spool/exim4")]),
    "opensmtpd": dict(packages=["opensmtpd"], binary="usr/sbin/smtpd",
                      users=[("opensmtpd", "/var/lib/opensmtpd"), ("opensmtpq", "/var/lib/opensmtpd")]),
}


def missing_libraries(root, binary):
    """Shared libraries the unpacked binary cannot find, with the cache's own lib dir searched too."""
    env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(root, LIB_DIR))
    r = subprocess.run(["ldd", os.path.join(root, binary)], capture_output=True, text=True, env=env)
    return [line.split()[0] for line in r.stdout.splitlines() if "not found" in line]


def ensure_user(name, home):
    """A system user and group of that name, created only when missing (the daemons drop to them)."""
    if subprocess.run(["getent", "passwd", name], capture_output=True).returncode == 0:
        return None
    r = subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", home,
                        "--shell", "/usr/sbin/nologin", name], capture_output=True, text=True)
    return None if r.returncode == 0 else f"useradd {name} failed: {r.stderr.strip()}"


def ensure_peer(name):
    """(root of the unpacked packages, None), or (None, why it cannot be had)."""
    spec = PEERS[name]
    base = os.path.join(CACHE, name)
    root, marker = os.path.join(base, "root"), os.path.join(base, "root", ".unpacked")
    if not os.path.exists(marker):
        if not shutil.which("apt-get") or not shutil.which("dpkg"):
            return None, "apt-get/dpkg not found (Debian only)"
        debs = os.path.join(base, "debs")
        shutil.rmtree(base, ignore_errors=True)
        os.makedirs(debs)
        os.chmod(base, 0o755)
        try:
            r = subprocess.run(["apt-get", "download", *spec["packages"]], cwd=debs, capture_output=True,
                               text=True, timeout=180)
        except subprocess.TimeoutExpired:
            return None, f"apt-get download {' '.join(spec['packages'])} took over 180 s"
        if r.returncode != 0:
            why = (r.stderr.strip().splitlines() or ["?"])[-1]
            return None, f"apt-get download {' '.join(spec['packages'])} failed: {why}"
        for deb in sorted(os.listdir(debs)):
            subprocess.run(["dpkg", "-x", os.path.join(debs, deb), root], check=True)
        # No setuid/setgid: the bench starts them as root anyway, and when Exim (running as
        # Debian-exim) re-executes itself, the loader would ignore LD_LIBRARY_PATH for a setuid
        # binary and the cached libidn12 would not be found.
        subprocess.run(["chmod", "-R", "ug-s", root], check=True)
        open(marker, "w").close()
    gone = missing_libraries(root, spec["binary"])
    if gone:
        return None, f"{spec['binary']} needs {', '.join(gone)} (add the packages to peers.PEERS)"
    for user, home in spec["users"]:
        why = ensure_user(user, home)
        if why:
            return None, why
    return root, None


def version(name):
    """The peer's version from the unpacked package's own metadata (no binary run)."""
    pkg = PEERS[name]["packages"][0]
    changelog = os.path.join(CACHE, name, "root", "usr", "share", "doc", pkg, "changelog.Debian.gz")
    try:
        import gzip
        with gzip.open(changelog, "rt") as f:
            first = f.readline()  # "exim4 (4.96-15+deb12u11) bookworm-security; urgency=..."
        return first.split("(")[1].split(")")[0]
    except (OSError, IndexError):
        return None


def exim_config(root, ip, port, spool, logs, tag, sink_ip, sink_port, sessions, tls=None):
    """Exim's durable defaults (spool files fsynced before 250; `disable_fsync` left false), relaying
    everything to the sink by a manualroute router (no DNS). Changed from Exim's defaults, all to let
    it take the load like Postfix's changes: more simultaneous sessions (default 20), no switch to
    queue-only after 10 messages on one connection (that would leave the rest to a queue runner),
    a longer listen backlog, no reverse DNS or ident lookups of the client."""
    tls_lines = (f"tls_advertise_hosts = *\ntls_certificate = {tls[0]}\ntls_privatekey = {tls[1]}\n" if tls
                 else "tls_advertise_hosts =\n")
    return f"""# written by bench/harness.py for {tag}
exim_path = {os.path.join(root, PEERS['exim']['binary'])}
keep_environment = LD_LIBRARY_PATH
spool_directory = {spool}
log_file_path = {logs}/exim-{tag}-%s.log
primary_hostname = exim.bench.test
local_interfaces = {ip}
daemon_smtp_ports = {port}
domainlist local_domains =
hostlist relay_from_hosts = 127.0.0.0/8
acl_smtp_rcpt = acl_check_rcpt
host_lookup =
rfc1413_hosts =
smtp_accept_max = {sessions + 150}
smtp_accept_queue_per_connection = 0
smtp_connect_backlog = 1024
{tls_lines}
begin acl
acl_check_rcpt:
  accept hosts = +relay_from_hosts
  deny   message = relay not permitted

begin routers
to_sink:
  driver = manualroute
  route_list = * {sink_ip}
  self = send
  transport = remote_smtp

begin transports
remote_smtp:
  driver = smtp
  port = {sink_port}
  hosts_try_chunking =
  hosts_try_fastopen =

begin retry
*   *   F,2h,15m; G,16h,1h,1.5; F,4d,6h
"""


def opensmtpd_config(ip, port, sink_ip, sink_port, tls=None):
    """OpenSMTPD's defaults (queue on disk under /var/spool/smtpd, which it fsyncs before 250),
    relaying everything to the sink by `relay host` (no DNS). Changed: the per-session limit of 100
    messages (the generator keeps its connections) is lifted, like Postfix's per-client limits; and
    to the destination it gets the others' 20 connections (Postfix's default_destination_concurrency_limit,
    Postloom's max-connections) without its default 5 s pause between new connections on one route
    (limit.c: max-conn-per-route 5, conn-delay-route 5, conn-delay-relay 2), which alone holds it
    near 20 messages/s here (100 messages per connection, one new connection per 5 s)."""
    tls_lines = f"pki bench.test cert \"{tls[0]}\"\npki bench.test key \"{tls[1]}\"\n" if tls else ""
    listen_tls = " tls pki bench.test" if tls else ""
    return f"""# written by bench/harness.py
{tls_lines}smtp limit max-mails 1000000
mta limit max-conn-per-route 20 max-conn-per-host 20 conn-delay-route 0 conn-delay-relay 0
listen on {ip} port {port} hostname opensmtpd.bench.test{listen_tls}
action "relay" relay host smtp://{sink_ip}:{sink_port}
match from any for any action "relay"
"""
