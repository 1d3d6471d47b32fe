"""LHC limits on electroweakinos and sleptons: the ``lhc_limits`` capability and the ``lhc``
likelihood term.

Three providers serve ``lhc_limits`` (one shape, docs/capabilities.md), and ``prefer:`` picks
the level: ``likelihoods.lhc`` (built in: simplified-model upper-limit maps, this module),
``backends.smodels_limits`` (SModelS on the SLHA document) and ``backends.pyhf_limits``
(HistFactory likelihoods with pyhf).

Built-in limits. The cross sections (``ewkino_xsec``) and branching ratios
(``ewkino_decays``) of a point give sigma x BR of each simplified-model topology:

- TChiWZ, TChiWH: pp -> chi0_i chi+-_k (i >= 2, both charges), chi+-_k -> W chi0_1 and
  chi0_i -> Z chi0_1 or h(125) chi0_1 (the CP-even state within 5 GeV of 125.1 GeV);
- TChiWZoff: the same pairs below the W/Z thresholds, chi0_i -> l+ l- chi0_1 (l = e, mu) and
  chi+-_k -> q qbar' chi0_1 (the final state of the map's limit);
- TSlepSlep: selectron and smuon pairs (L and R) with slepton -> l chi0_1, BR squared.

The mother mass of a pair is its mean mass; pairs whose masses differ by more than
MASS_TOLERANCE of the mean are not matched to the maps (their signal is left out, which
underestimates r). For each map r = sum_c sigma_c BR_c / UL(m_mother,c, m_LSP): contributions
at different masses add as signal events of one search region would (exact for one counting
region with mass-dependent acceptance folded into UL). Contributions outside a map's grid
give r = 0 there; the flag ``outside_grid`` says where a contribution that could have
mattered (sigma x BR above a tenth of the smallest limit) lies outside every map of its
topology. The selected result is the map with the largest
expected r (the observed r for maps without published expected limits), so that the choice
is not biased by fluctuations of the data; its observed r and its
truncated-Gaussian likelihood (``lhc_maps``) are the result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from fit import likelihood, provider

from .lhc_maps import MAPS, ULMap, log_likelihood_ratio, maps_by_name

NEUTRALINOS = (1000022, 1000023, 1000025, 1000035, 1000045)
CHARGINOS = (1000024, 1000037)
SLEPTONS = (1000011, 2000011, 1000013, 2000013)
LEPTON = {1000011: 11, 2000011: 11, 1000013: 13, 2000013: 13}
#: spectrum key of each selectron/smuon mass
SLEPTON_MASS = {1000011: "msmuL", 2000011: "msmuR", 1000013: "msmuL", 2000013: "msmuR"}
#: the SM-like Higgs of the simplified models [GeV] and the window around it
M_HIGGS, HIGGS_WINDOW = 125.1, 5.0
#: largest relative mass difference of a produced pair matched to one mother mass
MASS_TOLERANCE = 0.2
#: flag contributions outside a map with sigma x BR above this fraction of its smallest UL
FLAG_FRACTION = 0.1
#: contributions below this fraction of a map's smallest UL are not looked up
R_NEGLIGIBLE = 1e-3

Contribution = tuple[np.ndarray, np.ndarray, np.ndarray]     # sigma x BR [pb], mother, LSP


def branching(decays: Mapping, parent: int, *channels: tuple[int, ...]) -> np.ndarray:
    """Sum of the branching ratios of the channels (daughter PDG tuples) of a parent."""
    brs = decays["br"].get(str(parent), {})
    total = None
    for channel in channels:
        value = brs.get(",".join(str(d) for d in channel))
        if value is not None:
            total = value if total is None else total + value
    if total is None:
        n = len(next(iter(decays["width"].values())))
        return np.zeros(n)
    return np.asarray(total, float)


def _higgs125(spectrum: Mapping) -> list[tuple[int, np.ndarray]]:
    """(PDG code, weight) of the CP-even states: weight 1 for the state nearest to 125.1 GeV
    where it lies within the window, else 0."""
    masses = np.stack([spectrum[k] for k in ("mh1", "mh2", "mh3")], -1)
    distance = np.abs(masses - M_HIGGS)
    nearest = np.argmin(distance, axis=-1)
    within = np.min(distance, axis=-1) < HIGGS_WINDOW
    return [(pdg, ((nearest == a) & within).astype(float))
            for a, pdg in enumerate((25, 35, 45))]


def signal_contributions(spectrum: Mapping, xsec: Mapping, decays: Mapping
                         ) -> dict[str, list[Contribution]]:
    """sigma x BR [pb] with mother and LSP masses [GeV] of every topology's contributions."""
    lsp = np.abs(spectrum["mneu1"])
    lsp_pdg = NEUTRALINOS[0]
    higgs = _higgs125(spectrum)
    out: dict[str, list[Contribution]] = {"TChiWZ": [], "TChiWH": [], "TChiWZoff": [],
                                          "TSlepSlep": []}
    for i, neutralino in enumerate(NEUTRALINOS[1:], start=2):
        m_i = np.abs(spectrum[f"mneu{i}"])
        to_z = branching(decays, neutralino, (lsp_pdg, 23))
        to_h = sum(w * branching(decays, neutralino, (lsp_pdg, pdg)) for pdg, w in higgs)
        to_ll = branching(decays, neutralino, (lsp_pdg, 11, -11), (lsp_pdg, 13, -13))
        for k, chargino in enumerate(CHARGINOS, start=1):
            m_k = spectrum[f"mcha{k}"]
            mother = 0.5 * (m_i + m_k)
            matched = np.abs(m_i - m_k) <= MASS_TOLERANCE * mother
            sigma = (np.asarray(xsec.get(f"{neutralino},{chargino}", 0.0))
                     + np.asarray(xsec.get(f"{neutralino},{-chargino}", 0.0))) * matched
            to_w = branching(decays, chargino, (lsp_pdg, 24))
            to_qq = branching(decays, chargino, (lsp_pdg, 2, -1), (lsp_pdg, 4, -3))
            out["TChiWZ"].append((sigma * to_w * to_z, mother, lsp))
            out["TChiWH"].append((sigma * to_w * to_h, mother, lsp))
            out["TChiWZoff"].append((sigma * to_qq * to_ll, mother, lsp))
    for slepton in SLEPTONS:
        sigma = np.asarray(xsec.get(f"{slepton},{-slepton}", 0.0))
        to_l = branching(decays, slepton, (lsp_pdg, LEPTON[slepton]))
        out["TSlepSlep"].append((sigma * to_l**2, np.asarray(spectrum[SLEPTON_MASS[slepton]]),
                                 lsp))
    return out


def map_r_values(ul_map: ULMap, contributions: list[Contribution]
                 ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """r_obs, r_exp (-1 without published expected limits) of one map, summed over its
    topology's contributions, and per contribution where it falls outside the map although
    it could matter (sigma x BR above FLAG_FRACTION of the map's smallest limit).
    Contributions that could not reach r = R_NEGLIGIBLE anywhere on the map are skipped."""
    n = len(contributions[0][0])
    r_obs, r_exp = np.zeros(n), np.zeros(n)
    outside = []
    smallest = float(np.min(ul_map.points[:, 2]))
    for sigma_br, mother, lsp in contributions:
        sigma_br = np.broadcast_to(sigma_br, (n,))
        missed = np.zeros(n, dtype=bool)
        outside.append(missed)
        idx = np.flatnonzero(sigma_br > R_NEGLIGIBLE * smallest)
        if idx.size == 0:
            continue
        ul_obs, ul_exp = ul_map.upper_limits(np.broadcast_to(mother, (n,))[idx],
                                             np.broadcast_to(lsp, (n,))[idx])
        inside = np.isfinite(ul_obs)
        r_obs[idx] += np.where(inside, sigma_br[idx] / np.where(inside, ul_obs, 1.0), 0.0)
        if ul_map.has_expected:
            r_exp[idx] += np.where(inside, sigma_br[idx] / np.where(inside, ul_exp, 1.0), 0.0)
        missed[idx] = ~inside & (sigma_br[idx] > FLAG_FRACTION * smallest)
    if not ul_map.has_expected:
        r_exp[:] = -1.0
    return r_obs, r_exp, outside


def summarise(results: Mapping[str, tuple[np.ndarray, np.ndarray]],
              loglike: Callable[[str, np.ndarray, np.ndarray], np.ndarray],
              flag: np.ndarray) -> dict:
    """The ``lhc_limits`` mapping from per-result r values: the result with the largest
    expected r (observed r where none is expected) is selected, and ``loglike(name, r_obs,
    r_exp)`` gives ln L(signal) - ln L(background) of the points that selected it."""
    names = list(results)
    r_obs = np.stack([results[k][0] for k in names], -1)
    r_exp = np.stack([results[k][1] for k in names], -1)
    ranking = np.where(r_exp >= 0, r_exp, r_obs)
    best = np.argmax(ranking, axis=-1)
    rows = np.arange(r_obs.shape[0])
    chosen_obs, chosen_exp = r_obs[rows, best], r_exp[rows, best]
    value = np.zeros(len(rows))
    for k, name in enumerate(names):
        mine = np.flatnonzero((best == k) & (chosen_obs > 0))
        if mine.size:
            value[mine] = loglike(name, chosen_obs[mine], chosen_exp[mine])
    selected = np.array(names, dtype=object)[best]
    selected[ranking[rows, best] <= 0] = ""
    return {"r_obs": chosen_obs, "r_exp": chosen_exp, "r_obs_max": r_obs.max(axis=-1),
            "loglike": value, "outside_grid": flag, "selected": selected,
            "results": {k: {"r_obs": results[k][0], "r_exp": results[k][1]} for k in names}}


@provider("lhc_limits", vectorised=True, name="lhc_builtin")
class LHCBuiltin:
    """Built-in LHC limits: sigma x BR of simplified-model topologies against the upper-limit
    maps of ATLAS and CMS electroweakino and slepton searches (maps: all by default, or a
    list of 'ANALYSIS:TOPOLOGY' names)."""

    needs = ("spectrum", "ewkino_xsec", "ewkino_decays")

    def __init__(self, *, maps: list | None = None, expected_correction: float = 0.6):
        known = maps_by_name()
        if maps is None:
            self.maps = list(MAPS)
        else:
            unknown = [m for m in maps if m not in known]
            if unknown:
                raise ValueError(f"option 'maps': unknown map(s) {unknown}; known: "
                                 f"{sorted(known)}")
            self.maps = [known[m] for m in maps]
        if not 0.0 <= expected_correction < 1.0:
            raise ValueError("option 'expected_correction' must lie in [0, 1)")
        self.correction = expected_correction

    def __call__(self, spectrum: Mapping, ewkino_xsec: Mapping, ewkino_decays: Mapping
                 ) -> dict:
        contributions = signal_contributions(spectrum, ewkino_xsec, ewkino_decays)
        results = {}
        # a contribution is uncovered if every map of its topology misses it
        uncovered: dict[str, list[np.ndarray]] = {}
        for ul_map in self.maps:
            r_obs, r_exp, outside = map_r_values(ul_map, contributions[ul_map.topology])
            results[ul_map.name] = (r_obs, r_exp)
            previous = uncovered.get(ul_map.topology)
            uncovered[ul_map.topology] = (outside if previous is None else
                                          [a & b for a, b in zip(previous, outside,
                                                                 strict=True)])
        flag = np.zeros(len(spectrum["mneu1"]), dtype=bool)
        for masks in uncovered.values():
            for mask in masks:
                flag |= mask
        return summarise(results, lambda _, o, e: log_likelihood_ratio(o, e, self.correction),
                         flag)


@likelihood("lhc", vectorised=True, name="lhc")
class LHCTerm:
    """LHC electroweakino and slepton searches: ln L(signal) - ln L(background) of the
    selected result (``method: likelihood``; ``cap_at_zero`` keeps upward fluctuations from
    favouring a signal), or a hard cut (``method: hard_cut``: -inf where r_obs > 1, else 0)."""

    needs = ("lhc_limits",)

    def __init__(self, *, method: str = "likelihood", cap_at_zero: bool = True):
        if method not in ("likelihood", "hard_cut"):
            raise ValueError(f"option 'method' must be 'likelihood' or 'hard_cut', not "
                             f"{method!r}")
        self.method, self.cap = method, cap_at_zero

    def __call__(self, lhc_limits: Mapping) -> np.ndarray:
        if self.method == "hard_cut":
            return np.where(np.asarray(lhc_limits["r_obs"]) > 1.0, -np.inf, 0.0)
        loglike = np.asarray(lhc_limits["loglike"], float)
        return np.minimum(loglike, 0.0) if self.cap else loglike
