"""Security detectors: someone may be abusing the agent, or the agent's access.

* ``secret_read`` — credential files and stores read (``.env``, ``~/.ssh``, cloud credential
  files, kubeconfig, ``.netrc``, keys, keychains), by file tools or shell commands.
* ``secret_in_input`` — a secret value in a tool call's input (:mod:`overseer.secrets`).
* ``egress_unallowed`` — network connections to hosts the scope's ``WebFetch(domain:...)``
  allow rules do not cover (WebFetch, curl/wget, nc, ssh/scp/rsync, git by URL).
* ``download_exec`` — downloaded code run without being looked at (``curl ... | sh``,
  ``bash <(curl ...)``, ``sh -c "$(curl ...)"``, a downloaded file executed later).
* ``privilege_change`` — ``sudo``, world-writable or setuid ``chmod``, ``chown``, user and
  sudoers changes, ``authorized_keys`` writes.
* ``injected_instructions`` — a tool result that talks to the agent ("ignore previous
  instructions", "you are now...", chat-template system markers, hidden Unicode tags).
* ``credential_acquired`` — a credential first seen in a tool result, then used in a call:
  access the agent acquired inside the session (matched by fingerprint, never stored raw).

Look-alikes that stay quiet: ``grep -r password docs/`` (a word, not a credential file),
``.env.example``, ``~/.ssh/id_rsa.pub``, ``curl https://x -o file`` (download, no execution),
``curl ... | jq``, ``chmod 644``/``+x``, "follow the installation instructions", git's "You are
now in 'detached HEAD' state", Claude Code's own ``<system-reminder>`` blocks.

Choices: with no scope (an unknown agent) there is no allowed set, so egress is not flagged
unless ``DetectorSettings.egress_without_scope``; ``env``/``printenv`` are not counted as
secret reads (too common to be a signal); a secret that ``credential_acquired`` reports is not
reported again by ``secret_in_input``.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata

from overseer.model import Event, EventKind, Flag, FlagCategory, Verdict
from overseer.policy.detectors._core import (
    SHELLS,
    Cmd,
    DetectorInfo,
    DetectorSettings,
    ascii_result_scan,
    register_result_patterns,
    show,
    summarise,
    token_fingerprints,
    value_fingerprints,
    view_of,
    worst,
)
from overseer.policy.detectors.commands import (
    FETCHERS,
    READ_TOOLS,
    download_targets,
    egress_hosts,
    fetch_urls,
    file_tool_writes,
    first_positional,
    host_of,
    read_paths,
    written_paths,
)
from overseer.policy.detectors.history import SessionHistory
from overseer.policy.prefilter import Prefilter
from overseer.policy.scope import Scope
from overseer.secrets import CASE_FOLDS

#: Enum members as module globals: in CPython 3.11 each ``EventKind.X``-style lookup costs
#: ~160 ns (the enum's class attribute path), a global ~7 ns; the hot path reads them per event.
_F_SECURITY = FlagCategory.SECURITY
_K_TOOL_CALL = EventKind.TOOL_CALL
_K_TOOL_RESULT = EventKind.TOOL_RESULT
_V_ASK = Verdict.ASK
_V_DENY = Verdict.DENY

SECURITY = _F_SECURITY

SECRET_READ = DetectorInfo(
    "secret_read", SECURITY, ("ASI03", "NHI2"), "Secret read",
    "Credential files and stores read: .env, ~/.ssh, cloud credential files, kubeconfig, "
    ".netrc, private keys, keychains and secret managers.",
)  # fmt: skip
SECRET_IN_INPUT = DetectorInfo(
    "secret_in_input", SECURITY, ("NHI2", "ASI03"), "Secret in tool input",
    "A secret value (token, key, password) written into a tool call's input.",
)  # fmt: skip
EGRESS = DetectorInfo(
    "egress_unallowed", SECURITY, ("ASI02", "ASI01"), "Egress to a domain the scope does not allow",
    "Network connections (WebFetch, curl/wget, nc, ssh/scp/rsync, git by URL) to hosts not "
    "covered by the scope's WebFetch(domain:...) allow rules.",
)  # fmt: skip
DOWNLOAD_EXEC = DetectorInfo(
    "download_exec", SECURITY, ("ASI05", "ASI04"), "Download and execute",
    "Downloaded code run unseen: curl | sh, bash <(curl ...), sh -c \"$(curl ...)\", or a "
    "file downloaded in the session executed later.",
)  # fmt: skip
PRIVILEGE = DetectorInfo(
    "privilege_change", SECURITY, ("ASI03", "NHI5"), "Privilege change",
    "sudo and other root wrappers, world-writable or setuid chmod, chown, setcap, user and "
    "sudoers changes, authorized_keys writes.",
)  # fmt: skip
INJECTION = DetectorInfo(
    "injected_instructions", SECURITY, ("ASI01", "ASI06"), "Instructions injected in a tool result",
    "Tool results that address the agent: 'ignore previous instructions' and kin, role "
    "reassignment, chat-template system markers, hidden Unicode tag characters.",
    kinds=(_K_TOOL_RESULT,),
)  # fmt: skip
ACQUIRED = DetectorInfo(
    "credential_acquired", SECURITY, ("ASI03", "NHI2"), "Credential acquired in session",
    "A credential first seen in a tool result is used in a later call: access acquired "
    "inside the session rather than provisioned.",
)  # fmt: skip

# -- secret files ---------------------------------------------------------------------------------

_ENV_TEMPLATES = frozenset({"example", "sample", "template", "dist", "defaults", "schema", "tmpl"})
_SSH_PUBLIC = frozenset({"known_hosts", "known_hosts.old", "config", "authorized_keys", "rc"})
_SSH_KEYS = frozenset(
    {"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk"}
)
_KEY_SUFFIXES = (".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".ppk", ".p8")
_PUBLIC_HINTS = ("cert", "chain", "bundle", "public", "pubkey", "ca.pem")
_SINGLE_FILES = {
    ".netrc": ("netrc credentials", "high"),
    "_netrc": ("netrc credentials", "high"),
    ".pgpass": ("PostgreSQL password file", "high"),
    ".git-credentials": ("git credentials", "high"),
    ".npmrc": ("npm token file", "medium"),
    ".pypirc": ("PyPI token file", "medium"),
    ".vault-token": ("Vault token", "high"),
    "credentials.tfrc.json": ("Terraform Cloud token", "high"),
    ".my.cnf": ("MySQL password file", "medium"),
    "application_default_credentials.json": ("gcloud credentials", "high"),
    "kubeconfig": ("kubeconfig", "high"),
}
_SHADOW = frozenset({"/etc/shadow", "/etc/gshadow", "/etc/master.passwd", "/etc/security/opasswd"})
_SECRET_STEMS = frozenset({"secrets", "secret", "credentials", "creds"})
_SECRET_EXTS = frozenset({"", ".json", ".yaml", ".yml", ".toml", ".ini", ".env", ".txt", ".xml"})


def secret_kind(path: str) -> tuple[str, str] | None:
    """``(label, severity)`` when ``path`` is a credential file or store, else None."""
    parts = path.split("/")
    base = parts[-1]
    lower = base.lower()
    dirs = parts[:-1]
    if lower == ".env" or (lower.startswith(".env.") and lower[5:] not in _ENV_TEMPLATES):
        return "dotenv file", "medium"
    if lower == ".envrc":
        return "direnv file", "medium"
    if ".ssh" in dirs:
        if lower.endswith(".pub") or lower in _SSH_PUBLIC:
            return None
        return "SSH key", "high"
    if lower == ".ssh":
        return "SSH directory", "high"
    if lower in _SSH_KEYS:
        return "SSH private key", "high"
    if lower in _SINGLE_FILES:
        return _SINGLE_FILES[lower]
    if ".aws" in dirs and (lower == "credentials" or "sso" in dirs or "cli" in dirs):
        return "AWS credentials", "high"
    if "gcloud" in dirs and ".config" in dirs:
        return "gcloud credentials", "high"
    if (".kube" in dirs and lower == "config") or lower.endswith(".kubeconfig"):
        return "kubeconfig", "high"
    if ".azure" in dirs:
        return "Azure credentials", "high"
    if ".docker" in dirs and lower == "config.json":
        return "Docker registry credentials", "medium"
    if "gh" in dirs and ".config" in dirs and lower == "hosts.yml":
        return "GitHub CLI token", "high"
    if "Keychains" in dirs or lower.endswith((".keychain", ".keychain-db")):
        return "keychain", "high"
    if ".password-store" in dirs:
        return "password store", "high"
    if ".gnupg" in dirs and ("private-keys-v1.d" in dirs or lower == "secring.gpg"):
        return "GPG private key", "high"
    if path in _SHADOW:
        return "password hashes", "high"
    if lower.endswith(_KEY_SUFFIXES) and not any(h in lower for h in _PUBLIC_HINTS):
        return "private key", "high"
    stem, ext = posixpath.splitext(lower)
    if stem in _SECRET_STEMS and ext in _SECRET_EXTS:
        return "secrets file", "medium"
    return None


def _credential_command(cmd: Cmd) -> tuple[str, str] | None:
    """Commands that print a stored credential: keychains, secret managers, CLI tokens."""
    prog = cmd.prog
    pos = cmd.positionals()
    first = pos[0] if pos else ""
    second = pos[1] if len(pos) > 1 else ""
    if prog == "security" and first in (
        "find-generic-password", "find-internet-password", "dump-keychain", "export",
    ):  # fmt: skip
        return f"macOS keychain ({first})", "high"
    if prog == "secret-tool" and first == "lookup":
        return "Secret Service keyring", "high"
    if prog == "gh" and first == "auth" and (second == "token" or cmd.has_long("--show-token")):
        return "GitHub CLI token", "high"
    if (
        prog == "gcloud"
        and "auth" in pos
        and any(p in ("print-access-token", "print-identity-token") for p in pos)
    ):
        return "gcloud access token", "high"
    if prog == "aws":
        if first == "configure" and second in ("get", "export-credentials"):
            return "AWS credentials", "high"
        if first == "secretsmanager" and second == "get-secret-value":
            return "AWS Secrets Manager secret", "high"
        if (
            first == "ssm"
            and second.startswith("get-parameter")
            and cmd.has_long("--with-decryption")
        ):
            return "AWS SSM secure parameter", "high"
    if prog in ("kubectl", "oc"):
        if first == "config" and second == "view" and cmd.has_long("--raw", "--flatten"):
            return "kubeconfig", "high"
        if (
            first == "get"
            and second in ("secret", "secrets")
            and (cmd.has_short("o") or cmd.has_long("--output"))
        ):
            return "Kubernetes secret", "high"
    if prog == "op" and (first == "read" or (first in ("item", "document") and second == "get")):
        return "1Password secret", "high"
    if prog == "vault" and (first == "read" or (first == "kv" and second == "get")):
        return "Vault secret", "high"
    if (
        prog == "az"
        and ((first == "account" and second == "get-access-token") or "secret" in pos[:2])
        and "show" in [*pos, "get-access-token"]
    ):
        return "Azure secret", "high"
    if prog == "pass" and first and first not in (
        "ls", "list", "insert", "generate", "edit", "rm", "mv", "cp", "git", "init", "find",
        "grep", "search", "help", "version",
    ):  # fmt: skip
        return "password store", "high"
    return None


def _classify_read(
    raw: str, cmd_base: str | None, history: SessionHistory
) -> tuple[str, str] | None:
    path = history.resolve(raw, cmd_base)
    if path is None:
        # unknown cwd or a variable: judge the name as written ($HOME/.ssh/id_rsa, .env)
        home = history.home
        path = raw.replace("${HOME}", home).replace("$HOME", home) if home else raw
        path = posixpath.normpath(path)
    return secret_kind(path)


def secret_read(event: Event, history: SessionHistory, settings: DetectorSettings) -> Flag | None:
    if event.kind is not _K_TOOL_CALL:
        return None
    view = view_of(event, history)
    found: list[tuple[str, str, str]] = []  # label, shown path, severity
    if view.canonical in READ_TOOLS and view.path:
        kind = secret_kind(view.path)
        if kind:
            found.append((kind[0], show(view.path, 60), kind[1]))
    for cmd in view.cmds:
        for raw in read_paths(cmd):
            kind = _classify_read(raw, cmd.base, history)
            if kind:
                found.append((kind[0], show(raw, 60), kind[1]))
        cred = _credential_command(cmd)
        if cred:
            found.append((cred[0], "", cred[1]))
    if not found:
        return None
    reasons = [f"{label} ({where})" if where else label for label, where, _ in found]
    return SECRET_READ.flag(f"reads secrets: {summarise(reasons)}", worst([s for *_, s in found]))


# -- secrets in input -----------------------------------------------------------------------------

_LOW_CONFIDENCE = frozenset({"assigned_secret", "bearer_token", "url_password"})


def _acquired_value(value: str, history: SessionHistory) -> bool:
    if not history.acquired:
        return False
    return any(fp in history.acquired for fp in value_fingerprints(value)) or any(
        fp in history.acquired for fp in token_fingerprints(value)
    )


def secret_in_input(
    event: Event, history: SessionHistory, settings: DetectorSettings
) -> Flag | None:
    if event.kind is not _K_TOOL_CALL:
        return None
    view = view_of(event, history)
    kinds = [k for k, value in view.input_secrets() if not _acquired_value(value, history)]
    if not kinds:
        return None
    unique = sorted(set(kinds))
    severity = "medium" if set(unique) <= _LOW_CONFIDENCE else "high"
    tool = show(view.tool, 40)
    return SECRET_IN_INPUT.flag(f"secret in {tool} input: {', '.join(unique)}", severity)


# -- egress ---------------------------------------------------------------------------------------

_LOOPBACK = re.compile(r"^127\.\d+\.\d+\.\d+$|\.localhost$|^localhost\.")


def host_allowed(scope: Scope, host: str, url: str | None, cmd_text: str | None) -> bool:
    """Does the scope let the agent reach ``host``? Deny rules for WebFetch win; then a
    ``WebFetch`` allow rule (bare, or ``domain:`` glob) covering it; for a shell command, an
    allow rule that names the host and matches the command (``Bash(curl https://api.x.com/*)``).
    A bare ``Bash`` or ``Bash(curl:*)`` allow does not provision any domain."""
    from overseer.policy.rules import CallContext

    probe = {"url": url if url and "://" in url else f"https://{host}/"}
    ctx = CallContext()
    for rule in scope.deny:
        if rule.matches_tool("WebFetch") and rule.matches("WebFetch", probe, ctx, strict=True):
            return False
    for rule in scope.allow:
        if rule.matches_tool("WebFetch") and rule.matches("WebFetch", probe, ctx):
            return True
    if cmd_text is not None:
        for rule in scope.allow:
            if (
                rule.kind == "shell"
                and rule.spec is not None
                and host in rule.spec.lower()
                and rule.matches_command(cmd_text)
            ):
                return True
    return False


def egress_unallowed(
    event: Event, history: SessionHistory, settings: DetectorSettings
) -> Flag | None:
    if event.kind is not _K_TOOL_CALL:
        return None
    scope = history.scope
    if scope is None and not settings.egress_without_scope:
        return None
    view = view_of(event, history)
    targets: list[tuple[str, str | None, str | None, str]] = []  # host, url, cmd text, via
    if view.canonical == "WebFetch":
        url = view.input.get("url")
        if isinstance(url, str) and (host := host_of(url)):
            targets.append((host, url, None, view.tool))
    for cmd in view.cmds:
        urls = fetch_urls(cmd)
        for host in egress_hosts(cmd):
            url = next((u for u in urls if host_of(u) == host), None)
            targets.append((host, url, cmd.text, cmd.prog))
    denied: list[str] = []
    for host, url, text, via in targets:
        if host in settings.local_hosts or _LOOPBACK.search(host):
            continue
        if scope is not None and host_allowed(scope, host, url, text):
            continue
        denied.append(f"{show(host, 60)} ({show(via, 20)})")
    if not denied:
        return None
    why = "not allowed by scope" if scope is not None else "no scope to allow it"
    # A WebFetch the scope itself gates or denies was caught by the control: still reported
    # (reports count attempts), but it is not news to the operator watching the gate.
    gated = view.canonical == "WebFetch" and event.verdict in (_V_ASK, _V_DENY)
    severity = "low" if gated else "medium"
    return EGRESS.flag(f"network egress {why}: {summarise(denied)}", severity)


# -- download and execute -------------------------------------------------------------------------

_PYTHON = re.compile(r"^python[0-9.]*$|^pypy[0-9.]*$")
_STDIN = ("-", "/dev/stdin")
#: interpreter → options that take inline code (then it does not read a script from stdin)
_INLINE = {
    "perl": ("-e", "-E"),
    "ruby": ("-e",),
    "node": ("-e", "--eval", "-p", "--print"),
    "nodejs": ("-e", "--eval", "-p", "--print"),
    "php": ("-r",),
    "bun": ("-e", "--eval"),
    "pwsh": ("-c", "-command", "-Command"),
}


def _executes(cmd: Cmd) -> tuple[str, str] | None:
    """How a command runs code it did not get from a file it names: ``("stdin", prog)``,
    ``("substitution", prog)`` (inline code built from ``$(...)``), ``("file", path)``."""
    if not cmd.argv:
        return None
    prog = cmd.prog
    args = cmd.argv[1:]
    if prog == "eval":
        return ("substitution", prog) if any("$(" in a or "`" in a for a in args) else None
    if prog in ("source", "."):
        target = args[0] if args else ""
        return (
            ("stdin", prog)
            if target in _STDIN or target.startswith("/dev/fd/")
            else (("file", target) if target else None)
        )
    inline: tuple[str, ...]
    if prog in SHELLS:
        inline = ()
    elif _PYTHON.match(prog):
        inline = ("-c",)
        if "-m" in args:
            return None
    elif prog in _INLINE:
        inline = _INLINE[prog]
    else:
        if "/" in cmd.argv[0] and "xargs" not in cmd.via:
            return "file", cmd.argv[0]
        return None
    for i, word in enumerate(args):
        is_inline = word in inline or (
            prog in SHELLS and word.startswith("-") and not word.startswith("--") and "c" in word
        )
        if is_inline:
            rest = args[i + 1 :]
            return ("substitution", prog) if any("$(" in a or "`" in a for a in rest) else None
        if word == "--":
            continue
        if word.startswith("-") and word != "-":
            continue
        if word in _STDIN or word.startswith("/dev/fd/"):
            return "stdin", prog
        return "file", word
    return "stdin", prog


def _to_stdout(cmd: Cmd) -> bool:
    """Does this fetch write the download to stdout (so a pipe can carry it)?"""
    targets = download_targets(cmd)
    if cmd.prog == "wget":
        return "-" in targets or any(re.match(r"^-[A-Za-z]*O-$", w) for w in cmd.argv[1:])
    return not [t for t in targets if t != "-"]


def download_exec(event: Event, history: SessionHistory, settings: DetectorSettings) -> Flag | None:
    if event.kind is not _K_TOOL_CALL:
        return None
    view = view_of(event, history)
    if not view.cmds:
        return None
    fetches = [c for c in view.cmds if c.prog in FETCHERS]
    piped = [c for c in fetches if _to_stdout(c)]
    here: dict[str, str] = {}
    for cmd in fetches:
        urls = fetch_urls(cmd)
        for raw in download_targets(cmd):
            path = history.resolve(raw, cmd.base) if raw != "-" else None
            if path:
                here[path] = show(urls[0], 60) if urls else cmd.prog
    reasons: list[str] = []
    for cmd in view.cmds:
        how = _executes(cmd)
        if how is None:
            continue
        kind, what = how
        if kind == "stdin" and piped:
            source = _source(piped[0])
            reasons.append(f"pipes a download from {source} into {show(what, 20)}")
        elif kind == "substitution" and fetches:
            source = _source(fetches[0])
            reasons.append(f"runs the output of a download from {source} ({show(what, 20)})")
        elif kind == "file":
            path = history.resolve(what, cmd.base)
            origin = here.get(path) if path else None
            if origin is None and path:
                origin = history.downloads.get(path)
            if origin is not None and path:
                reasons.append(f"runs {show(path, 60)} downloaded from {origin}")
    if not reasons:
        return None
    return DOWNLOAD_EXEC.flag(f"download and execute: {summarise(reasons)}", "high")


def _source(cmd: Cmd) -> str:
    urls = fetch_urls(cmd)
    host = host_of(urls[0]) if urls else None
    return show(host, 60) if host else show(cmd.prog, 20)


# -- privilege changes ----------------------------------------------------------------------------

_OCTAL = re.compile(r"^[0-7]{3,4}$")
_SYMBOLIC = re.compile(r"^([ugoa]*)([-+=])([rwxXstugo]*)$")
_ACCOUNT_TOOLS = frozenset({
    "useradd", "usermod", "userdel", "adduser", "deluser", "groupadd", "groupmod", "gpasswd",
    "passwd", "chpasswd", "visudo", "dscl", "sysadminctl", "vipw",
})  # fmt: skip
_ACCESS_FILES = ("/etc/sudoers", "/etc/passwd", "/etc/group", "/etc/shadow", "/etc/pam.d")


def _chmod_risk(cmd: Cmd) -> str | None:
    positionals = cmd.positionals(frozenset({"--reference"}))
    if not positionals:
        return None
    mode = positionals[0]
    if _OCTAL.match(mode):
        digits = mode.zfill(4)
        if int(digits[0]) & 6:
            return f"chmod {mode} sets setuid/setgid"
        if int(digits[3]) & 2:
            return f"chmod {mode} makes files world-writable"
        return None
    for clause in mode.split(","):
        m = _SYMBOLIC.match(clause)
        if not m or m.group(2) == "-":
            continue
        who, perms = m.group(1), m.group(3)
        if "s" in perms:
            return f"chmod {show(mode, 20)} sets setuid/setgid"
        if "w" in perms and ("o" in who or "a" in who):
            return f"chmod {show(mode, 20)} makes files world-writable"
    return None


def privilege_change(
    event: Event, history: SessionHistory, settings: DetectorSettings
) -> Flag | None:
    if event.kind is not _K_TOOL_CALL:
        return None
    view = view_of(event, history)
    found: list[tuple[str, str]] = []
    written = list(file_tool_writes(view, history))
    for cmd in view.cmds:
        prog = cmd.prog
        if "sudo" in cmd.via:
            found.append((f"runs {show(prog or 'a command', 20)} as root (sudo)", "high"))
        if prog in ("su", "sudo", "doas"):  # bare "sudo -i" / "su -" leave nothing to unwrap
            found.append((f"switches user ({prog})", "high"))
        elif prog == "chmod":
            risk = _chmod_risk(cmd)
            if risk:
                found.append((risk, "high"))
        elif prog in ("chown", "chgrp"):
            owner = first_positional(cmd.argv[1:], frozenset({"--reference", "--from"}))
            root = owner.split(":", 1)[0] in ("root", "0")
            found.append(
                (f"{prog} {show(owner, 30)} changes ownership", "high" if root else "medium")
            )
        elif prog == "setcap":
            found.append(("setcap grants file capabilities", "high"))
        elif prog in _ACCOUNT_TOOLS:
            found.append((f"{prog} changes users, groups or sudo rights", "high"))
        for raw in written_paths(cmd):
            path = history.resolve(raw, cmd.base)
            if path:
                written.append(path)
    for path in written:
        if path.endswith("/.ssh/authorized_keys") or path.endswith("/.ssh/authorized_keys2"):
            found.append((f"adds SSH access ({show(path, 60)})", "high"))
        elif any(history.under(path, f) for f in _ACCESS_FILES):
            found.append((f"edits {show(path, 60)}", "high"))
    if not found:
        return None
    return PRIVILEGE.flag(
        f"privilege change: {summarise([r for r, _ in found])}", worst([s for _, s in found])
    )


# -- injected instructions ------------------------------------------------------------------------

_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")
_INVISIBLE_CHARS = "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
_TAG_CHARS = re.compile("[\U000e0000-\U000e007f]")

# Each pattern starts with a literal word and runs on lower-cased text without IGNORECASE, so
# ``re`` scans for the literal at C speed (about 1 µs per 3 KB) instead of trying an alternation
# at every position (about 600 µs); ``\s+`` between words keeps them robust to odd spacing. A
# match must start at a word boundary, checked after the match (a leading ``\b`` would cost
# the literal-prefix scan).
_QUAL = (
    r"(?:previous|prior|above|earlier|preceding|former|original|initial|system|safety|developer)"
)
_NOUN = (
    r"(?:instructions?|prompts?|directives?|directions|rules|guidelines|guardrails|constraints|"
    r"messages|context|commands|programming)"
)
_OVERRIDE_TAIL = (
    rf"\s+(?:(?:all|any|the|your|my|of|these|those)\s+)*{_QUAL}\s+"
    rf"(?:(?:system|safety|developer|previous|prior)\s+)?{_NOUN}\b"
    r"|\s+(?:(?:all|any|the|your)\s+)*system\s+prompt\b"
    r"|\s+(?:all\s+)?(?:of\s+)?your\s+(?:previous\s+|prior\s+)?"
    r"(?:instructions|rules|guidelines|programming|system\s+prompt)\b"
)
_WHO = r"\s+the\s+(?:user|human|operator)\b"
_TELL = r"\s+(?:tell|inform|alert|notify|mention\s+(?:this\s+)?to)" + _WHO
_SECRET_PROMPT = r"\s+(?:system\s+prompt|initial\s+instructions|hidden\s+instructions)\b"
_ASKING = frozenset({"reveal", "print", "output", "repeat", "show", "leak", "me"})
_NONE: frozenset[str] = frozenset()
#: (family, pattern, words one of which must come just before the match; empty: no condition)
_RULES: tuple[tuple[str, str, frozenset[str]], ...] = (
    *(
        ("override", rf"{verb}(?:{_OVERRIDE_TAIL})", _NONE)
        for verb in ("ignore", "disregard", "forget", "override", "bypass", "discard")
    ),
    (
        "override",
        r"forget\s+(?:everything|all)\s+(?:you\s+(?:were|have\s+been)\s+told|above|before)\b",
        _NONE,
    ),
    (
        "role",
        r"you\s+are\s+(?:now|no\s+longer)\s+(?:an?\s+|the\s+|in\s+)?"
        r"(?:new\s+|different\s+|unrestricted\s+|unfiltered\s+|jailbroken\s+)?"
        r"(?:ai\b|assistant\b|agent\b|model\b|chatbot\b|dan\b|developer\s+mode|god\s+mode|"
        r"unrestricted|unfiltered|jailbroken|bound\s+by|restricted\s+by|acting\s+as|"
        r"operating\s+as|free\s+(?:of|from))",
        _NONE,
    ),
    (
        "role",
        r"from\s+now\s+on,?\s+you\s+(?:are\s+(?:an?\s+)?(?:ai|assistant|agent|model|dan|"
        r"unrestricted|jailbroken)\b|will\s+(?:act\s+as|obey|ignore)|must\s+(?:act\s+as|obey|ignore))",
        _NONE,
    ),
    ("role", r"act\s+as\s+(?:an?\s+)?(?:unrestricted|unfiltered|jailbroken|dan)\b", _NONE),
    (
        "marker",
        r"<\|(?:im_start\|>\s*system|system\|>|endoftext\|>|(?:begin|start)_of_(?:system|turn))",
        _NONE,
    ),
    ("marker", r"<<sys>>", _NONE),
    ("marker", r"\[/?inst\]", _NONE),
    ("marker", r"</?system>", _NONE),
    ("marker", r"\[(?:new\s+)?system(?:\s+(?:prompt|instructions?|message|override))?\]", _NONE),
    ("marker", r"new\s+system\s+(?:prompt|instructions)\b", _NONE),
    ("marker", r"system\s+override\b", _NONE),
    ("marker", r"begin\s+system\s+prompt\b", _NONE),
    ("marker", r"end\s+of\s+system\s+prompt\b", _NONE),
    ("conceal", r"do\s+not" + _TELL, _NONE),
    ("conceal", r"don't" + _TELL, _NONE),
    ("conceal", r"never" + _TELL, _NONE),
    ("conceal", r"without\s+(?:telling|informing|alerting|notifying)" + _WHO, _NONE),
    ("conceal", r"this\s+from" + _WHO, frozenset({"hide", "conceal"})),
    ("reveal", r"your" + _SECRET_PROMPT, _ASKING),
    ("reveal", r"the" + _SECRET_PROMPT, _ASKING),
    (
        "address",
        r"if\s+you\s+are\s+an?\s+(?:ai|llm|language\s+model|ai\s+assistant|ai\s+agent|"
        r"autonomous\s+agent|coding\s+agent)\b",
        _NONE,
    ),
)
_INJECTION = tuple((family, re.compile(pattern), before) for family, pattern, before in _RULES)
_INJECTION_ANY = Prefilter(pattern for _, pattern, _ in _RULES)
register_result_patterns([pattern for _, pattern, _ in _RULES])
_WORD_CHAR = re.compile(r"[a-z0-9_]")
_LAST_WORD = re.compile(r"([a-z']+)\s*$")
_INJECTION_LABELS = {
    "override": ("tells the agent to ignore its instructions", "high"),
    "role": ("reassigns the agent's role", "high"),
    "marker": ("carries a system-prompt marker", "high"),
    "conceal": ("asks to hide something from the user", "high"),
    "reveal": ("asks for the system prompt", "medium"),
    "address": ("addresses the agent directly", "medium"),
}


def injection_matches(lowered: str) -> dict[str, str]:
    """``family → matched text`` (the first match of each family) in lower-cased text."""
    found: dict[str, str] = {}
    if not _INJECTION_ANY.could_match(lowered):
        return found  # the common case: one linear pass instead of a scan per pattern
    for family, regex, before in _INJECTION:
        if family in found:
            continue
        for m in regex.finditer(lowered):
            start = m.start()
            if start and lowered[start].isalpha() and _WORD_CHAR.match(lowered, start - 1):
                continue  # inside a longer word ("reignore", "undo not tell")
            if before:
                prev = _LAST_WORD.search(lowered, max(0, start - 40), start)
                if prev is None or prev.group(1) not in before:
                    continue
            found[family] = m.group(0)
            break
    return found


def injected_instructions(
    event: Event, history: SessionHistory, settings: DetectorSettings
) -> Flag | None:
    if event.kind is not _K_TOOL_RESULT:
        return None
    text = event.output
    if not text:
        return None
    text = text[: settings.scan_limit]
    found: list[tuple[str, str]] = []
    if not text.isascii():  # O(1) in CPython: most output never gets past here
        if _TAG_CHARS.search(text):
            found.append(("hides text in invisible Unicode tag characters", "high"))
            text = _TAG_CHARS.sub("", text)
        if any(c in text for c in _INVISIBLE_CHARS):
            text = _INVISIBLE.sub("", text)
        # Fullwidth and other compatibility letters read the same to a model ("ＩＧＮＯＲＥ"),
        # and "İgnore".lower() would put a combining dot inside the word.
        text = unicodedata.normalize("NFKC", text).translate(CASE_FOLDS)
    if text.isascii():
        lowered, quiet = ascii_result_scan(text)  # shared with the history's secret scan
        matches = {} if quiet else injection_matches(lowered)
    else:
        matches = injection_matches(text.lower())
    for family, matched in matches.items():
        label, severity = _INJECTION_LABELS[family]
        found.append((f"{label} (“{show(' '.join(matched.split()), 60)}”)", severity))
    if not found:
        return None
    return INJECTION.flag(
        f"instructions injected in tool result: {summarise([r for r, _ in found])}",
        worst([s for _, s in found]),
    )


# -- credentials acquired in the session ----------------------------------------------------------


def credential_acquired(
    event: Event, history: SessionHistory, settings: DetectorSettings
) -> Flag | None:
    if event.kind is not _K_TOOL_CALL or not history.acquired:
        return None
    view = view_of(event, history)
    hits: dict[str, str] = {}  # kind → origin
    fps: set[str] = set()
    for text in view.input_strings():
        fps.update(token_fingerprints(text))
    for _kind, value in view.input_secrets():
        fps.update(value_fingerprints(value))
    if fps:
        for fp in fps:
            found = history.acquired.get(fp)
            if found is not None:
                hits.setdefault(found.kind, found.origin)
    if not hits:
        return None
    kind, origin = next(iter(sorted(hits.items())))
    more = f" (+{len(hits) - 1} more)" if len(hits) > 1 else ""
    return ACQUIRED.flag(
        f"uses a credential acquired in this session: {kind}{more}, first seen in the result "
        f"of {origin}",
        "high",
    )
