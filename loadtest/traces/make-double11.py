#!/usr/bin/env python3
"""Writes double11-synthetic.ndjson: a synthetic, 11.11-shaped arrival trace in the gateway's trace
format (version 1). Ten minutes around midnight: a quiet start, the midnight rush (arrivals x6 in a
minute), a plateau, a slow decay. A simple FIFO model with 1,000 agent slots produces the waits,
handling times, service levels and queue depth a node would have recorded. Deterministic (seeded).
Regenerate with: python3 loadtest/traces/make-double11.py > loadtest/traces/double11-synthetic.ndjson"""
import json, math, random

random.seed(1111)
SECONDS, SLOTS = 600, 1000

def rate(t):
    if t < 120: return 2.0
    if t < 180: return 2.0 + (12.0 - 2.0) * (t - 120) / 60
    if t < 300: return 12.0
    return 12.0 - (12.0 - 3.0) * (t - 300) / 300

def kind():
    r = random.random()
    tier = "vip" if r < 0.08 else "new" if r < 0.28 else "regular"
    tags = tuple(sorted(t for t, p in (("urgent_order", 0.06), ("complaint_prone", 0.03)) if random.random() < p))
    group = "pre-sales" if random.random() < 0.25 else "general"
    return group, tier, tags

print(json.dumps({"trace": "chat-gateway", "version": 1, "startSecond": 1762790280,
                  "anonymised": "synthetic: counts and durations only, no ids, no names, no text"}, separators=(",", ":")))
queue, busy, carry = [], [], 0.0  # busy: (end second, handling seconds) per agent slot in use
for t in range(SECONDS):
    carry += rate(t)
    n = int(carry); carry -= n
    arrivals = {}
    for _ in range(n):
        k = kind()
        arrivals[k] = arrivals.get(k, 0) + 1
        queue.append(t)
    handled = [h for end, h in busy if end <= t]
    busy = [(end, h) for end, h in busy if end > t]
    waits = []
    while queue and len(busy) < SLOTS:
        joined = queue.pop(0)
        h = max(20, int(random.lognormvariate(math.log(180), 0.5)))
        busy.append((t + h, h))
        waits.append(int((t - joined) * 1000 + random.randint(30, 900)))
    line = {"t": t}
    if arrivals:
        line["arrivals"] = [{"group": g, "tier": tr, "tags": list(tg), "n": c} for (g, tr, tg), c in sorted(arrivals.items())]
    active = len(busy)
    cm = int(active * 4 / 180 + random.random())
    if active:
        line["messages"] = {"customer": cm, "agent": max(0, cm + random.choice((-1, 0, 0, 1)))}
    if waits: line["waitMillis"] = waits
    if handled: line["handledSeconds"] = handled
    if n: line["greeting"] = {"met": n, "missed": 0}
    if waits:
        met = sum(1 for w in waits if w + 4000 <= 30000)
        line["firstReply"] = {"met": met, "missed": len(waits) - met}
    line["queueDepth"] = len(queue)
    print(json.dumps(line, separators=(",", ":")))
