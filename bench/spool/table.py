#!/usr/bin/env python3
"""Turns the PROOF lines of bench/spool/run's scenarios (stdin) into the Markdown table of issue 12."""
import sys

rows = []
for line in sys.stdin:
    fields = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
    kind = fields.pop("kind", "?")
    if kind == "deferral-tail":
        series = fields.get("disk_per_live_byte_by_second", "")
        rows.append(("deferral tail: disk bytes per live byte over time (s:ratio)", series.rstrip(",")))
        rows.append(("deferral tail: files within 2 x live + 3 segments after delivery", fields.get("files_within_bound_after_ms", "?") + " ms"))
        rows.append(("deferral tail: bytes compacted", fields.get("compacted_bytes", "?")))
    elif kind == "deferral-tail-kills":
        rows.append(("deferral tail: kills during compaction / rounds",
                     f"{fields.get('kills_during_compaction')} / {fields.get('rounds')}"))
        rows.append(("deferral tail: deferred still queued / deferred", f"{fields.get('still_queued')} / {fields.get('deferred')}"))
        rows.append(("deferral tail: delivered messages sent again", fields.get("sent_again", "?")))
    elif kind == "backlog":
        n = fields.get("messages", "?")
        rows.append((f"backlog of {n}: RSS idle / queued / peak (MiB)",
                     f"{fields.get('idle_rss_mib')} / {fields.get('queued_rss_mib')} / {fields.get('peak_rss_mib')}"))
        rows.append((f"backlog of {n}: RSS per queued message (bytes, allowed)",
                     f"{fields.get('rss_bytes_per_message')} ({fields.get('allowed_bytes_per_message')})"))
        rows.append((f"backlog of {n}: kill -9 to SMTP accepting / recovery", f"{fields.get('restart_to_smtp_ms')} ms / {fields.get('recovery_ms')} ms"))
        normal, drain = fields.get("normal_delivery_per_s"), fields.get("drain_per_s")
        if normal and drain and normal != "NaN" and drain != "NaN" and float(normal) > 0:
            rows.append((f"backlog of {n}: drain once the hop is back / normal delivery (msg/s)",
                         f"{drain} / {normal} = {100 * float(drain) / float(normal):.0f}%"))
        rows.append((f"backlog of {n}: intake (generator) time", fields.get("blast_s", "?") + " s"))
print("| measure | value |")
print("| --- | --- |")
for name, value in rows:
    print(f"| {name} | {value} |")
