#!/usr/bin/env python3
"""Check the audit log rows of a meetingsvc evidence export, with Python's standard library only.

Usage:  python3 verify_audit_log.py [EXPORT_FOLDER]

Checks, and exits 1 naming the first thing that does not hold:
  1. every row's row_hash is SHA-256(prev_hash + "\\n" + the row's canonical JSON);
  2. every row's prev_hash is the row_hash of the row before it (nothing removed);
  3. every checkpoint (checkpoints/NNNNNN.json) inside the exported range names a row
     that is here with that very hash, and each names the SHA-256 of the one before;
  4. the newest checkpoint covers the last exported row (nothing cut from the end).
The checkpoints' signatures are checked by openssl (see README.txt).
"""

import hashlib
import json
import sys
from pathlib import Path

HASHED_FIELDS = ("at", "actor_id", "actor_name", "action", "object_type", "object_id",
                 "meeting_id", "address", "details")


def row_hash(row):
    content = {name: row[name] for name in HASHED_FIELDS}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(row["prev_hash"].encode() + b"\n" + canonical).hexdigest()


def fail(message):
    print("FAILED: " + message)
    sys.exit(1)


def main(folder):
    rows = [json.loads(line) for line in
            (folder / "audit_log.jsonl").read_text(encoding="utf-8").splitlines() if line]
    if not rows:
        fail("audit_log.jsonl holds no rows")
    previous = None
    for row in rows:
        if previous is not None and row["prev_hash"] != previous["row_hash"]:
            fail(f"row {row['id']}: does not link to row {previous['id']} (a row was removed)")
        if row_hash(row) != row["row_hash"]:
            fail(f"row {row['id']}: its content does not match its hash (the row was edited)")
        previous = row
    hashes = {row["id"]: row["row_hash"] for row in rows}
    first, last = rows[0]["id"], rows[-1]["id"]
    checkpoints = sorted(((json.loads(p.read_bytes()), p.read_bytes())
                          for p in (folder / "checkpoints").glob("*.json")),
                         key=lambda item: item[0]["seq"])
    if not checkpoints:
        fail("no checkpoint in checkpoints/")
    before = None
    for signed, raw in checkpoints:
        name = f"checkpoint #{signed['seq']}"
        if before is not None and (signed["seq"] != before[0]["seq"] + 1
                                   or signed["prev"] != hashlib.sha256(before[1]).hexdigest()):
            fail(f"{name}: does not follow checkpoint #{before[0]['seq']} (one was removed)")
        inside = first <= signed["event_id"] <= last
        if inside and hashes.get(signed["event_id"]) != signed["row_hash"]:
            fail(f"{name}: row {signed['event_id']} is missing or has another hash")
        before = (signed, raw)
    newest = checkpoints[-1][0]
    if newest["event_id"] != last:
        fail(f"the newest checkpoint covers row {newest['event_id']}, "
             f"the export ends at row {last}")
    meeting_rows = sum(1 for row in rows if row.get("in_meeting"))
    print(f"OK: {len(rows)} rows ({first}..{last}) chain intact, {meeting_rows} of the meeting; "
          f"{len(checkpoints)} checkpoints agree, newest #{newest['seq']} covers row {last}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
