#!/usr/bin/env python3
"""Where Postloom's CPU time goes, from a JFR recording (bench/run --jfr writes one under
bench/results/). Usage: bench/jfr-top.py FILE.jfr [TOP]

Prints, from jdk.ExecutionSample (threads running Java code): the share by job (SMTP, spool,
delivery, DKIM, events, logging, metrics, TLS, signatures, virtual-thread scheduling), the hottest methods by self
samples, the hottest org.postloom methods by inclusive samples (anywhere on the stack), and the
share by thread; from jdk.NativeMethodSample, where threads sat in native code (socket I/O, fsync).
"""
import collections
import json
import os
import subprocess
import sys


def frames(event):
    st = event["values"].get("stackTrace") or {}
    out = []
    for f in st.get("frames", []):
        m = f.get("method") or {}
        t = (m.get("type") or {}).get("name", "?")
        # Ordinary classes come as org/postloom/X, hidden ones (lambdas) as org.postloom.X: one spelling.
        out.append(f"{t.replace('/', '.')}.{m.get('name', '?')}")
    return out


# What a sample was doing, for the per-job table (issue 20: "write down where the CPU goes per message"):
# the innermost org.postloom frame names the job, unless logging, metrics, TLS or signature code runs in or above it.
ABOVE = [("logging", ("java.util.logging.", "sun.util.logging.", "org.postloom.cli.WriteBehindHandler",
                      "org.postloom.cli.EventFormatter", "org.postloom.cli.Logging")),
         ("metrics", ("io.micrometer.",)),
         ("TLS records and handshakes", ("org.bouncycastle.tls.", "org.bouncycastle.jsse.", "sun.security.ssl.")),
         ("signatures (Ed25519, RSA)", ("org.bouncycastle.math.", "org.bouncycastle.crypto.signers.", "sun.security.rsa."))]
JOBS = {"smtp": "SMTP sessions and parsing", "intake": "SMTP sessions and parsing", "spool": "spool",
        "delivery": "delivery (scheduler, couriers, SMTP client)", "dns": "DNS", "dkim": "DKIM (besides the signature)",
        "events": "events", "inject": "HTTP injection", "admin": "admin and HTTP API", "tls": "outbound TLS policy",
        "cluster": "cluster (Redis)"}
NO_POSTLOOM = [("virtual-thread scheduling", ("jdk.internal.vm.Continuation", "java.lang.VirtualThread",
                                              "java.util.concurrent.ForkJoin")),
               ("JDK HTTP client (webhook)", ("jdk.internal.net.http.",)),
               ("Helidon", ("io.helidon.",))]


def job(fs):
    inner = next((i for i, f in enumerate(fs) if f.startswith("org.postloom.")), None)
    above = fs if inner is None else fs[:inner + 1]
    for name, prefixes in ABOVE:
        if any(f.startswith(prefixes) for f in above):
            return name
    if inner is None:
        for name, prefixes in NO_POSTLOOM:
            if any(f.startswith(prefixes) for f in fs):
                return name
        return "other (JDK, libraries)"
    part = fs[inner].split(".")[2]
    return JOBS.get(part, part if part[:1].islower() else "other org.postloom")


def load(path, kind):
    jfr = os.path.join(os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "jfr")
    r = subprocess.run([jfr, "print", "--json", "--stack-depth", "64", "--events", kind, path],
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout)["recording"]["events"]


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    samples = load(path, "jdk.ExecutionSample")
    n = len(samples)
    self_c, incl, threads, pkg = collections.Counter(), collections.Counter(), collections.Counter(), collections.Counter()
    jobs = collections.Counter()
    for e in samples:
        fs = frames(e)
        if not fs:
            continue
        self_c[fs[0]] += 1
        jobs[job(fs)] += 1
        pkg[".".join(fs[0].split(".")[:3])] += 1
        for f in set(fs):
            if f.startswith("org.postloom."):
                incl[f] += 1
        th = (e["values"].get("sampledThread") or {}).get("javaName") or "?"
        threads[th.rstrip("0123456789-") or th] += 1
    print(f"# {path}: {n} execution samples\n")
    print("## by job (innermost org.postloom frame; logging, metrics, TLS and signatures wherever they run)\n")
    for j, c in jobs.most_common():
        print(f"{100 * c / n:5.1f}%  {j}")
    print("\n## hottest methods (self)\n")
    for f, c in self_c.most_common(top):
        print(f"{100 * c / n:5.1f}%  {f}")
    print("\n## top frame by package\n")
    for f, c in pkg.most_common(15):
        print(f"{100 * c / n:5.1f}%  {f}")
    print("\n## org.postloom methods, inclusive\n")
    for f, c in incl.most_common(top):
        print(f"{100 * c / n:5.1f}%  {f}")
    print("\n## threads (name without trailing numbers)\n")
    for t, c in threads.most_common(12):
        print(f"{100 * c / n:5.1f}%  {t}")
    native = load(path, "jdk.NativeMethodSample")
    if native:
        nc = collections.Counter()
        for e in native:
            fs = frames(e)
            postloom = next((f for f in fs if f.startswith("org.postloom.")), "-")
            nc[(fs[0] if fs else "?", postloom)] += 1
        print(f"\n## native (blocked or in native code): {len(native)} samples\n")
        for (f, p), c in nc.most_common(12):
            print(f"{100 * c / len(native):5.1f}%  {f}   <- {p}")


if __name__ == "__main__":
    main()
