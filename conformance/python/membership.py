"""The membership extension (spec/membership.md, draft 1.1) in Python 3 with the standard library
only, written from the spec: the operation codec (section 5), ids and signatures (4), receiving
operations (6), admission (7) and resolution (8). It answers the conformance runner's
`membership` operations (test/vectors/README.md, "The line protocol").

Deliberately naive, as a second reading of the rules should be: every stored operation keeps the
set of ids in its past, and every rule is evaluated as the spec words it. Memory and time grow
quadratically with the number of operations, which is nothing for the vectors.
"""

import functools
from collections import OrderedDict

import ed25519
from notation import DecodeError, EncodeRefused, KEY_BYTES, Reader, blake2b_256, fixed32, namespace, uint

NAMESPACE_NAME = "multifeed/membership"
NS_BASE, NS_SIGNATURE, NS_OPERATION_ID, NS_CLOSED_KEY = namespace(NAMESPACE_NAME, 3)

TYPES = ["genesis", "add-writer", "remove-writer", "grant-admin", "revoke-admin"]
POWER = ("grant-admin", "revoke-admin")
WRITER = ("add-writer", "remove-writer")
RULES_VERSION = 1
SIGNATURE_BYTES = 64
DEFAULT_LIMITS = {
    "maxOperationBytes": 4096,
    "maxDependencies": 64,
    "maxPendingOperations": 1024,
    "maxOperations": 1048576,
}

# Section 6: refusals that depend only on the operation's content and past.
FOR_GOOD = {
    "ERR_MEMBERSHIP_NOT_ADMIN",
    "ERR_MEMBERSHIP_NOT_SENIOR",
    "ERR_MEMBERSHIP_FOUNDER",
    "ERR_MEMBERSHIP_DEPENDENCY_REJECTED",
}


class Refused(Exception):
    """An operation refused with an ERR_MEMBERSHIP_* code (sections 5.3 and 13)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


# ---------------------------------------------------------------- operations (section 5)


def decode_operation(data, limits):
    """Section 5.3: the fields of one operation (bytes as bytes), plus `signable`."""
    # The operation's own limits stand for maxMessageBytes and maxEntriesPerMessage.
    as_message = {"maxMessageBytes": limits["maxOperationBytes"], "maxEntriesPerMessage": limits["maxDependencies"]}
    r = Reader(data, as_message)
    type_number = r.uint()
    if type_number >= len(TYPES):
        raise Refused("ERR_MEMBERSHIP_UNKNOWN_TYPE")
    op = {"type": TYPES[type_number]}
    r.flags(0)
    op["author"] = r.fixed32()
    dependencies = []
    for _ in range(r.count()):
        dependency = r.fixed32()
        if dependencies and dependency <= dependencies[-1]:  # bytes compare in byte order
            raise Refused("ERR_MEMBERSHIP_UNSORTED_DEPENDENCIES")
        dependencies.append(dependency)
    if (op["type"] == "genesis") != (len(dependencies) == 0):
        raise Refused("ERR_MEMBERSHIP_BAD_DEPENDENCIES")
    op["dependencies"] = dependencies
    if op["type"] == "genesis":
        op["rules"] = r.uint()
        op["discoveryKey"] = r.fixed32()
    elif op["type"] in WRITER:
        op["feed"] = r.fixed32()
        if op["type"] == "remove-writer":
            op["cut"] = r.uint()
    else:
        op["admin"] = r.fixed32()
    op["signable"] = data[: r.at]
    op["signature"] = r.take(SIGNATURE_BYTES)
    r.end()
    return op


def encode_signable(op, limits):
    """Section 5.2: the canonical bytes of every field but the signature."""
    if op["type"] not in TYPES:
        raise EncodeRefused(f"unknown operation type {op['type']!r}")
    dependencies = op["dependencies"]
    if len(dependencies) > limits["maxDependencies"]:
        raise EncodeRefused("too many dependencies")
    if any(a >= b for a, b in zip(dependencies, dependencies[1:])):
        raise EncodeRefused("dependencies not strictly increasing")
    if (op["type"] == "genesis") != (len(dependencies) == 0):
        raise EncodeRefused("a genesis has no dependencies, every other operation some")
    out = uint(TYPES.index(op["type"])) + uint(0) + op["author"]
    out += uint(len(dependencies)) + b"".join(dependencies)
    if op["type"] == "genesis":
        out += uint(op["rules"]) + op["discoveryKey"]
    elif op["type"] in WRITER:
        out += op["feed"] + (uint(op["cut"]) if op["type"] == "remove-writer" else b"")
    else:
        out += op["admin"]
    if len(out) + SIGNATURE_BYTES > limits["maxOperationBytes"]:
        raise EncodeRefused("over maxOperationBytes")
    return out


def operation_id(signable):
    """Section 4.2."""
    return blake2b_256(signable, key=NS_OPERATION_ID)


def signature_valid(op):
    """Section 4.3."""
    return _verify(op["author"], NS_SIGNATURE + op["signable"], op["signature"])


# Pure Python Ed25519 takes milliseconds, and the vectors deliver the same operations many times.
_verify = functools.lru_cache(maxsize=4096)(ed25519.verify)


def genesis_id(multifeed_key, founder):
    """Section 3.2: follows from the invitation alone."""
    genesis = {
        "type": "genesis",
        "author": founder,
        "dependencies": [],
        "rules": RULES_VERSION,
        "discoveryKey": discovery_key(multifeed_key),
    }
    return operation_id(encode_signable(genesis, DEFAULT_LIMITS))


def discovery_key(multifeed_key):
    """spec/multifeed.md section 4.2."""
    return blake2b_256(b"multifeed", key=multifeed_key)


def closed_key(multifeed_key, genesis):
    """Section 3.3."""
    return blake2b_256(NS_CLOSED_KEY + genesis, key=multifeed_key)


BYTE_FIELDS = ("author", "signature", "discoveryKey", "feed", "admin")


def operation_json(op):
    json = {k: (v.hex() if k in BYTE_FIELDS else v) for k, v in op.items() if k != "signable"}
    json["dependencies"] = [d.hex() for d in op["dependencies"]]
    return json


def operation_from_json(json):
    op = {k: (fixed32(v) if k in BYTE_FIELDS and k != "signature" else v) for k, v in json.items()}
    op["signature"] = bytes.fromhex(json["signature"])
    if len(op["signature"]) != SIGNATURE_BYTES:
        raise EncodeRefused("a signature is 64 bytes")
    op["dependencies"] = [fixed32(d) for d in json["dependencies"]]
    return op


# ---------------------------------------------------------------- the state (sections 6 to 8)


class Stored:
    """A stored operation and the ids of its past."""

    def __init__(self, op, id, past):
        self.op, self.id, self.past = op, id, past
        self.type, self.author = op["type"], op["author"]
        self.subject = op.get("feed", op.get("admin"))


class Membership:
    def __init__(self, multifeed_key, founder, limits):
        self.founder = founder
        self.limits = {**DEFAULT_LIMITS, **limits}
        self.genesis_id = genesis_id(multifeed_key, founder)
        self.stored = OrderedDict()  # id -> Stored, in storage order
        self.waiting = OrderedDict()  # id -> (op, missing ids), oldest first
        self.refused = OrderedDict()  # id -> code, refused for good (the latest remembered)

    # -------------------------------------------------------- section 6

    def receive(self, operations):
        """Processes the operations in order; returns what the runner's `receive` answers."""
        call = {"outcomes": [], "stored": [], "refused": [], "given": {}}
        for index, data in enumerate(operations):
            call["outcomes"].append({"id": None, "outcome": None})
            outcome = self._ingest(data, index, call)
            if call["outcomes"][index]["outcome"] is None:
                call["outcomes"][index]["outcome"] = outcome
        return {k: call[k] for k in ("outcomes", "stored", "refused")}

    def _ingest(self, data, index, call):
        try:
            op = decode_operation(data, self.limits)
        except (DecodeError, Refused) as err:
            return err.code
        id = operation_id(op["signable"])
        call["outcomes"][index]["id"] = id.hex()
        if id in self.stored or id in self.waiting:
            return "ERR_MEMBERSHIP_DUPLICATE"
        if id in self.refused:
            return self.refused[id]
        if op["type"] == "genesis" and id != self.genesis_id:
            return "ERR_MEMBERSHIP_WRONG_GENESIS"
        if not signature_valid(op):
            return "ERR_MEMBERSHIP_BAD_SIGNATURE"
        if any(d in self.refused for d in op["dependencies"]):
            self._remember(id, "ERR_MEMBERSHIP_DEPENDENCY_REJECTED")
            return "ERR_MEMBERSHIP_DEPENDENCY_REJECTED"
        call["given"][id] = index
        missing = {d for d in op["dependencies"] if d not in self.stored}
        if missing:
            return self._hold(op, id, missing, call)
        self._store_and_release(op, id, call)
        return None  # set by _settle

    def _hold(self, op, id, missing, call):
        if self._leads_back(id, missing):
            del call["given"][id]
            return "ERR_MEMBERSHIP_DEPENDENCY_CYCLE"
        if self.limits["maxPendingOperations"] == 0:
            del call["given"][id]
            return "ERR_MEMBERSHIP_PENDING_OVERFLOW"
        while len(self.waiting) >= self.limits["maxPendingOperations"]:
            oldest = next(iter(self.waiting))
            del self.waiting[oldest]  # not remembered: it may come again
            self._settle(oldest, "ERR_MEMBERSHIP_PENDING_OVERFLOW", call)
        self.waiting[id] = (op, missing)
        return "pending"

    def _leads_back(self, id, missing):
        seen, stack = set(), list(missing)
        while stack:
            next_id = stack.pop()
            if next_id == id:
                return True
            if next_id not in seen and next_id in self.waiting:
                seen.add(next_id)
                stack.extend(self.waiting[next_id][1])
        return False

    def _store_and_release(self, op, id, call):
        queue = [(op, id)]
        while queue:
            op, id = queue.pop(0)
            past = set()
            for d in op["dependencies"]:
                past |= {d} | self.stored[d].past
            code = self._admission(op, past)
            if code is None and len(self.stored) >= self.limits["maxOperations"]:
                self._settle(id, "ERR_MEMBERSHIP_LIMIT", call)  # local, not remembered
                continue
            if code is not None:
                self._remember(id, code)
                self._settle(id, code, call)
                for dependent in self._dependents(id):
                    self._remember(dependent, "ERR_MEMBERSHIP_DEPENDENCY_REJECTED")
                    self._settle(dependent, "ERR_MEMBERSHIP_DEPENDENCY_REJECTED", call)
                continue
            self.stored[id] = Stored(op, id, frozenset(past))
            call["stored"].append(id.hex())
            self._settle(id, "stored", call)
            for waiting_id, (waiting_op, missing) in list(self.waiting.items()):  # oldest first
                if id in missing:
                    missing.discard(id)
                    if not missing:
                        del self.waiting[waiting_id]
                        queue.append((waiting_op, waiting_id))

    def _dependents(self, id):
        """Removes and returns every waiting operation that waits on `id`, directly or not."""
        out, frontier = [], {id}
        while frontier:
            found = [w for w, (op, _) in self.waiting.items() if frontier & set(op["dependencies"])]
            for w in found:
                del self.waiting[w]
            out += found
            frontier = set(found)
        return out

    def _remember(self, id, code):
        self.refused[id] = code
        while len(self.refused) > self.limits["maxPendingOperations"]:
            self.refused.popitem(last=False)

    def _settle(self, id, outcome, call):
        """Reports what became of `id`: its outcome if given in this call, else in `refused`."""
        if id in call["given"]:
            call["outcomes"][call["given"].pop(id)]["outcome"] = outcome
        elif outcome != "stored":
            call["refused"].append({"id": id.hex(), "error": outcome})

    # -------------------------------------------------------- section 7

    def _admin_at(self, key, past):
        """7.1: the founder, or the latest power operations naming `key` in `past` are grants."""
        if key == self.founder:
            return True
        about = [self.stored[p] for p in past if self.stored[p].type in POWER and self.stored[p].subject == key]
        latest = self._latest(about)
        return bool(latest) and all(x.type == "grant-admin" for x in latest)

    def _admission(self, op, past):
        if op["type"] == "genesis":
            return None
        if not self._admin_at(op["author"], past):
            return "ERR_MEMBERSHIP_NOT_ADMIN"
        if op["type"] in POWER:
            if op["admin"] == self.founder:
                return "ERR_MEMBERSHIP_FOUNDER"
            if not self._senior(self._seniority([self.stored[p] for p in past]), op["author"], op["admin"]):
                return "ERR_MEMBERSHIP_NOT_SENIOR"
        return None

    # -------------------------------------------------------- 7.2 and section 8

    @staticmethod
    def _before(a, b):
        return a.id in b.past

    def _latest(self, ops):
        return [x for x in ops if not any(self._before(x, y) for y in ops if y is not x)]

    def _seniority(self, scope):
        """7.2 over the operations `scope`: each key's depth and first grants."""
        grants = [x for x in scope if x.type == "grant-admin"]
        first = {}
        for g in grants:
            if not any(h.subject == g.subject and self._before(h, g) for h in grants):
                first.setdefault(g.subject, []).append(g)
        depth = {self.founder: 0}
        frontier = [self.founder]
        while frontier:  # breadth first: every key gets the smallest depth
            reached = [k for k, gs in first.items() if k not in depth and any(g.author in frontier for g in gs)]
            for k in reached:
                depth[k] = depth[frontier[0]] + 1
            frontier = reached
        return depth, first

    def _senior(self, seniority, s, k):
        depth, first = seniority
        if s == k or s not in depth:
            return False
        if k not in depth or depth[s] < depth[k]:
            return True
        if depth[s] > depth[k]:
            return False
        return all(self._before(g, h) for g in first.get(s, []) for h in first.get(k, []))

    def resolution(self):
        """Section 8: members, removed feeds with their cuts, admins."""
        ops = list(self.stored.values())
        seniority = self._seniority(ops)
        eligible = {x.id: x.type not in POWER or self._senior(seniority, x.author, x.subject) for x in ops}
        memo = {}

        def effective(x):
            if x.id not in memo:
                memo[x.id] = x.type == "genesis" or (
                    eligible[x.id] and self._authorized(x, ops, eligible, effective)
                )
            return memo[x.id]

        def live_power(key):
            return [x for x in ops if x.type in POWER and x.subject == key and eligible[x.id] and effective(x)]

        admins = {self.founder}
        for key in {x.subject for x in ops if x.type in POWER}:
            latest = self._latest(live_power(key))
            if latest and all(x.type == "grant-admin" for x in latest):
                admins.add(key)
        members, removed = [], []
        for feed in sorted({x.subject for x in ops if x.type in WRITER}):
            latest = self._latest([x for x in ops if x.type in WRITER and x.subject == feed and effective(x)])
            cuts = [x.op["cut"] for x in latest if x.type == "remove-writer"]
            if cuts:
                removed.append({"feed": feed.hex(), "cut": min(cuts)})
            elif latest:
                members.append(feed.hex())
        return {"members": members, "removed": removed, "admins": sorted(k.hex() for k in admins)}

    def _authorized(self, x, ops, eligible, effective):
        """8.2 conditions 2 and 3 for a stored operation x that is not the genesis."""
        if x.author == self.founder:
            return True
        about = [p for p in ops if p.type in POWER and p.subject == x.author and eligible[p.id] and effective(p)]
        latest = self._latest([p for p in about if self._before(p, x)])
        authorized = bool(latest) and all(p.type == "grant-admin" for p in latest)
        concurrent = lambda p: p is not x and not self._before(p, x) and not self._before(x, p)  # noqa: E731
        voided = any(p.type == "revoke-admin" and concurrent(p) for p in about)
        return authorized and not voided


# ---------------------------------------------------------------- the line protocol


class Server:
    """Answers the `membership` suite's operations; None for one it does not know (skip)."""

    def __init__(self):
        self.state = None

    def answer(self, request):
        op = request["op"]
        limits = {**DEFAULT_LIMITS, **request.get("limits", {})}
        if op == "namespace":
            if request["name"] != NAMESPACE_NAME:
                raise ValueError(f"only the {NAMESPACE_NAME} namespace is defined")
            values = (NS_BASE, NS_SIGNATURE, NS_OPERATION_ID, NS_CLOSED_KEY)
            return dict(zip(("base", "signature", "operationId", "closedKey"), (v.hex() for v in values)))
        if op == "invitation":
            multifeed_key = bytes.fromhex(request["multifeedKey"])
            genesis = genesis_id(multifeed_key, bytes.fromhex(request["founder"]))
            closed = closed_key(multifeed_key, genesis)
            return {
                "discoveryKey": discovery_key(multifeed_key).hex(),
                "genesisId": genesis.hex(),
                "closedKey": closed.hex(),
                "closedDiscoveryKey": discovery_key(closed).hex(),
            }
        if op == "decode":
            try:
                return {"decoded": operation_json(decode_operation(bytes.fromhex(request["hex"]), limits))}
            except (DecodeError, Refused) as err:
                return {"error": err.code}
        if op == "id":
            signable = decode_operation(bytes.fromhex(request["hex"]), limits)["signable"]
            return {"signable": signable.hex(), "id": operation_id(signable).hex()}
        if op == "verify":
            return {"signatureValid": signature_valid(decode_operation(bytes.fromhex(request["hex"]), limits))}
        if op == "encode":
            operation = operation_from_json(request["operation"])
            return {"hex": (encode_signable(operation, limits) + operation["signature"]).hex()}
        if op == "start":
            multifeed_key, founder = bytes.fromhex(request["multifeedKey"]), bytes.fromhex(request["founder"])
            self.state = Membership(multifeed_key, founder, limits)
            return {}
        if op == "receive":
            return self.state.receive([bytes.fromhex(h) for h in request["operations"]])
        if op == "resolution":
            return self.state.resolution()
        return None
