#!/usr/bin/env python3
"""Checks `fmc inspect --json` output against what gen-capture says it wrote.

Used by scripts/bench-capture: a fast reader that miscounts is not fast, it is wrong, so
the benchmark refuses to report a PASS unless the numbers are right.

usage: check-inspect.py META PLAIN_FILE PLAIN_JSON GZ_FILE GZ_JSON LIBPCAP_PACKETS

Prints one line per check: "ok", "FAIL" (counts against the run) or "note" (a figure that
differs from the generator's but may be a matter of definition, e.g. how ICMP flows are
keyed). Exit 1 if any FAIL.
"""
import json
import sys

REQUIRED = ["file", "format", "compressed", "linktype", "packets", "bytes", "ipv4", "ipv6",
            "hosts", "flows", "first_ns", "last_ns", "errors"]
# Figures that depend only on the packets, so plain and gzip input must agree exactly.
SAME_FOR_GZ = ["format", "linktype", "packets", "bytes", "ipv4", "ipv6", "hosts", "flows",
               "first_ns", "last_ns", "errors"]
# Generator facts fmc should reproduce; a mismatch is reported, not failed (definitions).
NOTED = ["bytes", "ipv4", "ipv6", "hosts", "flows", "first_ns", "last_ns"]

failed = False


def report(status, name, detail):
    global failed
    if status == "FAIL":
        failed = True
    print(f"  {status:<4}  {name:<40} {detail}")


def load(path, label):
    """One JSON object; accepts a pretty-printed object or a single JSON line."""
    text = open(path, encoding="utf-8", errors="replace").read()
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        report("FAIL", f"{label}: valid JSON", f"{e}; output was {len(text)} bytes: {text[:300]!r}")
        return None
    if not isinstance(obj, dict):
        report("FAIL", f"{label}: one JSON object", f"got {type(obj).__name__}: {text[:300]!r}")
        return None
    missing = [k for k in REQUIRED if k not in obj]
    if missing:
        report("FAIL", f"{label}: required keys", f"missing {missing}; got {sorted(obj)}")
    else:
        report("ok", f"{label}: required keys", "all present")
    return obj


def main():
    meta_path, plain_file, plain_json, gz_file, gz_json, libpcap_packets = sys.argv[1:7]
    meta = {}
    for line in open(meta_path):
        k, _, v = line.strip().partition("=")
        if k:
            meta[k] = int(v)
    want = meta["packets"]

    plain = load(plain_json, "fmc FILE")
    gz = load(gz_json, "fmc FILE.gz")

    lp = int(libpcap_packets)
    report("ok" if lp == want else "FAIL", "libpcap packets == generator", f"{lp} vs {want}")

    for label, obj, path, comp in (("fmc FILE", plain, plain_file, False),
                                   ("fmc FILE.gz", gz, gz_file, True)):
        if obj is None:
            continue
        got = obj.get("packets")
        report("ok" if got == want and got == lp else "FAIL",
               f"{label}: packets == gen == libpcap", f"{got} vs {want} / {lp}")
        c = obj.get("compressed")
        report("ok" if c is comp else "FAIL", f"{label}: compressed is {str(comp).lower()}",
               f"got {json.dumps(c)}")
        if obj.get("file") not in (path, path.rsplit("/", 1)[-1]):
            report("note", f"{label}: file", f"got {obj.get('file')!r}, ran on {path!r}")
        err = obj.get("errors")
        if err not in (0, [], {}, None):
            report("note", f"{label}: errors", f"{json.dumps(err)[:200]}")

    if plain is not None and gz is not None:
        diff = {k: (plain.get(k), gz.get(k)) for k in SAME_FOR_GZ if plain.get(k) != gz.get(k)}
        report("FAIL" if diff else "ok", "FILE and FILE.gz agree", str(diff) if diff else
               ", ".join(SAME_FOR_GZ))

    if plain is not None:
        for k in NOTED:
            got, exp = plain.get(k), meta.get(k)
            report("ok" if got == exp else "note", f"fmc {k} == generator", f"{got} vs {exp}")
        print(f"  info  {'fmc format / linktype':<40} {json.dumps(plain.get('format'))} / "
              f"{json.dumps(plain.get('linktype'))}")

    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
