#!/usr/bin/env python3
"""Writes the txn fuzzer's seed corpus into a build directory: every real transaction from the
shared data set (one file per line, raw wire bytes) plus a few crafted edge cases. The data set
itself stays outside the repository; this runs at build time."""
import base64
import pathlib
import sys


def cu16(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def crafted():
    key = lambda n: bytes([n]) * 31 + b"\x01"
    msg = bytes([1, 0, 1]) + cu16(3) + key(1) + key(2) + key(3) + key(9)  # 3 keys, blockhash
    msg += cu16(1) + bytes([2]) + cu16(2) + bytes([0, 1]) + cu16(4) + b"\x02\x40\x0d\x03"
    legacy = cu16(1) + bytes(64) + msg
    lookup = key(7) + cu16(2) + b"\x00\x01" + cu16(1) + b"\x02"
    v0 = cu16(1) + bytes(64) + b"\x80" + msg + cu16(1) + lookup
    return {"legacy.bin": legacy, "v0_lookup.bin": v0, "noncanonical.bin": b"\x81\x00" + bytes(140),
            "overflow.bin": b"\xff\xff\x04", "version1.bin": cu16(1) + bytes(64) + b"\x81" + msg}


def main():
    data_dir, out_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    out_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    for name in ("mainnet-transactions.txt", "other-transactions.txt"):
        for n, line in enumerate((data_dir / name).read_text().splitlines(), 1):
            if line.strip():
                (out_dir / f"{name.split('-')[0]}-{n:04d}.bin").write_bytes(base64.b64decode(line))
                count += 1
    for name, blob in crafted().items():
        (out_dir / name).write_bytes(blob)
    print(f"txn fuzz corpus: {count} real + {len(crafted())} crafted seeds in {out_dir}")


if __name__ == "__main__":
    main()
