"""Pairing of a terminal and a practice-PC agent (PAIR messages), sans-IO: X25519 key
agreement, a 6-digit code both show and the user compares, and the pairing key both keep.

Steps (agent asks, terminal answers; docs/protocol.md "Pairing"):
  1. {step 1, id, pub, commit}  ->  {step 1, id, pub, nonce}
  2. {step 2, nonce}            ->  {step 2}              (the terminal shows the code)
  3. {step 3, mac}              ->  {step 3, wait: true} until the user confirms, then
                                    {step 3, mac}; refused: PairingMismatch (ERROR frame)
"""

from protocol import fields, x25519
from protocol._compat import urandom
from protocol.hmac_sha256 import compare_digest
from protocol.keyschedule import (
    ID_MAX_LEN,
    KEY_SIZE,
    NONCE_SIZE,
    PAIRING_ID_SIZE,
    PROOF_SIZE,
    PairSecrets,
    pair_code,
    pair_commitment,
    pair_transcript,
)
from protocol.security_errors import (
    MalformedMessage,
    NotPaired,
    PairingAbandoned,
    PairingError,
    PairingMismatch,
)


class Pairing:
    """What each side keeps: the pairing id, the pairing key and the peer's identity.

    `peer` is the other side's `id` from PAIR step 1, which the pairing transcript covers
    (so the code the user compared and both confirmations vouch for it): the agent files
    the pairing under it, never under HELLO's serial, which nothing authenticates.

    The key never shows in repr or str; `forget()` overwrites it (unpairing).
    """

    def __init__(self, pairing_id, key, peer):
        if len(pairing_id) != PAIRING_ID_SIZE or len(key) != KEY_SIZE:
            raise ValueError("a pairing id is 8 bytes and a pairing key 32")
        self.pairing_id = bytes(pairing_id)
        self._key = bytearray(key)
        self.peer = peer
        self.forgotten = False

    @property
    def key(self) -> bytes:
        if self.forgotten:
            raise NotPaired("this pairing was forgotten")
        return bytes(self._key)

    def forget(self):
        """Unpair: overwrite the key in memory; the owner also erases its stored copy."""
        for i in range(len(self._key)):
            self._key[i] = 0
        self.forgotten = True

    def to_store(self) -> dict:
        """The record to keep (CBOR-encodable). It holds the secret key: write it only to
        the owner's private store (terminal flash, agent database), never to a log."""
        return {"v": 1, "pid": self.pairing_id, "key": self.key, "peer": self.peer}

    @classmethod
    def from_store(cls, record):
        """A Pairing from what to_store() returned (checked, never trusted blindly)."""
        fields.get_int(record, "v", 1, 1)  # the one record version there is
        return cls(
            fields.get_bytes(record, "pid", PAIRING_ID_SIZE),
            fields.get_bytes(record, "key", KEY_SIZE),
            fields.get_text(record, "peer", ID_MAX_LEN),
        )

    def __repr__(self):
        return "Pairing(id=%s, peer=%r%s)" % (
            self.pairing_id.hex(),
            self.peer,
            ", forgotten" if self.forgotten else "",
        )


def _shared(private, peer_public, whose):
    secret = x25519.exchange(private, peer_public)
    if secret is None:
        raise PairingError("the %s's public key is unusable" % whose)
    return secret


class AgentPairing:
    """The agent's side of pairing. Drive it with request() and on_reply(reply_body).

    `state`: "start" -> "revealing" -> "confirming" (<-> "waiting") -> "paired", or "failed".
    `code` (6 digits, text) is known once the terminal answered step 1; print it when the
    terminal answered step 2 (it then shows its own). `pairing` is set once paired.
    `rng(n)` gives n random bytes (default os.urandom): private key first, then nonce.
    """

    def __init__(self, agent_id, rng=None):
        rng = rng or urandom
        if not isinstance(agent_id, str) or not 0 < len(agent_id) <= ID_MAX_LEN:
            raise ValueError("the agent id is text of 1 to %d characters" % ID_MAX_LEN)
        self.agent_id = agent_id
        self._private = rng(KEY_SIZE)
        self._public = x25519.public_key(self._private)
        self._nonce = rng(NONCE_SIZE)
        self._secrets = None
        self._request = {
            "step": 1,
            "id": agent_id,
            "pub": self._public,
            "commit": pair_commitment(self._public, self._nonce),
        }
        self.terminal_id = None
        self.code = None
        self.pairing = None
        self.state = "start"

    def __repr__(self):
        return "AgentPairing(%s, %s)" % (self.agent_id, self.state)

    @property
    def waiting(self) -> bool:
        """True when the terminal's user has not decided yet: resend request() a bit later."""
        return self.state == "waiting"

    def request(self):
        """The PAIR body to send now (again, after a timeout or a "wait"); None when done."""
        if self.state in ("paired", "failed"):
            return None
        return self._request

    def on_reply(self, body):
        """Take the terminal's PAIR reply; return the next request body, or None when paired."""
        step = fields.get_int(body, "step", 1, 3)
        try:
            return self._on_reply(step, body)
        except PairingError:
            self._fail()
            raise

    def _on_reply(self, step, body):
        # Step 1 is taken once: after it the agent reveals its nonce, and a second reply
        # (a new terminal nonce) would let a man in the middle choose it knowing ours.
        if step == 1 and self.state == "start":
            terminal_id = fields.get_text(body, "id", ID_MAX_LEN)
            terminal_public = fields.get_bytes(body, "pub", KEY_SIZE)
            terminal_nonce = fields.get_bytes(body, "nonce", NONCE_SIZE)
            shared = _shared(self._private, terminal_public, "terminal")
            th = pair_transcript(
                self.agent_id,
                terminal_id,
                self._public,
                terminal_public,
                self._nonce,
                terminal_nonce,
            )
            self._secrets = PairSecrets(shared, th)
            self.terminal_id = terminal_id
            self.code = pair_code(th)
            self.state = "revealing"
            self._request = {"step": 2, "nonce": self._nonce}
            return self._request
        secrets = self._secrets
        if step == 2 and self.state in ("revealing", "confirming") and secrets is not None:
            self.state = "confirming"
            self._request = {"step": 3, "mac": secrets.confirm_agent}
            return self._request
        if step == 3 and self.state in ("confirming", "waiting") and secrets is not None:
            if "mac" not in body:
                if body.get("wait") is not True:
                    raise MalformedMessage("a PAIR step 3 reply has a mac or wait: true")
                self.state = "waiting"
                return self._request
            mac = fields.get_bytes(body, "mac", PROOF_SIZE)
            if not compare_digest(mac, secrets.confirm_terminal):
                raise PairingMismatch("the terminal derived another key: pairing refused")
            # Filed under the terminal id of step 1, which the transcript covers (and so the
            # code and both confirmations): never HELLO's serial, which nothing authenticates.
            self.pairing = Pairing(secrets.pairing_id, secrets.pairing_key, self.terminal_id)
            self._forget_secrets()
            self.state = "paired"
            return None
        raise PairingError("PAIR reply of step %d out of order (state %s)" % (step, self.state))

    def _forget_secrets(self):
        self._secrets = None
        self._private = None

    def _fail(self):
        self._forget_secrets()
        self.state = "failed"


class TerminalPairing:
    """The terminal's side of one pairing attempt: one opening of the pairing screen by the
    user. Feed it with on_request(body), which returns the reply body or raises a
    SecurityError (answer with an ERROR frame of its `code`). Create one when the user opens
    the pairing screen, and answer PAIR only then.

    `state`: "idle" -> "committed" -> "comparing" (show `code`; call confirm() or refuse()
    from the keypad) -> "confirmed" -> "paired" (keep `pairing`), or "refused", "failed",
    "abandoned". One step 1 is answered per attempt (its exact retransmission gets the same
    answer): any other step 1 abandons the attempt (PairingAbandoned), so a man in the
    middle gets one terminal nonce, hence one try at matching codes, per opening of the
    screen (docs/protocol.md "Pairing"). `code` stays readable once computed, abandoned
    or not, so that the screen can show every code there ever was.
    """

    def __init__(self, terminal_id, rng=None):
        if not isinstance(terminal_id, str) or not 0 < len(terminal_id) <= ID_MAX_LEN:
            raise ValueError("the terminal id is text of 1 to %d characters" % ID_MAX_LEN)
        self.terminal_id = terminal_id
        self._rng = rng or urandom
        self.state = "idle"
        self.code = None
        self.agent_id = None
        self.pairing = None
        self._start = None
        self._secrets = None
        self._agent_nonce = None
        self._asked1 = None
        self._reply1 = None

    def __repr__(self):
        return "TerminalPairing(%s, %s)" % (self.terminal_id, self.state)

    @property
    def answered(self) -> bool:
        """True once a step 1 was answered: the attempt has spent its one terminal nonce."""
        return self._asked1 is not None

    def on_request(self, body):
        """The reply body to a PAIR request body."""
        step = fields.get_int(body, "step", 1, 3)
        try:
            if step == 1:
                return self._step1(body)
            if step == 2:
                return self._step2(body)
            return self._step3(body)
        except PairingMismatch:
            if self.state != "refused":
                self._fail()
            raise

    def _step1(self, body):
        if self.state in ("paired", "refused", "failed", "abandoned"):
            raise PairingError("this pairing attempt is over; start a new one on the terminal")
        try:
            agent_id = fields.get_text(body, "id", ID_MAX_LEN)
            agent_public = fields.get_bytes(body, "pub", KEY_SIZE)
            commit = fields.get_bytes(body, "commit", 32)
        except MalformedMessage:
            if self.answered:
                self._abandon()
            raise
        asked = (agent_id, agent_public, commit)
        if self.answered:
            if asked == self._asked1 and self._reply1 is not None:
                # The same request again (our reply was lost): the same answer. It carries
                # nothing new: the agent's nonce stays bound by the same commitment.
                return self._reply1
            # A second, different step 1: answering it would hand out a second terminal
            # nonce, hence a second try at making the two codes meet. The attempt ends.
            self._abandon()
            raise PairingAbandoned(
                "a second PAIR step 1 reached this pairing screen: pairing abandoned; "
                "open the pairing screen again on the terminal"
            )
        private = self._rng(KEY_SIZE)
        public = x25519.public_key(private)
        nonce = self._rng(NONCE_SIZE)
        # The shared secret is computed at once, so an unusable agent key is refused now
        # (before any nonce leaves: a refused step 1 spends nothing).
        shared = _shared(private, agent_public, "agent")
        self._start = (agent_id, agent_public, commit, public, nonce, shared)
        self.agent_id = agent_id
        self.state = "committed"
        self._asked1 = asked
        self._reply1 = {"step": 1, "id": self.terminal_id, "pub": public, "nonce": nonce}
        return self._reply1

    def _step2(self, body):
        agent_nonce = fields.get_bytes(body, "nonce", NONCE_SIZE)
        if self.state in ("comparing", "confirmed") and agent_nonce == self._agent_nonce:
            return {"step": 2}  # our reply was lost and the agent asks again
        start = self._start
        if self.state != "committed" or start is None:
            raise PairingError("PAIR step 2 out of order (state %s)" % self.state)
        agent_id, agent_public, commit, public, nonce, shared = start
        if not compare_digest(pair_commitment(agent_public, agent_nonce), commit):
            raise PairingMismatch("the agent's nonce does not match its commitment")
        th = pair_transcript(agent_id, self.terminal_id, agent_public, public, agent_nonce, nonce)
        self._secrets = PairSecrets(shared, th)
        self._start = None
        self._agent_nonce = agent_nonce
        self.code = pair_code(th)
        self.state = "comparing"
        return {"step": 2}

    def _step3(self, body):
        mac = fields.get_bytes(body, "mac", PROOF_SIZE)
        if self.state == "refused":
            raise PairingMismatch("the codes were declared different on the terminal")
        secrets = self._secrets
        if self.state not in ("comparing", "confirmed", "paired") or secrets is None:
            raise PairingError("PAIR step 3 out of order (state %s)" % self.state)
        if not compare_digest(mac, secrets.confirm_agent):
            raise PairingMismatch("the agent derived another key: pairing refused")
        if self.state == "comparing":
            return {"step": 3, "wait": True}
        if self.state == "confirmed":
            # The peer is the agent id of step 1, which the transcript (hence the code the
            # user compared and both confirmations) covers: never an unauthenticated name.
            self.pairing = Pairing(secrets.pairing_id, secrets.pairing_key, self.agent_id)
            self.state = "paired"
        return {"step": 3, "mac": secrets.confirm_terminal}

    def confirm(self):
        """The user saw the same code on both screens and pressed OK."""
        if self.state != "comparing":
            raise PairingError("there is no code to confirm (state %s)" % self.state)
        self.state = "confirmed"

    def refuse(self):
        """The user saw different codes (or cancelled): nothing is kept."""
        if self.state in ("paired", "failed", "abandoned"):
            return
        self._fail()
        self.state = "refused"

    def _abandon(self):
        self._fail()
        self.state = "abandoned"

    def _fail(self):
        self._start = None
        self._secrets = None
        self._reply1 = None
        self.state = "failed"
