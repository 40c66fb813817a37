"""The string literals of a program handed over as text (``python3 -c``, ``perl -e``), for
the guard.

A program given on the command line may name a file of overseer's by a relative path
(``open('../config.toml', 'w')``) or by one it builds from literals (``'../conf' +
'ig.toml'``): neither is a word the shell analysis sees as a path. This module joins
adjacent literals the way most languages let a program join them (see
:data:`overseer.policy.guard` ``_JOIN``: ``+``, ``.``, ``..``, ``||``, juxtaposition) and
lists what is left between quotes: candidate file names for the guard to resolve. It reads
no language exactly; it lists more than a program's literals, never fewer of the plain
ones. Pure and stdlib-only.
"""

from __future__ import annotations

import re

#: Where a program joins two string literals into one (``'o' 'verseer'``, ``'o'+'verseer'``,
#: ``"o"."verseer"``, ``'o'..'verseer'``, ``'o'||'verseer'``, ``"o" & "verseer"``).
JOIN = re.compile(r"""["'`]\s*(?:\+|\.\.?|\|\||&|~)?\s*["'`]""")
_LITERAL = re.compile(r"""'([^'\n]{1,1024})'|"([^"\n]{1,1024})"|`([^`\n]{1,1024})`""")
#: At most this many literals of one program are resolved (each costs a few system calls).
MAX_LITERALS = 64


def joined(text: str) -> str:
    """``text`` with adjacent literals joined: ``'over'+'seer'`` is ``'overseer'``."""
    return JOIN.sub("", text)


def literals(text: str) -> list[str]:
    """The quoted strings of ``text`` once joined, that may be file names (no NUL, not
    blank), the first :data:`MAX_LITERALS` of them."""
    found: list[str] = []
    for match in _LITERAL.finditer(joined(text)):
        value = next(g for g in match.groups() if g is not None)
        if value.strip() and "\0" not in value and value not in found:
            found.append(value)
            if len(found) >= MAX_LITERALS:
                break
    return found
