"""LHC limits with SModelS (arXiv:1312.4175, 2112.00769; ``pip install smodels``): provider
``smodels_limits`` of the capability ``lhc_limits`` (choose it with
``prefer: [backends.smodels_limits]``).

Per point, the SLHA document (``slha``: spectrum, DECAY and XSECTION blocks) is decomposed into
simplified-model topologies (cross sections above ``sigmacut_fb``; compression of mass gaps
below ``min_mass_gap`` GeV) and confronted with the upper-limit results of the database. The
result with the largest expected r is selected (observed r where no expected limit exists),
as in the built-in limits, and its likelihood ratio ln L(mu=1) - ln L(mu=0) is SModelS's
(its truncated-Gaussian approximation for upper-limit results) or, where SModelS gives none
(no expected limit), the built-in construction from the observed limit.

The database: ``database`` (a directory of the SModelS text or pickle format) or, left out,
SModelS's official database, which it downloads on first use where the internet is reachable.
``write_ul_database`` writes the project's own upper-limit maps in SModelS's text format (the
tests use it). SModelS takes the PDG code 25 for the 125 GeV Higgs boson: the CP-even state
nearest to 125.1 GeV is relabelled 25 in the document given to it (and the old 25 takes its
code). Import and per-point costs are printed by ``benchmarks/lhc_limits.py``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np

from fit import provider

#: SModelS constraints (final states of the two branches) of the project's map topologies
CONSTRAINTS = {"TChiWZ": "[[['W']],[['Z']]]", "TChiWH": "[[['W']],[['higgs']]]",
               "TChiWZoff": "[[['mu+','mu-']],[['jet','jet']]]+[[['e+','e-']],[['jet','jet']]]",
               "TSlepSlep": "[[['e+']],[['e-']]]+[[['mu+']],[['mu-']]]"}
HIGGS_EVEN = (25, 35, 45)


def write_ul_database(directory: Path, maps: list | None = None) -> Path:
    """Write upper-limit maps (default: all of ``likelihoods.lhc_maps.MAPS``) as an SModelS
    text database under ``directory`` (13TeV/<experiment>/<analysis>/...); returns it."""
    from likelihoods.lhc_maps import MAPS

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "version").write_text("fit-maps-1\n")
    for ul_map in MAPS if maps is None else maps:
        experiment = ul_map.analysis.split("-")[0]
        folder = directory / "13TeV" / experiment / ul_map.analysis
        (folder / "data").mkdir(parents=True, exist_ok=True)
        (folder / "globalInfo.txt").write_text(
            f"id: {ul_map.analysis}\nsqrts: 13*TeV\nlumi: 139/fb\n"
            f"prettyName: {ul_map.analysis}\nurl: none\narxiv: none\npublication: none\n"
            f"lastUpdate: 2025/1/1\n")
        (folder / "data" / "dataInfo.txt").write_text("dataType: upperLimit\ndataId: None\n")
        p = ul_map.points

        def grid(column: int, p: np.ndarray = p) -> str:
            return "[" + ", ".join(f"[[[{a}*GeV, {b}*GeV], [{a}*GeV, {b}*GeV]], {v}*pb]"
                                   for a, b, v in zip(p[:, 0], p[:, 1], p[:, column],
                                                      strict=True)) + "]"

        text = (f"txName: {ul_map.topology}\nconstraint: {CONSTRAINTS[ul_map.topology]}\n"
                f"conditionDescription: None\ncondition: None\nsource: {experiment}\n"
                f"validated: True\nupperLimits: {grid(2)}\n")
        if ul_map.has_expected:
            text += f"expectedUpperLimits: {grid(3)}\n"
        (folder / "data" / f"{ul_map.topology}.txt").write_text(text)
    return directory


def relabel_higgs(doc: Any) -> Any:
    """A copy of a pyslha document whose CP-even state nearest to 125.1 GeV has PDG code 25
    (codes swapped in MASS and in every DECAY table)."""
    masses = doc.blocks["MASS"]
    present = [pid for pid in HIGGS_EVEN if pid in masses]
    if not present:
        return doc
    sm_like = min(present, key=lambda pid: abs(float(masses[pid]) - 125.1))
    if sm_like == 25:
        return doc
    swap = {25: sm_like, sm_like: 25}
    new = copy.deepcopy(doc)
    m25, mother = masses[25], masses[sm_like]
    new.blocks["MASS"][25], new.blocks["MASS"][sm_like] = mother, m25
    decays = {}
    for pid, particle in (new.decays or {}).items():
        particle.pid = swap.get(pid, pid)
        for d in particle.decays:
            d.ids = [int(np.sign(i)) * swap.get(abs(i), abs(i)) for i in d.ids]
        decays[particle.pid] = particle
    new.decays = decays
    return new


@provider("lhc_limits", name="smodels_limits")
class SModelSLimits:
    """LHC limits from SModelS on the point's SLHA document (per point): the r values of
    every upper-limit result of the database, the one with the largest expected r selected,
    its observed r and likelihood ratio (the shape of the built-in ``lhc_limits``)."""

    needs = ("slha",)

    def __init__(self, *, database: Path | None = None, sigmacut_fb: float = 0.005,
                 min_mass_gap: float = 5.0, expected_correction: float = 0.6):
        if database is not None and not Path(database).exists():
            raise ValueError(f"option 'database': {database} does not exist")
        if sigmacut_fb < 0 or min_mass_gap < 0:
            raise ValueError("options 'sigmacut_fb' and 'min_mass_gap' must not be negative")
        self.database_path = database
        self.sigmacut, self.gap, self.correction = sigmacut_fb, min_mass_gap, expected_correction
        self._db: Any = None
        self.names: list[str] = []
        self.expected: dict[str, bool] = {}

    def _load(self) -> None:
        from smodels.base import runtime
        from smodels.base.smodelsLogging import setLogLevel

        runtime.modelFile = "smodels.share.models.nmssm"
        setLogLevel("error")
        from smodels.experiment.databaseObj import Database

        self._db = Database(str(self.database_path) if self.database_path else "official")
        # getExpResults selects in place: called once, for the upper-limit results
        expected = {}
        for result in self._db.getExpResults(dataTypes=["upperLimit"]):
            for dataset in result.datasets:
                for tx in dataset.txnameList:
                    name = f"{result.globalInfo.id}:{tx.txName}"
                    expected[name] = expected.get(name, False) or tx.txnameDataExp is not None
        self.names = sorted(expected)
        self.expected = expected

    def __call__(self, slha: Any) -> dict:
        import pyslha
        from smodels.base.model import Model
        from smodels.base.physicsUnits import GeV, fb
        from smodels.decomposition import decomposer
        from smodels.matching.theoryPrediction import theoryPredictionsFor
        from smodels.share.models.nmssm import BSMList
        from smodels.share.models.SMparticles import SMList
        from smodels.statistics.basicStats import apriori, observed

        from likelihoods.lhc import summarise
        from likelihoods.lhc_maps import log_likelihood_ratio

        if self._db is None:
            self._load()
        model = Model(BSMparticles=BSMList, SMparticles=SMList)
        model.updateParticles(inputFile=pyslha.writeSLHA(relabel_higgs(slha), precision=10))
        topologies = decomposer.decompose(model, sigmacut=self.sigmacut * fb,
                                          massCompress=True, invisibleCompress=True,
                                          minmassgap=self.gap * GeV)
        r_obs = dict.fromkeys(self.names, 0.0)
        r_exp = dict.fromkeys(self.names, 0.0)
        loglike: dict[str, float] = {}
        for prediction in theoryPredictionsFor(self._db, topologies, combinedResults=False):
            for tx in prediction.txnames:
                name = f"{prediction.analysisId()}:{tx.txName}"
                r = float(prediction.getRValue(evaluationType=observed) or 0.0)
                expected = prediction.getRValue(evaluationType=apriori)
                if r <= r_obs[name]:
                    continue
                r_obs[name] = r
                r_exp[name] = -1.0 if expected is None else float(expected)
                ratio = prediction.likelihood(mu=1.0, return_nll=True)
                background = prediction.likelihood(mu=0.0, return_nll=True)
                if ratio is not None and background is not None:
                    loglike[name] = float(background - ratio)
        for name in self.names:      # results without an expected limit in the database
            if r_exp[name] == 0.0 and not self.expected[name]:
                r_exp[name] = -1.0
        results = {k: (np.array([r_obs[k]]), np.array([r_exp[k]])) for k in self.names}

        def ratio(name: str, o: np.ndarray, e: np.ndarray) -> np.ndarray:
            if name in loglike:
                return np.array([loglike[name]])
            return log_likelihood_ratio(o, e, self.correction)

        out = summarise(results, ratio, np.zeros(1, dtype=bool))
        return {k: ({n: {a: float(b[0]) for a, b in v.items()} for n, v in out[k].items()}
                    if k == "results" else out[k][0].item() if k != "selected"
                    else str(out[k][0]))
                for k in out}
