#!/usr/bin/env python3
"""Where Postloom's CPU time goes, from a JFR recording (bench/run --jfr writes one under
bench/results/). Usage: bench/jfr-top.py FILE.jfr [TOP]

Prints, from jdk.ExecutionSample (threads running Java code): the hottest methods by self
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
        out.append(f"{t}.{m.get('name', '?')}")
    return out


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
    for e in samples:
        fs = frames(e)
        if not fs:
            continue
        self_c[fs[0]] += 1
        pkg[".".join(fs[0].split(".")[:3])] += 1
        for f in set(fs):
            if f.startswith("org.postloom."):
                incl[f] += 1
        th = (e["values"].get("sampledThread") or {}).get("javaName") or "?"
        threads[th.rstrip("0123456789-") or th] += 1
    print(f"# {path}: {n} execution samples\n")
    print("## hottest methods (self)\n")
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
