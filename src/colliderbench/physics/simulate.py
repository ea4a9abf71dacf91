"""The whole chain behind ``colliderbench simulate``: model point -> Pythia 8 -> detector -> ROOT file.

Work is split into seeded chunks (:mod:`colliderbench.physics.generate`); each chunk is generated AND
detector-simulated in the same worker (:func:`simulate_chunk`), so both stages scale with
``workers`` and only small detector-level arrays travel back to the parent, which appends each
chunk to the file as it arrives (so memory holds one chunk, not the run). Chunks come back in
order, so the file does not depend on the number of workers.
"""

from __future__ import annotations

import gzip
import json
import math
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from colliderbench.errors import UserError
from colliderbench.physics import models as _models
from colliderbench.physics.delphes_io import DelphesWriter
from colliderbench.physics.generate import (
    GenerationSpec,
    check_spec,
    chunk_seeds,
    combine_chunk_info,
    generate_chunk,
    pythia_version,
    split_events,
)

MIN_CHUNK, MAX_CHUNK = 1000, 2500


def default_chunk_size(n_events: int) -> int:
    """Events per chunk from the run size alone (never from the worker count, for reproducibility).

    About 8 chunks (so 2-8 workers share the work), but at least 1000 events per chunk, because each
    chunk pays a fresh Pythia initialisation (~0.3 s CPU, ~60 events' worth), and at most 2500 (the
    initialisation then costs ~2 %; progress and load balancing stay fine-grained).
    """
    return int(min(MAX_CHUNK, max(MIN_CHUNK, -(-n_events // 8))))


DETECTORS = ("cms", "none")


@dataclass(frozen=True)
class Sample:
    """What to generate: the Pythia spec plus what the file's metadata says about it."""

    spec: GenerationSpec
    model: str | None
    masses: dict[str, float] = field(default_factory=dict)
    xsec_process: str | None = None
    xsec_mass: float | None = None
    source: str = "model"  # model | slha | lhe


# --------------------------------------------------------------------------- input -> Sample


def sample_from_model(
    model: str,
    masses: Mapping[str, float],
    *,
    z_filter: str | None = None,
    neutralino_count: int | None = None,
    tune: str = "CUETP8M1",
    settings: Sequence[str] = (),
    keep_particles: bool = False,
) -> Sample:
    """A built-in simplified-model point; UserError for unknown model, missing or unphysical masses."""
    m, resolved, slha = _models.model_slha(model, masses)
    zf = _z_filter(z_filter, m.name)
    spec = GenerationSpec(
        label=m.name,
        slha=slha,
        process=m.processes,
        tune=tune,
        settings=tuple(settings),
        z_filter=zf,
        neutralino_count=_neutralino_count(neutralino_count, m.name),
        keep_particles=keep_particles,
    )
    return Sample(
        spec=spec,
        model=m.name,
        masses=resolved,
        xsec_process=m.xsec_process,
        xsec_mass=resolved[m.xsec_mass_key],
    )


def sample_from_slha(
    path: str | Path,
    process: str,
    *,
    z_filter: str | None = None,
    tune: str = "CUETP8M1",
    settings: Sequence[str] = (),
    keep_particles: bool = False,
) -> Sample:
    """A user SLHA spectrum (masses, DECAY tables optional) with a named or literal Pythia process."""
    text = read_slha(path)
    switches = _models.process_switches(process)
    spec = GenerationSpec(
        label=Path(path).name,
        slha=text,
        process=switches,
        tune=tune,
        settings=tuple(settings),
        z_filter=_z_filter(z_filter, None),
        keep_particles=keep_particles,
    )
    from colliderbench.physics.xsec import TABLES

    # the NLO+NLL table for normalisation, when the process has one (the mass is the user's to pick)
    name = process if process in TABLES else None
    return Sample(spec=spec, model=None, xsec_process=name, source="slha")


def sample_from_lhe(
    path: str | Path,
    *,
    tune: str = "CUETP8M1",
    settings: Sequence[str] = (),
    keep_particles: bool = False,
) -> Sample:
    """Parton-level events from an LHE file (e.g. MadGraph), showered and hadronised by Pythia."""
    lhe = check_lhe(path)
    spec = GenerationSpec(
        label=Path(path).name,
        lhe=str(lhe),
        tune=tune,
        settings=tuple(settings),
        keep_particles=keep_particles,
    )
    return Sample(spec=spec, model=None, source="lhe")


NEUTRALINO_COUNT_MODELS = ("T5Wg",)


def _neutralino_count(count: int | None, model: str) -> int | None:
    """Validate the neutralino-count filter: 0, 1 or 2, for models whose two sparticle decays
    each choose between a chi^0_1 and a chi^+-_1 (T5Wg)."""
    if count is None:
        return None
    if model not in NEUTRALINO_COUNT_MODELS:
        raise UserError(
            f"the neutralino-count filter applies to {', '.join(NEUTRALINO_COUNT_MODELS)}, "
            f"not {model}"
        )
    if count not in (0, 1, 2):
        raise UserError(f"the neutralino count must be 0, 1 or 2, got {count}")
    return int(count)


def _z_filter(name: str | None, model: str | None) -> tuple[int, ...]:
    if not name or name == "none":
        return ()
    if name not in _models.Z_FILTERS:
        raise UserError(f"unknown Z filter {name!r}; choose one of {', '.join(_models.Z_FILTERS)}")
    if model is not None and model != "TChiWZ":
        raise UserError(f"the Z-decay filter applies to TChiWZ, not {model}")
    return _models.Z_FILTERS[name]


def read_slha(path: str | Path) -> str:
    """The SLHA text; UserError when unreadable or without BLOCK MASS, a warning without DECAY."""
    p = Path(path)
    try:
        text = p.read_text(errors="strict")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read SLHA file {p}: {exc.__class__.__name__}") from None
    upper = text.upper()
    if "BLOCK MASS" not in upper:
        raise UserError(f"{p} is not an SLHA spectrum (no BLOCK MASS)")
    if "DECAY" not in upper:
        # not an error: Pythia computes the widths and branching fractions of SUSY particles
        # itself from the spectrum (masses and mixing blocks) when the file gives none
        print(
            f"warning: {p} has no DECAY tables; Pythia computes the sparticle decays itself",
            file=sys.stderr,
        )
    return text


def check_lhe(path: str | Path) -> Path:
    p = Path(path)
    try:
        opener = gzip.open if p.suffix == ".gz" else open
        with opener(p, "rt", errors="replace") as fh:
            head = fh.read(4096)
    except (OSError, EOFError) as exc:
        raise UserError(f"cannot read LHE file {p}: {exc.__class__.__name__}") from None
    if "<LesHouchesEvents" not in head:
        raise UserError(f"{p} is not a Les Houches event file (no <LesHouchesEvents> header)")
    return p.resolve()


def count_lhe_events(path: str | Path) -> int:
    """Number of ``<event>`` blocks in an LHE file (plain or gzipped), read in 1 MB pieces."""
    p = Path(path)
    opener = gzip.open if p.suffix == ".gz" else open
    count, tail = 0, b""
    with opener(p, "rb") as fh:
        while block := fh.read(1 << 20):
            data = tail + block
            count += data.count(b"<event>") + data.count(b"<event ")
            tail = data[-7:]
            count -= tail.count(b"<event>") + tail.count(b"<event ")  # counted again next round
    return count + tail.count(b"<event>") + tail.count(b"<event ")


def check_output(path: str | Path) -> Path:
    """Fail before generating anything if the output cannot be written."""
    p = Path(path)
    if p.is_dir():
        raise UserError(f"output {p} is a directory; give a file name such as events.root")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(f"cannot write {p}: directory {parent} does not exist")
    if p.exists() and not os.access(p, os.W_OK):
        raise UserError(f"cannot write {p}: permission denied")
    # os.access says yes to root everywhere (e.g. /proc): only creating a file there tells
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".probe", dir=parent)
    except OSError as exc:
        raise UserError(
            f"cannot write {p}: cannot create a file in {parent} ({exc.strerror})"
        ) from None
    os.close(fd)
    os.unlink(probe)
    return p


# --------------------------------------------------------------------------- generator -> Delphes "Particle"


def particle_collection(particles: ak.Array) -> ak.Array:
    """Generator particles in the Delphes ``Particle`` layout (PID, Status, PT, Eta, Phi, Mass, M1, ...).

    Without the full record (no ``status`` field) every particle is final state: Status 1, no links.
    """
    px, py, pz = particles["px"], particles["py"], particles["pz"]
    pt = np.hypot(px, py)
    p = np.sqrt(pt**2 + pz**2)
    # pseudorapidity; particles along the beam get +-999.9 like Delphes
    eta = np.where(pt > 0, np.arcsinh(pz / ak.where(pt > 0, pt, 1.0)), np.sign(pz) * 999.9)
    full = "status" in particles.fields
    minus_one = ak.values_astype(ak.zeros_like(particles["pid"]) - 1, np.int32)
    fields = {
        "PID": particles["pid"],
        "Status": particles["status"] if full else ak.ones_like(particles["pid"]),
        "Charge": particles["charge"],
        "PT": pt,
        "Eta": eta,
        "Phi": np.arctan2(py, px),
        "E": particles["e"],
        "P": p,
        "Px": px,
        "Py": py,
        "Pz": pz,
        "Mass": particles["m"],
        "M1": particles["m1"] if full else minus_one,
        "M2": particles["m2"] if full else minus_one,
        "D1": particles["d1"] if full else minus_one,
        "D2": particles["d2"] if full else minus_one,
    }
    floats = ("PT", "Eta", "Phi", "E", "P", "Px", "Py", "Pz", "Mass")
    return ak.zip(
        {k: ak.values_astype(v, np.float32 if k in floats else np.int32) for k, v in fields.items()}
    )


def final_state(particles: ak.Array) -> ak.Array:
    """Only the stable particles (what a detector sees) from either record flavour."""
    if "status" in particles.fields:
        return particles[particles["status"] == 1]
    return particles


# --------------------------------------------------------------------------- one chunk (a task)


def detector_config(options: Mapping[str, Any]) -> Any:
    """The detector package's config object from plain options (e.g. ``{"jet_radius": 0.4}``)."""
    from colliderbench.physics import detector as det

    make = getattr(det, "DetectorConfig", None)
    if make is None:
        return dict(options)
    try:
        return make(**options)
    except TypeError as exc:
        raise UserError(f"bad detector option: {exc}") from None


def simulate_chunk(
    spec: GenerationSpec,
    n_events: int,
    seed: int,
    detector: str,
    detector_options: Mapping[str, Any],
    detector_seed: int,
    lhe_offset: int = 0,
) -> tuple[ak.Array, dict[str, Any]]:
    """Generate one chunk and run the detector on it in this process; a picklable Dask/pool task.

    The detector always gets the full generator record: jet flavour (b-tagging) and tau matching
    need the partons and taus of the shower history, which the stable particles do not carry.
    """
    cpu0 = time.process_time()
    keep = spec.keep_particles
    gen_spec = spec if detector == "none" else replace(spec, keep_particles=True)
    particles, info = generate_chunk(gen_spec, n_events, seed, lhe_offset=lhe_offset)
    t0 = time.perf_counter()
    if detector == "none":
        events = ak.zip(
            {
                "Particle": particle_collection(particles),
                "Event": ak.zip(
                    {"Weight": ak.ones_like(particles["pid"][:, :1], dtype=np.float32)}
                ),
            },
            depth_limit=1,
        )
    else:
        from colliderbench.physics.detector import simulate_detector

        config = detector_config(detector_options)
        events = simulate_detector(particles, config, detector_seed)
        if keep and "Particle" not in events.fields:
            events = ak.with_field(events, particle_collection(particles), "Particle")
    info["detector_s"] = time.perf_counter() - t0
    info["cpu_s"] = time.process_time() - cpu0  # this chunk's CPU time in its worker
    return events, info


def _chunk_task(args: tuple[Any, ...]) -> tuple[ak.Array, dict[str, Any]]:
    return simulate_chunk(*args)


def chunk_tasks(
    sample: Sample,
    n_events: int,
    seed: int,
    detector: str,
    detector_options: Mapping[str, Any],
    chunk_size: int,
) -> list[tuple[Any, ...]]:
    """The argument tuples of every chunk: seeds, sizes and LHE offsets fixed by (events, seed)."""
    sizes = split_events(n_events, chunk_size)
    gen_seeds = chunk_seeds(seed, len(sizes))
    det_seeds = chunk_seeds(seed + 7_919_000, len(sizes))
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int).tolist()
    return [
        (
            sample.spec,
            size,
            gs,
            detector,
            dict(detector_options),
            ds,
            off if sample.spec.lhe else 0,
        )
        for size, gs, ds, off in zip(sizes, gen_seeds, det_seeds, offsets, strict=True)
    ]


def make_pool(workers: int, n_tasks: int) -> Any:
    """A process pool for ``workers > 1`` (None otherwise); fork on Linux, created before any thread."""
    if workers <= 1 or n_tasks <= 1:
        return None
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return multiprocessing.get_context(method).Pool(processes=min(workers, n_tasks))


def run_chunks(
    tasks: list[tuple[Any, ...]], pool: Any = None, client: Any = None
) -> Iterator[tuple[ak.Array, dict[str, Any]]]:
    """Chunks in their original order: in this process, through a process ``pool``, or as tasks
    of a Dask ``distributed.Client`` (LocalCluster, dask-jobqueue SLURM/HTCondor clusters)."""
    if client is not None:
        futures = client.map(_chunk_task, tasks, pure=False)
        for future in futures:
            yield future.result()
            future.release()
    elif pool is None:
        for task in tasks:
            yield _chunk_task(task)
    else:
        yield from pool.imap(_chunk_task, tasks, chunksize=1)


# --------------------------------------------------------------------------- the command


def simulate(
    *,
    model: str | None = None,
    masses: Mapping[str, float] | None = None,
    slha: str | Path | None = None,
    process: str | None = None,
    lhe: str | Path | None = None,
    events: int,
    output: str | Path,
    seed: int = 1,
    workers: int = 1,
    detector: str | Mapping[str, Any] = "cms",
    jet_r: float | None = None,
    keep_particles: bool = False,
    generation: Mapping[str, Any] | None = None,
    sims_dir: str | Path | None = None,
    chunk_size: int | None = None,
    progress: bool = True,
    client: Any = None,
) -> dict[str, Any]:
    """Model point (or SLHA, or LHE) -> ``events`` events -> detector -> Delphes-layout ROOT file.

    ``detector`` is ``"cms"``, ``"none"`` (generator particles only) or a dict of detector options
    (implies cms). ``generation`` may hold ``z_filter``, ``neutralino_count`` (built-in T5Wg),
    ``tune``, ``settings`` (extra Pythia strings) and ``chunk_size``. With a Dask ``client`` the
    chunks run on its workers instead of a local pool. Writes ``output`` and, with ``sims_dir``,
    the SLHA, Pythia settings and summary there. Returns the JSON summary.
    """
    t_start = time.perf_counter()
    gen = dict(generation or {})
    unknown = set(gen) - {
        "z_filter",
        "neutralino_count",
        "tune",
        "settings",
        "chunk_size",
        "keep_particles",
    }
    if unknown:
        raise UserError(f"unknown generation option(s): {', '.join(sorted(unknown))}")
    keep_particles = bool(keep_particles or gen.get("keep_particles", False))
    if isinstance(detector, Mapping):
        det_name, det_options = "cms", dict(detector)
    else:
        det_name, det_options = str(detector), {}
    if det_name not in DETECTORS:
        raise UserError(f"unknown detector {det_name!r}; choose cms or none")
    if jet_r is not None:
        if not 0.05 <= jet_r <= 2.0:
            raise UserError(f"--jet-r must be between 0.05 and 2.0, got {jet_r}")
        det_options["jet_radius"] = float(jet_r)
    if events <= 0:
        raise UserError(f"--events must be positive, got {events}")
    requested = events
    if seed < 0:
        raise UserError(f"--seed must be a non-negative integer, got {seed}")
    if workers <= 0:
        raise UserError(f"--workers must be positive, got {workers}")
    chunk = int(chunk_size or gen.get("chunk_size") or default_chunk_size(events))
    if chunk <= 0:
        raise UserError("chunk size must be positive")
    out = check_output(output)

    common: dict[str, Any] = {
        "tune": str(gen.get("tune", "CUETP8M1")),
        "settings": tuple(gen.get("settings", ())),
        "keep_particles": keep_particles,
    }
    n_inputs = sum(x is not None for x in (model, slha, lhe))
    if n_inputs != 1:
        raise UserError(
            "give exactly one of --model (with --mass), --slha (with --process) or --lhe"
        )
    if model is not None:
        if process is not None:
            raise UserError("--process goes with --slha; a --model knows its own process")
        sample = sample_from_model(
            model,
            masses or {},
            z_filter=gen.get("z_filter"),
            neutralino_count=gen.get("neutralino_count"),
            **common,
        )
    elif slha is not None:
        if masses:
            raise UserError("--mass goes with --model; an --slha file carries its own masses")
        if not process:
            raise UserError("--slha needs --process (e.g. gluino_pair, stop_pair, wino_c1n2)")
        if gen.get("neutralino_count") is not None:
            raise UserError("the neutralino-count filter goes with --model T5Wg, not --slha")
        sample = sample_from_slha(slha, process, z_filter=gen.get("z_filter"), **common)
    else:
        if masses or process:
            raise UserError("--lhe takes no --mass or --process: the LHE file defines the events")
        if gen.get("z_filter") or gen.get("neutralino_count") is not None:
            raise UserError("--lhe events carry their own decays: no generator filter applies")
        sample = sample_from_lhe(lhe, **common)  # type: ignore[arg-type]
        available = count_lhe_events(lhe)  # type: ignore[arg-type]
        if available == 0:
            raise UserError(f"the LHE file {lhe} holds no events")
        events = min(events, available)

    if det_name == "cms":
        detector_config(det_options)  # fail early on bad options or a missing detector package
    check_spec(sample.spec)  # a bad setting or spectrum fails here, in one line, not in a worker

    tasks = chunk_tasks(sample, events, seed, det_name, det_options, chunk)
    infos: list[dict[str, Any]] = []
    write_s = 0.0
    pool = make_pool(workers, len(tasks)) if client is None else None
    try:
        # each chunk goes to the file as it arrives: memory stays at one chunk, whatever the run size
        with DelphesWriter(out) as writer, _progress(progress, events, sample) as advance:
            for ev, info in run_chunks(tasks, pool, client):
                t0 = time.perf_counter()
                writer.extend(ev)
                write_s += time.perf_counter() - t0
                del ev
                infos.append(info)
                advance(info["events"])
            t_sim = time.perf_counter()
            totals = combine_chunk_info(infos)
            n_written = writer.n_events
            filter_check = measured_filter_fraction(totals)
            metadata = build_metadata(sample, totals, seed, det_name, det_options, workers, chunk)
            metadata["events"] = n_written
            metadata.update(filter_check)
            writer.close(metadata)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    write_s += time.perf_counter() - t_sim  # the chunk writes plus the closing of the file
    wall = time.perf_counter() - t_start
    summary = {
        "output": str(out),
        "events": n_written,
        "requested_events": requested,
        "model": sample.model,
        "masses": sample.masses,
        "seed": seed,
        "workers": workers,
        "detector": det_name,
        "sigma_lo_pb": totals["sigma_lo_pb"],
        "sigma_lo_err_pb": totals["sigma_lo_err_pb"],
        "filter_efficiency": totals["filter_efficiency"],
        **filter_check,
        "xsec_process": sample.xsec_process,
        "xsec_mass": sample.xsec_mass,
        "wall_s": round(wall, 3),
        "simulate_s": round(wall - write_s, 3),
        "write_s": round(write_s, 3),
        "events_per_s": round(n_written / wall, 2) if wall > 0 else None,
        # seconds per stage summed over chunks (wall clock inside each worker)
        "stage_s": {
            k: round(sum(i[k] for i in infos), 3)
            for k in ("init_s", "generate_s", "extract_s", "detector_s")
        },
        "chunk_cpu_s": [round(i["cpu_s"], 3) for i in infos],
    }
    if sample.spec.lhe and n_written < requested:
        notes = [f"the LHE file held only {events} events"] if events < requested else []
        if n_written < events:
            notes.append(f"Pythia failed on {events - n_written} of {events} LHE events (left out)")
        summary["note"] = "; ".join(notes)
    if sims_dir is not None:
        write_sims(Path(sims_dir), sample, metadata, summary, seed)
    return summary


def measured_filter_fraction(totals: Mapping[str, Any]) -> dict[str, Any]:
    """The neutralino-count veto's observed pass fraction and its binomial error, to sit beside
    the analytic efficiency (empty when no veto ran)."""
    if not totals.get("filter_seen"):
        return {}
    seen, kept = int(totals["filter_seen"]), int(totals["filter_kept"])
    frac = kept / seen
    return {
        "filter_measured": frac,
        "filter_measured_err": math.sqrt(frac * (1.0 - frac) / seen),
        "filter_decays_seen": seen,
    }


def build_metadata(
    sample: Sample,
    totals: Mapping[str, Any],
    seed: int,
    detector: str,
    det_options: Mapping[str, Any],
    workers: int,
    chunk: int,
) -> dict[str, Any]:
    """File-level metadata: enough to normalise the sample and to regenerate it."""
    import colliderbench

    versions = {
        "pythia8mc": pythia_version(),
        "colliderbench": getattr(colliderbench, "__version__", ""),
    }
    for pkg in ("awkward", "uproot", "fastjet", "numpy"):
        try:
            from importlib.metadata import version

            versions[pkg] = version(pkg)
        except Exception:  # noqa: BLE001 - a missing optional package is not an error here
            pass
    return {
        "generator": "Pythia 8 (pythia8mc)",
        "source": sample.source,
        "model": sample.model,
        "masses": sample.masses,
        "seed": seed,
        "events": int(totals["events"]),
        "sigma_lo_pb": totals["sigma_lo_pb"],
        "sigma_lo_err_pb": totals["sigma_lo_err_pb"],
        "sigma_lo_note": "Pythia LO estimate: before a Z-decay filter, after a neutralino-count veto; normalise with NLO+NLL (colliderbench xsec) x filter_efficiency",
        "filter_efficiency": totals["filter_efficiency"],
        "z_filter": list(sample.spec.z_filter),
        "neutralino_count": sample.spec.neutralino_count,
        "xsec_process": sample.xsec_process,
        "xsec_mass": sample.xsec_mass,
        "sqrt_s_gev": sample.spec.ecm_gev,
        "tune": sample.spec.tune,
        # every chunk's settings; only Random:seed differs, listed per chunk in chunk_seeds
        "pythia_settings": [
            line
            for line in sample.spec.pythia_settings(
                seed=0, slha_path=None if sample.spec.lhe else "spectrum.slha"
            )
            if not line.startswith("Random:seed")
        ],
        "chunk_seeds": list(totals.get("chunk_seeds", [])),
        "process": list(sample.spec.process),
        "lhe": sample.spec.lhe,
        "detector": detector,
        "detector_options": dict(det_options),
        "keep_particles": sample.spec.keep_particles,
        "chunk_size": chunk,
        "chunks": totals["chunks"],
        "workers": workers,
        "n_tried": totals["n_tried"],
        "versions": versions,
        "slha": sample.spec.slha,
    }


def write_sims(
    sims: Path, sample: Sample, metadata: Mapping[str, Any], summary: Mapping[str, Any], seed: int
) -> None:
    """The provenance of a sample next to it: spectrum, Pythia settings, summary."""
    sims.mkdir(parents=True, exist_ok=True)
    if sample.spec.slha is not None:
        (sims / "spectrum.slha").write_text(sample.spec.slha)
    (sims / "pythia.cmnd").write_text(
        "# Pythia settings of every chunk (Random:seed differs per chunk, derived from the run seed)\n"
        + "\n".join(metadata["pythia_settings"])
        + "\n"
    )
    (sims / "simulate.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")


class _progress:
    """A rich progress bar on stderr (or nothing), used as ``with _progress(...) as advance``."""

    def __init__(self, enabled: bool, total: int, sample: Sample) -> None:
        self.enabled = enabled
        self.total = total
        self.label = sample.model or sample.spec.label
        self._bar: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return lambda n: None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("[bold]simulate[/] {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._bar.start()
        task = self._bar.add_task(self.label, total=self.total)
        return lambda n: self._bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
