"""Tables and a plot from a bench/run result document (see harness.py). Standard library only.

Also usable alone: python3 bench/report.py bench/results/latest.json  (prints the Markdown again).
"""
import html
import json
import sys

MTA_ORDER = ["postloom", "postfix", "haraka", "exim", "opensmtpd", "none"]
COLORS = {"postloom": "#2b6cb0", "postfix": "#c05621", "haraka": "#2f855a", "exim": "#6b46c1", "opensmtpd": "#b7791f",
          "none": "#718096"}


def _num(v, fmt="{:,.0f}"):
    return "–" if v is None else fmt.format(v)


def _mb(b):
    return "–" if not b else f"{b / 1048576:,.0f} MB"


def one_line(r):
    if "idle" in r:
        i = r["idle"]
        return (f"{r['mta']}: {i['greeted']}/{i['sessions']} greeted in {i['accept_all_s']:.2f}s, "
                f"peak RSS {_mb(r.get('vm_hwm') or r.get('peak_rss'))}")
    if "accepted_per_s" not in r:
        return f"{r['mta']}: {r.get('problem') or r.get('skipped')}"
    lat = r.get("latency_ms") or {}
    s = (f"{r['mta']}: accepted {_num(r['accepted_per_s'])}/s, delivered {_num(r.get('delivered_per_s'))}/s, "
         f"p50 {_num(lat.get('p50'), '{:.1f}')} p99 {_num(lat.get('p99'), '{:.1f}')} ms, "
         f"CPU {_num(r.get('cpu_s_per_1000'), '{:.2f}')} s/1000, RSS {_mb(r.get('vm_hwm') or r.get('peak_rss'))}")
    if r.get("shaped"):
        sh = r["shaped"]
        s += f", shaped {sh['steady_per_s']:.1f}/s of {sh['limit_per_s']}/s, max {sh['max_in_1s']} in 1 s"
    if r.get("problem"):
        s += f"  PROBLEM: {r['problem']}"
    return s


def _ratio(a, b):
    if not a or not b:
        return "–"
    return f"{a / b:.2f}×"


def _index(doc):
    by = {}
    for r in doc["results"]:
        by[(r["scenario"], r["mta"])] = r
    return by


def markdown(doc):
    by = _index(doc)
    v = doc.get("versions", {})
    out = [f"## Postloom bench {'(quick) ' if doc.get('quick') else ''}{doc['started']}", ""]
    out.append(f"Machine: {doc['host']['cpus']} CPUs (shared by MTA, sink, DNS and generator), kernel {doc['host']['kernel']}. "
               f"Postloom {v.get('postloom', '?')} on {v.get('java', '?')}; Postfix {v.get('postfix', '?')}"
               + (f"; Haraka {v['haraka']}" if v.get("haraka") else "")
               + (f"; Exim {v['exim']}" if v.get("exim") else "")
               + (f"; OpenSMTPD {v['opensmtpd']}" if v.get("opensmtpd") else "") + f". Run took {doc['elapsed_s']:.0f} s.")
    out.append("")
    out.append("| scenario | MTA | accepted/s | delivered/s (sink) | × Postfix (delivered) | p50 ms | p99 ms | p99.9 ms "
               "| CPU s / 1,000 msgs | peak RSS | note |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for sc in doc["scenarios"]:
        if sc.get("idle"):
            continue
        pf = by.get((sc["name"], "postfix"), {})
        for m in MTA_ORDER:
            r = by.get((sc["name"], m))
            if r is None:
                continue
            lat = r.get("latency_ms") or {}
            note = []
            if (r.get("busy_before") or 0) > 0.15:
                note.append(f"machine {100 * r['busy_before']:.0f}% busy before")
            if r.get("rate_limit"):
                note.append(f"paced at {r['rate_limit']:,}/s")
            if m == "none":
                note.append("no relay: generator straight into the sink (the ceiling)")
            ceiling = by.get((sc["name"], "none"), {}).get("delivered_per_s")
            if m != "none" and ceiling and r.get("delivered_per_s"):
                note.append(f"{100 * r['delivered_per_s'] / ceiling:.0f} % of the ceiling")
            ref = by.get((sc.get("compare_to"), m), {}).get("delivered_per_s")
            if ref and r.get("delivered_per_s"):
                note.append(f"{100 * r['delivered_per_s'] / ref:.0f} % of {sc['compare_to']}'s delivered/s")
            rt = r.get("retry")
            if rt:
                note.append(f"first attempt {rt['first_attempt_per_s']:,.0f}/s; to final delivery p50 "
                            f"{rt['p50_ms'] / 1000:.2f} s, p99 {rt['p99_ms'] / 1000:.2f} s; drain {rt['drain_s']:.1f} s after the load")
            wu = r.get("warmup")
            if wu:
                note.append(f"warm-up {wu['rounds']} round{'s' if wu['rounds'] > 1 else ''}"
                            + (f", steady at {wu['per_s'][-1]:,.0f}/s" if wu["steady"] else ", NOT steady")
                            + (f", JIT {100 * wu['jit_share']:.0f} % of its CPU in the last 10 s of it" if wu.get("jit_share") is not None else ""))
            if r.get("shaped"):
                sh = r["shaped"]
                note.append(f"shaped to {sh['limit_per_s']}/s: steady {sh['steady_per_s']:.1f}/s, "
                            f"at most {sh['max_in_1s']} in 1 s ({'within' if sh['within_5pct'] else 'NOT within'} 5 %)")
            if r.get("problem"):
                note.append("**" + r["problem"].strip() + "**")
            if r.get("skipped"):
                note.append(r["skipped"])
            rss = r.get("vm_hwm") or r.get("peak_rss")
            rss_s = _mb(rss) + (" (HWM)" if r.get("vm_hwm") else " (Σ RSS)" if rss else "")
            if r.get("peak_pss"):
                rss_s += f", Σ PSS {_mb(r['peak_pss'])}"
            out.append(f"| {sc['title']} | {m} | {_num(r.get('accepted_per_s'))} | {_num(r.get('delivered_per_s'))} | "
                       f"{_ratio(r.get('delivered_per_s'), pf.get('delivered_per_s')) if m not in ('postfix', 'none') else ''} | "
                       f"{_num(lat.get('p50'), '{:.1f}')} | {_num(lat.get('p99'), '{:.1f}')} | {_num(lat.get('p999'), '{:.1f}')} | "
                       f"{_num(r.get('cpu_s_per_1000'), '{:.2f}')} | {rss_s} | {'; '.join(note)} |")
    idle = [r for r in doc["results"] if "idle" in r]
    if idle:
        out += ["", "| idle sessions | MTA | greeted | failed | time to accept all | peak RSS | RSS per session |",
                "|---|---|---:|---:|---:|---:|---:|"]
        for r in idle:
            i = r["idle"]
            rss = r.get("vm_hwm") or r.get("peak_rss")
            out.append(f"| {i['sessions']:,} | {r['mta']} | {i['greeted']:,} | {i['failed']:,} | {i['accept_all_s']:.2f} s | "
                       f"{_mb(rss)} | {rss / max(1, i['greeted']) / 1024:,.0f} KiB |")
    for r in doc["results"]:
        if "idle" not in r and "accepted_per_s" not in r:
            out.append(f"\n- {r['scenario']} / {r['mta']}: {r.get('problem') or r.get('skipped')}")
    if doc.get("notes"):
        out += [""] + [f"- {n}" for n in doc["notes"]]
    out += ["", "accepted/s: the generator's 250s per second. delivered/s: messages counted at the sink, divided by "
            "the time from the start of the load until the sink had them all. Warm-up: before each cell, rounds of "
            "its own load until two rounds in a row deliver within 10 % of each other (at most 8), and for a JVM also until "
            "its C2 compiler took at most 10 % of its CPU over the last 10 s of warm-up load (at most 40 rounds). Latency: flush of the final \".\" to "
            "the reply (bench blast; smtp-source rows have none). CPU: user+system seconds of all the MTA's "
            "processes from just before the load until the last delivery, per 1,000 messages. Durability: Postloom, "
            "Postfix and Exim fsync before 250; Haraka does not; OpenSMTPD writes its queue to disk but calls no fsync "
            "for it (strace of 6.8.0p2 at its defaults): both favoured.", ""]
    return "\n".join(out)


def svg(doc):
    """Two panels: delivered/s per scenario and MTA (bars), and p99 latency (bars, log-free)."""
    by = _index(doc)
    scs = [s for s in doc["scenarios"] if not s.get("idle")]
    mtas = [m for m in MTA_ORDER if any((s["name"], m) in by for s in scs)]
    W, panel_h, left, top = 980, 300, 70, 40
    group_w = (W - left - 20) / max(1, len(scs))
    bar_w = min(36, (group_w - 16) / max(1, len(mtas)))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{2 * panel_h + 190}" '
             f'font-family="sans-serif" font-size="11">', '<rect width="100%" height="100%" fill="white"/>',
             f'<text x="{left}" y="20" font-size="15" font-weight="bold">Postloom bench {html.escape(doc["started"])}'
             f'{" (quick)" if doc.get("quick") else ""}</text>']

    def panel(y0, key, label, getter):
        vals = [getter(by.get((s["name"], m), {})) for s in scs for m in mtas]
        vmax = max([v for v in vals if v] or [1]) * 1.1
        parts.append(f'<text x="{left}" y="{y0 - 8}" font-size="13">{html.escape(label)}</text>')
        parts.append(f'<line x1="{left}" y1="{y0 + panel_h - 60}" x2="{W - 20}" y2="{y0 + panel_h - 60}" stroke="#333"/>')
        h = panel_h - 70
        for t in range(5):
            v = vmax * t / 4
            y = y0 + panel_h - 60 - h * t / 4
            parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{W - 20}" y2="{y:.1f}" stroke="#ddd"/>')
            parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{v:,.0f}</text>')
        for i, s in enumerate(scs):
            gx = left + i * group_w + 8
            for j, m in enumerate(mtas):
                v = getter(by.get((s["name"], m), {}))
                x = gx + j * bar_w
                if v:
                    bh = h * v / vmax
                    y = y0 + panel_h - 60 - bh
                    parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{bh:.1f}" '
                                 f'fill="{COLORS[m]}"><title>{m} {html.escape(s["title"])}: {v:,.1f}</title></rect>')
                    parts.append(f'<text x="{x + bar_w / 2 - 1:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="9">'
                                 f'{v:,.0f}</text>' if v >= 10 else
                                 f'<text x="{x + bar_w / 2 - 1:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="9">'
                                 f'{v:.1f}</text>')
            words = s["title"].split(", ")
            for k, w in enumerate(words[:4]):
                parts.append(f'<text x="{gx + len(mtas) * bar_w / 2:.1f}" y="{y0 + panel_h - 46 + 11 * k}" '
                             f'text-anchor="middle" font-size="9.5">{html.escape(w)}</text>')

    panel(top + 30, "delivered", "Delivered end to end per second (counted at the sink)", lambda r: r.get("delivered_per_s"))
    panel(top + 30 + panel_h + 50, "p99", "p99 latency, end of data to 250 (ms)",
          lambda r: (r.get("latency_ms") or {}).get("p99"))
    lx = left
    ly = 2 * panel_h + 170
    for m in mtas:
        parts.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{COLORS[m]}"/>'
                     f'<text x="{lx + 16}" y="{ly}">{m}</text>')
        lx += 110
    parts.append("</svg>")
    return "\n".join(parts)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print(markdown(json.load(f)))
