"""A minimal IMAP4rev1 server for the tests (no maintained small IMAP test server is on PyPI,
as aiosmtpd is for SMTP): one mailbox folder in memory, over a loopback socket, serving
CAPABILITY, LOGIN, SELECT, SEARCH (ALL, UNSEEN), FETCH (BODY[], BODY.PEEK[], FLAGS),
STORE (+FLAGS, -FLAGS), NOOP and LOGOUT, as RFC 3501 says, enough for imaplib.

    with ImapServer(user="cabinet", password="s3cret") as server:
        server.deliver(message_bytes)
        ... imaplib.IMAP4("127.0.0.1", server.port) ...

The server runs in a thread and stops (its socket closed, the thread joined) when the
`with` block ends.
"""

import re
import socketserver
import threading


class Mailbox:
    def __init__(self, folder="INBOX"):
        self.folder = folder
        self.messages = []  # [bytes, set of flags]
        self.lock = threading.Lock()
        self.commands = []  # every command line received, the password masked


class _Handler(socketserver.StreamRequestHandler):
    timeout = 10

    def send(self, text):
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self):
        box: Mailbox = self.server.mailbox
        logged = selected = False
        self.send("* OK tla test IMAP4rev1 server ready")
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            tag, _, rest = text.partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            with box.lock:
                box.commands.append(re.sub(r"^(LOGIN \S+) .*", r"\1 ***", rest, flags=re.I))
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1 AUTH=PLAIN")
                self.send("%s OK CAPABILITY completed" % tag)
            elif command == "NOOP":
                self.send("%s OK NOOP completed" % tag)
            elif command == "LOGOUT":
                self.send("* BYE logging out")
                self.send("%s OK LOGOUT completed" % tag)
                return
            elif command == "LOGIN":
                user, password = _words(args)[:2] + [""] * (2 - len(_words(args)[:2]))
                if (user, password) == (self.server.user, self.server.password):
                    logged = True
                    self.send("%s OK LOGIN completed" % tag)
                else:
                    self.send("%s NO [AUTHENTICATIONFAILED] invalid credentials" % tag)
            elif not logged:
                self.send("%s BAD log in first" % tag)
            elif command == "SELECT":
                if _words(args)[:1] != [box.folder]:
                    self.send("%s NO no such mailbox" % tag)
                    continue
                selected = True
                with box.lock:
                    n = len(box.messages)
                self.send("* %d EXISTS" % n)
                self.send("* 0 RECENT")
                self.send("* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)")
                self.send("* OK [UIDVALIDITY 1] UIDs valid")
                self.send("%s OK [READ-WRITE] SELECT completed" % tag)
            elif not selected:
                self.send("%s BAD select a mailbox first" % tag)
            elif command == "SEARCH":
                self._search(tag, args.upper().split(), box)
            elif command == "FETCH":
                self._fetch(tag, args, box)
            elif command == "STORE":
                self._store(tag, args, box)
            else:
                self.send("%s BAD unknown command %s" % (tag, command))

    def _search(self, tag, keys, box):
        with box.lock:
            found = [
                i
                for i, (_, flags) in enumerate(box.messages, 1)
                if keys == ["ALL"] or (keys == ["UNSEEN"] and "\\Seen" not in flags)
            ]
        if keys not in (["ALL"], ["UNSEEN"]):
            self.send("%s BAD only ALL and UNSEEN are served" % tag)
            return
        self.send("* SEARCH" + "".join(" %d" % i for i in found))
        self.send("%s OK SEARCH completed" % tag)

    def _message(self, tag, number, box):
        with box.lock:
            if not number.isdigit() or not 1 <= int(number) <= len(box.messages):
                self.send("%s BAD no message %s" % (tag, number))
                return None
            return box.messages[int(number) - 1]

    def _fetch(self, tag, args, box):
        number, _, items = args.partition(" ")
        message = self._message(tag, number, box)
        if message is None:
            return
        items = items.upper()
        if "BODY" in items:
            raw = message[0]
            if "PEEK" not in items:
                message[1].add("\\Seen")
            self.wfile.write(b"* %s FETCH (BODY[] {%d}\r\n" % (number.encode(), len(raw)))
            self.wfile.write(raw + b")\r\n")
        elif "FLAGS" in items:
            self.send("* %s FETCH (FLAGS (%s))" % (number, " ".join(sorted(message[1]))))
        else:
            self.send("%s BAD only BODY[] and FLAGS are served" % tag)
            return
        self.send("%s OK FETCH completed" % tag)

    def _store(self, tag, args, box):
        number, _, rest = args.partition(" ")
        message = self._message(tag, number, box)
        if message is None:
            return
        how, _, flags = rest.partition(" ")
        names = set(flags.strip("()").split())
        with box.lock:
            if how.upper().startswith("+FLAGS"):
                message[1] |= names
            elif how.upper().startswith("-FLAGS"):
                message[1] -= names
            else:
                self.send("%s BAD +FLAGS or -FLAGS" % tag)
                return
            shown = " ".join(sorted(message[1]))
        self.send("* %s FETCH (FLAGS (%s))" % (number, shown))
        self.send("%s OK STORE completed" % tag)


def _words(args: str) -> list:
    """IMAP atoms and quoted strings of a command's arguments."""
    out = []
    for quoted, atom in re.findall(r'"((?:[^"\\]|\\.)*)"|(\S+)', args):
        out.append(re.sub(r"\\(.)", r"\1", quoted) if quoted or not atom else atom)
    return out


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class ImapServer:
    def __init__(self, user="cabinet", password="s3cret", folder="INBOX"):
        self.mailbox = Mailbox(folder)
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.mailbox = self.mailbox
        self.server.user, self.server.password = user, password
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def deliver(self, raw: bytes) -> int:
        with self.mailbox.lock:
            self.mailbox.messages.append([raw, set()])
            return len(self.mailbox.messages)

    def flags(self, number: int) -> set:
        with self.mailbox.lock:
            return set(self.mailbox.messages[number - 1][1])

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
