"""One SMTP session with Python's smtplib, as an application would submit mail.

Usage: python3 smtplib_session.py HOST PORT

Prints one line per step, "STEP <what we saw>", for the Java test to check. Any unexpected
refusal raises, so the script exits non-zero with a traceback.
"""
import smtplib
import ssl
import sys

host, port = sys.argv[1], int(sys.argv[2])
HELO = "client.test"
SENDER = "sender@client.test"


def report(step, *values):
    print(step, *values, flush=True)


def message(recipients, subject):
    return (
        "From: <%s>\r\nTo: %s\r\nSubject: %s\r\n\r\nHello from smtplib.\r\n"
        % (SENDER, ", ".join("<%s>" % r for r in recipients), subject)
    ).encode("utf-8")


with smtplib.SMTP(host, port, local_hostname=HELO, timeout=20) as smtp:
    smtp.ehlo()
    report("EHLO_BEFORE_TLS", " ".join(sorted(smtp.esmtp_features)))

    # The relay's certificate is self-signed: verification is not what this test is about.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    code, text = smtp.starttls(context=context)
    report("STARTTLS", code, text.decode())
    report("TLS_VERSION", smtp.sock.version())
    smtp.ehlo()
    report("EHLO_IN_TLS", " ".join(sorted(smtp.esmtp_features)))

    three = ["one@example.test", "two@example.test", "three@example.test"]
    refused = smtp.sendmail(SENDER, three, message(three, "three recipients"))
    report("SENDMAIL_THREE refused=%d" % len(refused))

    utf8_recipient = "jos\u00e9@example.test"
    refused = smtp.sendmail(SENDER, [utf8_recipient], message([utf8_recipient], "SMTPUTF8"),
                            mail_options=["SMTPUTF8"])
    report("SENDMAIL_SMTPUTF8 refused=%d" % len(refused))

    # A client that sends UTF-8 without asking for SMTPUTF8: smtplib would refuse to encode such
    # a command, so we lift that guard to see what the server does with the bytes. rset() puts the
    # guard back, hence the second lifting before the next transaction.
    smtp.command_encoding = "utf-8"
    code, text = smtp.mail("jos\u00e9@client.test")
    report("MAIL_NON_ASCII_WITHOUT_SMTPUTF8", code, text.decode())
    smtp.rset()
    smtp.command_encoding = "utf-8"
    code, text = smtp.mail(SENDER)
    report("MAIL_ASCII", code, text.decode())
    code, text = smtp.rcpt(utf8_recipient)
    report("RCPT_NON_ASCII_WITHOUT_SMTPUTF8", code, text.decode())
    smtp.rset()
report("DONE")
