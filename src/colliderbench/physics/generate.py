"""Pythia 8 event generation in independent, seeded chunks.

A chunk is the unit of work and of reproducibility: :func:`generate_chunk` builds a fresh Pythia from
a picklable :class:`GenerationSpec`, seeds it, generates ``n`` events with the wheel's vectorised
``Pythia.nextBatch`` (the awkward event record built in C++; a Python loop over particles costs ~25 %
of the generation time, ``nextBatch`` ~5 %) and returns awkward arrays. Chunk seeds derive from one
run seed, and chunk sizes do not depend on the number of workers, so a seed gives the same events
with 1 worker, 8 processes or a Dask cluster.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from colliderbench.errors import UserError

ECM_GEV = 13000.0
MB_TO_PB = 1.0e9
MAX_PYTHIA_SEED = 900_000_000

# CMS CUETP8M1 (the 2016 signal samples): Monash base with the CMS MPI retune.
TUNES: dict[str, tuple[str, ...]] = {
    "CUETP8M1": (
        "Tune:pp = 14",
        "Tune:ee = 7",
        "MultipartonInteractions:pT0Ref = 2.4024",
        "MultipartonInteractions:ecmPow = 0.25208",
        "MultipartonInteractions:expPow = 1.6",
    ),
    "Monash": ("Tune:pp = 14", "Tune:ee = 7"),
}

# CMS's common Pythia settings: particles with c*tau > 10 mm are left to the detector simulation,
# so every stable generator particle starts at the beam line (what a prompt fast simulation assumes).
COMMON_SETTINGS: tuple[str, ...] = (
    "ParticleDecays:limitTau0 = on",
    "ParticleDecays:tau0Max = 10",
    "Check:epTolErr = 0.01",
)

QUIET_SETTINGS: tuple[str, ...] = (
    "Print:quiet = on",
    "Next:numberCount = 0",
    "Next:numberShowEvent = 0",
    "Next:numberShowProcess = 0",
    "Next:numberShowInfo = 0",
    "SLHA:verbose = 0",
    "Init:showProcesses = off",
    "Init:showChangedSettings = off",
    "Init:showChangedParticleData = off",
)

FINAL_FIELDS = ("pid", "px", "py", "pz", "e", "m", "charge")
RECORD_FIELDS = (*FINAL_FIELDS, "status", "m1", "m2", "d1", "d2")


@dataclass(frozen=True)
class GenerationSpec:
    """Everything a worker needs to build Pythia: plain data, so it pickles into processes and Dask.

    ``slha`` is the spectrum text (None for LHE input, which carries its own); ``process`` the Pythia
    switches of the hard process; ``settings`` extra user strings applied last (they win);
    ``z_filter`` the Z decay products kept (efficiency computed from Pythia's Z width);
    ``neutralino_count`` keeps only events in which exactly that many of the pair's two decays
    gave a chi^0_1 (see :class:`NeutralinoCountFilter`).
    """

    label: str
    slha: str | None = None
    process: tuple[str, ...] = ()
    lhe: str | None = None
    tune: str = "CUETP8M1"
    ecm_gev: float = ECM_GEV
    settings: tuple[str, ...] = ()
    z_filter: tuple[int, ...] = ()
    neutralino_count: int | None = None
    keep_particles: bool = False

    def pythia_settings(self, seed: int, slha_path: str | None) -> list[str]:
        """The full list of strings given to ``Pythia.readString`` for a chunk with ``seed``."""
        out = list(QUIET_SETTINGS)
        if self.lhe is not None:
            out += ["Beams:frameType = 4", f"Beams:LHEF = {self.lhe}"]
        else:
            out += [f"Beams:eCM = {self.ecm_gev:g}", *self.process]
        if slha_path is not None:
            out.append(f"SLHA:file = {slha_path}")
        if self.tune not in ("none", ""):
            if self.tune not in TUNES:
                raise UserError(
                    f"unknown tune {self.tune!r}; choose one of {', '.join(TUNES)} or none"
                )
            out += TUNES[self.tune]
        out += COMMON_SETTINGS
        if self.z_filter:
            out += ["23:onMode = off", "23:onIfAny = " + " ".join(str(p) for p in self.z_filter)]
        out += ["Random:setSeed = on", f"Random:seed = {seed}"]
        out += self.settings
        return out


def chunk_seeds(seed: int, n_chunks: int) -> list[int]:
    """Independent Pythia seeds (1..9e8) for each chunk, derived from the run seed."""
    children = np.random.SeedSequence(int(seed)).spawn(n_chunks)
    return [
        int(c.generate_state(1, dtype=np.uint64)[0] % (MAX_PYTHIA_SEED - 1)) + 1 for c in children
    ]


def split_events(n_events: int, chunk_size: int) -> list[int]:
    """``ceil(n / chunk_size)`` chunk sizes, as equal as possible, summing to ``n_events``.

    Equal chunks keep parallel workers busy to the end; the split depends on nothing but its
    arguments, never on the number of workers.
    """
    if n_events <= 0:
        raise UserError(f"the number of events must be positive, got {n_events}")
    n_chunks = -(-n_events // chunk_size)
    base, extra = divmod(n_events, n_chunks)
    return [base + 1] * extra + [base] * (n_chunks - extra)


def _make_pythia(
    spec: GenerationSpec, seed: int, workdir: str, skip_lhe: int = 0, hook: Any = None
) -> Any:
    """A configured, initialised Pythia; ``hook`` (a UserHooks the caller keeps alive) is set
    before ``init``, as Pythia requires."""
    import pythia8mc

    slha_path = None
    if spec.slha is not None:
        slha_path = os.path.join(workdir, "spectrum.slha")
        Path(slha_path).write_text(spec.slha)
    pythia = pythia8mc.Pythia("", False)
    settings = spec.pythia_settings(seed, slha_path)
    if skip_lhe:
        settings.append(f"Beams:nSkipLHEFatInit = {skip_lhe}")
    for line in settings:
        if not pythia.readString(line):
            raise UserError(f"Pythia rejected the setting {line!r}")
    if hook is not None:
        pythia.setUserHooksPtr(hook)
    if not pythia.init():
        what = (
            f"LHE file {spec.lhe}"
            if spec.lhe
            else f"{spec.label} (check the SLHA spectrum and process)"
        )
        raise UserError(f"Pythia failed to initialise for {what}")
    return pythia


@contextlib.contextmanager
def _silenced_stdout() -> Iterator[None]:
    """Send file descriptor 1 (Pythia's C++ printout) to /dev/null for the duration."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def check_spec(spec: GenerationSpec) -> None:
    """Initialise Pythia once with ``spec`` (output silenced) so that a bad setting, spectrum or
    LHE file is one clear UserError before any worker starts, not a failure inside a chunk."""
    with tempfile.TemporaryDirectory(prefix="cb-check-") as workdir, _silenced_stdout():
        hook = neutralino_filter(spec)
        pythia = _make_pythia(spec, 1, workdir, hook=hook)
        if hook is not None:
            neutralino_count_probability(pythia, hook.count)  # a table without chi^0_1


_CHARGES: dict[int, int] = {}  # PDG id -> charge, filled lazily per process


def particle_charges(pythia: Any, pid: np.ndarray) -> np.ndarray:
    """Integer electric charges for a flat array of PDG ids, looked up once per distinct id."""
    cache = _CHARGES
    unique = np.unique(pid)
    for p in unique:
        key = int(p)
        if key not in cache:
            cache[key] = round(pythia.particleData.charge(key))
    charges = np.array([cache[int(p)] for p in unique], dtype=np.int32)
    return charges[np.searchsorted(unique, pid)]


def hepmc_status(status: np.ndarray, pid: np.ndarray) -> np.ndarray:
    """Pythia status codes -> the HepMC convention Delphes' Particle.Status uses.

    final (>0) -> 1; beam (-12) -> 4; decayed hadrons, muons, taus -> 2; other intermediates -> |code|.
    """
    apid = np.abs(pid)
    decayed = (status < 0) & (((apid > 100) & (apid < 1_000_000)) | (apid == 13) | (apid == 15))
    out = np.abs(status).astype(np.int32)
    out[decayed] = 2
    out[status == -12] = 4
    out[status > 0] = 1
    return out


def event_record(batch: ak.Array, pythia: Any, keep_particles: bool) -> ak.Array:
    """The contract's particle arrays from ``nextBatch`` output, with columnar operations only.

    Without ``keep_particles``: final-state particles, fields ``pid px py pz e m charge``. With it:
    the whole record (Pythia's system entry 0 dropped) plus ``status`` (HepMC convention) and
    0-based mother/daughter indices ``m1 m2 d1 d2`` into the same list (-1 for none).
    """
    prt = batch["prt"]
    if not keep_particles:
        prt = prt[prt["status"] > 0]
    else:
        prt = prt[:, 1:]
    counts = ak.to_numpy(ak.num(prt))
    flat = ak.flatten(prt)
    pid = ak.to_numpy(flat["id"]).astype(np.int32)
    mom = flat["p"]
    columns: dict[str, np.ndarray] = {
        "pid": pid,
        "px": ak.to_numpy(mom["px"]).astype(np.float64),
        "py": ak.to_numpy(mom["py"]).astype(np.float64),
        "pz": ak.to_numpy(mom["pz"]).astype(np.float64),
        "e": ak.to_numpy(mom["e"]).astype(np.float64),
        "m": ak.to_numpy(flat["m"]).astype(np.float64),
        "charge": particle_charges(pythia, pid) if pid.size else np.zeros(0, np.int32),
    }
    if keep_particles:
        columns["status"] = hepmc_status(ak.to_numpy(flat["status"]), pid)
        for name, src in (
            ("m1", "mother1"),
            ("m2", "mother2"),
            ("d1", "daughter1"),
            ("d2", "daughter2"),
        ):
            idx = ak.to_numpy(flat[src]).astype(np.int32)
            columns[name] = np.where(idx > 0, idx - 1, -1).astype(np.int32)
    contents = ak.zip({k: columns[k] for k in (RECORD_FIELDS if keep_particles else FINAL_FIELDS)})
    return ak.unflatten(contents, counts)


def z_open_fraction(pythia: Any) -> float:
    """Fraction of Pythia's Z width in the switched-on channels (the filter efficiency)."""
    return float(pythia.particleData.resOpenFrac(23))


NEUTRALINO = 1000022
GLUINO = 1000021


def _neutralino_filter_class() -> type:
    import pythia8mc

    class NeutralinoCountFilter(pythia8mc.UserHooks):  # type: ignore[misc]
        """Vetoes, right after the sparticle decays and before any shower, every event whose
        number of decaying chi^0_1 differs from ``count``.

        In T5Wg this splits the sample the way the CMS SUS-16-047 group did (``signal_nBinos``):
        2 = gamma gamma, 1 = gamma W, 0 = W W final states. Vetoed events cost only their hard
        process; ``seen``/``kept`` record the measured pass fraction as a check of the analytic
        filter efficiency.
        """

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count
            self.seen = 0
            self.kept = 0

        def canVetoResonanceDecays(self) -> bool:  # noqa: N802 (Pythia's name)
            return True

        def doVetoResonanceDecays(self, process: Any) -> bool:  # noqa: N802 (Pythia's name)
            decayed = 0
            for i in range(process.size()):
                p = process[i]
                if abs(p.id()) == NEUTRALINO and p.daughter1() > 0:
                    decayed += abs(process[p.daughter1()].id()) != NEUTRALINO
            self.seen += 1
            keep = decayed == self.count
            self.kept += keep
            return not keep

    return NeutralinoCountFilter


def neutralino_filter(spec: GenerationSpec) -> Any:
    """The veto hook for ``spec.neutralino_count`` (None when the spec asks for no filter)."""
    if spec.neutralino_count is None:
        return None
    return _neutralino_filter_class()(spec.neutralino_count)


def neutralino_count_probability(pythia: Any, count: int, parent: int = GLUINO) -> float:
    """P(exactly ``count`` of the two ``parent`` decays give a chi^0_1): binomial in the open
    branching fraction b of the parent's chi^0_1 channels, from Pythia's decay table.

    T5Wg with b = 1/2: P(1) = 2 b (1 - b) = 0.5, P(0) = P(2) = 0.25. This is the filter
    efficiency the normalisation needs (sigma x L x P x selection efficiency).
    """
    entry = pythia.particleData.particleDataEntryPtr(parent)
    total = to_neutralino = 0.0
    for i in range(entry.sizeChannels()):
        channel = entry.channel(i)
        if channel.onMode() <= 0:
            continue
        total += channel.bRatio()
        products = {abs(channel.product(j)) for j in range(channel.multiplicity())}
        if NEUTRALINO in products:
            to_neutralino += channel.bRatio()
    if total <= 0.0 or to_neutralino <= 0.0:
        raise UserError(
            f"the neutralino-count filter needs decays of {parent} to chi^0_1 ({NEUTRALINO}); "
            "this spectrum has none"
        )
    b = to_neutralino / total
    return float(math.comb(2, count) * b**count * (1.0 - b) ** (2 - count))


def generate_chunk(
    spec: GenerationSpec, n_events: int, seed: int, *, lhe_offset: int = 0
) -> tuple[ak.Array, dict[str, Any]]:
    """Generate one chunk: ``n_events`` showered, hadronised events from a fresh Pythia with ``seed``.

    Returns the particle array (see :func:`event_record`) and an info dict with Pythia's LO cross
    section in pb of the hard process (Pythia does not fold a Z-decay filter into it: multiply by
    ``filter_efficiency``), its statistical error, tried/accepted counts and timings. A top-level
    function of picklable arguments, so it is usable as a ``multiprocessing`` or Dask task.
    """
    t0 = time.perf_counter()
    hook = neutralino_filter(spec)
    with tempfile.TemporaryDirectory(prefix="cb-gen-") as workdir:
        pythia = _make_pythia(spec, seed, workdir, skip_lhe=lhe_offset, hook=hook)
    t_init = time.perf_counter()
    if spec.lhe is not None:
        # exactly this chunk's slice of the file: one attempt per LHE event ("none" marks a failure
        # instead of reading on), so a failed event is lost, never replaced by the next chunk's
        batch = ak.drop_none(pythia.nextBatch(n_events, "none"), axis=0)
        if not len(batch) and pythia.infoPython().atEndOfFile():
            raise UserError(f"the LHE file {spec.lhe} holds no events after event {lhe_offset}")
    else:
        batches = []
        have = 0
        attempts = 0
        while have < n_events and attempts < 10:
            # "skip": failed events (rare Pythia errors) are left out and topped up by the next
            # call from the same seeded stream, so a chunk always holds exactly n_events
            batch = pythia.nextBatch(n_events - have, "skip")
            attempts += 1
            if len(batch):
                batches.append(batch)
                have += len(batch)
        if have < n_events:
            raise RuntimeError(f"Pythia produced only {have} of {n_events} events for {spec.label}")
        batch = batches[0] if len(batches) == 1 else ak.concatenate(batches)
    t_gen = time.perf_counter()
    particles = event_record(batch, pythia, spec.keep_particles)
    t_ext = time.perf_counter()
    info = pythia.infoPython()
    filter_eff = z_open_fraction(pythia) if spec.z_filter else 1.0
    if hook is not None:
        filter_eff *= neutralino_count_probability(pythia, hook.count)
    meta = {
        "events": int(len(batch)),
        "seed": int(seed),
        "sigma_lo_pb": float(info.sigmaGen() * MB_TO_PB),
        "sigma_lo_err_pb": float(info.sigmaErr() * MB_TO_PB),
        "n_tried": int(info.nTried()),
        "n_selected": int(info.nSelected()),
        "n_accepted": int(info.nAccepted()),
        "filter_efficiency": filter_eff,
        "filter_seen": hook.seen if hook is not None else 0,
        "filter_kept": hook.kept if hook is not None else 0,
        "init_s": t_init - t0,
        "generate_s": t_gen - t_init,
        "extract_s": t_ext - t_gen,
        "lhe_end_of_file": bool(spec.lhe is not None and info.atEndOfFile()),
    }
    return particles, meta


def combine_chunk_info(infos: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Run totals: LO cross section as the event-weighted mean of the chunks' estimates."""
    n = np.array([i["events"] for i in infos], dtype=float)
    sig = np.array([i["sigma_lo_pb"] for i in infos])
    err = np.array([i["sigma_lo_err_pb"] for i in infos])
    w = n / n.sum() if n.sum() else np.full(len(n), 1.0 / max(len(n), 1))
    return {
        "events": int(n.sum()),
        "sigma_lo_pb": float((w * sig).sum()),
        "sigma_lo_err_pb": float(np.sqrt((w**2 * err**2).sum())),
        "n_tried": int(sum(i["n_tried"] for i in infos)),
        "n_accepted": int(sum(i["n_accepted"] for i in infos)),
        "filter_efficiency": float(infos[0]["filter_efficiency"]) if infos else 1.0,
        # the neutralino-count filter's measured pass fraction (a check of the analytic one)
        "filter_seen": int(sum(i.get("filter_seen", 0) for i in infos)),
        "filter_kept": int(sum(i.get("filter_kept", 0) for i in infos)),
        "chunks": len(infos),
        "chunk_seeds": [int(i["seed"]) for i in infos],
    }


def generate(
    spec: GenerationSpec, n_events: int, seed: int, *, chunk_size: int = 1000
) -> Iterator[tuple[ak.Array, dict[str, Any]]]:
    """Serial generation, chunk by chunk (the multiprocessing driver lives in ``simulate``)."""
    sizes = split_events(n_events, chunk_size)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).tolist()
    for size, chunk_seed, offset in zip(sizes, chunk_seeds(seed, len(sizes)), offsets, strict=True):
        yield generate_chunk(spec, size, chunk_seed, lhe_offset=int(offset) if spec.lhe else 0)


def with_keep_particles(spec: GenerationSpec, keep: bool) -> GenerationSpec:
    return replace(spec, keep_particles=keep)


def pythia_version() -> str:
    from importlib.metadata import version

    return version("pythia8mc")


__all__ = [
    "GenerationSpec",
    "TUNES",
    "chunk_seeds",
    "combine_chunk_info",
    "event_record",
    "generate",
    "generate_chunk",
    "hepmc_status",
    "pythia_version",
    "split_events",
]
