"""The Delphes-layout ROOT file: round trip, metadata, coffea's DelphesSchema, atomic writes."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from colliderbench.errors import UserError
from colliderbench.physics.delphes_io import (
    DelphesWriter,
    read_delphes,
    read_metadata,
    write_delphes,
)
from colliderbench.physics.detector import DetectorConfig, simulate_detector
from colliderbench.physics.detector.gun import merge_events, particle_gun


@pytest.fixture(scope="module")
def events() -> ak.Array:
    n = 200
    sample = merge_events(
        particle_gun(22, n, pt=(30.0, 300.0), eta=(-2.0, 2.0), seed=1),
        particle_gun(11, n, pt=(20.0, 100.0), eta=(-2.0, 2.0), seed=2),
        particle_gun(13, n, pt=(20.0, 100.0), eta=(-2.0, 2.0), seed=3),
        particle_gun(211, n, pt=(20.0, 100.0), eta=(-2.0, 2.0), seed=4),
        particle_gun(130, n, pt=(20.0, 100.0), eta=(-2.0, 2.0), seed=5),
        particle_gun(1000039, n, pt=(20.0, 500.0), eta=(-2.0, 2.0), seed=6),
    )
    return simulate_detector(sample, DetectorConfig(), seed=7)


METADATA = {"model": "T5Wg", "masses": {"gluino": 1750.0}, "seed": np.int64(7), "events": 200}


def test_round_trip(tmp_path: Path, events: ak.Array) -> None:
    path = write_delphes(tmp_path / "ev.root", events, METADATA)
    back = read_delphes(path)
    assert back.fields == events.fields
    for name in events.fields:
        assert back[name].fields == events[name].fields
        assert ak.to_list(back[name]) == ak.to_list(events[name]), name
    assert sum(ak.sum(ak.num(events[c])) for c in ("Jet", "Photon", "Electron", "Muon")) > 100
    assert read_metadata(path) == {**METADATA, "seed": 7}
    subset = read_delphes(path, collections=["Jet", "MissingET"])
    assert subset.fields == ["Jet", "MissingET"]
    with pytest.raises(UserError, match="no collection"):
        read_delphes(path, collections=["FatJet"])


def test_branch_names_and_coffea_delphes_schema(tmp_path: Path, events: ak.Array) -> None:
    import uproot

    path = write_delphes(tmp_path / "ev.root", events, METADATA)
    with uproot.open(path) as f:
        keys = f["Delphes"].keys()
    assert "Jet_size" in keys and "Jet/Jet.PT" in keys and "MissingET/MissingET.MET" in keys

    from coffea.nanoevents import DelphesSchema, NanoEventsFactory

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nano = NanoEventsFactory.from_root(
            {str(path): "Delphes"}, schemaclass=DelphesSchema, mode="eager"
        ).events()
    assert ak.to_list(nano.Jet.PT) == ak.to_list(events.Jet.PT)
    assert ak.to_list(nano.Photon.pt) == ak.to_list(events.Photon.PT)
    assert ak.to_list(nano.Track.PID) == ak.to_list(events.Track.PID)
    assert ak.to_numpy(nano.MissingET.MET).ravel().tolist() == ak.to_list(
        ak.flatten(events.MissingET.MET)
    )


def test_generator_particles_read_by_coffea(tmp_path: Path, events: ak.Array) -> None:
    """``simulate --keep-particles`` adds a ``Particle`` collection; coffea's schema needs ``Mass``."""
    from colliderbench.physics.simulate import particle_collection

    gen = merge_events(
        particle_gun(22, len(events), pt=(30.0, 300.0), seed=1),
        particle_gun(11, len(events), pt=(20.0, 100.0), seed=2),
    )
    with_particles = ak.with_field(events, particle_collection(gen), "Particle")
    path = write_delphes(tmp_path / "ev.root", with_particles, METADATA)

    from coffea.nanoevents import DelphesSchema, NanoEventsFactory

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nano = NanoEventsFactory.from_root(
            {str(path): "Delphes"}, schemaclass=DelphesSchema, mode="eager"
        ).events()
    assert ak.to_list(nano.Particle.PID) == ak.to_list(gen.pid)
    assert np.allclose(
        ak.flatten(nano.Particle.pt), ak.flatten(np.hypot(gen.px, gen.py)), rtol=1e-6
    )


def test_unwritable_path_is_a_user_error(tmp_path: Path, events: ak.Array) -> None:
    with pytest.raises(UserError, match="cannot write"):
        write_delphes(tmp_path / "missing-dir" / "ev.root", events, METADATA)
    with pytest.raises(UserError, match="directory"):
        write_delphes(tmp_path, events, METADATA)
    with pytest.raises(UserError, match="no such file"):
        read_delphes(tmp_path / "absent.root")


def test_write_is_atomic(tmp_path: Path, events: ak.Array) -> None:
    """A failed write leaves neither a partial file nor a temporary one; an old file survives."""
    target = tmp_path / "ev.root"
    write_delphes(target, events[:5], {"first": True})
    with pytest.raises(ValueError):
        write_delphes(target, events, {"bad": object()})
    bad = ak.with_field(events, ak.Array([1] * len(events)), "Scalar")
    with pytest.raises(ValueError):
        write_delphes(target, bad, {})
    assert read_metadata(target) == {"first": True}
    assert len(read_delphes(target)) == 5
    assert sorted(os.listdir(tmp_path)) == ["ev.root"]


def test_writer_appends_chunk_by_chunk(tmp_path: Path, events: ak.Array) -> None:
    """Chunks written one after the other read back as the whole; nothing appears before close."""
    import uproot

    target = tmp_path / "ev.root"
    with DelphesWriter(target) as writer:
        for start, stop in ((0, 80), (80, 150), (150, len(events))):
            writer.extend(events[start:stop])
        assert not target.exists()
        writer.close(METADATA)
    assert ak.to_list(read_delphes(target)) == ak.to_list(events)
    with uproot.open(target) as f:
        assert f["Delphes"]["Jet/Jet.PT"].num_baskets == 3  # one basket per chunk
    with DelphesWriter(tmp_path / "never.root") as writer:
        writer.extend(events[:10])  # left without close (an error upstream): no file at all
    assert sorted(os.listdir(tmp_path)) == ["ev.root"]


def test_empty_collections_round_trip(tmp_path: Path) -> None:
    empty = simulate_detector(particle_gun(22, 4, pt=50.0)[:, :0], DetectorConfig(), seed=1)
    path = write_delphes(tmp_path / "empty.root", empty, {})
    back = read_delphes(path)
    assert len(back) == 4
    assert ak.num(back.Jet).tolist() == [0, 0, 0, 0]


def test_written_file_has_the_usual_permissions(tmp_path: Path, events: ak.Array) -> None:
    """Written through a private temporary file, but readable as a file opened normally would be."""
    old = os.umask(0o022)
    try:
        target = write_delphes(tmp_path / "ev.root", events[:3], {})
    finally:
        os.umask(old)
    assert (Path(target).stat().st_mode & 0o777) == 0o644
