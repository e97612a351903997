"""The notation of spec/multifeed.md section 2 and the strict reading rules of section 6.1,
shared by the 1.0 messages (multifeed.py) and the membership operations (membership.py).
Standard library only.
"""

import hashlib

MAX_UINT = 2**53 - 1
KEY_BYTES = 32


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


# ---------------------------------------------------------------- hashing


def blake2b_256(message, key=b""):
    return hashlib.blake2b(message, digest_size=32, key=key).digest()


def namespace(name, count):
    """[base, NS[0], ..., NS[count - 1]]: hypercore-crypto's namespace(name, count)."""
    base = blake2b_256(name.encode("ascii"))
    return [base] + [blake2b_256(base + bytes([i])) for i in range(count)]
