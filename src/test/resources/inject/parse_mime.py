"""Parses one message (the file named first) with Python's email package and prints what a reader sees, as JSON.

The test compares this with what it asked for: an independent MIME parser, not the library that wrote it.
"""
import email
import email.policy
import hashlib
import json
import sys

with open(sys.argv[1], "rb") as f:
    message = email.message_from_binary_file(f, policy=email.policy.default)
seen = {"to": str(message["To"]), "subject": str(message["Subject"]), "from": str(message["From"]),
        "message_id": str(message["Message-ID"]), "date": str(message["Date"]),
        "content_type": message.get_content_type(), "defects": [str(d) for d in message.defects],
        "text": None, "html": None, "attachments": []}
for part in message.walk():
    seen["defects"] += [str(d) for d in part.defects]
    if part.is_multipart():
        continue
    if part.get_content_disposition() == "attachment":
        data = part.get_payload(decode=True)
        seen["attachments"].append({"file_name": part.get_filename(), "content_type": part.get_content_type(),
                                    "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
    elif part.get_content_type() == "text/plain":
        seen["text"] = part.get_content()
    elif part.get_content_type() == "text/html":
        seen["html"] = part.get_content()
print(json.dumps(seen))
