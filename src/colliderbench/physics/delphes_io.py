"""ROOT files in the Delphes tree layout, written and read with uproot.

Tree ``Delphes``: one counter branch ``<Collection>_size`` and one jagged branch per field, named
``<Collection>/<Collection>.<Field>`` (e.g. ``Jet/Jet.PT``). That is the full path under which
uproot lists the split branches of a real Delphes file, so coffea's ``DelphesSchema`` (which parses
exactly these paths) and ``tree["Jet/Jet.PT"]`` work as on Delphes output; uproot cannot write split
branches, so the short form ``tree["Jet.PT"]`` of a real file is not available.

File metadata (model, masses, seed, cross section, versions, ...) is a JSON string stored as the
``TObjString`` ``Metadata``; :func:`read_metadata` returns it as a dict. :class:`DelphesWriter`
appends chunk by chunk (``simulate``'s way, bounded memory); :func:`write_delphes` writes one array.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from colliderbench.errors import UserError

TREE = "Delphes"
METADATA_KEY = "Metadata"


def _branch_name(collection: str, field: str) -> str:
    return f"{collection}/{collection}.{field}"


def _counter_name(collection: str) -> str:
    return f"{collection}_size"


def _collections(events: ak.Array) -> list[str]:
    """Fields of the event record that are lists of records (the Delphes collections)."""
    names = []
    for name in events.fields:
        content = events[name].layout
        if content.is_list and content.content.is_record:
            names.append(name)
        else:
            raise ValueError(f"event field {name!r} is not a list of records")
    return names


def _column(array: ak.Array) -> ak.Array:
    """A jagged numeric column without missing values (TTrees have no option type)."""
    return ak.fill_none(array, 0, axis=-1) if "?" in str(array.type) else array


def _branches(events: ak.Array) -> dict[str, ak.Array]:
    """One record array per collection, fields without option types (TTrees have none)."""
    out: dict[str, ak.Array] = {}
    for name in _collections(events):
        coll = events[name]
        out[name] = ak.zip({f: _column(coll[f]) for f in coll.fields}, depth_limit=2)
    return out


class DelphesWriter:
    """Writes the ``Delphes`` tree chunk by chunk (one ``extend`` per chunk), so a long run never
    holds all its events in memory; the metadata, known only at the end, goes in at :meth:`close`.

    The file is built under a temporary name in the target directory and renamed by ``close``; on
    an error (or leaving the ``with`` block without ``close``) the temporary file is removed.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        import uproot

        self.path = Path(path)
        self.n_events = 0
        self._tree: Any = None
        if self.path.is_dir():
            raise UserError(f"cannot write {self.path}: it is a directory")
        directory = self.path.parent if str(self.path.parent) else Path(".")
        try:
            fd, self._tmp = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".tmp", dir=directory
            )
            os.close(fd)
            self._file: Any = uproot.recreate(self._tmp)
        except OSError as exc:
            self._discard()
            raise UserError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def extend(self, events: ak.Array) -> None:
        """Append a chunk; the first chunk fixes the branches and their types."""
        branches = _branches(events)
        try:
            if self._tree is None and branches:
                self._tree = self._file.mktree(
                    TREE,
                    {name: arr.type.content for name, arr in branches.items()},
                    field_name=_branch_name,
                    counter_name=_counter_name,
                )
            if self._tree is not None and len(events):
                self._tree.extend(branches)
        except OSError as exc:
            raise UserError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self.n_events += len(events)

    def close(self, metadata: Mapping[str, Any]) -> Path:
        """Store ``metadata`` and move the complete file to its name."""
        text = _metadata_text(metadata)
        try:
            self._file[METADATA_KEY] = text
            self._file.close()
            self._file = None
            os.chmod(self._tmp, 0o666 & ~_umask())  # mkstemp made it 0600; a file as open() would
            os.replace(self._tmp, self.path)
        except OSError as exc:
            raise UserError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        return self.path

    def _discard(self) -> None:
        if getattr(self, "_file", None) is not None:
            self._file.close()
            self._file = None
        tmp = getattr(self, "_tmp", None)
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)

    def __enter__(self) -> DelphesWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._discard()  # after close() there is nothing left to remove


def write_delphes(
    path: str | os.PathLike[str], events: ak.Array, metadata: Mapping[str, Any]
) -> Path:
    """Write ``events`` (the detector output record) and ``metadata`` atomically to ``path``.

    The file appears only when complete (a temporary file in the same directory, then a rename).
    A path that cannot be written raises :class:`UserError`.
    """
    _metadata_text(metadata)  # a bad value fails before anything is written
    with DelphesWriter(path) as writer:
        writer.extend(events)
        return writer.close(metadata)


def _metadata_text(metadata: Mapping[str, Any]) -> str:
    try:
        return json.dumps(dict(metadata), default=_json_default, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"metadata is not JSON-serialisable: {exc}") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _open(path: str | os.PathLike[str]) -> Any:
    import uproot

    try:
        return uproot.open(path)
    except FileNotFoundError:
        raise UserError(f"no such file: {path}") from None
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read {path} as a ROOT file: {exc}") from None


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The metadata dict stored by :func:`write_delphes` (empty for files without it)."""
    with _open(path) as f:
        if METADATA_KEY not in f:
            return {}
        return json.loads(str(f[METADATA_KEY]))


def read_delphes(
    path: str | os.PathLike[str], collections: Iterable[str] | None = None
) -> ak.Array:
    """The events of a Delphes-layout file as one record per event (fields = collections).

    ``collections`` restricts what is read (e.g. ``["Jet", "MissingET"]``). Works on our files and
    on files whose branch paths follow the same ``<C>/<C>.<Field>`` + ``<C>_size`` pattern.
    """
    with _open(path) as f:
        if TREE not in f:
            raise UserError(f"{path} has no {TREE!r} tree")
        tree = f[TREE]
        keys = tree.keys()
        available = [k[: -len("_size")] for k in keys if k.endswith("_size")]
        wanted = list(available if collections is None else collections)
        missing = [c for c in wanted if c not in available]
        if missing:
            raise UserError(
                f"{path} has no collection(s) {', '.join(missing)}; it has {', '.join(available)}"
            )
        out: dict[str, ak.Array] = {}
        n = tree.num_entries
        for name in wanted:
            prefix = f"{name}/{name}."
            fields = [k for k in keys if k.startswith(prefix)]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                arrays = tree.arrays([_counter_name(name), *fields], library="ak")
            counts = ak.to_numpy(arrays[_counter_name(name)]).astype(np.int64)
            flat = {k[len(prefix) :]: ak.flatten(arrays[k]) for k in fields}
            out[name] = ak.unflatten(ak.zip(flat), counts) if flat else ak.Array([[]] * n)
        if not out:
            return ak.Array([{}] * n)
        return ak.zip(out, depth_limit=1)


def _umask() -> int:
    """The process umask (read by setting it and putting it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
