"""The web app served for real (uvicorn, tests/web_server.py) against what an outsider found
(issue 17): password tries sent at once are counted before they are checked, so no more
than the hold allows are ever checked; the CPS's PIN tries too; a page that fails leaves
its connection answering; a request with no Host, or a malformed or repeated one, is refused
instead of being taken for the address the server listens on."""

import html
import http.client
import re
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

from emulator.cards import fixtures
from host_agent import people
from host_agent.web import security
from host_agent.web.security import Config
from tests import web_kit as web
from tests import web_server

AT_ONCE = 60
_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def _connection(server) -> http.client.HTTPConnection:
    host, port = server.url[len("http://") :].split(":")
    return http.client.HTTPConnection(host, int(port), timeout=60)


def _session(server, page="/connexion"):
    """(Cookie header, CSRF token) of a fresh session of the served app."""
    c = _connection(server)
    c.request("GET", page)
    r = c.getresponse()
    body = r.read().decode()
    cookie = r.getheader("set-cookie").split(";")[0]
    c.close()
    return cookie, _CSRF.search(body).group(1)


def _post(server, path, cookie, form: str) -> tuple[int, str]:
    c = _connection(server)
    try:
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        c.request("POST", path, body=form.encode(), headers=headers)
        r = c.getresponse()
        return r.status, html.unescape(r.read().decode())
    finally:
        c.close()


class Checks:
    """people.password_ok counted; each check waits (at most 10 s) until one more than
    the hold allows has started, so that on code that checks before it counts, the 60 tries
    overlap whatever the machine's speed."""

    def __init__(self, real):
        self.real = real
        self.started = 0
        self.lock = threading.Lock()
        self.more_than_allowed = threading.Event()

    def __call__(self, config, given):
        with self.lock:
            self.started += 1
            if self.started > security.LOGIN_TRIES:
                self.more_than_allowed.set()
        self.more_than_allowed.wait(10)
        return self.real(config, given)


def test_sixty_passwords_at_once_get_five_checks(tmp_path, monkeypatch):
    checks = Checks(people.password_ok)
    monkeypatch.setattr(people, "password_ok", checks)
    config = Config(web.day(tmp_path), host="0.0.0.0", password="correct horse", secret=b"k" * 32)
    with web_server.Server(config) as server:
        cookie, token = _session(server)
        form = "csrf=%s&login=admin&password=guess" % token
        with ThreadPoolExecutor(AT_ONCE) as pool:
            answers = list(
                pool.map(lambda _: _post(server, "/connexion", cookie, form), range(AT_ONCE))
            )
        statuses = sorted(status for status, _ in answers)
        assert checks.started <= security.LOGIN_TRIES, checks.started
        assert statuses.count(403) == checks.started
        assert statuses.count(429) == AT_ONCE - checks.started
        # The right password waits for the window too, then opens the pages.
        status, body = _post(
            server, "/connexion", cookie, "csrf=%s&login=admin&password=correct+horse" % token
        )
        assert status == 429 and "Trop d'essais" in body


def test_a_right_password_does_not_count_against_the_hold(tmp_path):
    config = Config(web.day(tmp_path), host="0.0.0.0", password="correct horse", secret=b"k" * 32)
    keys = security.hold_keys("admin", "192.0.2.7")
    for _ in range(security.LOGIN_TRIES * 2):
        mark = config.holds.reserve(keys)
        assert mark is not None
        config.holds.release(keys, mark)
    assert all(tries == [] for tries in config.holds.tries.values())


def test_pins_sent_at_once_reach_the_card_three_times_at_most(tmp_path):
    reader = web.Reader("nurse")
    card = reader.card
    assert card is not None
    tried = []
    plain = card.verify

    def verify(cmd):
        if cmd.data:
            tried.append(bytes(cmd.data))
        return plain(cmd)

    card.verify = verify
    c = web.client(web.day(tmp_path), reader=reader)
    token = web.csrf(c)
    c.post("/lots/construire", data={"csrf": token})
    before = web.dump(tmp_path / "agent.db")

    def seal(i):
        return c.post("/lots/sceller", data={"csrf": token, "pin": "%04d" % i})

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(seal, range(10)))
    assert len(tried) == 3, tried  # the card's own counter: it blocks at the third
    assert card.tries_left == 0
    said = " ".join(web.text(a) for a in answers)
    assert said.count("Code faux") == 2
    assert fixtures.pin("nurse") not in said
    assert web.dump(tmp_path / "agent.db") == before


def test_a_failed_page_leaves_its_connection_answering(tmp_path):
    config = Config(web.day(tmp_path), secret=b"k" * 32, today=web.kit.DAY)
    with web_server.Server(config) as server:

        async def broken():
            raise RuntimeError("a bug")

        server.app.add_api_route("/panne", broken)
        c = _connection(server)
        c.request("GET", "/panne")
        r = c.getresponse()
        body = r.read().decode()
        assert r.status == 500 and "Une erreur imprévue" in body and "a bug" not in body
        assert r.getheader("content-security-policy")
        c.request("GET", "/feuilles")  # the same connection, as a browser's next click
        r = c.getresponse()
        assert r.status == 200 and "MARTIN PAUL" in r.read().decode()
        c.close()
    assert any("GET /panne failed" in line for line in server.logs.lines)


def _raw(server, request: bytes) -> tuple[int, bytes]:
    host, port = server.url[len("http://") :].split(":")
    with socket.create_connection((host, int(port)), timeout=60) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data


def test_a_request_without_a_proper_host_is_refused(tmp_path):
    config = Config(web.day(tmp_path), secret=b"k" * 32, today=web.kit.DAY)
    with web_server.Server(config) as server:
        port = server.url.rsplit(":", 1)[1]
        ok, body = _raw(
            server, b"GET /feuilles HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n" % port.encode()
        )
        assert ok == 200 and b"MARTIN PAUL" in body
        for headers in (
            b"",  # HTTP/1.0 without Host: the server's own address stood in for it
            b"Host: \r\n",
            b"Host: 127.0.0.1:notaport\r\n",
            b"Host: 127.0.0.1:0\r\n",
            b"Host: 127.0.0.1:99999\r\n",
            b"Host: [::1\r\n",
            b"Host: 127.0.0.1@evil.example\r\n",
            b"Host: 127.0.0.1/feuilles\r\n",
            b"Host: 127.0.0.1\r\nHost: evil.example\r\n",
        ):
            status, body = _raw(server, b"GET /feuilles HTTP/1.0\r\n" + headers + b"\r\n")
            assert status == 400, (headers, status)
            assert b"MARTIN PAUL" not in body, headers
        for name in (b"localhost", b"[::1]:8765", b"LOCALHOST.", b"127.0.0.1"):
            status, _ = _raw(server, b"GET /feuilles HTTP/1.0\r\nHost: " + name + b"\r\n\r\n")
            assert status == 200, name


def test_a_post_without_its_length_is_refused_before_it_is_read(tmp_path):
    db = web.day(tmp_path)
    c = web.client(db)
    token = web.csrf(c)
    before = web.dump(db)

    def chunks():  # a body of no announced length (Transfer-Encoding: chunked)
        yield b"csrf=%s" % token.encode()

    r = c.post(
        "/lots/construire",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 411, r.status_code
    assert "ne dit pas sa taille" in web.text(r)
    assert web.dump(db) == before
