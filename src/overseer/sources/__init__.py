"""Sources: turn bytes that agents wrote into normalised :class:`~overseer.model.Event`\\ s.

* :mod:`overseer.sources.formats` — one pure parser per log format (no I/O);
* :mod:`overseer.sources.detect` — which format a file is in;
* :mod:`overseer.sources.files` — reading complete lines of one file from a saved offset,
  surviving truncation, rotation and re-creation;
* :mod:`overseer.sources.ingest` — file → parser → engine → store, one transaction per batch
  (the exactly-once path), and the one-shot ``overseer ingest``;
* :mod:`overseer.sources.tail` — the same, live, driven by watchfiles.

This ``__init__`` imports nothing: ``overseer.sources.formats`` must stay importable by the
pure layers without pulling in watchfiles or the store.
"""
