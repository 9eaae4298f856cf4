"""Read a rendered failure back into its parts, for the HTML report.

The recorder keeps what pytest reports carry, so that it works under pytest-xdist: a failure is
the text :class:`~scim_tests.failures.ConformanceFailure` rendered (headline, ``Expected:``,
``Received:``, ``Hint:``, the exchange, ``Reproduce with:`` and the curl line) and the exchange
log is the transcript :meth:`~scim_tests.exchange.Exchange.render` wrote. This module takes
both apart again; whatever does not have that shape (a crash, a Hypothesis group) is kept as
raw text, never dropped. Everything here is plain text: escaping is the renderer's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: ``METHOD /path -> status reason`` (or ``-> no response: ...``): the first line of an exchange.
SUMMARY = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \S.* -> ")
#: Exchange.render indents continuation lines of a body by twelve spaces.
CONTINUATION = " " * 12
#: Quoted text, or a word: the tokens an exchange's shape masks (see ExchangeBlock.shape).
#: Quotes are bounded so that a body of unmatched quotes costs linear time, not quadratic; a
#: word is masked only if it holds a digit.
TOKEN = re.compile(r'"(?:[^"\\\n]|\\.){0,300}"|\'[^\'\n]{0,300}\'|[\w.~%-]+')


def _mask(match: re.Match[str]) -> str:
    token = match.group()
    if token[0] in "\"'" or any(c.isdigit() for c in token):
        return "…"
    return token


#: ``[qualifier: ]RFC 7644 §3.12 (REQUIRED) P-3.12-03, P-3.12-01: title`` (ConformanceFailure).
HEADLINE = re.compile(
    r"^(?P<qualifier>.*?)RFC \d+ §[\w.]+ \([A-Z ]+\) "
    r"[A-Z]+-[\d.]+-\d+(?:, [A-Z]+-[\d.]+-\d+)*: (?P<title>.*)$"
)
FIELDS = {"Expected: ": "expected", "Received: ": "received", "Hint: ": "hint"}


def clip(text: str, limit: int, lines: int = 0) -> str:
    """``text`` cut at ``limit`` characters (and ``lines`` lines), with a note saying how much."""
    kept = text
    if lines and kept.count("\n") >= lines:
        kept = "\n".join(kept.split("\n")[:lines])
    if len(kept) > limit:
        kept = kept[:limit]
    if kept == text:
        return text
    hidden = len(text) - len(kept)
    return f"{kept.rstrip()}\n… {hidden:,} more characters not shown"


def clip_line(text: str, limit: int) -> tuple[str, int]:
    """One line cut at ``limit`` characters, and how many were cut (0 when it fits)."""
    if len(text) <= limit:
        return text, 0
    return text[:limit], len(text) - limit


@dataclass(frozen=True)
class Part:
    """One labelled body of an exchange: ``request`` or ``response`` (with its media type)."""

    label: str
    media_type: str
    text: str


@dataclass(frozen=True)
class ExchangeBlock:
    """One rendered exchange: its summary line and its bodies."""

    summary: str
    parts: tuple[Part, ...] = ()
    raw: str = ""

    @property
    def shape(self) -> str:
        """The exchange with quoted values and words holding a digit (ids, numbers, versions)
        masked: equal for the echoes of one bug on different resources."""
        return TOKEN.sub(_mask, self.raw)


def parse_exchange(block: str) -> ExchangeBlock:
    """An exchange as :meth:`Exchange.render` wrote it, split into summary and bodies."""
    lines = block.rstrip("\n").split("\n")
    bodies: list[tuple[str, str, list[str]]] = []
    for line in lines[1:]:
        if line.startswith("  request:  "):
            bodies.append(("request", "", [line[len("  request:  ") :]]))
        elif line.startswith("  response: "):
            rest = line[len("  response: ") :]
            media_type = ""
            if rest.startswith("[") and "] " in rest:
                media_type, rest = rest[1:].split("] ", 1)
            bodies.append(("response", media_type, [rest]))
        elif bodies:
            bodies[-1][2].append(line.removeprefix(CONTINUATION))
    parts = tuple(Part(label, media, "\n".join(text)) for label, media, text in bodies)
    return ExchangeBlock(lines[0], parts, block.rstrip("\n"))


def split_transcript(transcript: str) -> list[ExchangeBlock]:
    """The exchange log of a check, one block per request."""
    blocks: list[list[str]] = []
    for line in transcript.split("\n"):
        if SUMMARY.match(line):
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line)
    return [parse_exchange("\n".join(lines)) for lines in blocks]


@dataclass(frozen=True)
class ParsedFailure:
    """A failure text taken apart; ``structured`` is False when it had no known shape."""

    headline: str = ""
    expected: str = ""
    received: str = ""
    hint: str = ""
    exchange: ExchangeBlock | None = None
    curl: str = ""
    rest: str = ""

    @property
    def structured(self) -> bool:
        """Whether the text had a ConformanceFailure's parts (else it is shown raw)."""
        return bool(self.expected or self.received or self.exchange)

    @property
    def title(self) -> str:
        """The headline without its ``RFC 7644 §3.12 (REQUIRED) P-3.12-03:`` prefix."""
        match = HEADLINE.match(self.headline)
        return match.group("title") if match else self.headline

    @property
    def qualifier(self) -> str:
        """What stands before the requirement, e.g. ``Blocked by a failed precondition``."""
        match = HEADLINE.match(self.headline)
        return match.group("qualifier").rstrip(": ") if match else ""


def parse_failure(text: str) -> ParsedFailure:
    """The first failure of ``text`` (a check that failed in two phases has two)."""
    lines = text.strip("\n").split("\n")
    values: dict[str, list[str]] = {name: [] for name in FIELDS.values()}
    extra: list[str] = []
    exchange: list[str] = []
    current = ""
    index = 1
    while index < len(lines):
        line = lines[index]
        if line == "Reproduce with:":
            break
        if SUMMARY.match(line) and (exchange or lines[index - 1] == ""):
            exchange.append(line)
            current = "exchange"
        elif current == "exchange":
            exchange.append(line)
        elif (name := next((n for p, n in FIELDS.items() if line.startswith(p)), None)) is not None:
            current = name
            values[name].append(line.split(": ", 1)[1])
        elif current in values:
            values[current].append(line)  # a value that spans lines
        elif line:
            extra.append(line)
        index += 1
    curl = ""
    if index < len(lines) - 1 and lines[index + 1].startswith("    curl "):
        curl = lines[index + 1].strip()
        index += 2
    return ParsedFailure(
        headline=lines[0],
        expected="\n".join(values["expected"]).strip("\n"),
        received="\n".join(values["received"]).strip("\n"),
        hint="\n".join(values["hint"]).strip("\n"),
        exchange=parse_exchange("\n".join(exchange)) if exchange else None,
        curl=curl,
        rest="\n".join(extra + lines[index:]).strip("\n"),
    )
