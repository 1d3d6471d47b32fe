"""The reference benchmark (NMSSMTools 6.1.2 output in ../shared/reference/nmssmtools/) as the
inputs of the built-in electroweakino modules: its spectrum mapping and parameter arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from shared_inputs import shared_file

from backends.nmssm_builtin.slha import EXTPAR
from backends.nmssm_builtin.spectrum import as_arrays
from backends.nmssmtools import nmssm_spectrum
from backends.slha_program import SLHAOutput, parse_slha
from fit.batch import stack

ROOT = Path(__file__).resolve().parents[1]
BENCHMARK = "reference/nmssmtools/spectr_full_minchi2.dat"
#: first-generation EXTPAR entries of the benchmark (the project's parameters name the
#: first two generations by these)
FIRST_GENERATION = {"ML12": 32, "ME12": 35, "MQ12": 42, "MU12": 45, "MD12": 48}


def benchmark() -> tuple[SLHAOutput, dict, dict]:
    """(parsed NMSSMTools output, spectrum mapping of one point, parameter arrays)."""
    out = parse_slha(shared_file(BENCHMARK).read_text(), program="NMSSMTools 6.1.2")
    spec = stack([nmssm_spectrum(out)])
    ext = out.doc.blocks["EXTPAR"]
    p = {k: ext[i] for k, i in EXTPAR.items() if i in ext}
    p.update({k: ext[i] for k, i in FIRST_GENERATION.items()})
    p["tanb"] = out.doc.blocks["MINPAR"][3]
    return out, {k: np.asarray(v) for k, v in spec.items()}, as_arrays(p)
