"""The seed scan's benchmark point: Higgs couplings and decays of NMSSMTools 6.1.2 beside
the built-in ones.

    python benchmarks/higgs_seed_point.py [--channels 6]

Reads the inputs and the output of NMSSMTools 6.1.2 for the best-fit point of the seed scan
(../shared/reference/nmssmtools/inp_minchi2.dat, spectr_full_minchi2.dat: REDCOUP and the
DECAY blocks) and prints, per Higgs state, NMSSMTools' reduced couplings, width and largest
branching ratios beside the built-in values on the built-in spectrum and on NMSSMTools'
spectrum (its masses and mixing matrices as the ``nmssmtools_spectrum`` extractor reads
them), which separates the spectrum from the couplings and decays.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backends import nmssmtools as nt  # noqa: E402
from backends.nmssm_builtin import higgs_decays as hd  # noqa: E402
from backends.nmssm_builtin.couplings import higgs_couplings  # noqa: E402
from backends.nmssm_builtin.spectrum import as_arrays, compute  # noqa: E402
from backends.slha_program import parse_slha  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference" / "nmssmtools" / "spectr_full_minchi2.dat"
STATES = ("h1", "h2", "h3", "a1", "a2", "hc")
COUPLINGS = ("ku", "kd", "kb", "ktau", "kV", "kg", "kgamma")


def parameters(out) -> dict[str, float]:
    """The inputs (EXTPAR, MINPAR) of the reference output."""
    ext = out.doc.blocks["EXTPAR"]
    keys = {"M1": 1, "M2": 2, "M3": 3, "At": 11, "Ab": 12, "Atau": 13, "ML12": 32, "ML3": 33,
            "ME12": 35, "ME3": 36, "MQ12": 42, "MQ3": 43, "MU12": 45, "MU3": 46, "MD12": 48,
            "MD3": 49, "lambda_": 61, "kappa": 62, "Alambda": 63, "Akappa": 64, "mueff": 65}
    p = {k: float(ext[i]) for k, i in keys.items()}
    p["tanb"] = float(out.doc.blocks["MINPAR"][3])
    return p


def reference_decays(out, spec_ref: dict) -> dict[str, tuple[float, dict]]:
    """NMSSMTools' width and {sorted |PDG| pair: BR} per state (PDG codes mapped to the
    mass-ordered states: this file gives 25 to its SM-like second scalar)."""
    mass = out.doc.blocks["MASS"]
    even = sorted((25, 35, 45), key=lambda c: mass[c])
    odd = sorted((36, 46), key=lambda c: mass[c])
    codes = dict(zip(("h1", "h2", "h3", "a1", "a2", "hc"), (*even, *odd, 37), strict=True))
    relabel = {c: hd.PDG[s] for s, c in codes.items()}
    res = {}
    for state, code in codes.items():
        particle = out.doc.decays[code]
        brs: dict = {}
        for d in particle.decays:
            key = tuple(sorted(abs(relabel.get(abs(i), abs(i))) for i in d.ids))
            brs[key] = brs.get(key, 0.0) + d.br
        res[state] = (particle.totalwidth, brs)
    return res


def our_by_final_state(decays: dict, state: str) -> dict:
    out: dict = {}
    prefix = f"br_{state}_"
    for name, value in decays.items():
        if name.startswith(prefix) and not name.endswith("_invisible"):
            for share, ids in hd.final_states(state, name[len(prefix):]):
                key = tuple(sorted(abs(i) for i in ids))
                out[key] = out.get(key, 0.0) + share * float(value[0])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--channels", type=int, default=6, help="largest channels per state")
    args = ap.parse_args(argv)
    out = parse_slha(REFERENCE.read_text(), program="NMSSMTools 6.1.2")
    p = as_arrays(parameters(out))
    spec_own = {k: v for k, v in compute(p).items() if not k.startswith("_")}
    spec_ref = {k: np.atleast_1d(np.asarray(v, float))[None] if np.ndim(v) == 2 else
                np.atleast_1d(np.asarray(v, float)) for k, v in nt.nmssm_spectrum(out).items()}
    ref_c = nt.higgs_couplings(out)
    rows = []
    for label, spec in (("own spectrum", spec_own), ("NMSSMTools spectrum", spec_ref)):
        rows.append((label, higgs_couplings(spec, p), hd.higgs_decays(spec, p), spec))
    ref_d = reference_decays(out, spec_ref)
    head = f"{'':24s}{'NMSSMTools 6.1.2':>18s}" + "".join(f"{r[0]:>22s}" for r in rows)
    print(head)
    for state in STATES:
        print(f"--- {state}")
        m_key = f"m{state}"
        print(f"{'mass [GeV]':24s}{float(np.atleast_1d(spec_ref[m_key])[0]):18.4g}"
              + "".join(f"{float(abs(r[3][m_key][0])):22.4g}" for r in rows))
        if state != "hc":
            suffix = state[1] if state.startswith("h") else state
            for k in COUPLINGS:
                key = f"{k}_{suffix}"
                if key in ref_c:
                    print(f"{key:24s}{ref_c[key]:18.4g}"
                          + "".join(f"{float(r[1][key][0]):22.4g}" for r in rows))
        width, brs = ref_d[state]
        print(f"{'width [GeV]':24s}{width:18.4g}"
              + "".join(f"{float(r[2][f'width_{state}'][0]):22.4g}" for r in rows))
        ours = [our_by_final_state(r[2], state) for r in rows]
        for key, br in sorted(brs.items(), key=lambda kv: -kv[1])[:args.channels]:
            print(f"{'BR ' + str(key):24s}{br:18.4g}"
                  + "".join(f"{o.get(key, 0.0):22.4g}" for o in ours))
    return 0


if __name__ == "__main__":
    sys.exit(main())
