"""Higgs likelihood terms and the observables of the SM-like Higgs boson.

The SM-like state is the CP-even state with the largest coupling to W/Z (|k_V|, from
``higgs_couplings``). Its couplings are written with the sign that makes k_V positive.

Observables (one capability each, so that the HDF5 datasets and exported columns carry
these names): ``hsm_kappa_V``, ``hsm_kappa_u``, ``hsm_kappa_d``, ``hsm_kappa_g``,
``hsm_kappa_gamma``, ``hsm_width`` [GeV], ``hsm_br_bb``, ``hsm_br_gamgam``, ``hsm_br_WW``,
``hsm_br_inv``.

Likelihood terms (one per constraint, so that the output shows which one bites):

- ``higgs_mass``: Gaussian in the SM-like mass, measurement (``likelihoods/data/higgs_mass.csv``)
  and theory error in quadrature;
- ``higgs_kappas``: chi^2 of k_V, k_t, k_b, k_tau, k_g, k_gamma against the ATLAS and CMS
  Run-2 fits with asymmetric errors (``higgs_kappas_2022.csv``), in the fits' scenario
  without (``sm_decays``) or with (``bsm_decays``) decays beyond the SM; in the latter the
  undetected BSM branching ratio is bounded as well;
- ``higgs_invisible``: BR(h_SM -> invisible) against the ATLAS Run 1 + 2 limit;
- ``higgs_lep``: LEP e+e- -> Z h, h -> b b, tau tau for every CP-even state;
- ``higgs_exotic``: LHC searches for h_SM -> phi phi (phi = a_1, or h_1 when it is not the
  SM-like state) with 4 tau and 2 tau 2 b final states;
- ``higgs_targets``: Gaussian targets given in the YAML (e.g. excesses at 95 and 650 GeV).

Upper limits at 95% CL become log L = -(1.96 r)^2 / 2 with r = prediction/limit (a
Gaussian of zero mean whose 95% quantile is the limit: Delta chi^2 = 3.84 at the limit), or,
with ``limit_model: step``, 0 below and -inf above the limit.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import numpy as np

from backends.nmssm_labels import LABELS
from fit import likelihood, provider

DATA = Path(__file__).parent / "data"
#: ATLAS Run 1 + Run 2 combination of searches for invisible decays: BR(h -> inv) < 0.107
#: observed (0.077 expected) at 95% CL, Phys. Lett. B842 (2023) 137963, arXiv:2301.10731
BR_INV_LIMIT = 0.107
#: 2-sigma bound on BR(h -> BSM) from the ATLAS and CMS kappa fits with B_inv and
#: B_undetected free (arXiv:2207.00092, 2207.00043), as combined in NMSSMTools 6.1.0
#: (couplingfits.f); applied here to the undetected (non-invisible) BSM decays
BR_UNDETECTED_2SIGMA = 0.16
#: SM channels of the SM-like state (the rest, minus invisible, is "undetected")
SM_CHANNELS = ("bb", "tautau", "mumu", "cc", "ss", "tt", "gg", "gamgam", "Zgam", "WW", "ZZ")
KAPPAS = ("kappa_V", "kappa_t", "kappa_b", "kappa_tau", "kappa_g", "kappa_gamma")
LIMIT_MODELS = ("gaussian", "step")


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


@cache
def _table(name: str) -> tuple[np.ndarray, np.ndarray]:
    rows = _rows(name)
    return (np.array([float(r["mass"]) for r in rows]),
            np.array([float(r["limit"]) for r in rows]))


def limit_loglike(ratio: np.ndarray, model: str = "gaussian") -> np.ndarray:
    """log L of a prediction at ``ratio`` times a 95% CL upper limit."""
    ratio = np.maximum(np.asarray(ratio, float), 0.0)
    if model == "step":
        return np.where(ratio <= 1.0, 0.0, -np.inf)
    return -0.5 * (1.959964 * ratio) ** 2


def _check_limit_model(model: str) -> str:
    if model not in LIMIT_MODELS:
        raise ValueError(f"'limit_model' must be one of {', '.join(LIMIT_MODELS)}, got "
                         f"'{model}'")
    return model


# ------------------------------------------------------------------ the SM-like state

def sm_like_index(couplings: dict) -> np.ndarray:
    """0-based index (n,) of the CP-even state with the largest |k_V|."""
    kv = np.stack([np.atleast_1d(couplings[f"kV_{i}"]) for i in (1, 2, 3)], -1)
    return np.abs(kv).argmax(axis=1)


def _pick(values: list[np.ndarray], idx: np.ndarray) -> np.ndarray:
    return np.stack([np.atleast_1d(v) for v in values], -1)[np.arange(idx.size), idx]


def sm_like_couplings(couplings: dict) -> dict[str, np.ndarray]:
    """Reduced couplings of the SM-like state, signed so that k_V > 0."""
    idx = sm_like_index(couplings)

    def get(key: str, fallback: str | None = None) -> np.ndarray:
        name = key if f"{key}_1" in couplings else fallback
        return _pick([couplings[f"{name}_{i}"] for i in (1, 2, 3)], idx)

    kv = get("kV")
    sign = np.where(kv < 0, -1.0, 1.0)
    return {"index": idx, "kappa_V": np.abs(kv), "kappa_t": sign * get("ku"),
            "kappa_d": sign * get("kd"), "kappa_b": sign * get("kb", "kd"),
            "kappa_tau": sign * get("ktau", "kd"), "kappa_g": np.abs(get("kg")),
            "kappa_gamma": np.abs(get("kgamma"))}


def sm_like_decays(couplings: dict, decays: dict) -> dict[str, np.ndarray]:
    """Width [GeV] and branching ratios of the SM-like state: per SM channel, ``inv``
    (invisible) and ``undetected`` (the other decays beyond the SM)."""
    idx = sm_like_index(couplings)
    states = ("h1", "h2", "h3")

    def get(key: str) -> np.ndarray:
        return _pick([decays.get(key.format(s=s), np.zeros_like(decays["width_h1"]))
                      for s in states], idx)

    out = {"width": get("width_{s}"), "inv": get("br_{s}_invisible")}
    for ch in SM_CHANNELS:
        out[ch] = get("br_{s}_" + ch)
    out["undetected"] = np.clip(1.0 - sum(out[ch] for ch in SM_CHANNELS) - out["inv"], 0.0, 1.0)
    return out


def _register_observable(name: str, key: str, needs_decays: bool) -> None:
    """Register the capability ``name``: one quantity of the SM-like state."""
    if needs_decays:
        def observable(higgs_couplings: dict, higgs_decays: dict) -> np.ndarray:
            return sm_like_decays(higgs_couplings, higgs_decays)[key]
    else:
        def observable(higgs_couplings: dict) -> np.ndarray:  # type: ignore[misc]
            return sm_like_couplings(higgs_couplings)[key]
    what = "[GeV]" if key == "width" else ""
    observable.__doc__ = f"SM-like Higgs boson: {key} {what}".rstrip() + "."
    observable.__name__ = observable.__qualname__ = name
    provider(name, vectorised=True, name=name, labels=LABELS[name])(observable)


for _name, _key in (("hsm_kappa_V", "kappa_V"), ("hsm_kappa_u", "kappa_t"),
                    ("hsm_kappa_d", "kappa_d"), ("hsm_kappa_g", "kappa_g"),
                    ("hsm_kappa_gamma", "kappa_gamma")):
    _register_observable(_name, _key, needs_decays=False)
for _name, _key in (("hsm_width", "width"), ("hsm_br_bb", "bb"), ("hsm_br_gamgam", "gamgam"),
                    ("hsm_br_WW", "WW"), ("hsm_br_inv", "inv")):
    _register_observable(_name, _key, needs_decays=True)


# ------------------------------------------------------------------ mass

def measured_mass(measurement: str) -> tuple[float, float]:
    """(value, error) [GeV] of a row of ``higgs_mass.csv``."""
    rows = {r["measurement"]: r for r in _rows("higgs_mass.csv")}
    if measurement not in rows:
        raise ValueError(f"'measurement' must be one of {', '.join(rows)}, got '{measurement}'")
    return float(rows[measurement]["value"]), float(rows[measurement]["error"])


@likelihood("higgs_mass", vectorised=True, name="higgs_mass")
class HiggsMass:
    """Gaussian log L of the SM-like mass: measurement ``measurement`` (ATLAS, arXiv:2308.04775,
    or CMS, arXiv:2002.06398) with ``theory_error`` [GeV] added in quadrature."""

    def __init__(self, *, measurement: str = "ATLAS", theory_error: float = 3.0):
        if theory_error < 0:
            raise ValueError(f"'theory_error' must be >= 0 GeV, got {theory_error}")
        self.value, error = measured_mass(measurement)
        self.sigma = float(np.hypot(error, theory_error))
        self.needs = ("spectrum", "higgs_couplings")

    def __call__(self, spectrum: dict, higgs_couplings: dict) -> np.ndarray:
        idx = sm_like_index(higgs_couplings)
        mass = np.abs(_pick([spectrum[f"mh{i}"] for i in (1, 2, 3)], idx))
        return -0.5 * ((mass - self.value) / self.sigma) ** 2


# ------------------------------------------------------------------ couplings

def kappa_measurements(scenario: str, experiments: tuple[str, ...]
                       ) -> list[tuple[str, str, float, float, float]]:
    """(coupling, experiment, value, err_plus, err_minus) of a scenario of
    ``higgs_kappas_2022.csv`` (k_V from the sm_decays rows in both scenarios)."""
    out = []
    for r in _rows("higgs_kappas_2022.csv"):
        if r["experiment"] not in experiments:
            continue
        if r["scenario"] != scenario and not (r["coupling"] == "kappa_V"
                                              and r["scenario"] == "sm_decays"):
            continue
        minus = float(r["err_minus"])
        plus = float(r["err_plus"]) if r["err_plus"] else minus
        out.append((r["coupling"], r["experiment"], float(r["value"]), plus, minus))
    return out


@likelihood("higgs_kappas", vectorised=True, name="higgs_kappas")
class HiggsKappas:
    """-chi^2/2 of the SM-like state's k_V, k_t, k_b, k_tau, k_g, k_gamma against the ATLAS
    (arXiv:2207.00092) and CMS (arXiv:2207.00043) kappa fits, asymmetric Gaussian errors,
    the experiments taken as independent. ``scenario``: ``bsm_decays`` (the fits with
    B_inv and B_undetected free, valid for any point; the undetected BSM branching ratio
    is bounded by a Gaussian whose 2 sigma is 0.16) or ``sm_decays`` (the fits without BSM
    decays; for points whose SM-like state has none). ``experiments``: ATLAS, CMS."""

    def __init__(self, *, scenario: str = "bsm_decays", experiments: list | None = None):
        if scenario not in ("sm_decays", "bsm_decays"):
            raise ValueError(f"'scenario' must be sm_decays or bsm_decays, got '{scenario}'")
        exps = tuple(experiments or ("ATLAS", "CMS"))
        unknown = [e for e in exps if e not in ("ATLAS", "CMS")]
        if unknown or not exps:
            raise ValueError(f"'experiments' takes ATLAS and/or CMS, got {list(exps)}")
        self.scenario = scenario
        self.rows = kappa_measurements(scenario, exps)
        self.needs = (("higgs_couplings", "higgs_decays") if scenario == "bsm_decays"
                      else ("higgs_couplings",))

    def chi2_terms(self, higgs_couplings: dict, higgs_decays: dict | None = None
                   ) -> dict[str, np.ndarray]:
        """chi^2 per (coupling, experiment), and of the undetected BSM decays."""
        k = sm_like_couplings(higgs_couplings)
        out = {}
        for coupling, exp, value, plus, minus in self.rows:
            d = k[coupling] - value
            out[f"{coupling}/{exp}"] = (d / np.where(d > 0, plus, minus)) ** 2
        if self.scenario == "bsm_decays" and higgs_decays is not None:
            und = sm_like_decays(higgs_couplings, higgs_decays)["undetected"]
            out["undetected"] = (und / (BR_UNDETECTED_2SIGMA / 2.0)) ** 2
        return out

    def __call__(self, higgs_couplings: dict, higgs_decays: dict | None = None) -> np.ndarray:
        return -0.5 * sum(self.chi2_terms(higgs_couplings, higgs_decays).values())


@likelihood("higgs_invisible", vectorised=True, name="higgs_invisible")
class HiggsInvisible:
    """BR(h_SM -> invisible) (pairs of the lightest neutralino and the channels declared
    invisible in ``higgs_decays``) against the ATLAS 95% CL limit 0.107 (arXiv:2301.10731)."""

    def __init__(self, *, limit_model: str = "gaussian"):
        self.model = _check_limit_model(limit_model)
        self.needs = ("higgs_couplings", "higgs_decays")

    def __call__(self, higgs_couplings: dict, higgs_decays: dict) -> np.ndarray:
        inv = sm_like_decays(higgs_couplings, higgs_decays)["inv"]
        return limit_loglike(inv / BR_INV_LIMIT, self.model)


# ------------------------------------------------------------------ LEP and LHC searches

def _interp_limit(table: str, mass: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Limit at ``mass`` and whether the mass lies inside the table."""
    m, lim = _table(table)
    inside = (mass >= m[0]) & (mass <= m[-1])
    return np.interp(mass, m, lim), inside


@likelihood("higgs_lep", vectorised=True, name="higgs_lep")
class HiggsLEP:
    """LEP e+e- -> Z h_i, h_i -> b b or tau tau (hep-ex/0602042) for each CP-even state in
    the tables' mass range (12-116 GeV): per state the more constraining of the two
    channels, summed over the states. ``include_sm_like``: also the SM-like state."""

    TABLES = (("bb", "lep_hZ_bb.csv"), ("tautau", "lep_hZ_tautau.csv"))

    def __init__(self, *, limit_model: str = "gaussian", include_sm_like: bool = True):
        self.model = _check_limit_model(limit_model)
        self.include_sm_like = include_sm_like
        self.needs = ("spectrum", "higgs_couplings", "higgs_decays")

    def ratios(self, spectrum: dict, higgs_couplings: dict, higgs_decays: dict) -> np.ndarray:
        """prediction/limit (n, 3): the larger of the two channels per state."""
        out = []
        for i in (1, 2, 3):
            m = np.abs(np.atleast_1d(spectrum[f"mh{i}"]))
            kv2 = np.atleast_1d(higgs_couplings[f"kV_{i}"]) ** 2
            best = np.zeros_like(m)
            for ch, table in self.TABLES:
                lim, inside = _interp_limit(table, m)
                r = kv2 * np.atleast_1d(higgs_decays[f"br_h{i}_{ch}"]) / lim
                best = np.maximum(best, np.where(inside, r, 0.0))
            out.append(best)
        ratios = np.stack(out, -1)
        if not self.include_sm_like:
            ratios[np.arange(ratios.shape[0]), sm_like_index(higgs_couplings)] = 0.0
        return ratios

    def __call__(self, spectrum: dict, higgs_couplings: dict, higgs_decays: dict) -> np.ndarray:
        return np.sum(limit_loglike(self.ratios(spectrum, higgs_couplings, higgs_decays),
                                    self.model), axis=1)


#: LHC searches for h_SM -> phi phi: table, final-state factor of BR(phi->X) BR(phi->Y) (2 for
#: X != Y), the two channels; production: gluon fusion, scaled by k_g^2
EXOTIC_SEARCHES = {"cms_4tau": ("lhc_h_aa_4tau_cms.csv", 1.0, "tautau", "tautau"),
                   "cms_2tau2b": ("lhc_h_aa_2tau2b_cms.csv", 2.0, "tautau", "bb")}


@likelihood("higgs_exotic", vectorised=True, name="higgs_exotic")
class HiggsExotic:
    """LHC searches for h_SM -> phi phi -> 4 tau (CMS, arXiv:1907.07235) and 2 tau 2 b (CMS,
    arXiv:1805.10191), phi = a_1, or h_1 when h_1 is not the SM-like state; signal
    k_g^2 BR(h_SM -> phi phi) f BR(phi -> X) BR(phi -> Y) (f = 2 for X != Y), summed over
    the searches."""

    def __init__(self, *, limit_model: str = "gaussian"):
        self.model = _check_limit_model(limit_model)
        self.needs = ("spectrum", "higgs_couplings", "higgs_decays")

    def ratios(self, spectrum: dict, higgs_couplings: dict, higgs_decays: dict
               ) -> dict[str, np.ndarray]:
        """prediction/limit per search (largest over the light states phi)."""
        idx = sm_like_index(higgs_couplings)
        n = idx.size
        kg2 = sm_like_couplings(higgs_couplings)["kappa_g"] ** 2
        states = ("h1", "h2", "h3")
        zero = np.zeros(n)

        def br(key: str) -> np.ndarray:
            return _pick([np.atleast_1d(higgs_decays.get(key.format(s=s), zero))
                          for s in states], idx)

        light = [("a1", np.abs(np.atleast_1d(spectrum["ma1"])), br("br_{s}_a1a1")),
                 ("h1", np.abs(np.atleast_1d(spectrum["mh1"])),
                  np.where(idx != 0, br("br_{s}_h1h1"), 0.0))]
        out = {}
        for name, (table, factor, x, y) in EXOTIC_SEARCHES.items():
            best = zero.copy()
            for phi, mass, br_pair in light:
                lim, inside = _interp_limit(table, mass)
                signal = (kg2 * br_pair * factor * np.atleast_1d(higgs_decays[f"br_{phi}_{x}"])
                          * np.atleast_1d(higgs_decays[f"br_{phi}_{y}"]))
                best = np.maximum(best, np.where(inside, signal / lim, 0.0))
            out[name] = best
        return out

    def __call__(self, spectrum: dict, higgs_couplings: dict, higgs_decays: dict) -> np.ndarray:
        r = self.ratios(spectrum, higgs_couplings, higgs_decays)
        return sum(limit_loglike(v, self.model) for v in r.values())


# ------------------------------------------------------------------ targets

PRODUCTION = {"ggF": "kg", "VBF": "kV", "VH": "kV", "ee": "kV", "ttH": "ku"}
STATES = ("h1", "h2", "h3", "a1", "a2")
SELECTORS = {"hsm": ("h1", "h2", "h3"), "nearest": STATES, "nearest_even": ("h1", "h2", "h3"),
             "nearest_odd": ("a1", "a2")}
COUPLINGS = ("kV", "ku", "kd", "kb", "ktau", "kg", "kgamma")


class Target:
    """One Gaussian target of ``higgs_targets`` (keys in its docstring)."""

    KEYS = frozenset({"name", "state", "quantity", "value", "sigma", "sigma_minus", "near"})

    def __init__(self, spec: dict, position: int):
        where = f"target {position + 1}"
        if not isinstance(spec, dict):
            raise ValueError(f"{where}: expected a mapping with state, quantity, value, sigma")
        unknown = sorted(set(spec) - self.KEYS)
        missing = [k for k in ("state", "quantity", "value", "sigma") if k not in spec]
        if unknown or missing:
            raise ValueError(f"{where}: unknown keys {unknown}, missing keys {missing}; "
                             f"valid: {', '.join(sorted(self.KEYS))}")
        self.name = str(spec.get("name", f"target{position + 1}"))
        self.state, self.quantity = str(spec["state"]), str(spec["quantity"])
        self.value, self.sigma = float(spec["value"]), float(spec["sigma"])
        self.sigma_minus = float(spec.get("sigma_minus", self.sigma))
        if self.state not in STATES and self.state not in SELECTORS:
            raise ValueError(f"{where}: state must be one of "
                             f"{', '.join((*STATES, *SELECTORS))}, got '{self.state}'")
        if self.sigma <= 0 or self.sigma_minus <= 0:
            raise ValueError(f"{where}: sigma and sigma_minus must be positive")
        q = self.quantity
        if q.startswith("mu_"):
            parts = q.split("_", 2)
            if len(parts) != 3 or parts[1] not in PRODUCTION:
                raise ValueError(f"{where}: a signal strength is mu_<production>_<channel> with "
                                 f"production one of {', '.join(PRODUCTION)}, got '{q}'")
            if self.state in ("a1", "a2", "nearest_odd"):
                raise ValueError(f"{where}: signal strengths are defined for CP-even states")
        elif q not in ("mass", "width") and not q.startswith("br_") and q not in COUPLINGS:
            raise ValueError(f"{where}: quantity must be mass, width, br_<channel>, "
                             f"mu_<production>_<channel> or one of {', '.join(COUPLINGS)}")
        self.near = float(spec["near"]) if "near" in spec else (
            self.value if q == "mass" else None)
        if self.state.startswith("nearest") and self.near is None:
            raise ValueError(f"{where}: state '{self.state}' needs 'near' (a mass in GeV) "
                             f"unless the quantity is the mass")
        self.candidates = (self.state,) if self.state in STATES else SELECTORS[self.state]
        if q.startswith("mu_") and self.state == "nearest":
            self.candidates = SELECTORS["nearest_even"]

    def _quantity(self, state: str, spectrum: dict, couplings: dict, decays: dict
                  ) -> np.ndarray:
        from backends.nmssm_builtin.higgs_decays import sm_branching_ratios

        q = self.quantity
        mass = np.abs(np.atleast_1d(spectrum[f"m{state}"]))
        if q == "mass":
            return mass
        if q == "width":
            return np.atleast_1d(decays[f"width_{state}"])
        if q.startswith("br_"):
            return np.atleast_1d(decays[f"br_{state}_{q[3:]}"])
        if q.startswith("mu_"):
            _, production, channel = q.split("_", 2)
            k = np.atleast_1d(couplings[f"{PRODUCTION[production]}_{state[1]}"])
            br_sm = sm_branching_ratios(mass)[channel]
            br = np.atleast_1d(decays[f"br_{state}_{channel}"])
            return k**2 * br / np.where(br_sm > 0, br_sm, np.inf)
        key = f"{q}_{state[1]}" if state.startswith("h") else f"{q}_{state}"
        return np.atleast_1d(couplings[key])

    def predict(self, spectrum: dict, couplings: dict, decays: dict) -> np.ndarray:
        """The targeted quantity (n,) of the selected state."""
        values = np.stack([self._quantity(s, spectrum, couplings, decays)
                           for s in self.candidates], -1)
        rows = np.arange(values.shape[0])
        if self.state == "hsm":
            pick = sm_like_index(couplings)
        elif len(self.candidates) == 1:
            pick = np.zeros(values.shape[0], dtype=int)
        else:
            masses = np.stack([np.abs(np.atleast_1d(spectrum[f"m{s}"]))
                               for s in self.candidates], -1)
            pick = np.abs(masses - self.near).argmin(axis=1)
        return values[rows, pick]


@likelihood("higgs_targets", vectorised=True, name="higgs_targets")
class HiggsTargets:
    """Gaussian targets from the YAML (e.g. excesses): ``targets``, a list of mappings
    {name, state, quantity, value, sigma, [sigma_minus], [near]}. ``state``: h1 .. a2, hsm
    (the SM-like state), or nearest / nearest_even / nearest_odd: the (CP-even, CP-odd)
    state whose mass is nearest to ``near`` [GeV] (default: ``value`` for mass targets).
    ``quantity``: mass or width [GeV], a reduced coupling (kV, ku, kd, kb, ktau, kg, kgamma),
    br_<channel>, or a signal strength mu_<production>_<channel> = k^2 BR / BR_SM, with
    k = k_g (ggF), k_V (VBF, VH, ee) or k_u (ttH) and BR_SM that of a SM Higgs of the same
    mass. ``sigma`` is the error above the value, ``sigma_minus`` below (default sigma)."""

    def __init__(self, *, targets: list | None = None):
        if not targets:
            raise ValueError("'targets' needs at least one target")
        self.targets = [Target(t, k) for k, t in enumerate(targets)]
        self.needs = ("spectrum", "higgs_couplings", "higgs_decays")

    def __call__(self, spectrum: dict, higgs_couplings: dict, higgs_decays: dict) -> np.ndarray:
        total = 0.0
        for t in self.targets:
            d = t.predict(spectrum, higgs_couplings, higgs_decays) - t.value
            total = total - 0.5 * (d / np.where(d > 0, t.sigma, t.sigma_minus)) ** 2
        return total
