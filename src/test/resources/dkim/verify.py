#!/usr/bin/python3
"""Verifies every DKIM-Signature of the message on standard input with dkimpy, the verifier of
Debian's python3-dkim (what its dkimverify runs), asking the DNS server at 127.0.0.1:PORT for the
public keys. Usage: verify.py PORT < message, or verify.py PORT --serve (many messages, see below).
Prints one line per signature ("ok d=... s=... a=..." or "FAIL ..."); exits 0 only if the message
has at least one signature and every one verifies, 1 otherwise."""
import re
import sys

import dkim
import dns.resolver

resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = ["127.0.0.1"]
resolver.port = int(sys.argv[1])


def txt(name, timeout=5):
    """dkimpy's dnsfunc: the TXT record at name (bytes), from our DNS server only."""
    try:
        answer = resolver.resolve(name.decode("ascii").rstrip("."), "TXT", lifetime=timeout)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return None
    return b"".join(answer[0].strings)


def verify(message, out):
    """Writes one line per signature; returns the exit status (0: all verified)."""
    verifier = dkim.DKIM(message)
    signatures = [value for name, value in verifier.headers if name.lower() == b"dkim-signature"]
    if not signatures:
        out.write("FAIL no DKIM-Signature\n")
        return 1
    failed = False
    for index, value in enumerate(signatures):
        tags = dict(re.findall(rb"(\w+)\s*=\s*([^;]*)", re.sub(rb"\s+", b"", value)))
        label = "d=%s s=%s a=%s c=%s" % tuple(tags.get(t, b"?").decode() for t in (b"d", b"s", b"a", b"c"))
        try:
            ok = verifier.verify(idx=index, dnsfunc=txt)
        except dkim.DKIMException as e:
            ok = False
            label += " error=%s" % e
        out.write(("ok " if ok else "FAIL ") + label + "\n")
        failed = failed or not ok
    return 1 if failed else 0


if len(sys.argv) > 2 and sys.argv[2] == "--serve":
    # One process for many messages (python3 and dkimpy take about half a second of CPU to start):
    # each request is a line with the message's length in octets, then the message; each answer
    # the verdict lines, then "exit=N".
    while True:
        header = sys.stdin.buffer.readline()
        if not header:
            break
        message = sys.stdin.buffer.read(int(header))
        status = verify(message, sys.stdout)
        sys.stdout.write("exit=%d\n" % status)
        sys.stdout.flush()
else:
    sys.exit(verify(sys.stdin.buffer.read(), sys.stdout))
