#!/usr/bin/env python3
"""A second implementation of the multifeed protocol's codec and capability (spec/multifeed.md
sections 2, 4, 5 and 6) and of the membership extension (spec/membership.md, in membership.py),
in Python 3 with the standard library only, written from the spec.

It is the worked example of the conformance line protocol (test/vectors/README.md,
"Conformance runner"): it reads one JSON request per line on stdin and writes one JSON response
per line on stdout. It implements the codec, capability and membership suites; for anything
else (the session traces) it answers "skip", which the runner reports as skipped, not failed.

    npx multifeed-conformance -- python3 conformance/python/multifeed.py
"""

import json
import sys

import membership
from notation import DecodeError, EncodeRefused, Reader, blake2b_256, buffer, fixed32, namespace, uint

PROTOCOL = "multifeed-conformance/1"
MEMBERSHIP = membership.Server()

# Section 5: message type numbers; the Handshake has none (None in requests: JSON null).
MANIFEST, REQUEST, REPLICATE, CLOSE = 0, 1, 2, 3
# Flag bits defined at 1.0: Handshake bit 0 (userData), Manifest entry bit 0 (data).
USER_DATA = 1
ENTRY_DATA = 1


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


def capability(multifeed_key, handshake_hash, role):
    _, initiator, responder = namespace("multifeed", 2)
    ns = initiator if role == "initiator" else responder
    return blake2b_256(ns + multifeed_key, key=handshake_hash)


# ---------------------------------------------------------------- the line protocol


def answer(request):
    """The result of one request, or None when this implementation does not do it (skip)."""
    if request["suite"] == "membership":
        return MEMBERSHIP.answer(request)
    op = (request["suite"], request["op"])
    if op == ("runner", "hello"):
        return {"implementation": "multifeed.py (Python 3: codec, capability, membership)", "protocol": PROTOCOL}
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
        base, initiator, responder = namespace(request["name"], 2)
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
