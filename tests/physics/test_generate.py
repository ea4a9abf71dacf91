"""Pythia generation: branching fractions in the event record, extraction, reproducibility."""

from __future__ import annotations

import pickle
from collections import Counter
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from colliderbench.physics import generate, models
from colliderbench.physics.generate import GenerationSpec, generate_chunk


def spec_for(name: str, masses: dict[str, float], **kw: object) -> GenerationSpec:
    model, _, slha = models.model_slha(name, masses)
    return GenerationSpec(label=name, slha=slha, process=model.processes, **kw)  # type: ignore[arg-type]


def daughters(d1: int, d2: int) -> list[int]:
    """0-based daughter indices from the record's (d1, d2) pair, Pythia's conventions."""
    if d1 < 0:
        return []
    if d2 < 0 or d2 == d1:
        return [d1]
    return list(range(d1, d2 + 1)) if d2 > d1 else [d1, d2]


def decays_of(particles: ak.Array, pid: int) -> Counter[tuple[int, ...]]:
    """Decay products (|PDG|, sorted) of the last copy of every particle with |id| == pid."""
    out: Counter[tuple[int, ...]] = Counter()
    for ev in particles:
        ids, d1, d2 = (ak.to_numpy(ev[f]) for f in ("pid", "d1", "d2"))
        for i in np.flatnonzero(np.abs(ids) == pid):
            kids = [abs(int(ids[k])) for k in daughters(int(d1[i]), int(d2[i]))]
            if kids and pid not in kids:  # not a recoil copy: the real decay
                out[tuple(sorted(kids))] += 1
    return out


@pytest.fixture(scope="module")
def t5wg_record() -> tuple[ak.Array, dict]:
    return generate_chunk(
        spec_for("T5Wg", {"gluino": 1750, "nlsp": 1700}, keep_particles=True), 60, 4242
    )


def test_t5wg_branching_fractions_match_the_slha(t5wg_record: tuple[ak.Array, dict]) -> None:
    particles, info = t5wg_record
    assert info["events"] == 60 and len(particles) == 60
    gluino = decays_of(particles, 1000021)
    n = sum(gluino.values())
    assert n == 120  # two gluinos per event, each decays once
    to_chargino = sum(c for kids, c in gluino.items() if 1000024 in kids)
    to_neutralino = sum(c for kids, c in gluino.items() if 1000022 in kids)
    assert to_chargino + to_neutralino == n
    # BR = 0.5: binomial sigma = sqrt(0.25 / 120) = 0.046; 4 sigma
    assert abs(to_chargino / n - 0.5) < 4 * np.sqrt(0.25 / n)
    quarks = {kid for kids in gluino for kid in kids if kid < 10}
    assert quarks <= {1, 2, 3, 4, 5}  # CMS's SMS-T5Wg table: b only in the neutral decays
    assert all(5 not in kids for kids in gluino if 1000024 in kids)
    assert set(decays_of(particles, 1000022)) == {(22, 1000039)}
    assert set(decays_of(particles, 1000024)) == {(24, 1000039)}


def test_final_state_and_record_conventions(t5wg_record: tuple[ak.Array, dict]) -> None:
    particles, info = t5wg_record
    assert set(generate.RECORD_FIELDS) == set(particles.fields)
    first = particles[0]
    assert ak.to_list(first.pid[:2]) == [2212, 2212] and ak.to_list(first.status[:2]) == [4, 4]
    final = particles[particles.status == 1]
    # momentum conservation over the final state (13 TeV, at rest)
    assert np.allclose(ak.to_numpy(ak.sum(final.e, axis=1)), 13000.0, rtol=1e-4)
    assert np.allclose(ak.to_numpy(ak.sum(final.pz, axis=1)), 0.0, atol=1.0)
    # gravitinos are stable and in the final state; charge is an integer field
    assert ak.all(ak.sum(final.pid == 1000039, axis=1) == 2)
    assert final.charge.type.content.content.primitive == "int32"
    assert info["sigma_lo_pb"] > 0 and info["n_accepted"] >= 60


def test_same_seed_same_events_other_seed_other_events() -> None:
    spec = spec_for("T2tt", {"stop": 1000, "neutralino1": 50})
    a, ia = generate_chunk(spec, 15, 99)
    b, ib = generate_chunk(pickle.loads(pickle.dumps(spec)), 15, 99)
    c, _ = generate_chunk(spec, 15, 100)
    assert a.fields == list(generate.FINAL_FIELDS)
    assert ak.array_equal(a, b)
    assert ia["sigma_lo_pb"] == ib["sigma_lo_pb"]
    assert not ak.array_equal(a, c)


def test_vectorised_extraction_equals_the_event_record() -> None:
    """nextBatch + columnar extraction gives exactly what Pythia's own event record holds."""
    import tempfile

    spec = spec_for("T2tt", {"stop": 1000, "neutralino1": 50})
    fast, _ = generate_chunk(spec, 3, 7)
    with tempfile.TemporaryDirectory() as tmp:
        pythia = generate._make_pythia(spec, 7, tmp)
    for i in range(3):
        assert pythia.next()
        final = [p for p in pythia.event.particles() if p.isFinal()]
        ev = fast[i]
        assert ak.to_list(ev.pid) == [p.id() for p in final]
        assert np.allclose(ak.to_numpy(ev.px), [p.px() for p in final])
        assert np.allclose(ak.to_numpy(ev.e), [p.e() for p in final])
        assert ak.to_list(ev.charge) == [round(p.charge()) for p in final]


def test_tchiwz_z_filter_efficiency_is_computed() -> None:
    spec = spec_for(
        "TChiWZ",
        {"chargino1": 550, "neutralino1": 200},
        z_filter=models.Z_FILTERS["ll"],
        keep_particles=True,
    )
    particles, info = generate_chunk(spec, 25, 5)
    # every Z decays to a charged-lepton pair
    z = decays_of(particles, 23)
    assert sum(z.values()) == 25
    assert set(z) <= {(11, 11), (13, 13), (15, 15)}
    # Pythia's Z -> ee + mumu + tautau fraction: close to, but not assumed to be, the PDG 0.10097
    assert 0.095 < info["filter_efficiency"] < 0.106
    assert info["filter_efficiency"] != pytest.approx(0.100974, abs=1e-6)
    # the W from the chargino stays inclusive
    assert any(kids[0] < 10 for kids in decays_of(particles, 24))


@pytest.mark.parametrize(("count", "efficiency"), [(1, 0.5), (2, 0.25)])
def test_t5wg_neutralino_count_filter(count: int, efficiency: float) -> None:
    """Every kept event has exactly ``count`` gluino decays to chi^0_1 (each then gamma G~, the
    rest W G~), and the efficiency is the binomial one from the 50/50 decay table."""
    spec = spec_for(
        "T5Wg", {"gluino": 1600, "nlsp": 100}, neutralino_count=count, keep_particles=True
    )
    particles, info = generate_chunk(spec, 30, 3)
    for ev in particles:
        n = decays_of(ev[np.newaxis], 1000022)
        c = decays_of(ev[np.newaxis], 1000024)
        assert sum(n.values()) == count and sum(c.values()) == 2 - count
        assert set(n) <= {(22, 1000039)}
    assert info["filter_efficiency"] == pytest.approx(efficiency, rel=1e-9)
    # the veto's measured pass fraction agrees with the analytic one (binomial, ~4 sigma)
    seen, kept = info["filter_seen"], info["filter_kept"]
    assert kept == 30 and seen >= 30
    assert abs(kept / seen - efficiency) < 4 * np.sqrt(efficiency * (1 - efficiency) / seen)


def test_neutralino_count_probability_reads_the_decay_table() -> None:
    """A spectrum whose gluino never decays to chi^0_1 cannot be filtered on it: one clear error."""
    import tempfile

    from colliderbench.errors import UserError

    spec = spec_for("T5Wg", {"gluino": 1600, "nlsp": 100})
    with tempfile.TemporaryDirectory() as tmp:
        pythia = generate._make_pythia(spec, 1, tmp)
    assert generate.neutralino_count_probability(pythia, 0) == pytest.approx(0.25)
    assert generate.neutralino_count_probability(pythia, 1) == pytest.approx(0.5)
    spec = spec_for("T2tt", {"stop": 1000, "neutralino1": 50})
    with tempfile.TemporaryDirectory() as tmp:
        pythia = generate._make_pythia(spec, 1, tmp)
    with pytest.raises(UserError, match="chi\\^0_1"):
        generate.neutralino_count_probability(pythia, 1)


def test_chunk_seeds_and_splitting() -> None:
    assert generate.chunk_seeds(7, 4) == generate.chunk_seeds(7, 4)
    assert len(set(generate.chunk_seeds(7, 50))) == 50
    assert generate.chunk_seeds(7, 3) != generate.chunk_seeds(8, 3)
    assert all(1 <= s <= 900_000_000 for s in generate.chunk_seeds(123, 20))
    assert generate.split_events(2500, 1000) == [834, 833, 833]
    assert generate.split_events(600, 500) == [300, 300]
    assert generate.split_events(7, 100) == [7]
    assert generate.hepmc_status(
        np.array([1, -12, -62, -83, -22]), np.array([11, 2212, 1000021, 111, 6])
    ).tolist() == [1, 4, 62, 2, 22]


def write_drell_yan_lhe(path: Path, n: int, seed: int = 3, broken: tuple[int, ...] = ()) -> None:
    """A small LHE file of u u~ -> Z -> mu+ mu- with our own kinematics.

    Event i has m_Z = 91.1876 + i GeV, so it can be told apart after the shower; the events in
    ``broken`` have a colour line that does not close, so Pythia fails on them.
    """
    rng = np.random.default_rng(seed)
    half = 6500.0
    lines = [
        '<LesHouchesEvents version="3.0">',
        "<init>",
        f"2212 2212 {half:.1f} {half:.1f} 0 0 0 0 3 1",
        "1.0e+03 1.0e+01 1.0e+00 1",
        "</init>",
    ]
    for i in range(n):
        mz = 91.1876 + i
        y = rng.uniform(-1.0, 1.0)
        e1, e2 = 0.5 * mz * np.exp(y), 0.5 * mz * np.exp(-y)
        cos, phi = rng.uniform(-1, 1), rng.uniform(0, 2 * np.pi)
        sin = np.sqrt(1 - cos**2)
        p = 0.5 * mz  # muons massless enough in the Z frame
        mu = np.array([p * sin * np.cos(phi), p * sin * np.sin(phi), p * cos, p])
        beta = (e1 - e2) / (e1 + e2)
        gamma = 1 / np.sqrt(1 - beta**2)

        def boost(v: np.ndarray, beta: float = beta, gamma: float = gamma) -> np.ndarray:
            return np.array(
                [v[0], v[1], gamma * (v[2] + beta * v[3]), gamma * (v[3] + beta * v[2])]
            )

        mup, mum = boost(mu), boost(mu * np.array([-1, -1, -1, 1]))
        rows = [
            (2, -1, 0, 0, 501, 0, 0.0, 0.0, e1, e1, 0.0),
            (-2, -1, 0, 0, 0, 502 if i in broken else 501, 0.0, 0.0, -e2, e2, 0.0),
            (23, 2, 1, 2, 0, 0, 0.0, 0.0, e1 - e2, e1 + e2, mz),
            (-13, 1, 3, 3, 0, 0, *mup, 0.0),
            (13, 1, 3, 3, 0, 0, *mum, 0.0),
        ]
        lines += ["<event>", f"{len(rows)} 1 1.0e+00 {mz:.4f} 7.8e-03 1.18e-01"]
        lines += [
            " ".join(f"{v:.10e}" if isinstance(v, float) else str(v) for v in r) + " 0. 9."
            for r in rows
        ]
        lines.append("</event>")
    lines.append("</LesHouchesEvents>")
    path.write_text("\n".join(lines) + "\n")


def test_lhe_input_is_showered_and_chunked(tmp_path: Path) -> None:
    lhe = tmp_path / "dy.lhe"
    write_drell_yan_lhe(lhe, 12)
    spec = GenerationSpec(label="dy", lhe=str(lhe))
    first, info = generate_chunk(spec, 5, 1)
    rest, info_rest = generate_chunk(spec, 10, 2, lhe_offset=5)
    assert len(first) == 5 and len(rest) == 7  # the file holds 12 events
    assert info_rest["lhe_end_of_file"] and not info["lhe_end_of_file"]
    both = ak.concatenate([first, rest])
    muons = both[np.abs(both.pid) == 13]
    assert ak.all(ak.sum(muons.pid == 13, axis=1) >= 1) and ak.all(
        ak.sum(muons.pid == -13, axis=1) >= 1
    )
    # showered and hadronised: many more particles than the two muons
    assert ak.all(ak.num(both) > 20)


def test_lhe_chunks_read_exactly_their_own_events(tmp_path: Path) -> None:
    """A failed LHE event is left out of its chunk, never replaced by the next chunk's first one
    (which would then appear twice in the file)."""
    from colliderbench.physics.delphes_io import read_delphes
    from colliderbench.physics.simulate import simulate

    lhe, out = tmp_path / "dy.lhe", tmp_path / "dy.root"
    write_drell_yan_lhe(lhe, 12, broken=(2, 7))
    summary = simulate(
        lhe=lhe, events=12, output=out, detector="none", keep_particles=True,
        chunk_size=5, progress=False,
    )  # fmt: skip
    particles = read_delphes(out)["Particle"]
    z_mass = ak.to_numpy(particles.Mass[particles.PID == 23][:, 0])
    assert np.round(z_mass - 91.1876).astype(int).tolist() == [0, 1, 3, 4, 5, 6, 8, 9, 10, 11]
    assert summary["events"] == 10 and "failed on 2" in summary["note"]


def test_chunk_runs_as_a_dask_task_in_another_process() -> None:
    """The chunk function pickles into a Dask worker process and gives the same events there."""
    dask = pytest.importorskip("dask")
    spec = spec_for("T2tt", {"stop": 1000, "neutralino1": 50})
    task = dask.delayed(generate_chunk)(spec, 4, 321)
    remote, _ = dask.compute(task, scheduler="processes", num_workers=1)[0]
    local, _ = generate_chunk(spec, 4, 321)
    assert ak.array_equal(remote, local)


def test_user_slha_with_a_named_process(tmp_path: Path) -> None:
    from colliderbench.physics.simulate import sample_from_slha

    path = tmp_path / "mine.slha"
    path.write_text(models.model_slha("T2bW", {"stop": 900, "neutralino1": 50})[2])
    sample = sample_from_slha(path, "stop_pair", keep_particles=True)
    assert sample.xsec_process == "stop_pair" and sample.model is None
    particles, info = generate_chunk(sample.spec, 5, 8)
    assert set(decays_of(particles, 1000006)) == {(5, 1000024)}
    assert info["sigma_lo_pb"] > 0


def test_slha_without_decay_tables_is_accepted_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pythia computes SUSY decays itself from the spectrum: no DECAY block is needed."""
    from colliderbench.physics.simulate import sample_from_slha

    lines, in_decay = [], False
    for line in models.model_slha("T2tt", {"stop": 1000, "neutralino1": 50})[2].splitlines():
        word = line.split()[0].upper() if line.split() else ""
        in_decay = word == "DECAY" or (in_decay and word != "BLOCK")
        if not in_decay:
            lines.append(line)
    path = tmp_path / "no-decays.slha"
    path.write_text("\n".join(lines) + "\n")
    assert "DECAY" not in path.read_text().upper()
    sample = sample_from_slha(path, "stop_pair", keep_particles=True)
    assert "no DECAY tables" in capsys.readouterr().err
    particles, _ = generate_chunk(sample.spec, 5, 8)
    assert decays_of(particles, 1000006) == Counter({(6, 1000022): 10})
