"""LHC limits from full likelihoods with pyhf (HistFactory, arXiv:2109.04981; ``pip install
pyhf``): provider ``pyhf_limits`` of the capability ``lhc_limits`` (choose it with
``prefer: [backends.pyhf_limits]``).

Each analysis is a background-only HistFactory workspace (JSON, as the collaborations publish
them on HEPData) plus the point's signal: in every signal region (a channel's bins, in order)
the yield L x sum_c sigma_c BR_c x (A x eps)_SR(m_mother,c, m_LSP) over the contributions of
one simplified-model topology of the built-in limits (``likelihoods.lhc``), with the
acceptance times efficiency from an efficiency map (CSV: m_mother_GeV, m_LSP_GeV and one
column per signal region, interpolated linearly on its triangulation; outside it the yield is
0 and ``outside_grid`` is set) or, for a table of one row without mass columns, constant. The
signal enters as a sample with a free normalisation, the workspace's parameter of interest
(``poi``, default ``mu_sig``).

Per analysis: CLs at mu = 1 (asymptotic q~_mu, arXiv:1007.1727), the observed and expected
95% CL upper limits mu_up (r = 1/mu_up), and the profile-likelihood ratio
ln L(mu = 1, theta^^_1) - ln L(mu = 0, theta^^_0). The analysis with the largest expected r is
selected, and its profile-likelihood ratio is the likelihood (``lhc`` term).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from fit import provider

#: upper bound of the signal strength in the fits (r below 1/MU_MAX is reported as 1/MU_MAX
#: at most; such signals are far from any sensitivity)
MU_MAX = 1000.0
#: the topologies a signal can take (those of the built-in limits)
TOPOLOGIES = ("TChiWZ", "TChiWH", "TChiWZoff", "TSlepSlep")


class EfficiencyMap:
    """Acceptance times efficiency per signal region versus (m_mother, m_LSP) [GeV]."""

    def __init__(self, path: Path):
        with Path(path).open() as f:
            lines = [line for line in f if not line.startswith("#") and line.strip()]
        header = [h.strip() for h in lines[0].split(",")]
        values = np.array([[float(x) for x in line.split(",")] for line in lines[1:]])
        if values.ndim != 2 or values.shape[1] != len(header):
            raise ValueError(f"{path}: every row needs {len(header)} values, one per column "
                             f"of the header")
        self.mapped = header[:2] == ["m_mother_GeV", "m_LSP_GeV"]
        self.regions = header[2:] if self.mapped else header
        self.values = values[:, 2:] if self.mapped else values[:1]
        if self.mapped:
            from scipy.spatial import Delaunay

            from likelihoods.lhc_maps import TriangleLocator

            x = values[:, :2]
            self.low, self.span = x.min(axis=0), np.maximum(np.ptp(x, axis=0), 1e-12)
            scaled = (x - self.low) / self.span
            self.locator = TriangleLocator(scaled, Delaunay(scaled).simplices)

    def __call__(self, mother: float, lsp: float) -> np.ndarray | None:
        """Efficiencies of the regions at the masses, None outside the map."""
        if not self.mapped:
            return self.values[0]
        x = (np.array([[mother, lsp]]) - self.low) / self.span
        simplex, weights = self.locator.locate(x)
        if simplex[0] < 0:
            return None
        corners = self.locator.simplices[simplex[0]]
        return weights[0] @ self.values[corners]


class Analysis:
    """One analysis: workspace, efficiency map, topology, luminosity [1/fb]."""

    def __init__(self, entry: Mapping, base: Path | None):
        missing = [k for k in ("name", "workspace", "efficiencies", "topology") if k not in entry]
        if missing:
            raise ValueError(f"option 'analyses': an entry lacks {missing}")
        if entry["topology"] not in TOPOLOGIES:
            raise ValueError(f"option 'analyses': topology {entry['topology']!r} is not one of "
                             f"{TOPOLOGIES}")

        def where(key: str) -> Path:
            path = Path(entry[key]).expanduser()
            path = path if path.is_absolute() or base is None else base / path
            if not path.is_file():
                raise ValueError(f"option 'analyses': {key} file {path} not found")
            return path

        self.name, self.topology = str(entry["name"]), str(entry["topology"])
        self.lumi = float(entry.get("luminosity_ifb", 139.0))
        self.spec = json.loads(where("workspace").read_text())
        self.efficiency = EfficiencyMap(where("efficiencies"))
        self.poi = str(entry.get("poi", "mu_sig"))
        bins = sum(len(c["samples"][0]["data"]) for c in self.spec["channels"])
        if bins != len(self.efficiency.regions):
            raise ValueError(f"option 'analyses': {self.name} has {bins} bins but "
                             f"{len(self.efficiency.regions)} efficiency columns")
        self._workspace: Any = None

    def model(self, signal: np.ndarray) -> tuple[Any, Any]:
        """The pyhf model with the signal yields (one per bin) and the observed data."""
        import pyhf

        if self._workspace is None:
            spec = json.loads(json.dumps(self.spec))
            for measurement in spec.get("measurements", []):
                config = measurement["config"]
                config["poi"] = self.poi
                others = [q for q in config.get("parameters", []) if q["name"] != self.poi]
                config["parameters"] = [*others, {"name": self.poi, "bounds": [[0.0, MU_MAX]]}]
            self._workspace = pyhf.Workspace(spec)
        patch, start = [], 0
        for k, channel in enumerate(self._workspace.channels):
            size = self._workspace.channel_nbins[channel]
            patch.append({"op": "add", "path": f"/channels/{k}/samples/-", "value": {
                "name": "fit_signal", "data": [float(s) for s in signal[start:start + size]],
                "modifiers": [{"name": self.poi, "type": "normfactor", "data": None}]}})
            start += size
        model = self._workspace.model(patches=[patch])
        return model, self._workspace.data(model)


def _evaluate(model: Any, data: Any) -> dict[str, float]:
    """CLs at mu = 1, observed and expected mu_up, and the profile-likelihood ratio."""
    import pyhf

    cls_obs, cls_exp = pyhf.infer.hypotest(1.0, data, model, test_stat="qtilde",
                                           return_expected=True)
    mu_up, mu_exp = pyhf.infer.intervals.upper_limits.upper_limit(data, model, level=0.05)
    nll_1 = float(pyhf.infer.mle.fixed_poi_fit(1.0, data, model, return_fitted_val=True)[1])
    nll_0 = float(pyhf.infer.mle.fixed_poi_fit(0.0, data, model, return_fitted_val=True)[1])
    # fixed_poi_fit returns -2 ln L
    return {"cls": float(cls_obs), "cls_exp": float(cls_exp), "mu_up": float(mu_up),
            "mu_up_exp": float(np.asarray(mu_exp)[2]), "loglike": 0.5 * (nll_0 - nll_1)}


@provider("lhc_limits", name="pyhf_limits")
class PyhfLimits:
    """LHC limits from HistFactory likelihoods (pyhf), per point: ``analyses`` is a list of
    {name, workspace (JSON), efficiencies (CSV), topology, luminosity_ifb, poi}; paths are
    relative to ``base_dir`` (default: the directory Python runs in)."""

    needs = ("spectrum", "ewkino_xsec", "ewkino_decays")

    def __init__(self, *, analyses: list, base_dir: Path | None = None):
        if not analyses:
            raise ValueError("option 'analyses' must list at least one analysis")
        self.analyses = [Analysis(entry, base_dir) for entry in analyses]

    def signal(self, analysis: Analysis, contributions: list) -> tuple[np.ndarray, bool]:
        """Signal yields per bin and whether a contribution fell outside the map."""
        total = np.zeros(len(analysis.efficiency.regions))
        outside = False
        for sigma_br, mother, lsp in contributions:
            sigma_br = float(np.asarray(sigma_br).reshape(-1)[0])
            if sigma_br <= 0:
                continue
            eff = analysis.efficiency(float(np.asarray(mother).reshape(-1)[0]),
                                      float(np.asarray(lsp).reshape(-1)[0]))
            if eff is None:
                outside = True
                continue
            total += analysis.lumi * 1000.0 * sigma_br * eff        # pb x 1/fb -> events
        return total, outside

    def __call__(self, spectrum: Mapping, ewkino_xsec: Mapping, ewkino_decays: Mapping
                 ) -> dict:
        from likelihoods.lhc import signal_contributions, summarise

        def one(x: Any) -> Any:
            if isinstance(x, Mapping):
                return {k: one(v) for k, v in x.items()}
            return np.atleast_1d(np.asarray(x, float))

        contributions = signal_contributions(one(spectrum), one(ewkino_xsec),
                                             one(ewkino_decays))
        results, ratios, extra = {}, {}, {}
        flag = False
        for analysis in self.analyses:
            signal, outside = self.signal(analysis, contributions[analysis.topology])
            flag |= outside
            if signal.sum() <= 0:
                results[analysis.name] = (np.zeros(1), np.zeros(1))
                ratios[analysis.name] = 0.0
                extra[analysis.name] = {"cls": 1.0, "cls_exp": 1.0}
                continue
            stats = _evaluate(*analysis.model(signal))
            results[analysis.name] = (np.array([1.0 / stats["mu_up"]]),
                                      np.array([1.0 / stats["mu_up_exp"]]))
            ratios[analysis.name] = stats["loglike"]
            extra[analysis.name] = {"cls": stats["cls"], "cls_exp": stats["cls_exp"]}
        out = summarise(results, lambda name, o, e: np.array([ratios[name]]),
                        np.array([flag]))
        value = {k: v[0].item() for k, v in out.items() if k not in ("results", "selected")}
        value["selected"] = str(out["selected"][0])
        value["results"] = {k: {"r_obs": float(v["r_obs"][0]), "r_exp": float(v["r_exp"][0]),
                                **extra[k]} for k, v in out["results"].items()}
        if not math.isfinite(value["loglike"]):
            value["loglike"] = -1e10
        return value
