#!/usr/bin/env python3
"""Sends one message with Python's smtplib, ESMTP parameters per command, as a DSN-aware client
would: send.py HOST PORT STARTTLS(0|1) FROM "MAIL-OPTIONS" "RCPT|OPTIONS"... < message.
Prints the reply to the end of data."""
import smtplib
import ssl
import sys

host, port, starttls, sender, mail_options = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4], sys.argv[5]
with smtplib.SMTP(host, port, timeout=30) as smtp:
    smtp.ehlo("client.test")
    if starttls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the relays under test have self-signed certificates
        smtp.starttls(context=context)
        smtp.ehlo("client.test")
    code, text = smtp.mail(sender, mail_options.split())
    if code != 250:
        sys.exit("MAIL: %d %s" % (code, text))
    for spec in sys.argv[6:]:
        address, _, options = spec.partition("|")
        code, text = smtp.rcpt(address, options.split())
        if code not in (250, 251):
            sys.exit("RCPT %s: %d %s" % (address, code, text))
    code, text = smtp.data(sys.stdin.buffer.read())
    print(code, text.decode())
    if code != 250:
        sys.exit(1)
