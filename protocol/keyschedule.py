"""The key schedule of pairing and sessions in one place: transcripts, the pairing code,
the pairing key and id, proofs and per-direction session keys (docs/protocol.md mirrors it).

A transcript is SHA-256 of the deterministic CBOR array [label, field...]: CBOR gives every
field its length, so no two different transcripts hash the same bytes.
"""

import hashlib

from protocol import cbor
from protocol.hkdf import expand, extract

NONCE_SIZE = 16
KEY_SIZE = 32
PAIRING_ID_SIZE = 8
PROOF_SIZE = 32
CODE_DIGITS = 6
ID_MAX_LEN = 64

# Labels: every derivation has its own, so no output of one can stand for another.
PAIR_COMMIT = "tla pair commit v1"
PAIR_TRANSCRIPT = "tla pair v1"
AUTH_TRANSCRIPT = "tla auth v2"  # v2: with the ephemeral X25519 keys of forward secrecy
INFO_PAIRING_ID = b"tla pairing id v1"
INFO_PAIRING_KEY = b"tla pairing key v1"
INFO_PAIR_CONFIRM_AGENT = b"tla pair confirm agent v1"
INFO_PAIR_CONFIRM_TERMINAL = b"tla pair confirm terminal v1"
INFO_AUTH_PROOF_AGENT = b"tla auth proof agent v1"
INFO_AUTH_PROOF_TERMINAL = b"tla auth proof terminal v1"
INFO_SESSION_KEYS = b"tla session keys v1"


def transcript(label, *fields) -> bytes:
    """SHA-256 of the deterministic CBOR array [label, *fields]."""
    return hashlib.sha256(cbor.encode([label] + list(fields))).digest()


def pair_commitment(agent_public, agent_nonce) -> bytes:
    """What the agent sends before it sees the terminal's nonce: it binds the agent to the
    nonce it reveals later, so a man in the middle cannot pick values that make two codes meet."""
    return transcript(PAIR_COMMIT, agent_public, agent_nonce)


def pair_transcript(
    agent_id, terminal_id, agent_public, terminal_public, agent_nonce, terminal_nonce
):
    """The pairing transcript hash: both identities, both public keys, both nonces."""
    return transcript(
        PAIR_TRANSCRIPT,
        agent_id,
        terminal_id,
        agent_public,
        terminal_public,
        agent_nonce,
        terminal_nonce,
    )


def pair_code(pair_th) -> str:
    """The 6-digit code both sides show: the first 8 bytes of the transcript hash, as a
    big-endian integer, modulo 10^6 (bias below 10^-13), zero-padded."""
    n = int.from_bytes(pair_th[:8], "big") % 1000000
    s = str(n)
    return "0" * (CODE_DIGITS - len(s)) + s


class PairSecrets:
    """What a completed key agreement yields: pairing id and key, confirmation values."""

    def __init__(self, shared_secret, pair_th):
        prk = extract(pair_th, shared_secret)
        self.pairing_id = expand(prk, INFO_PAIRING_ID, PAIRING_ID_SIZE)
        self.pairing_key = expand(prk, INFO_PAIRING_KEY, KEY_SIZE)
        self.confirm_agent = expand(prk, INFO_PAIR_CONFIRM_AGENT, PROOF_SIZE)
        self.confirm_terminal = expand(prk, INFO_PAIR_CONFIRM_TERMINAL, PROOF_SIZE)

    def __repr__(self):
        return "PairSecrets(<hidden>)"


def auth_transcript(pairing_id, agent_nonce, terminal_nonce, agent_epk, terminal_epk) -> bytes:
    """The AUTH transcript hash: the pairing id, both fresh nonces, both ephemeral keys."""
    return transcript(
        AUTH_TRANSCRIPT, pairing_id, agent_nonce, terminal_nonce, agent_epk, terminal_epk
    )


class SessionSecrets:
    """What AUTH derives from the pairing key, the ephemeral X25519 secret and the
    transcript: both proofs of possession and the four session keys (encryption and MAC,
    each direction).

    The ephemeral secret `dh` goes into the key material beside the pairing key, so the
    pairing key alone (a flash dump, a stolen PC) does not give the keys of a recorded
    session: each side drops its ephemeral private key once these are derived (forward
    secrecy). The pairing key in the same input keeps the proofs bound to the pairing, so a
    man in the middle without it cannot substitute ephemeral keys."""

    def __init__(self, pairing_key, auth_th, dh):
        prk = extract(auth_th, pairing_key + dh)
        self.proof_agent = expand(prk, INFO_AUTH_PROOF_AGENT, PROOF_SIZE)
        self.proof_terminal = expand(prk, INFO_AUTH_PROOF_TERMINAL, PROOF_SIZE)
        keys = expand(prk, INFO_SESSION_KEYS, 4 * KEY_SIZE)
        self.enc_agent_to_terminal = keys[0:32]
        self.mac_agent_to_terminal = keys[32:64]
        self.enc_terminal_to_agent = keys[64:96]
        self.mac_terminal_to_agent = keys[96:128]

    def __repr__(self):
        return "SessionSecrets(<hidden>)"
