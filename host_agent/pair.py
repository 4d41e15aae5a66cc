"""Pairing this PC with a terminal, on the agent's side: the X25519 exchange over the link,
the 6-digit code shown here and on the terminal, the user's confirmation on both sides, and
the pairing key kept in the database (docs/agent.md, docs/protocol.md "Pairing")."""

import time

from host_agent import answers
from host_agent.client import LinkClient, TerminalError
from host_agent.errors import EXIT_VERSION, AgentError
from host_agent.store import Store
from host_agent.sync import version_mismatch
from protocol import messages
from protocol.pairing import AgentPairing
from protocol.security_errors import PairingError

WAIT_S = 120  # how long the terminal's user has to press OK


class PairError(AgentError):
    """Pairing did not complete; nothing was kept. One plain sentence; `exit_code`: the
    command's exit code (EXIT_VERSION for another protocol version)."""

    french_default = "L'appairage n'a pas abouti ; rien n'a été gardé."


def pair(
    link: LinkClient, store: Store, confirm, rng=None, wait_s=WAIT_S, sleep=time.sleep, waiting=None
):
    """Pair with the terminal on `link`. `confirm(code, serial) -> bool` shows the code to
    the user and asks whether the terminal shows the same; the pairing is kept only when
    the user said yes here and pressed OK there. `waiting(seconds_left)`, when given, is
    called each second while the terminal waits for its OK (a countdown, not silence).
    Returns (serial, agent id)."""
    hello = answers.hello(link.request(messages.HELLO, {}))
    mismatch = version_mismatch(hello)
    if mismatch:
        raise PairError(mismatch, EXIT_VERSION)
    agent_id = store.agent_id()
    attempt = AgentPairing(agent_id, rng)
    request = attempt.request()
    asked = False
    deadline = link.clock() + wait_s
    told = None
    try:
        while request is not None:
            reply = link.request(messages.PAIR, request)
            request = attempt.on_reply(reply)
            if attempt.state == "confirming" and not asked:
                # The terminal shows its code from now on: the user compares them.
                asked = True
                if not answers.is_serial(attempt.terminal_id):
                    raise PairError(
                        "the terminal's identity %r is not a terminal serial: nothing was kept"
                        % str(attempt.terminal_id)[:40]
                    )
                if not confirm(attempt.code, attempt.terminal_id):
                    raise PairError(
                        "the codes differ: nothing was kept (press CANCEL on the terminal)"
                    )
            if attempt.waiting:
                now = link.clock()
                if now > deadline:
                    raise PairError("nobody pressed OK on the terminal within %d s" % wait_s)
                left = int(deadline - now + 0.999)
                if waiting is not None and left != told:
                    told = left
                    waiting(left)
                sleep(0.3)
    except TerminalError as e:
        if e.code == messages.E_PAIRING_FAILED:
            raise PairError("the terminal refused the pairing: %s" % _detail(e)) from e
        raise
    except PairingError as e:
        raise PairError("pairing failed: %s" % e) from e
    if attempt.pairing is None:
        raise PairError("the terminal did not complete the pairing")
    # Filed under the identity the pairing transcript authenticated (the code the user
    # compared covers it), never HELLO's serial: a device that says another terminal's
    # serial in HELLO cannot replace that terminal's pairing.
    serial = str(attempt.pairing.peer)
    model, firmware = (hello["model"], hello["fw"]) if hello["serial"] == serial else ("", "")
    store.save_pairing(serial, attempt.pairing, agent_id, model, firmware)
    return serial, agent_id


def _detail(error):
    text = str(error)
    return text.split(": ", 2)[-1] if ": " in text else text
