"""WebFetch URL rules read the URL as Node's fetch (WHATWG) does (overseer.policy.urls).

The agent writes the URL, so every case here is an attempt to make the gate read one host
while the runtime fetches another. Two invariants run over the whole table: every host some
reading reaches is hit by a deny rule naming it, and no suspicious URL is ever allowed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from overseer.policy.rules import Rule
from overseer.policy.urls import (
    ParsedUrl,
    UrlRule,
    compile_url_rule,
    grant_rule_for,
    parse_url,
)


def deny(spec: str, url: str) -> bool:
    return compile_url_rule(spec).for_deny(url)


def allow(spec: str, url: str) -> bool:
    return compile_url_rule(spec).for_allow(url)


# (url, hosts some reading reaches — a deny on each must fire, hosts no reading reaches — a deny
#  on them must not fire, the host an allow rule may match (None: no allow rule ever matches))
CASES: list[tuple[str, set[str], set[str], str | None]] = [
    # Python reads docs.example.com, Node fetches evil.net
    ("https://evil.net\\@docs.example.com/", {"evil.net", "docs.example.com"}, set(), None),
    ("https:/\\docs.example.com/", {"docs.example.com"}, set(), None),
    # fullwidth letters and dots: WHATWG maps them (UTS-46) to internal.example.com
    ("https://ｉnternal.example.com/", {"internal.example.com"}, set(), None),
    ("https://ＩＮＴＥＲＮＡＬ.example.com/", {"internal.example.com"}, set(), None),
    ("https://internal．example。com/", {"internal.example.com"}, set(), None),
    (
        "https://inter\u00adnal.example.com/",
        {"internal.example.com"},
        set(),
        None,
    ),  # soft hyphen: ignored
    ("https://internal.example.com%00.evil.net/", {"internal.example.com"}, set(), None),
    # trailing dot: the same host to DNS
    ("https://docs.example.com./", {"docs.example.com"}, set(), None),
    ("http://localhost./", {"localhost"}, set(), None),
    # percent-encoded hosts: WHATWG decodes them
    ("https://a%2eexample.com/", {"a.example.com"}, set(), None),
    ("https://%69nternal.example.com/", {"internal.example.com"}, set(), None),
    # userinfo: the host is after the last '@', whatever the user part looks like
    ("https://docs.example.com@evil.net/", {"evil.net"}, {"docs.example.com"}, None),
    ("https://a@b@evil.net/", {"evil.net"}, set(), None),
    # ...and a proxy that percent-decodes before parsing reaches the user part
    ("http://docs.example.com%2f@evil.net", {"evil.net", "docs.example.com"}, set(), None),
    ("http://docs.example.com%5c@evil.net", {"evil.net", "docs.example.com"}, set(), None),
    ("https://docs.example.com:443@evil.net/", {"evil.net"}, set(), None),
    # '@' after '#' or '?': Node fetches evil.net, a naive reader takes docs.example.com
    ("https://evil.net#@docs.example.com", {"evil.net", "docs.example.com"}, set(), None),
    ("https://evil.net?@docs.example.com", {"evil.net", "docs.example.com"}, set(), None),
    # tabs and newlines anywhere are removed by WHATWG before parsing; leading spaces trimmed
    ("ht\ttps://docs.exa\nmple.com/", {"docs.example.com"}, set(), None),
    ("https://docs.example.com/pa\tth", {"docs.example.com"}, set(), None),
    ("  https://docs.example.com/", {"docs.example.com"}, set(), None),
    ("https://docs.example.com/\r\n", {"docs.example.com"}, set(), None),
    # IPv4 shorthand and IPv4-mapped IPv6 all reach 127.0.0.1
    ("http://0x7f.1/", {"127.0.0.1"}, set(), None),
    ("http://127.1/", {"127.0.0.1"}, set(), None),
    ("http://2130706433/", {"127.0.0.1"}, set(), None),
    ("http://0177.0.0.1/", {"127.0.0.1"}, set(), None),
    ("http://[::ffff:127.0.0.1]/", {"127.0.0.1"}, set(), None),
    ("http://127.0.0.1/", {"127.0.0.1"}, set(), "127.0.0.1"),
    ("http://[::1]/", {"[::1]"}, set(), "[::1]"),
    # case and default ports are spelling, not ambiguity
    ("HTTPS://DOCS.Example.COM:443/a", {"docs.example.com"}, set(), "docs.example.com"),
    ("http://docs.example.com:80/", {"docs.example.com"}, set(), "docs.example.com"),
    ("https://docs.example.com:8443/a", {"docs.example.com"}, set(), "docs.example.com"),
    ("https://docs.example.com:0443/", {"docs.example.com"}, set(), None),
    ("https://docs.example.com:/", {"docs.example.com"}, set(), None),
    # unparsable by WHATWG (port out of range): Node refuses, but deny anyway on Python's host
    ("https://docs.example.com:99999/", {"docs.example.com"}, set(), None),
    # scheme without '//' and empty authority: WHATWG still finds the host for http(s)
    ("https:docs.example.com", {"docs.example.com"}, set(), None),
    ("http:///docs.example.com/", {"docs.example.com"}, set(), None),
    # no scheme at all: a runtime that fixes it up reaches the host
    ("docs.example.com/x", {"docs.example.com"}, set(), None),
    ("internal.example.com:8080/x", {"internal.example.com"}, set(), None),
    ("//internal.example.com/x", {"internal.example.com"}, set(), None),
    # IDNA: a unicode host is fetched as its punycode
    ("https://bücher.de/", {"xn--bcher-kva.de"}, set(), None),
    ("https://xn--bcher-kva.de/", {"xn--bcher-kva.de"}, set(), "xn--bcher-kva.de"),
    # other schemes are never allowed
    ("javascript:alert(1)", set(), {"docs.example.com"}, None),
    ("file:///etc/passwd", set(), {"docs.example.com"}, None),
    ("ftp://docs.example.com/x", {"docs.example.com"}, set(), None),
    ("foo://internal.example.com/", {"internal.example.com"}, set(), None),
    # empty / no host
    ("", set(), {"docs.example.com"}, None),
    ("https://", set(), {"docs.example.com"}, None),
    ("not a url", set(), {"docs.example.com"}, None),
    # plain URLs: the host in the path or query is not the host
    ("https://docs.example.com/a?b=1#c", {"docs.example.com"}, {"evil.net"}, "docs.example.com"),
    ("https://evil.io/?x=.example.com", {"evil.io"}, {"docs.example.com"}, "evil.io"),
    (
        "https://example.com.evil.io/",
        {"example.com.evil.io"},
        {"example.com"},
        "example.com.evil.io",
    ),
    ("https://www.npmjs.com/package/@scope/pkg", {"www.npmjs.com"}, {"scope"}, "www.npmjs.com"),
]
IDS = [repr(c[0])[:50] for c in CASES]


@pytest.mark.parametrize(("url", "reaches", "misses", "allowed"), CASES, ids=IDS)
def test_deny_fires_on_every_reading_and_allow_only_on_the_plain_one(
    url: str, reaches: set[str], misses: set[str], allowed: str | None
) -> None:
    for host in reaches:
        assert deny(f"domain:{host}", url), f"deny on {host} missed {url!r}"
    for host in misses:
        assert not deny(f"domain:{host}", url), f"deny on {host} fired on {url!r}"
    for host in reaches | misses:
        assert allow(f"domain:{host}", url) == (host == allowed), (host, url)
    if allowed is not None:
        assert allow(f"domain:{allowed}", url)
        assert allow("domain:*", url)
    else:
        assert not allow("domain:*", url)


@pytest.mark.parametrize(("url", "reaches", "misses", "allowed"), CASES, ids=IDS)
def test_invariants(url: str, reaches: set[str], misses: set[str], allowed: str | None) -> None:
    parsed = parse_url(url)
    # What Node fetches is always denied by a rule naming it.
    if parsed is not None and parsed.host:
        assert deny(f"domain:{parsed.host}", url)
        assert deny(parsed.href, url)  # an exact-URL deny, too
    # Nothing suspicious or unparsable is ever allowed, by any kind of rule.
    if parsed is None or parsed.suspicious:
        assert (allowed is None) and grant_rule_for(url) is None
        for spec in ("domain:*", "*", "https://*/*", "http*://*", "*://*/*"):
            assert not allow(spec, url), (spec, url)
    else:
        assert parsed.why == ""
        assert allowed == parsed.host


def test_parse_url_fields() -> None:
    parsed = parse_url("HTTPS://Docs.Example.COM:443/a/./b/../c?q=1#f")
    assert isinstance(parsed, ParsedUrl)
    assert (parsed.href, parsed.scheme, parsed.host, parsed.port) == (
        "https://docs.example.com/a/c?q=1#f",
        "https",
        "docs.example.com",
        "",
    )
    assert not parsed.suspicious and parsed.why == ""
    odd = parse_url("https://evil.net\\@docs.example.com/")
    assert odd is not None and odd.host == "evil.net" and odd.suspicious
    assert "backslash" in odd.why
    dotted = parse_url("https://docs.example.com./")
    assert dotted is not None and dotted.host == "docs.example.com" and dotted.suspicious
    assert parse_url("not a url") is None
    assert parse_url("https://a b/") is None
    file_url = parse_url("file:///etc/passwd")
    assert file_url is not None and file_url.host == "" and file_url.scheme == "file"
    assert file_url.suspicious


def test_parsed_url_is_read_only() -> None:
    # parse_url is cached: a caller mutating its result would change every later verdict.
    parsed = parse_url("https://docs.example.com/")
    assert parsed is not None
    with pytest.raises(AttributeError):
        parsed.suspicious = False  # type: ignore[misc]
    with pytest.raises(AttributeError):
        parsed.host = "evil.net"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("spec", "url"),
    [
        ("domain:Docs.Example.COM.", "https://docs.example.com/"),  # case, trailing dot
        ("domain:bücher.de", "https://xn--bcher-kva.de/"),  # unicode rule, punycode URL
        ("domain:BÜCHER.de", "https://xn--bcher-kva.de/"),
        ("domain:*.bücher.de", "https://www.xn--bcher-kva.de/"),
        ("domain:ｄocs.example.com", "https://docs.example.com/"),  # fullwidth rule
        ("domain:docs．example．com", "https://docs.example.com/"),
        ("domain:0x7f.1", "http://127.0.0.1/"),  # the rule's own shorthand is normalised
        ("domain:[::1]", "http://[::1]/"),  # brackets are a literal, not a character class
        ("domain:[0:0::1]", "http://[::1]/"),
        ("domain: docs.example.com ", "https://docs.example.com/"),
    ],
)
def test_domain_spec_is_normalised_like_the_host(spec: str, url: str) -> None:
    assert allow(spec, url) and deny(spec, url)


def test_domain_glob_semantics() -> None:
    assert allow("domain:*.example.com", "https://api.example.com/v1")
    assert allow("domain:*.example.com", "https://a.b.example.com/")
    assert not allow("domain:*.example.com", "https://example.com/")  # as before: no apex
    assert not allow("domain:*.example.com", "https://example.com.evil.io/")
    assert not allow("domain:*.example.com", "https://evil.io/x.example.com")
    assert deny("domain:*.example.com", "https://a%2eexample.com/")
    assert deny("domain:*.example.com", "https://evil.net\\@x.example.com/")
    assert allow("domain:api?.example.com", "https://api1.example.com/")
    assert not allow("domain:[::1]", "http://[::2]/")
    # 'domain:*' as a deny means "no fetches": also hostless and unparsable URLs
    for url in ("javascript:alert(1)", "file:///etc/passwd", "not a url", ""):
        assert deny("domain:*", url)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("domain:", "empty domain"),
        ("domain:.", "empty domain"),
        ("domain:   ", "empty domain"),
        ("domain:https://docs.example.com", "bare host"),
        ("domain:docs.example.com/path", "bare host"),
        ("domain:user@docs.example.com", "bare host"),
        ("domain:docs%2eexample.com", "bare host"),
        ("domain:docs example.com", "bare host"),
        ("domain:docs.example.com:443", "not a port"),
        ("domain:*.bü*.de", "punycode"),
        ("domain:xn--zz.com", "not a valid host"),
        ("domain:example.123", "not a valid host"),
        ("", "empty URL pattern"),
        ("   ", "empty URL pattern"),
        ("https://xn--zz.com/*", "not a valid host"),
    ],
)
def test_bad_specs_raise_value_error(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compile_url_rule(spec)


def test_compile_url_rule_returns_a_rule_with_both_directions() -> None:
    rule = compile_url_rule("domain:docs.example.com")
    assert isinstance(rule, UrlRule) and rule.spec == "domain:docs.example.com"
    assert rule.for_deny("https://docs.example.com@evil.net/") is False
    assert rule.for_deny("https://evil.net\\@docs.example.com/") is True
    assert rule.for_allow("https://evil.net\\@docs.example.com/") is False
    assert rule.for_allow("https://docs.example.com/") is True


# --- URL globs (any spec that is not domain:) ---------------------------------------------------

DENY_INTERNAL = "https://internal.example.com/*"


@pytest.mark.parametrize(
    "url",
    [
        "https://internal.example.com/x",
        "https://INTERNAL.example.com/x",  # href is lower-cased
        "https://ｉnternal.example.com/x",  # href is IDNA-normalised
        "https://a@internal.example.com/x",  # credentials dropped
        "https://internal.example.com:443/x",  # default port dropped
        "https://internal.example.com:8443/x",  # another port of the same host
        "http://internal.example.com/x",  # Claude Code upgrades http to https
        "https://evil.net\\@internal.example.com/x",  # Python's reading
        "https://evil.net\\@ｉnternal.example.com/x",  # Python's reading, IDNA-normalised
        "https://internal.example.com/X/Y",  # deny globs ignore case
        "  https://internal.example.com/x",
        "ht\ttps://internal.example.com/x",
        "https://internal.example.com",  # no path: the href is .../
    ],
)
def test_url_glob_deny_fires_on_every_spelling(url: str) -> None:
    assert deny(DENY_INTERNAL, url)


def test_url_glob_deny_paths_are_normalised() -> None:
    spec = "https://docs.example.com/secret*"
    assert deny(spec, "https://docs.example.com/public/../secret/x")
    assert deny(spec, "https://docs.example.com/public/%2e%2e/secret")
    assert deny(spec, "https://docs.example.com/public\\..\\secret")
    assert not deny(spec, "https://docs.example.com/public/x")
    assert deny("https://docs.example.com", "https://docs.example.com/")  # root, both spellings
    assert deny("https://docs.example.com", "https://docs.example.com")


def test_url_glob_allow() -> None:
    spec = "https://*.example.com/*"
    assert allow(spec, "https://api.example.com/v1")
    assert allow(spec, "HTTPS://API.example.com:443/v1")  # the href is what is matched
    # a '*' in the host part never spans a '/': the host stays the host
    assert not allow(spec, "https://evil.net/x.example.com/")
    assert not allow(spec, "https://evil.net/.example.com/")
    for url in (
        "https://evil.net\\@api.example.com/",
        "https://api.example.com@evil.net/",
        "https://api.example.com./v1",
        "https://api.example.com/v1\t",
        "https://ａpi.example.com/v1",
        "https://api.example.com#@evil.net",
    ):
        assert not allow(spec, url), url
    # the path as fetched: dot segments are resolved before matching
    public = "https://docs.example.com/public/*"
    assert allow(public, "https://docs.example.com/public/a")
    assert not allow(public, "https://docs.example.com/public/../admin")
    assert not allow(public, "https://docs.example.com/public/%2e%2e/admin")
    # encodings a server may decode into traversal after the match: never allowed
    assert not allow(public, "https://docs.example.com/public/..%2fadmin")
    assert not allow(public, "https://docs.example.com/public/..%5cadmin")
    assert not allow(public, "https://docs.example.com/public/..;/admin")
    assert allow(public, "https://docs.example.com/public/a?next=%2Fadmin")  # in the query: fine
    # allow globs are case-sensitive in the path (the server decides), scheme/host are not
    assert allow("HTTPS://Docs.Example.com/A*", "https://docs.example.com/Ab")
    assert not allow("HTTPS://Docs.Example.com/A*", "https://docs.example.com/ab")
    # a unicode host in the pattern is IDNA-encoded
    assert allow("https://bücher.de/*", "https://xn--bcher-kva.de/a")
    # no path in the pattern: the root only
    assert allow("https://docs.example.com", "https://docs.example.com")
    assert allow("https://docs.example.com", "https://docs.example.com/")
    assert not allow("https://docs.example.com", "https://docs.example.com/x")
    assert not allow("https://docs.example.com/*", "javascript:alert(1)//docs.example.com/")


# --- session grants -------------------------------------------------------------------------------


def test_grant_rule_for_names_the_exact_href() -> None:
    assert grant_rule_for("https://docs.example.com/a") == "https://docs.example.com/a"
    assert (
        grant_rule_for("HTTPS://Docs.Example.com:443/a/./b/../c") == "https://docs.example.com/a/c"
    )
    assert grant_rule_for("https://docs.example.com/a#frag") == "https://docs.example.com/a#frag"
    assert grant_rule_for("https://docs.example.com") == "https://docs.example.com/"
    assert grant_rule_for("https://en.wikipedia.org/wiki/Foo_(bar)") == (
        "https://en.wikipedia.org/wiki/Foo_(bar)"
    )
    spec = grant_rule_for("https://docs.example.com/a/c")
    assert spec is not None
    # it covers exactly that URL (and its harmless spellings), not the domain
    assert allow(spec, "https://docs.example.com/a/c")
    assert allow(spec, "HTTPS://DOCS.example.com/a/c")
    for other in (
        "https://docs.example.com/a/d",
        "https://docs.example.com/a/c/d",
        "https://docs.example.com/",
        "https://evil.net/a/c",
        "https://docs.example.com.evil.net/a/c",
        "https://evil.net\\@docs.example.com/a/c",
        "http://docs.example.com/a/c",
        "https://docs.example.com:8443/a/c",
    ):
        assert not allow(spec, other), other


@pytest.mark.parametrize(
    "url",
    [
        "https://docs.example.com/a?b",  # '?' is a glob character
        "https://docs.example.com/a*b",
        "https://docs.example.com/a[b]",
        "https://evil.net\\@docs.example.com/",
        "https://docs.example.com@evil.net/",
        "https://ｉnternal.example.com/",
        "https://docs.example.com./",
        "http://0x7f.1/",
        "https://docs.example.com/..%2fadmin",  # no allow rule may match it, so no grant
        "javascript:alert(1)",
        "file:///etc/passwd",
        "not a url",
        "",
    ],
)
def test_grant_rule_for_refuses(url: str) -> None:
    assert grant_rule_for(url) is None


def test_grant_spec_parses_as_a_rule() -> None:
    for url in ("https://docs.example.com/a", "https://en.wikipedia.org/wiki/Foo_(bar)"):
        spec = grant_rule_for(url)
        assert spec is not None
        rule = Rule(f"WebFetch({spec})")
        assert rule.kind == "url" and rule.spec == spec


# --- cost -------------------------------------------------------------------------------------------

HUGE = 1_000_000
LONG_URLS = [
    "https://docs.example.com/" + "a" * HUGE,
    "https://" + "a" * HUGE + ".example.com/",
    "https://" + "a." * (HUGE // 2) + "example.com/",
    "https://" + "@" * HUGE + "docs.example.com/",
    "https://docs.example.com/" + "\\" * HUGE,
    "https://docs.example.com/" + "%2e%2e/" * (HUGE // 7),
    "https://docs.example.com/?" + "a*b?" * (HUGE // 4),
    "https://" + "ｉ" * (HUGE // 10) + ".example.com/",
    "\t" * HUGE + "https://docs.example.com/",
    "x" * HUGE,
]


@pytest.mark.parametrize("url", LONG_URLS, ids=[f"long-{i}" for i in range(len(LONG_URLS))])
def test_a_megabyte_url_is_judged_and_never_allowed_when_ambiguous(url: str) -> None:
    """A megabyte of hostile URL is judged (no regex blow-up: the suite would hang; the
    time itself is not asserted here), and an ambiguous one is never allowed."""
    rules = [
        compile_url_rule(s)
        for s in ("domain:*.example.com", "domain:docs.example.com", "https://*/*a*b*c*d", "*z*")
    ]
    parsed = parse_url(url)
    for rule in rules:
        rule.for_deny(url)
        if parsed is None or parsed.suspicious:
            assert not rule.for_allow(url)
    grant_rule_for(url)


def test_import_is_lean() -> None:
    # The gate hook imports this module before every tool call.
    code = "import json, sys; import overseer.policy.urls; print(json.dumps(sorted(sys.modules)))"
    loaded = set(json.loads(subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout))  # fmt: skip
    heavy = {"can_ada", "urllib.parse", "ipaddress", "typing", "dataclasses", "pathspec", "asyncio"}
    assert not heavy & loaded, heavy & loaded
