"""WebFetch URL rules, judged the way the agent's runtime reads the URL.

The gated agent is the adversary, and its runtime fetches with Node's ``fetch``, which parses
URLs by the WHATWG URL standard. Python's ``urllib.parse`` reads the same text differently
(``https://evil.net\\@docs.example.com/`` is *docs.example.com* to Python and *evil.net* to
Node), and a glob over the raw text misses every spelling WHATWG normalises (fullwidth
letters, ``%2e`` in hosts, IPv4 shorthand such as ``0x7f.1``, a trailing dot). So this module
parses with ``can_ada`` (Ada, the parser Node itself uses) and judges each rule in the
direction that is safe for it:

* **deny / ask** rules match when *any* plausible reading of the URL reaches what they name:
  the WHATWG reading, Python's ``urlsplit`` reading and a naive reading of the raw text. A
  rule that over-fires costs a question; one that under-fires lets the call through.
* **allow** rules match only a URL that is read the same way by everyone (:attr:`ParsedUrl.
  suspicious` is false) and then only by its WHATWG reading — the one that is fetched.

Pure (no I/O) and cheap to import: the gate hook imports it before every tool call, so
``can_ada``, ``urllib.parse`` and ``ipaddress`` are imported inside the functions that need
them, and the classes are plain ``__slots__`` classes rather than dataclasses.
"""

from __future__ import annotations

import fnmatch
import functools
import re

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the hook ~3 ms
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    _T = TypeVar("_T")

__all__ = ["ParsedUrl", "UrlRule", "compile_url_rule", "grant_rule_for", "parse_url"]


class _Lazy:
    """A regex compiled on first use: compiling them all at import would cost the hook ~2 ms
    on every tool call, WebFetch or not."""

    __slots__ = ("_compiled", "_flags", "_pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._pattern = pattern
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    def __call__(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self._pattern, self._flags)
        return self._compiled


_GLOB_CHARS = frozenset("*?[]")
_DEFAULT_PORTS = {"http": "80", "https": "443"}
#: Characters UTS-46 maps to "." — a rule or a host may use any of them as a label separator.
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
#: The only shape an allowable URL may have: ``http(s)://`` then a plain ``host[:port]``.
_STRICT_START = _Lazy(r"(https?)://([^/?#]*)", re.IGNORECASE)
_STRICT_AUTHORITY = _Lazy(
    r"(?P<host>[a-z0-9_.-]+|\[[0-9a-f:.]+\])(?::(?P<port>[0-9]{1,5}))?", re.IGNORECASE
)
_CONTROL_OR_SPACE = _Lazy(r"[\x00-\x20\x7f]")
_SCHEME = _Lazy(r"[A-Za-z][A-Za-z0-9+.-]*:")
_HAS_AUTHORITY = _Lazy(r"[A-Za-z][A-Za-z0-9+.-]*:[/\\]")
#: Path spellings a server may decode into a separator or a dot segment after WHATWG has
#: normalised the path (``..%2f``, Tomcat's ``..;/``): an href glob never allows them.
_TRICKY_PATH = _Lazy(r"%(?:2f|5c|2e|00)|/\.\.?;", re.IGNORECASE)
#: Characters a bare host spec must not hold (they would make it a URL, not a host).
_BAD_HOST_SPEC = _Lazy(r"[/\\@#%\s\x00-\x1f\x7f]")
_IPV6_LITERAL = _Lazy(r"\[[0-9a-f:.]*:[0-9a-f:.]*\]", re.IGNORECASE)


def _cached(compute: Callable[[str], _T]) -> Callable[[str], _T]:
    """Memoise per URL: one call is judged by every WebFetch rule of the scope, each asking
    again. Short URLs are kept in an LRU; of long ones only the latest — the agent chooses the
    URL, and a cache of megabyte URLs (each with several readings) is memory it controls."""
    memo = functools.lru_cache(maxsize=32)(compute)
    last: list[tuple[str, _T]] = []  # the one most recent long URL

    def lookup(url: str) -> _T:
        if len(url) <= 4096:
            return memo(url)
        if last and last[0][0] == url:
            return last[0][1]
        value = compute(url)
        last[:] = [(url, value)]
        return value

    lookup.__doc__ = compute.__doc__
    return lookup


class ParsedUrl:
    """One URL as Node's ``fetch`` reads it (read-only).

    ``href`` is the WHATWG serialisation — what is actually fetched; ``scheme`` has no
    trailing colon; ``host`` is lower-case, IDNA (punycode) encoded, without trailing dots,
    ``""`` when the URL has none (``file:``, ``javascript:``); ``port`` is ``""`` for the
    scheme's default. ``suspicious`` is true when the raw text is not the plain, strict
    spelling of that reading (``why`` says how) — such a URL is never matched by an allow
    rule, however its host looks.
    """

    # Read-only properties: instances are shared through a cache, so one caller must not
    # change the URL another is judging.
    __slots__ = ("_host", "_href", "_port", "_scheme", "_why")

    def __init__(self, href: str, scheme: str, host: str, port: str, why: str) -> None:
        self._href = href
        self._scheme = scheme
        self._host = host
        self._port = port
        self._why = why

    @property
    def href(self) -> str:
        return self._href

    @property
    def scheme(self) -> str:
        return self._scheme

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> str:
        return self._port

    @property
    def suspicious(self) -> bool:
        return bool(self._why)

    @property
    def why(self) -> str:
        return self._why

    def __repr__(self) -> str:
        flag = f", suspicious: {self.why}" if self.suspicious else ""
        return f"ParsedUrl({self.href[:80]!r}{flag})"


def parse_url(url: str) -> ParsedUrl | None:
    """The WHATWG reading of ``url``, or ``None`` when Node's ``fetch`` would reject it."""
    return _parse(url)


@_cached
def _parse(url: str) -> ParsedUrl | None:
    import can_ada  # deferred: the hook pays for it only when a WebFetch rule is judged

    try:
        parsed = can_ada.parse(url)
    except ValueError:
        return None
    scheme = str(parsed.protocol).rstrip(":").lower()
    hostname = str(parsed.hostname)
    port = str(parsed.port)
    why = _why_suspicious(url, scheme, hostname, port)
    return ParsedUrl(str(parsed.href), scheme, hostname.rstrip("."), port, why)


def _why_suspicious(url: str, scheme: str, hostname: str, port: str) -> str:
    """Why the raw text is not the one plain spelling of its WHATWG reading ("" if it is)."""
    if scheme not in _DEFAULT_PORTS:
        return f"scheme {scheme!r} is not http or https"
    if _CONTROL_OR_SPACE().search(url):
        return "whitespace or control characters (WHATWG strips or encodes them)"
    if "\\" in url:
        return "a backslash (WHATWG reads it as '/', other parsers do not)"
    start = _STRICT_START().match(url)
    if start is None:
        return "not of the form http(s)://host/..."
    authority = start.group(2)
    if "@" in _cut(url[start.end() :], "/"):
        return "an '@' in a query or fragment right after the host (naive readers take it)"
    if not authority.isascii():
        return "non-ASCII characters in the host"
    if "%" in authority:
        return "percent-encoding in the host"
    if "@" in authority:
        return "credentials (user@) before the host"
    plain = _STRICT_AUTHORITY().fullmatch(authority)
    if plain is None:
        return f"the authority {authority[:60]!r} is not a plain host[:port]"
    raw_host = plain.group("host").lower()
    if raw_host.startswith(".") or raw_host.endswith(".") or ".." in raw_host:
        return "an empty label or trailing dot in the host"
    if raw_host != hostname:
        return f"host {raw_host[:60]!r} is read as {hostname[:60]!r}"
    raw_port = plain.group("port")
    if raw_port is not None:
        if raw_port != str(int(raw_port)):
            return "leading zeros in the port"
        if raw_port != (port or _DEFAULT_PORTS[scheme]):
            return f"port {raw_port!r} is read as {port or 'the default'!r}"
    python = _python_split(url)
    if python is None:
        return "Python's urllib rejects it"
    py_scheme, py_host, py_port = python[0], python[1], python[2]
    if py_scheme != scheme or py_host != hostname:
        return f"Python's urllib reads the host as {py_host[:60]!r}"
    if py_port not in (port, "") and py_port != _DEFAULT_PORTS[scheme]:
        return f"Python's urllib reads the port as {py_port!r}"
    return ""


def _python_split(url: str) -> tuple[str, str, str, str] | None:
    """Python's reading: (scheme, host with IPv6 brackets, port, rest), or None if it raises."""
    from urllib.parse import urlsplit  # deferred, like can_ada

    try:
        split = urlsplit(url)
        host = (split.hostname or "").lower()
    except ValueError:
        return None
    try:
        port = "" if split.port is None else str(split.port)
    except ValueError:  # out of range or not a number: the host is still read
        port = "invalid"
    if ":" in host:
        host = f"[{host}]"
    rest = split.path
    if split.query:
        rest += "?" + split.query
    if split.fragment:
        rest += "#" + split.fragment
    return split.scheme.lower(), host, port, rest


class UrlRule:
    """One compiled WebFetch specifier; ask it in the direction the rule is used.

    ``for_deny(url)`` — for deny and ask rules — is true when any reading of ``url`` reaches
    what the rule names. ``for_allow(url)`` — for allow rules — is true only when ``url`` is
    read the same way by everyone and its fetched (WHATWG) form matches.
    """

    __slots__ = ("_allow", "_deny", "spec")

    def __init__(
        self, spec: str, deny: Callable[[str], bool], allow: Callable[[str], bool]
    ) -> None:
        self.spec = spec
        self._deny = deny
        self._allow = allow

    def __repr__(self) -> str:
        return f"UrlRule({self.spec!r})"

    def for_deny(self, url: str) -> bool:
        """Deny/ask side: does any reading of ``url`` reach what this rule names?"""
        return self._deny(url)

    def for_allow(self, url: str) -> bool:
        """Allow side: is ``url`` unambiguous, and does what is fetched match this rule?"""
        return self._allow(url)


def compile_url_rule(spec: str) -> UrlRule:
    """Compile a WebFetch specifier: ``domain:HOST-GLOB`` or a glob over the URL.

    Raises ``ValueError`` (with a message fit for the operator) for a specifier that names no
    host or cannot be normalised; the rule parser turns it into its ``RuleSyntaxError``.
    """
    spec = spec.strip()
    if spec.startswith("domain:"):
        return _compile_domain(spec)
    return _compile_href(spec)


# --- domain:HOST-GLOB -------------------------------------------------------------------------


def _compile_domain(spec: str) -> UrlRule:
    match = _host_matcher(_normalise_host_glob(spec[len("domain:") :].strip(), spec))

    def deny(url: str) -> bool:
        return any(match(host) for host in _deny_hosts(url))

    def allow(url: str) -> bool:
        parsed = _parse(url)
        return (parsed is not None and not parsed.suspicious and bool(parsed.host)) and match(
            parsed.host
        )

    return UrlRule(spec, deny, allow)


def _normalise_host_glob(glob: str, spec: str) -> str:
    """Lower-case, IDNA-encode and drop the trailing dot, as WHATWG does to the URL's host.

    A rule written ``domain:bücher.de`` must match ``xn--bcher-kva.de`` (what is fetched),
    ``domain:0x7f.1`` must name 127.0.0.1, and a denied host must not escape by a spelling.
    """
    import can_ada

    glob = glob.translate(_DOTS).rstrip(".")
    if not glob:
        raise ValueError(f"empty domain in {spec!r}")
    if _BAD_HOST_SPEC().search(glob):
        raise ValueError(
            f"{spec!r}: a domain is a bare host glob — no scheme, path, user@, '%' or spaces"
        )
    if glob.startswith("[") and glob.endswith("]") and ":" in glob:  # an IPv6 literal
        return _whatwg_host(glob, spec)
    if ":" in glob:
        raise ValueError(f"{spec!r}: a domain rule names a host, not a port")
    if not _GLOB_CHARS & set(glob):
        return _whatwg_host(glob, spec)
    labels: list[str] = []
    for label in glob.split("."):
        if label.isascii():
            labels.append(label.lower())
        elif _GLOB_CHARS & set(label):
            raise ValueError(
                f"{spec!r}: a label with both wildcards and non-ASCII letters cannot be "
                "IDNA-encoded; write it in punycode (xn--...)"
            )
        else:
            encoded = can_ada.idna_encode(label).decode("ascii")
            if not encoded:
                raise ValueError(f"{spec!r}: {label!r} is not a valid IDNA label")
            labels.append(encoded)
    return ".".join(labels)


def _whatwg_host(host: str, spec: str) -> str:
    import can_ada

    try:
        hostname = str(can_ada.parse(f"http://{host}/").hostname)
    except ValueError:
        raise ValueError(f"{spec!r}: {host!r} is not a valid host name") from None
    hostname = hostname.rstrip(".")
    if not hostname:
        raise ValueError(f"empty domain in {spec!r}")
    return hostname


def _host_matcher(glob: str) -> Callable[[str], bool]:
    if glob.startswith("[") or not _GLOB_CHARS & set(glob):  # exact (IPv6 brackets are not
        return glob.__eq__  # a character class)
    return _glob_regex(glob, ignore_case=False)


def _glob_regex(glob: str, *, ignore_case: bool) -> Callable[[str], bool]:
    if not _GLOB_CHARS & set(glob):  # exact: a grant's long href must not become a regex
        if ignore_case:
            folded = glob.casefold()
            return lambda text: text.casefold() == folded
        return glob.__eq__
    # fnmatch's translation uses atomic groups, so matching stays linear on long URLs.
    compiled = re.compile(fnmatch.translate(glob), re.IGNORECASE if ignore_case else 0)
    return lambda text: compiled.match(text) is not None


@_cached
def _deny_hosts(url: str) -> frozenset[str]:
    """Every host some reading of ``url`` reaches (``""`` when one of them has no host).

    The WHATWG host (what Node fetches); Python's ``urlsplit`` host; the raw host text cut
    the RFC 3986 way (at ``/?#``), the WHATWG way (also at ``\\``) and the greedy way (only at
    slashes, so ``evil.net#@docs.example.com`` names docs.example.com); each lower-cased,
    percent-decoded, IDNA-normalised and without trailing dots; and all of it once more on the
    percent-decoded text (``internal%5c@evil.net``). For a URL without a
    ``scheme://`` the text is also read as if ``https://`` were prepended (a runtime that
    "fixes up" URLs would). IPv4-mapped IPv6 hosts also name their IPv4 address.
    """
    from urllib.parse import unquote

    found: set[str] = set()
    texts = {url, _whatwg_trimmed(url), unquote(url)}  # also as a decode-then-parse proxy would
    for text in tuple(texts):
        if not _HAS_AUTHORITY().match(text):
            texts.add("https://" + text.lstrip("/\\"))
    for text in texts:
        parsed = _parse(text)
        if parsed is not None:
            found.add(parsed.host)
        python = _python_split(text)
        if python is not None:
            found.add(python[1].rstrip("."))
        found.update(_raw_hosts(text))
    for host in tuple(found):
        found.update(_variants(host))
    return frozenset(found)


def _whatwg_trimmed(url: str) -> str:
    """The text WHATWG parses: tabs and newlines removed, C0 controls and spaces trimmed."""
    return url.replace("\t", "").replace("\n", "").replace("\r", "").strip("\x00- ")


def _raw_hosts(text: str) -> set[str]:
    scheme = _SCHEME().match(text)
    starts = [text[scheme.end() :] if scheme else text]
    if scheme and text[scheme.end() : scheme.end() + 1] not in ("/", "\\"):
        starts.append(text)  # "host:port/path" has the shape of "scheme:path"
    hosts: set[str] = set()
    for start in starts:
        rest = start.lstrip("/\\")
        for authority in (_cut(rest, "/?#\\"), _cut(rest, "/?#")):
            hosts.add(_strip_port(authority.rpartition("@")[2]))
        greedy = _cut(rest, "/\\")
        if "@" in greedy:
            hosts.add(_strip_port(_cut(greedy.rpartition("@")[2], "?#")))
    return {h.lower().rstrip(".") for h in hosts}


def _cut(text: str, stops: str) -> str:
    end = len(text)
    for stop in stops:
        at = text.find(stop, 0, end)
        if at != -1:
            end = at
    return text[:end]


def _strip_port(hostport: str) -> str:
    if hostport.startswith("["):
        close = hostport.find("]")
        return hostport[: close + 1] if close != -1 else hostport
    return hostport.partition(":")[0]


def _variants(host: str) -> set[str]:
    """Other spellings of one candidate host that reach the same place."""
    from urllib.parse import unquote

    out: set[str] = set()
    decoded = unquote(host)
    # A resolver written in C stops at a NUL: "internal%00.evil.net" may look up "internal";
    # a lenient one trims spaces.
    for form in {host, host.strip(), decoded, decoded.partition("\x00")[0].strip()}:
        out.add(form.lower().rstrip("."))
        normal = _idna(form.translate(_DOTS).rstrip("."))  # as a domain rule is normalised
        if normal is not None:
            out.add(normal)
    for form in tuple(out):
        mapped = _ipv4_mapped(form)
        if mapped is not None:
            out.add(mapped)
    return out


def _idna(host: str) -> str | None:
    if not host or _BAD_HOST_SPEC().search(host) or "?" in host:
        return None
    if ":" in host and not host.startswith("["):
        return None
    import can_ada

    try:
        return str(can_ada.parse(f"http://{host}/").hostname).rstrip(".")
    except ValueError:
        return None


def _ipv4_mapped(host: str) -> str | None:
    if not (host.startswith("[") and host.endswith("]")):
        return None
    import ipaddress

    try:
        mapped = ipaddress.IPv6Address(host[1:-1]).ipv4_mapped
    except ValueError:
        return None
    return None if mapped is None else str(mapped)


# --- a glob over the URL ----------------------------------------------------------------------


def _compile_href(spec: str) -> UrlRule:
    if not spec:
        raise ValueError("empty URL pattern")
    glob = _normalise_href_glob(spec, spec)
    deny_match = _glob_regex(glob, ignore_case=True)
    head_glob, tail_glob = _split_head(glob)
    head_match = _glob_regex(head_glob, ignore_case=False)
    tail_match = _glob_regex(tail_glob or "/", ignore_case=False)

    def deny(url: str) -> bool:
        return any(deny_match(text) for text in _deny_texts(url))

    def allow(url: str) -> bool:
        parsed = _parse(url)
        if parsed is None or parsed.suspicious:
            return False
        head, tail = _split_head(parsed.href)
        return (
            head_match(head)
            and tail_match(tail)
            and _TRICKY_PATH().search(tail.partition("?")[0].partition("#")[0]) is None
        )

    return UrlRule(spec, deny, allow)


def _split_head(text: str) -> tuple[str, str]:
    """``scheme://authority`` and the rest; a ``*`` in the host part cannot span a ``/``.

    Matching the two halves separately is what keeps ``https://*.example.com/*`` from
    allowing ``https://evil.net/x.example.com/``.
    """
    scheme_end = text.find("://")
    end = text.find("/", scheme_end + 3 if scheme_end != -1 else 0)
    return (text, "") if end == -1 else (text[:end], text[end:])


def _normalise_href_glob(glob: str, spec: str) -> str:
    """Spell the pattern's scheme and host the way the href of a matching URL spells them.

    A pattern without wildcards before the path is normalised by the WHATWG parser itself
    (case, IDNA, default port, IPv4 shorthand, IPv6 compression; an IPv6 literal's brackets
    become literal, not a character class); ``https://host`` with no path gains the ``/`` its
    href has. A pattern with wildcards there is lower-cased, and a unicode host IDNA-encoded.
    """
    head, tail = _split_head(glob)
    scheme, sep, authority = head.rpartition("://")
    if not sep:
        return glob
    if not _GLOB_CHARS & set(scheme + _IPV6_LITERAL().sub("", authority)):
        parsed = _parse(f"{scheme}://{authority}/")
        if parsed is None or not parsed.href.endswith("/"):
            raise ValueError(f"{spec!r}: {authority[:60]!r} is not a valid host")
        return parsed.href[:-1].replace("[", "[[]") + (tail or "/")
    if not authority.isascii():
        userinfo, at, hostport = authority.rpartition("@")
        host, colon, port = hostport, "", ""
        if not hostport.startswith("["):
            host, colon, port = hostport.partition(":")
        authority = f"{userinfo}{at}{_normalise_host_glob(host, spec)}{colon}{port}"
    return f"{scheme.lower()}://{authority.lower()}{tail}"


@_cached
def _deny_texts(url: str) -> tuple[str, ...]:
    """Every spelling of ``url`` a deny glob is tried on.

    The raw text and the WHATWG-trimmed text; the href; the href without credentials and
    without port (``https://a@internal/`` still reaches *internal*); Python's reading, its
    host as given and IDNA-normalised; each also with http and https swapped (Claude Code's
    WebFetch upgrades http to https).
    """
    texts = {url, _whatwg_trimmed(url)}
    parsed = _parse(url)
    if parsed is not None:
        texts.add(parsed.href)
        if parsed.scheme in _DEFAULT_PORTS:
            _, tail = _split_head(parsed.href)
            bare = f"{parsed.scheme}://{parsed.host}"
            texts.add(bare + tail)
            if parsed.port:
                texts.add(f"{bare}:{parsed.port}{tail}")
    python = _python_split(url)
    if python is not None and python[1]:
        py_scheme, py_host, _, py_rest = python
        texts.add(f"{py_scheme}://{py_host}{py_rest}")
        normal = _idna(py_host)
        if normal is not None and normal != py_host:
            texts.add(f"{py_scheme}://{normal}{py_rest}")
    for text in tuple(texts):
        lowered = text[:8].lower()
        if lowered.startswith("http://"):
            texts.add("https://" + text[7:])
        elif lowered.startswith("https://"):
            texts.add("http://" + text[8:])
    return tuple(texts)


# --- session grants ---------------------------------------------------------------------------


def grant_rule_for(url: str) -> str | None:
    """The WebFetch specifier an "approve for this session" click grants, or ``None``.

    Exactly this URL — its href, never its whole domain: an operator approving one page at
    3 a.m. has not approved the host. ``None`` for a URL that no allow rule may match
    (suspicious, unparsable) and for an href holding glob characters ``*?[]`` (a query string
    included), which would make the grant a wildcard; the operator approves those once.
    """
    parsed = _parse(url)
    if parsed is None or parsed.suspicious or _GLOB_CHARS & set(parsed.href):
        return None
    href = parsed.href
    try:
        rule = compile_url_rule(href)
    except ValueError:
        return None
    return href if rule.for_allow(url) else None
