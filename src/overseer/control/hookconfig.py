"""The gate hook's view of the config: read and validated afresh on every call.

An earlier version kept the validated result in a cache file under the user's cache
directory (saving ``tomllib`` and validation, about 1–2 ms of the hook's budget). Whatever
the hook trusts must be out of the agent's reach, and a cache file written by the hook's
own user is not: an agent running as that user could forge it while the config itself
stayed byte-identical, and no key the hook could check is one the agent could not compute
too. So there is no cache; the separated modes (``overseer serve``) read the config in a
process the agent cannot touch, and the thin client reads no config at all.
"""

from __future__ import annotations

from overseer.config import Config, load_config


def load(path: str | None) -> Config:
    """The config at ``path`` (an empty one for ``None``); raises ``ConfigError`` like
    :func:`overseer.config.load_config`."""
    return load_config(path)
