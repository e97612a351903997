"""Ed25519 signature verification (RFC 8032 section 5.1.7) in pure Python, with the extra checks
of libsodium's crypto_sign_verify_detached that spec/membership.md section 4.3 names.

Verification only: no secret key ever enters, so nothing here needs to run in constant time.
It is slow (a few milliseconds per signature), which is fine for the conformance vectors.

libsodium's releases 1.0.18 to 1.0.21 (and its stable branch, which sodium-native 5.1 builds and
the reference runs) accept a signature (R, S) of message M by public key A when:
  1. S < L (a canonical scalar);
  2. R is not the encoding of a point of small order (a fixed list of 7 encodings, compared
     with the sign bit cleared);
  3. A is canonical (its y below p) and not of small order (the same list);
  4. A decodes to a point;
  5. the encoding of [S]B - [k]A, with k = SHA-512(R || A || M) mod L, equals R byte for byte
     (the cofactorless equation; a non-canonical R therefore never matches).
"""

import hashlib

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

# The encodings libsodium treats as small order (ge25519_has_small_order): 0 (order 4), 1
# (order 1), the two y of order 8, p - 1 (order 2), and the non-canonical p and p + 1.
SMALL_ORDER = {
    bytes.fromhex(h)
    for h in (
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    )
}


def _inverse(x):
    return pow(x, P - 2, P)


# Points in extended homogeneous coordinates (X, Y, Z, T), x = X/Z, y = Y/Z, x*y = T/Z
# (RFC 8032 section 5.1.4).
IDENTITY = (0, 1, 1, 0)


def _add(p, q):
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * D % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _multiply(scalar, point):
    result = IDENTITY
    while scalar > 0:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _recover_x(y, sign):
    """The x of the point with this y and sign bit, or None (RFC 8032 section 5.1.3)."""
    x2 = (y * y - 1) * _inverse(D * y * y + 1) % P
    if x2 == 0:
        return 0  # y = 1 or p - 1, both on the small-order list: never reached from verify
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    return P - x if (x & 1) != sign else x


def _decode(encoding):
    y = int.from_bytes(encoding, "little") & ((1 << 255) - 1)
    if y >= P:
        return None
    x = _recover_x(y, encoding[31] >> 7)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


def _encode(point):
    x, y, z, _ = point
    zi = _inverse(z)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def _small_order(encoding):
    return encoding[:31] + bytes([encoding[31] & 0x7F]) in SMALL_ORDER


B = _decode((4 * _inverse(5) % P).to_bytes(32, "little"))


def verify(public_key, message, signature):
    """Whether `signature` (64 bytes) is public_key's signature of `message`, as libsodium says."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    r, s = signature[:32], int.from_bytes(signature[32:], "little")
    if s >= L or _small_order(r) or _small_order(public_key):
        return False
    a = _decode(public_key)  # also refuses a y of p or above (not canonical)
    if a is None:
        return False
    k = int.from_bytes(hashlib.sha512(r + public_key + message).digest(), "little") % L
    minus_a = ((P - a[0]) % P, a[1], a[2], (P - a[3]) % P)
    return _encode(_add(_multiply(s, B), _multiply(k, minus_a))) == r
