#!/usr/bin/python3
"""Verifies every DKIM-Signature of the message on standard input with dkimpy, the verifier of
Debian's python3-dkim (what its dkimverify runs), asking the DNS server at 127.0.0.1:PORT for the
public keys. Usage: verify.py PORT < message
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


message = sys.stdin.buffer.read()
verifier = dkim.DKIM(message)
signatures = [value for name, value in verifier.headers if name.lower() == b"dkim-signature"]
if not signatures:
    print("FAIL no DKIM-Signature")
    sys.exit(1)
failed = False
for index, value in enumerate(signatures):
    tags = dict(re.findall(rb"(\w+)\s*=\s*([^;]*)", re.sub(rb"\s+", b"", value)))
    label = "d=%s s=%s a=%s c=%s" % tuple(tags.get(t, b"?").decode() for t in (b"d", b"s", b"a", b"c"))
    try:
        ok = verifier.verify(idx=index, dnsfunc=txt)
    except dkim.DKIMException as e:
        ok = False
        label += " error=%s" % e
    print(("ok " if ok else "FAIL ") + label)
    failed = failed or not ok
sys.exit(1 if failed else 0)
