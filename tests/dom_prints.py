"""A web page as its fingerprint keeps it (tests/ui_prints.py): its DOM normalised to lines,
one per element (indented by depth, its tag and the attributes that say what it does) and
one per text, without what changes from one run to the next: the CSRF token, today's date
(the pages say it), times of day, the pty's number."""

import re
from html.parser import HTMLParser

KEPT = ("id", "class", "name", "type", "href", "action", "method", "for", "role", "lang")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
_TIME = re.compile(r"\b\d\d:\d\d(:\d\d)?\b")
_PTY = re.compile(r"/dev/pts/\d+")  # the emulated terminal's pty: whichever Linux gave


class _Lines(HTMLParser):
    def __init__(self, today):
        super().__init__(convert_charrefs=True)
        self.today = today
        self.depth = 0
        self.lines = []

    def _clean(self, text):
        for label, value in self.today:
            text = text.replace(value, label)
        return _PTY.sub("/dev/pts/N", _TIME.sub("hh:mm", text))

    def handle_starttag(self, tag, attrs):
        kept = dict(attrs)
        shown = ['%s="%s"' % (k, self._clean(kept[k] or "")) for k in KEPT if k in kept]
        if kept.get("name") != "csrf" and "value" in kept:
            shown.append('value="%s"' % self._clean(kept["value"] or ""))
        self.lines.append("  " * self.depth + " ".join(["<" + tag] + shown) + ">")
        if tag not in VOID:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag not in VOID:
            self.depth = max(0, self.depth - 1)

    def handle_data(self, data):
        text = " ".join(data.split())
        if text:
            self.lines.append("  " * self.depth + self._clean(text))


def dom_lines(html, today=()):
    """The page's normalised lines; `today`: (label, text) pairs replaced wherever they
    appear (e.g. ("<today>", "7 décembre 2026"))."""
    parser = _Lines(tuple(today))
    parser.feed(html)
    parser.close()
    return parser.lines
