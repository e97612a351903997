#!/usr/bin/env python3
"""A second implementation of the multifeed protocol's codec and capability (spec/multifeed.md
sections 2, 4, 5 and 6), in Python 3 with the standard library only, written from the spec.

It is the worked example of the conformance line protocol (test/vectors/README.md,
"Conformance runner"): it reads one JSON request per line on stdin and writes one JSON response
per line on stdout. It implements the codec and capability suites; for anything else (the
session traces) it answers "skip", which the runner reports as skipped, not failed.

    npx multifeed-conformance -- python3 conformance/python/multifeed.py
"""

import hashlib
import json
import sys

MAX_UINT = 2**53 - 1
KEY_BYTES = 32
PROTOCOL = "multifeed-conformance/1"

# Section 5: message type numbers; the Handshake has none (None in requests: JSON null).
MANIFEST, REQUEST, REPLICATE, CLOSE = 0, 1, 2, 3
# Flag bits defined at 1.0: Handshake bit 0 (userData), Manifest entry bit 0 (data).
USER_DATA = 1
ENTRY_DATA = 1


class DecodeError(Exception):
    """Bytes that do not decode; `code` is the ERR_DECODE_* name of section 6.2."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


class EncodeRefused(Exception):
    """A value the encoder will not encode (it would not decode, or breaks a limit)."""


# ---------------------------------------------------------------- reading (section 6.1)


class Reader:
    def __init__(self, data, limits):
        # Rule 1: the size before anything else.
        if len(data) > limits["maxMessageBytes"]:
            raise DecodeError("ERR_DECODE_MESSAGE_TOO_LARGE")
        self.data = data
        self.at = 0
        self.limits = limits

    def left(self):
        return len(self.data) - self.at

    def take(self, n):
        if self.left() < n:
            raise DecodeError("ERR_DECODE_TRUNCATED")
        chunk = self.data[self.at : self.at + n]
        self.at += n
        return chunk

    def uint(self):
        first = self.take(1)[0]
        if first <= 0xFC:
            return first
        width = {0xFD: 2, 0xFE: 4, 0xFF: 8}[first]
        value = int.from_bytes(self.take(width), "little")
        smallest = {2: 0xFD, 4: 0x10000, 8: 0x100000000}[width]
        if value < smallest:
            raise DecodeError("ERR_DECODE_NON_MINIMAL_VARINT")
        if value > MAX_UINT:
            raise DecodeError("ERR_DECODE_VARINT_OVERFLOW")
        return value

    def bool(self):
        byte = self.take(1)[0]
        if byte > 1:
            raise DecodeError("ERR_DECODE_INVALID_BOOL")
        return byte == 1

    def fixed32(self):
        return self.take(KEY_BYTES)

    def buffer(self, limit):
        n = self.uint()
        if n > limit:  # the limit before the bytes it announces
            raise DecodeError("ERR_DECODE_FIELD_TOO_LONG")
        return self.take(n)

    def string(self, limit):
        raw = self.buffer(limit)
        try:
            # Python's UTF-8 decoder is strict: no overlong forms, no surrogates, nothing above
            # U+10FFFF, no cut sequence; and "utf-8" (not "utf-8-sig") keeps a leading BOM.
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DecodeError("ERR_DECODE_INVALID_UTF8") from None

    def count(self):
        n = self.uint()
        if n > self.limits["maxEntriesPerMessage"]:
            raise DecodeError("ERR_DECODE_TOO_MANY_ENTRIES")
        return n

    def flags(self, known):
        value = self.uint()  # Python integers have no width: bit 32 and above are seen
        if value & ~known:
            raise DecodeError("ERR_DECODE_RESERVED_FLAGS")
        return value

    def end(self):
        if self.left() != 0:
            raise DecodeError("ERR_DECODE_TRAILING_BYTES")


def decode_handshake(data, limits):
    """Section 6.3: a foreign major is read up to its minor; a newer minor leniently."""
    r = Reader(data, limits)
    major = r.uint()
    minor = r.uint()
    if major != 1:
        return {"type": "foreign-handshake", "major": major, "minor": minor}
    newer = minor > 0
    flags = r.uint() if newer else r.flags(USER_DATA)
    client = r.string(limits["maxClientBytes"])
    capability = r.fixed32()
    user_data = r.buffer(limits["maxUserDataBytes"]) if flags & USER_DATA else None
    if not newer:
        r.end()
    return {
        "type": "handshake",
        "major": major,
        "minor": minor,
        "client": client,
        "capability": capability.hex(),
        "userData": None if user_data is None else user_data.hex(),
    }


def decode_message(type_number, data, limits):
    """Section 5 and 6; None for a type number 1.0 does not define (ignored, section 7.4)."""
    if type_number not in (MANIFEST, REQUEST, REPLICATE, CLOSE):
        return None
    r = Reader(data, limits)
    if type_number == MANIFEST:
        more = r.bool()
        entries = []
        for _ in range(r.count()):
            flags = r.flags(ENTRY_DATA)
            key = r.fixed32()
            length = r.uint()
            data_field = r.buffer(limits["maxEntryDataBytes"]) if flags & ENTRY_DATA else None
            entries.append(
                {
                    "key": key.hex(),
                    "length": length,
                    "data": None if data_field is None else data_field.hex(),
                }
            )
        message = {"type": "manifest", "more": more, "entries": entries}
    elif type_number in (REQUEST, REPLICATE):
        r.flags(0)
        keys = [r.fixed32().hex() for _ in range(r.count())]
        message = {"type": "request" if type_number == REQUEST else "replicate", "keys": keys}
    else:
        r.flags(0)
        code = r.uint()
        reason = r.string(limits["maxReasonBytes"])
        message = {"type": "close", "code": code, "reason": reason}
    r.end()
    return message


# ---------------------------------------------------------------- writing (canonical)


def uint(n):
    if not isinstance(n, int) or isinstance(n, bool) or n < 0 or n > MAX_UINT:
        raise EncodeRefused(f"not a uint: {n!r}")
    if n <= 0xFC:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + n.to_bytes(2, "little")
    if n <= 0xFFFFFFFF:
        return b"\xfe" + n.to_bytes(4, "little")
    return b"\xff" + n.to_bytes(8, "little")


def buffer(data, limit):
    if len(data) > limit:
        raise EncodeRefused("over its limit")
    return uint(len(data)) + data


def fixed32(hex_text):
    key = bytes.fromhex(hex_text)
    if len(key) != KEY_BYTES:
        raise EncodeRefused("not 32 bytes")
    return key


def entries_count(items, limits):
    if len(items) > limits["maxEntriesPerMessage"]:
        raise EncodeRefused("too many entries")
    return uint(len(items))


def encode(type_number, m, limits):
    if type_number is None:
        user_data = m["userData"]
        out = uint(m["major"]) + uint(m["minor"]) + uint(0 if user_data is None else USER_DATA)
        out += buffer(m["client"].encode("utf-8"), limits["maxClientBytes"])
        out += fixed32(m["capability"])
        if user_data is not None:
            out += buffer(bytes.fromhex(user_data), limits["maxUserDataBytes"])
    elif m["type"] == "manifest":
        out = bytes([1 if m["more"] else 0]) + entries_count(m["entries"], limits)
        for entry in m["entries"]:
            data = entry["data"]
            out += uint(0 if data is None else ENTRY_DATA) + fixed32(entry["key"]) + uint(entry["length"])
            if data is not None:
                out += buffer(bytes.fromhex(data), limits["maxEntryDataBytes"])
    elif m["type"] in ("request", "replicate"):
        out = uint(0) + entries_count(m["keys"], limits) + b"".join(fixed32(k) for k in m["keys"])
    elif m["type"] == "close":
        out = uint(0) + uint(m["code"]) + buffer(m["reason"].encode("utf-8"), limits["maxReasonBytes"])
    else:
        raise EncodeRefused(f"unknown message type {m['type']!r}")
    if len(out) > limits["maxMessageBytes"]:
        raise EncodeRefused("over maxMessageBytes")
    return out


# ---------------------------------------------------------------- identity (section 4)


def blake2b_256(message, key=b""):
    return hashlib.blake2b(message, digest_size=32, key=key).digest()


def namespace(name):
    base = blake2b_256(name.encode("ascii"))
    return base, blake2b_256(base + b"\x00"), blake2b_256(base + b"\x01")


def capability(multifeed_key, handshake_hash, role):
    _, initiator, responder = namespace("multifeed")
    ns = initiator if role == "initiator" else responder
    return blake2b_256(ns + multifeed_key, key=handshake_hash)


# ---------------------------------------------------------------- the line protocol


def answer(request):
    """The result of one request, or None when this implementation does not do it (skip)."""
    op = (request["suite"], request["op"])
    if op == ("runner", "hello"):
        return {"implementation": "multifeed.py (Python 3, codec and capability)", "protocol": PROTOCOL}
    if op == ("codec", "decode"):
        data = bytes.fromhex(request["hex"])
        try:
            if request["typeNumber"] is None:
                return {"decoded": decode_handshake(data, request["limits"])}
            return {"decoded": decode_message(request["typeNumber"], data, request["limits"])}
        except DecodeError as err:
            return {"error": err.code}
    if op == ("codec", "encode"):
        try:
            return {"hex": encode(request["typeNumber"], request["message"], request["limits"]).hex()}
        except EncodeRefused as err:
            return {"refused": str(err)}
    if op == ("capability", "namespace"):
        base, initiator, responder = namespace(request["name"])
        return {"base": base.hex(), "initiator": initiator.hex(), "responder": responder.hex()}
    if op == ("capability", "discovery-key"):
        return {"discoveryKey": blake2b_256(b"multifeed", key=bytes.fromhex(request["multifeedKey"])).hex()}
    if op == ("capability", "capability"):
        key = bytes.fromhex(request["multifeedKey"])
        handshake_hash = bytes.fromhex(request["handshakeHash"])
        return {"capability": capability(key, handshake_hash, request["role"]).hex()}
    return None


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            result = answer(request)
            if result is None:
                response = {"id": request["id"], "skip": f"{request['suite']}/{request['op']} is not implemented in Python"}
            else:
                response = {"id": request["id"], "result": result}
        except Exception as err:  # reported to the runner, which fails this vector
            response = {"id": request["id"], "error": f"{type(err).__name__}: {err}"}
        sys.stdout.write(json.dumps(response) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
