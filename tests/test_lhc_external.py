"""The external levels of ``lhc_limits``: SModelS on a local database written from the
project's maps, and pyhf on a small HistFactory model written here; one capability, three
providers, chosen by ``prefer:``."""

from __future__ import annotations

import json
import math

import pytest
from ewkino_reference import benchmark

from backends.nmssm_builtin.ewkino_provider import (
    nmssm_builtin_ewkino_decays,
    nmssm_builtin_ewkino_xsec,
)
from backends.nmssm_builtin.provider import NMSSMBuiltinSLHA
from likelihoods.lhc import LHCBuiltin

smodels = pytest.importorskip("smodels")
pyhf = pytest.importorskip("pyhf")

from backends.pyhf_limits import PyhfLimits  # noqa: E402
from backends.smodels_limits import SModelSLimits, relabel_higgs, write_ul_database  # noqa: E402


@pytest.fixture(scope="module")
def bench():
    _, spec, p = benchmark()
    decays = nmssm_builtin_ewkino_decays(spec, p)
    xsec = nmssm_builtin_ewkino_xsec(spec, p)
    doc = NMSSMBuiltinSLHA(decays=False)(spec, p, ewkino_decays=decays, ewkino_xsec=xsec)[0]
    return spec, p, decays, xsec, doc


def test_smodels_on_the_local_database(bench, tmp_path):
    """SModelS with a database written from the built-in maps finds the slepton result of
    ATLAS-SUSY-2018-32 with the r of the built-in limits within 20% (both interpolate the
    same map; the slepton pairs' sigma x BR are the same numbers); the compressed higgsino
    result is not matched by SModelS, whose branches keep their own masses (chi2 147 GeV,
    chi1+ 138 GeV) off the map's equal-mass plane, while the built-in limits place the pair
    at its mean mass."""
    spec, _, decays, xsec, doc = bench
    limits = SModelSLimits(database=write_ul_database(tmp_path / "db"), sigmacut_fb=0.1)(doc)
    builtin = LHCBuiltin()(spec, xsec, decays)
    name = "ATLAS-SUSY-2018-32:TSlepSlep"
    assert limits["results"][name]["r_obs"] == pytest.approx(
        builtin["results"][name]["r_obs"][0], rel=0.2)
    assert limits["selected"] == name
    assert limits["results"]["ATLAS-SUSY-2018-16:TChiWZoff"]["r_obs"] == 0.0
    assert set(limits["results"]) == set(builtin["results"])
    # no expected limit for this result: the likelihood is the built-in fallback
    assert limits["loglike"] == pytest.approx(-(1.959964 * limits["r_obs"]) ** 2 / 2,
                                              rel=1e-4)


def test_smodels_points_are_independent(bench, tmp_path):
    """One SModelS provider evaluates a sequence of points as fresh ones would: a wino-like
    point (chi2 -> h chi1 dominant) gives the same r after the benchmark as alone, and the
    Wh result of ATLAS-SUSY-2019-08 agrees with the built-in r within 5%."""
    from backends.nmssm_builtin.spectrum import as_arrays, compute

    p = as_arrays({"tanb": 10.0, "lambda_": 0.1, "kappa": 0.6, "Alambda": 2000.0,
                   "Akappa": -100.0, "mueff": 1500.0, "M1": 50.0, "M2": 400.0, "M3": 3000.0,
                   "At": -2000.0, "Ab": 0.0, "Atau": 0.0, "MQ3": 3000.0, "MU3": 3000.0,
                   "MD3": 3000.0, "ML3": 3000.0, "ME3": 3000.0, "MQ12": 3000.0,
                   "MU12": 3000.0, "MD12": 3000.0, "ML12": 3000.0, "ME12": 3000.0})
    spec = {k: v for k, v in compute(p).items() if not k.startswith("_")}
    decays, xsec = nmssm_builtin_ewkino_decays(spec, p), nmssm_builtin_ewkino_xsec(spec, p)
    wino = NMSSMBuiltinSLHA(decays=False)(spec, p, ewkino_decays=decays, ewkino_xsec=xsec)[0]
    database = write_ul_database(tmp_path / "db")
    alone = SModelSLimits(database=database, sigmacut_fb=0.1)(wino)
    provider = SModelSLimits(database=database, sigmacut_fb=0.1)
    provider(bench[4])
    after = provider(wino)
    assert after["results"] == alone["results"]
    name = "ATLAS-SUSY-2019-08:TChiWH"
    builtin = LHCBuiltin()(spec, xsec, decays)["results"][name]["r_obs"][0]
    assert alone["results"][name]["r_obs"] == pytest.approx(builtin, rel=0.05)
    assert alone["results"][name]["r_obs"] > 1


def test_smodels_sees_the_sm_like_higgs_as_pdg_25(bench):
    doc = bench[4]
    masses = doc.blocks["MASS"]
    swapped = relabel_higgs(doc)
    sm_like = min((25, 35, 45), key=lambda pid: abs(float(masses[pid]) - 125.1))
    assert float(swapped.blocks["MASS"][25]) == float(masses[sm_like])
    assert doc.blocks["MASS"][25] == masses[25]          # the original is untouched


def write_model(tmp_path, background=(10.0,), observed=(8,), efficiencies=(0.1,)):
    """A one-channel HistFactory workspace without systematics and a flat efficiency map."""
    spec = {"channels": [{"name": "SR", "samples": [
                {"name": "bkg", "data": list(background), "modifiers": []}]}],
            "observations": [{"name": "SR", "data": list(observed)}],
            "measurements": [{"name": "meas", "config": {"poi": "mu_sig", "parameters": []}}],
            "version": "1.0.0"}
    (tmp_path / "ws.json").write_text(json.dumps(spec))
    rows = ["m_mother_GeV,m_LSP_GeV," + ",".join(f"SR{i}" for i in range(len(efficiencies)))]
    for m in (100.0, 1000.0):
        for lsp in (0.0, 600.0):
            rows.append(f"{m},{lsp}," + ",".join(str(e) for e in efficiencies))
    (tmp_path / "eff.csv").write_text("\n".join(rows) + "\n")
    return [{"name": "toy", "workspace": "ws.json", "efficiencies": "eff.csv",
             "topology": "TChiWZ", "luminosity_ifb": 100.0}]


def toy_point(sigma_pb: float, mother: float = 400.0):
    """A point whose only signal is chi2 chi1+ -> W Z chi1 chi1 with BR = 1."""
    spec = {f"mneu{i}": v for i, v in enumerate((50.0, mother, 2000, 2100, 2200), start=1)}
    spec.update({"mcha1": mother, "mcha2": 2100.0, "mh1": 125.0, "mh2": 500.0, "mh3": 900.0,
                 "msmuL": 3000.0, "msmuR": 3000.0})
    xsec = {"1000023,1000024": sigma_pb}
    decays = {"width": {"1000024": 1.0, "1000023": 1.0},
              "br": {"1000024": {"1000022,24": 1.0}, "1000023": {"1000022,23": 1.0}}}
    return spec, xsec, decays


def test_pyhf_likelihood_is_the_poisson_ratio(tmp_path):
    """One bin without systematics: ln L(s + b) - ln L(b) = n ln(1 + s/b) - s (Poisson), with
    s = L sigma eps = 1e5/pb x 2e-4 pb x 0.1 = 2 events, b = 10, n = 8."""
    provider = PyhfLimits(analyses=write_model(tmp_path), base_dir=tmp_path)
    out = provider(*toy_point(2e-4))
    s, b, n = 2.0, 10.0, 8
    assert out["loglike"] == pytest.approx(n * math.log(1 + s / b) - s, abs=1e-4)
    assert out["selected"] == "toy" and 0 < out["r_obs"] < 1
    assert 0.05 < out["results"]["toy"]["cls"] < 1.0


def test_pyhf_exclusion_and_r(tmp_path):
    """A large signal is excluded (CLs < 0.05, r > 1); the signal strength at r = 1 has
    CLs = 0.05 (r = 1/mu_up)."""
    provider = PyhfLimits(analyses=write_model(tmp_path), base_dir=tmp_path)
    big = provider(*toy_point(2e-3))
    assert big["r_obs"] > 1 and big["results"]["toy"]["cls"] < 0.05
    small = provider(*toy_point(2e-4))
    at_limit = provider(*toy_point(2e-4 / small["r_obs"]))
    assert at_limit["results"]["toy"]["cls"] == pytest.approx(0.05, abs=2e-3)
    none = provider(*toy_point(0.0))
    assert none["r_obs"] == 0 and none["loglike"] == 0


def test_pyhf_outside_the_efficiency_map(tmp_path):
    provider = PyhfLimits(analyses=write_model(tmp_path), base_dir=tmp_path)
    out = provider(*toy_point(2e-3, mother=1500.0))
    assert out["outside_grid"] and out["r_obs"] == 0


def test_pyhf_option_errors(tmp_path):
    entries = write_model(tmp_path)
    with pytest.raises(ValueError, match="topology"):
        PyhfLimits(analyses=[{**entries[0], "topology": "T2tt"}], base_dir=tmp_path)
    with pytest.raises(ValueError, match="not found"):
        PyhfLimits(analyses=[{**entries[0], "workspace": "nope.json"}], base_dir=tmp_path)
    with pytest.raises(ValueError, match="efficiency columns"):
        PyhfLimits(analyses=write_model(tmp_path, efficiencies=(0.1, 0.2)), base_dir=tmp_path)


def test_prefer_picks_the_level(registry, write_yaml):
    """Three providers serve lhc_limits; prefer: chooses one, without it the run is refused
    with the rule to paste."""
    from fit.config import load_config
    from fit.errors import ResolutionError
    from fit.graph import resolve

    base = """
        model: nmssm
        parameters: {tanb: 10}
        likelihoods: {lhc: {}}
    """
    for module, name in (("likelihoods.lhc", "lhc_builtin"),
                         ("backends.smodels_limits", "smodels_limits")):
        text = base.rstrip() + f"\n        prefer: [{module}, backends.nmssm_builtin]\n"
        graph = resolve(load_config(write_yaml(text)), registry)
        assert graph.providers["lhc_limits"].name == name
    with pytest.raises(ResolutionError, match="lhc_limits"):
        resolve(load_config(write_yaml(base.rstrip()
                                       + "\n        prefer: [backends.nmssm_builtin]\n")),
                registry)
