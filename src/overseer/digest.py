"""SHA-256 without loading OpenSSL: the hook hashes a few hundred bytes per call.

``hashlib`` imports the OpenSSL binding (``_hashlib``) to offer every algorithm; on the
hook's path that costs about 4 ms of a ~40 ms process — a tenth of its budget — for digests
of chain rows and inputs a few hundred bytes long. CPython's own built-in SHA-256
(``_sha256`` up to 3.11, ``_sha2`` from 3.12) gives the same digests; ``hashlib`` is the
fallback for a build without it.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself is an import the hook avoids
if TYPE_CHECKING:
    from hashlib import sha256
else:
    try:
        from _sha256 import sha256
    except ImportError:  # pragma: no cover - Python 3.12+ / unusual builds
        try:
            from _sha2 import sha256
        except ImportError:
            from hashlib import sha256

__all__ = ["sha256"]
