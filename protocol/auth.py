"""Opening a session (AUTH messages), sans-IO: fresh nonces and ephemeral X25519 keys from
both sides, then each side proves it holds the pairing key before the other goes on; the
result is a protocol.session whose keys need both the pairing key and the ephemeral secret
(forward secrecy: the pairing key alone does not open a recorded session).

Steps (agent asks, terminal answers; docs/protocol.md "Session opening"):
  1. {step 1, pid, nonce, epk}  ->  {step 1, nonce, epk}
  2. {step 2, mac}              ->  {step 2, mac}   (the terminal answers only a correct proof)
"""

from protocol import fields
from protocol._compat import urandom
from protocol.security_errors import AuthFailed, NotPaired

# The key schedule, X25519 and the session are imported by the first AUTH, not with this
# module: an idle terminal holds a TerminalAuth from boot, and their module objects cost
# it several KiB of heap (docs/board.md "Heap").


def _dh(private, peer_epk):
    """The ephemeral shared secret; a low-order point (all-zero secret) proves nothing."""
    from protocol import x25519

    secret = x25519.exchange(private, peer_epk)
    if secret is None:
        raise AuthFailed("the peer's ephemeral key is unusable")
    return secret


def _agent_session(s):
    from protocol.session import Session

    return Session(
        "agent",
        s.enc_agent_to_terminal,
        s.mac_agent_to_terminal,
        s.enc_terminal_to_agent,
        s.mac_terminal_to_agent,
    )


def _terminal_session(s):
    from protocol.session import Session

    return Session(
        "terminal",
        s.enc_terminal_to_agent,
        s.mac_terminal_to_agent,
        s.enc_agent_to_terminal,
        s.mac_agent_to_terminal,
    )


class AgentAuth:
    """The agent's side of AUTH. Drive it with request() and on_reply(reply_body); when
    on_reply returns None, `session` is open. A failed attempt is not retried: make a new
    AgentAuth (new nonce, new ephemeral key).

    `state`: "challenge" -> "proving" -> "open", or "failed". `rng(n)` gives the nonce
    first, then the ephemeral private key, which is dropped once the session is open.
    """

    def __init__(self, pairing, rng=None):
        from protocol import x25519
        from protocol.keyschedule import KEY_SIZE, NONCE_SIZE

        rng = rng or urandom
        self._pairing = pairing
        self._nonce = rng(NONCE_SIZE)
        self._ephemeral = rng(KEY_SIZE)
        self._epk = x25519.public_key(self._ephemeral)
        self._request = {
            "step": 1,
            "pid": pairing.pairing_id,
            "nonce": self._nonce,
            "epk": self._epk,
        }
        self._secrets = None
        self.session = None
        self.state = "challenge"

    def __repr__(self):
        return "AgentAuth(%s, %s)" % (self._pairing.pairing_id.hex(), self.state)

    def request(self):
        """The AUTH body to send now (again after a timeout); None when open or failed."""
        if self.state in ("open", "failed"):
            return None
        return self._request

    def on_reply(self, body):
        """Take the terminal's AUTH reply; return the next request body, or None when open."""
        from protocol.hmac_sha256 import compare_digest
        from protocol.keyschedule import (
            KEY_SIZE,
            NONCE_SIZE,
            PROOF_SIZE,
            SessionSecrets,
            auth_transcript,
        )

        step = fields.get_int(body, "step", 1, 2)
        if step == 1 and self.state in ("challenge", "proving") and self._ephemeral is not None:
            # A later step 1 reply is a newer challenge (the terminal keeps only its last):
            # our ephemeral key meets its new one, still within this one attempt.
            terminal_nonce = fields.get_bytes(body, "nonce", NONCE_SIZE)
            terminal_epk = fields.get_bytes(body, "epk", KEY_SIZE)
            dh = _dh(self._ephemeral, terminal_epk)
            th = auth_transcript(
                self._pairing.pairing_id, self._nonce, terminal_nonce, self._epk, terminal_epk
            )
            self._secrets = SessionSecrets(self._pairing.key, th, dh)
            self.state = "proving"
            self._request = {"step": 2, "mac": self._secrets.proof_agent}
            return self._request
        secrets = self._secrets
        if step == 2 and self.state == "proving" and secrets is not None:
            mac = fields.get_bytes(body, "mac", PROOF_SIZE)
            if not compare_digest(mac, secrets.proof_terminal):
                self._end("failed")
                raise AuthFailed("the terminal did not prove the pairing key")
            self.session = _agent_session(secrets)
            self._end("open")
            return None
        raise AuthFailed("AUTH reply of step %d out of order (state %s)" % (step, self.state))

    def _end(self, state):
        # The ephemeral private key and the derived secrets go: only the session's keys
        # remain, and they die with it (forward secrecy).
        self._secrets = None
        self._ephemeral = None
        self.state = state


class TerminalAuth:
    """The terminal's side of AUTH, for the terminal's one pairing (or None: not paired).
    on_request(body) returns the reply body or raises a SecurityError (answer it with an
    ERROR frame of its `code`). `session` is the last session opened; it stays usable while
    a new AUTH is under way and is replaced only when the new one succeeds.

    Nothing keyed leaves the terminal before the agent has proved the pairing key: an
    unpaired agent gets a nonce, an ephemeral key and an error, never a proof and never a
    session. Each new challenge draws a new ephemeral key (two scalar multiplications,
    docs/protocol.md gives the cost) whose private half is dropped at once, once the
    session secrets are derived; an identical step 1 again gets the same challenge.
    """

    def __init__(self, pairing=None, rng=None):
        self._rng = rng or urandom
        self._pairing = pairing
        self._pending = None  # (SessionSecrets) of the last challenge sent
        self._pending_ask = None  # (pairing id, agent nonce, agent epk, reply) of that challenge
        self._done = None  # (agent proof, reply) of the session opened last
        self.session = None
        self.refused = 0

    def __repr__(self):
        return "TerminalAuth(%s, %s)" % (
            "paired" if self._pairing is not None else "unpaired",
            "session open" if self.session is not None else "no session",
        )

    @property
    def pairing(self):
        return self._pairing

    def set_pairing(self, pairing):
        """Adopt a new pairing (after PAIR); any session of the old one ends."""
        self.unpair()
        self._pairing = pairing

    def unpair(self):
        """Forget the pairing key and end the session: every later AUTH gets NotPaired.
        The firmware also erases its stored pairing record."""
        if self._pairing is not None:
            self._pairing.forget()
        self._pairing = None
        self._pending = None
        self._done = None
        if self.session is not None:
            self.session.close()
            self.session = None

    def on_request(self, body):
        """The reply body to an AUTH request body."""
        try:
            return self._on_request(body)
        except (AuthFailed, NotPaired):
            self.refused += 1
            raise

    def _on_request(self, body):
        from protocol import x25519
        from protocol.hmac_sha256 import compare_digest
        from protocol.keyschedule import (
            KEY_SIZE,
            NONCE_SIZE,
            PAIRING_ID_SIZE,
            PROOF_SIZE,
            SessionSecrets,
            auth_transcript,
        )

        step = fields.get_int(body, "step", 1, 2)
        if step == 1:
            pairing_id = fields.get_bytes(body, "pid", PAIRING_ID_SIZE)
            agent_nonce = fields.get_bytes(body, "nonce", NONCE_SIZE)
            agent_epk = fields.get_bytes(body, "epk", KEY_SIZE)
            pairing = self._pairing
            if pairing is None:
                raise NotPaired("this terminal is not paired; pair it first")
            if pairing.pairing_id != pairing_id:
                raise NotPaired("this terminal is paired with another agent")
            asked = self._pending_ask
            if (
                self._pending is not None
                and asked is not None
                and asked[:3] == (pairing_id, agent_nonce, agent_epk)
            ):
                # The same request again (a retransmission, a duplicated frame): the same
                # challenge, still unspent, rather than a new one that would void the proof
                # the agent is computing for the first. Safe with ephemerals: our key was
                # used with this agent key only, and its private half is already gone.
                return asked[3]
            nonce = self._rng(NONCE_SIZE)
            ephemeral = self._rng(KEY_SIZE)
            epk = x25519.public_key(ephemeral)
            dh = _dh(ephemeral, agent_epk)
            ephemeral = None  # never kept: a later flash or RAM dump cannot recompute dh
            th = auth_transcript(pairing_id, agent_nonce, nonce, agent_epk, epk)
            self._pending = SessionSecrets(pairing.key, th, dh)
            reply = {"step": 1, "nonce": nonce, "epk": epk}
            self._pending_ask = (pairing_id, agent_nonce, agent_epk, reply)
            return reply
        mac = fields.get_bytes(body, "mac", PROOF_SIZE)
        pending = self._pending
        if pending is None:
            done = self._done
            if done is not None and compare_digest(mac, done[0]):
                return done[1]  # our step 2 reply was lost: the same answer, nothing new
            raise AuthFailed("no AUTH challenge is pending")
        self._pending = None  # one proof per challenge: a wrong one costs a new round trip
        if not compare_digest(mac, pending.proof_agent):
            raise AuthFailed("the agent did not prove the pairing key")
        reply = {"step": 2, "mac": pending.proof_terminal}
        if self.session is not None:
            self.session.close()
        self.session = _terminal_session(pending)
        self._done = (pending.proof_agent, reply)
        return reply
