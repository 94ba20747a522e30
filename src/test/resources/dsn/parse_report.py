#!/usr/bin/env python3
"""Parses one delivery status notification (RFC 3464 in RFC 6522 multipart/report) from stdin
with Python's standard email package and prints what it found, one item a line, tab-separated,
values escaped (backslash, newline, carriage return, tab), for ParsedReport.java to read.
The internationalized forms of RFC 6533 (message/global-delivery-status, message/global,
message/global-headers) are read too; the email package parses them as message/* parts."""
import email
import email.parser
import email.policy
import sys


def esc(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def out(*items):
    print("\t".join(esc(i) for i in items))


# Read as UTF-8 text (RFC 6532: internationalized header fields are UTF-8); bytes that are not
# UTF-8 pass through unchanged, as surrogates in and out.
sys.stdout.reconfigure(errors="surrogateescape")
message = email.message_from_string(sys.stdin.buffer.read().decode("utf-8", "surrogateescape"),
                                    policy=email.policy.compat32)
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
    elif part.get_content_type() == "message/global-delivery-status":
        inner = part.get_payload()[0]
        for name, value in inner.items():
            out("message", name, " ".join(value.split()))
        rest = inner.get_payload()
        blocks = [b for b in rest.replace("\r\n", "\n").split("\n\n") if b.strip()]
        for number, block in enumerate(blocks):
            fields = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(block)
            for name, value in fields.items():
                out("recipient", number, name, " ".join(value.split()))
    elif index == 2 and part.get_content_type() == "message/global-headers":
        inner = part.get_payload()[0]
        out("returned-subject", inner.get("Subject", ""))
        out("returned-body", "".join(name + ": " + value + "\n" for name, value in inner.items()))
    elif index == 2 and part.get_content_type() in ("message/rfc822", "message/global"):
        inner = part.get_payload()[0]
        out("returned-subject", inner.get("Subject", ""))
        out("returned-body", inner.get_payload())
    elif index == 2:
        text = part.get_payload(decode=True).decode("utf-8", "replace")
        returned = email.message_from_string(text, policy=email.policy.compat32)
        out("returned-subject", returned.get("Subject", ""))
        out("returned-body", text)
