#!/usr/bin/env python3
"""Parses one delivery status notification (RFC 3464 in RFC 6522 multipart/report) from stdin
with Python's standard email package and prints what it found, one item a line, tab-separated,
values escaped (backslash, newline, carriage return, tab), for ParsedReport.java to read."""
import email
import email.policy
import sys


def esc(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def out(*items):
    print("\t".join(esc(i) for i in items))


message = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.compat32)
out("header", "Subject", message.get("Subject", ""))
out("header", "To", message.get("To", ""))
out("header", "Content-Type", message.get_content_type())
out("header", "report-type", message.get_param("report-type") or "")
if message.defects:
    out("defect", "; ".join(type(d).__name__ for d in message.defects))
parts = message.get_payload() if message.is_multipart() else []
for index, part in enumerate(parts):
    out("part", index, part.get_content_type())
    if part.defects:
        out("defect", "; ".join(type(d).__name__ for d in part.defects))
    if part.get_content_type() == "message/delivery-status":
        blocks = part.get_payload()
        for name, value in blocks[0].items():
            out("message", name, " ".join(value.split()))
        for number, block in enumerate(blocks[1:]):
            for name, value in block.items():
                out("recipient", number, name, " ".join(value.split()))
    elif index == 2 and part.get_content_type() == "message/rfc822":
        inner = part.get_payload()[0]
        out("returned-subject", inner.get("Subject", ""))
        out("returned-body", inner.get_payload())
    elif index == 2:
        text = part.get_payload(decode=True).decode("utf-8", "replace")
        returned = email.message_from_string(text, policy=email.policy.compat32)
        out("returned-subject", returned.get("Subject", ""))
        out("returned-body", text)
