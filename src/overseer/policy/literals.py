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

import itertools
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
    """The quoted strings of ``text`` once joined, then as written (joining reads
    ``'..'`` as two literals joined by Lua's ``..``), then each two adjacent ones joined as
    a path (``os.path.join('..', 'config.toml')``): the names that may be files (no NUL,
    not blank), the first :data:`MAX_LITERALS` of them."""
    found: list[str] = []
    for source in (joined(text), text):
        values = [next(g for g in m.groups() if g is not None) for m in _LITERAL.finditer(source)]
        pairs = [f"{a.rstrip('/')}/{b}" for a, b in itertools.pairwise(values)]
        for value in [*values, *pairs]:
            if value.strip() and "\0" not in value and value not in found:
                found.append(value)
    return found[:MAX_LITERALS]
