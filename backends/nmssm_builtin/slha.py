"""SLHA2 output of a built-in spectrum through pyslha (arXiv:0801.0045 conventions).

Blocks: SPINFO, MODSEL, SMINPUTS, MINPAR, EXTPAR, MASS, NMIX (NMSSM 5x5, as
NMSSMTools writes it under the SLHA2 name NMNMIX), UMIX, VMIX, NMHMIX, NMAMIX,
STOPMIX, SBOTMIX, STAUMIX; with the ``higgs_decays`` mapping, DECAY blocks of the
Higgs bosons (``higgs_decays.decay_tables``); with ``add_ewkino_blocks``, DECAY blocks of
the neutralinos, charginos and sleptons and XSECTION blocks of their 13 TeV pair
production. pyslha is imported inside the functions (it is an optional dependency,
``pip install -e '.[slha]'``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import sm_inputs as sm

#: EXTPAR index of each parameter (SLHA2, NMSSMTools' input convention)
EXTPAR = {"M1": 1, "M2": 2, "M3": 3, "At": 11, "Ab": 12, "Atau": 13, "ML12": 31, "ML3": 33,
          "ME12": 34, "ME3": 36, "MQ12": 41, "MQ3": 43, "MU12": 44, "MU3": 46, "MD12": 47,
          "MD3": 49, "lambda_": 61, "kappa": 62, "Alambda": 63, "Akappa": 64, "mueff": 65}
#: PDG code of each mass key
PDG = {"mh1": 25, "mh2": 35, "mh3": 45, "ma1": 36, "ma2": 46, "mhc": 37, "mW": 24,
       "mneu1": 1000022, "mneu2": 1000023, "mneu3": 1000025, "mneu4": 1000035,
       "mneu5": 1000045, "mcha1": 1000024, "mcha2": 1000037, "mgluino": 1000021,
       "msdL": 1000001, "msdR": 2000001, "msuL": 1000002, "msuR": 2000002,
       "msb1": 1000005, "msb2": 2000005, "mst1": 1000006, "mst2": 2000006,
       "msmuL": 1000013, "msmuR": 2000013, "msnumu": 1000014, "msnutau": 1000016,
       "mstau1": 1000015, "mstau2": 2000015}
#: first-two-generation partners written with the same mass
COPIES = {"msdL": 1000003, "msdR": 2000003, "msuL": 1000004, "msuR": 2000004,
          "msmuL": 1000011, "msmuR": 2000011, "msnumu": 1000012}
MATRICES = {"S": "NMHMIX", "P": "NMAMIX", "N": "NMNMIX", "U": "UMIX", "V": "VMIX",
            "stop_mix": "STOPMIX", "sbottom_mix": "SBOTMIX", "stau_mix": "STAUMIX"}


def to_documents(spec: dict, params: dict, decays: dict | None = None) -> list[Any]:
    """One ``pyslha.Doc`` per point of a built-in spectrum (``spectrum`` capability), with
    the Higgs DECAY blocks when ``decays`` (the ``higgs_decays`` mapping) is given."""
    import pyslha

    from .higgs_decays import decay_tables

    n = np.shape(spec["mh1"])[0]
    p = {k: np.broadcast_to(np.asarray(v, float), (n,)) for k, v in params.items()
         if k in EXTPAR or k == "tanb"}
    docs = []
    for i in range(n):
        blocks: dict[str, Any] = {}

        def block(name: str, entries: dict, blocks: dict = blocks) -> None:
            b = pyslha.Block(name)
            for key, val in entries.items():
                b[key] = val
            blocks[name] = b

        block("SPINFO", {1: "fit nmssm_builtin", 2: "1"})
        block("MODSEL", {1: 0, 3: 1})
        block("SMINPUTS", sm.sminputs())
        block("MINPAR", {3: float(p["tanb"][i])})
        block("EXTPAR", {idx: float(p[k][i]) for k, idx in EXTPAR.items() if k in p})
        masses = {code: float(spec[k][i]) for k, code in PDG.items()}
        masses.update({code: float(spec[k][i]) for k, code in COPIES.items()})
        masses.update({5: sm.MB_MB, 6: sm.MT_POLE, 15: sm.MTAU, 23: sm.MZ})
        block("MASS", masses)
        for key, name in MATRICES.items():
            m = spec[key][i]
            block(name, {(r + 1, c + 1): float(m[r, c]) for r in range(m.shape[0])
                         for c in range(m.shape[1])})
        particles = {}
        if decays is not None:
            for pdg, width, channels in decay_tables(decays, i):
                particle = pyslha.Particle(pdg, totalwidth=width, mass=masses.get(pdg))
                for br, ids in channels:
                    particle.add_decay(br, len(ids), list(ids))
                particles[pdg] = particle
        docs.append(pyslha.Doc(blocks, particles))
    return docs


#: XSECTION block entries: sqrt(s) [GeV], scale scheme (0: central), QCD order (2: NLO+NLL, the
#: order SModelS reads as NLL), EW order, kappa_F, kappa_R, PDF (LHAPDF id of PDF4LHC15_nlo_mc)
XSECTION_SETTINGS = (13000.0, 0, 2, 0, 1.0, 1.0, 90400)


def add_ewkino_blocks(docs: list[Any], decays: dict, xsec: dict) -> None:
    """Add DECAY blocks (``ewkino_decays`` capability) and XSECTION blocks (``ewkino_xsec``,
    pairs above 1e-9 pb) to the documents, one per point (in place)."""
    import pyslha

    sqrts, scheme, qcd, ew, kf, kr, pdf = XSECTION_SETTINGS
    for i, doc in enumerate(docs):
        doc.decays = dict(doc.decays or {})
        mass_block = doc.blocks["MASS"]
        for parent, total in decays["width"].items():
            pid = int(parent)
            mass = mass_block.value(pid, None)
            particle = pyslha.Particle(pid, float(total[i]), mass)
            for daughters, br in decays["br"][parent].items():
                if br[i] > 0:
                    ids = [int(d) for d in daughters.split(",")]
                    particle.add_decay(float(br[i]), len(ids), ids)
            doc.decays[pid] = particle
        doc.xsections = dict(doc.xsections or {})
        for pair, sigma in xsec.items():
            if sigma[i] < 1e-9:
                continue
            final = tuple(sorted(int(x) for x in pair.split(",")))
            process = pyslha.Process((2212, 2212), final)
            process.add_xsec(sqrts, scheme, qcd, ew, kf, kr, pdf, float(sigma[i]),
                             ("fit", "LOxK"))
            doc.xsections[(2212, 2212, *final)] = process


def write(doc: Any, path: str, precision: int = 12) -> None:
    """Write one document as an SLHA file with ``precision`` significant digits
    (pyslha's default, 8, loses information in mixing matrices)."""
    import pyslha

    pyslha.write(path, doc, precision=precision)


def dumps(doc: Any, precision: int = 12) -> str:
    """The SLHA text of one document."""
    import pyslha

    return pyslha.writeSLHA(doc, precision=precision)
