"""Typed errors of pairing, session opening and sealed frames: a plain English sentence and
the ERROR code (protocol.messages) to answer with. No message ever carries key material.
"""

from protocol import messages


class SecurityError(Exception):
    """Base of the link's security errors; `code` is the ERROR frame code to answer with."""

    code = messages.E_SESSION


class MalformedMessage(SecurityError):
    """A PAIR or AUTH body lacks a field, or a field has the wrong type or size."""

    code = messages.E_BAD_BODY


class PairingError(SecurityError):
    """Pairing cannot go on: a step out of order, an unusable public key."""

    code = messages.E_PAIRING_FAILED


class PairingMismatch(PairingError):
    """The two sides do not hold the same key: the user saw different codes, the agent's
    nonce does not open its commitment, or a confirmation MAC is wrong (a man in the middle,
    or a damaged exchange)."""


class PairingAbandoned(PairingError):
    """A second PAIR step 1 reached one opening of the terminal's pairing screen: the attempt
    ends (a man in the middle gets one try per opening), and the user must open it again."""


class NotPaired(SecurityError):
    """No pairing key for this peer: the terminal is not paired, or paired with another agent."""

    code = messages.E_NOT_PAIRED


class AuthFailed(SecurityError):
    """The peer did not prove that it holds the pairing key; no session is opened."""

    code = messages.E_AUTH_FAILED


class SessionError(SecurityError):
    """A sealed frame cannot be used: no open session, a malformed sealed body, or a
    session whose counter is used up."""


class ReplayError(SessionError):
    """A sealed frame whose counter is not above the last one accepted: replayed or reordered."""


class BadMac(SessionError):
    """A sealed frame whose tag does not match: altered on the way, or not sealed with this
    session's key."""
