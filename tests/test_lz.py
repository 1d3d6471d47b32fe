"""The LZ 2024 likelihood: Delta chi^2 at the limit, monotonicity, log-log interpolation,
behaviour outside the table, xi rescaling, proton/neutron combination, SD data files.

Reference numbers: the HEPData v2 table of arXiv:2410.17036 as shipped in
../shared/data/LZ2024_SI_90CL_hepdata_v2.csv (read here independently of the project's copy).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from fit.errors import ConfigError
from fit.providers import REGISTRY
from likelihoods import lz

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "LZ2024_SI_90CL_hepdata_v2.csv"


@pytest.fixture(scope="module")
def hepdata() -> dict[str, np.ndarray]:
    if not SHARED.is_file():
        pytest.skip("shared HEPData table not available")
    t = lz.read_table(SHARED)
    return {"m": t["mass_GeV"], "obs": t["limit_cm2"] / 1e-36,
            "exp": t["median_expected_cm2"] / 1e-36}


def lnl(term: lz.LZ2024, m, sp, sn=None, xi=None) -> np.ndarray:
    m = np.atleast_1d(np.asarray(m, dtype=float))
    sp = np.broadcast_to(np.asarray(sp, dtype=float), m.shape)
    inputs = {"dm_mass": m, "sigma_si_p": sp, "sigma_si_n": sp if sn is None else sn}
    if term.rescale:
        inputs["xi"] = np.ones_like(m) if xi is None else np.broadcast_to(xi, m.shape)
    return term(**{k: inputs[k] for k in term.needs})


def test_project_table_is_the_hepdata_table(hepdata):
    mass, obs, exp = lz.read_limits(lz.SI_DATA)
    assert np.allclose(mass, hepdata["m"])
    assert np.allclose(obs * 1e36, hepdata["obs"], rtol=1e-6)
    assert np.allclose(exp * 1e36, hepdata["exp"], rtol=1e-6)


def test_delta_chi2_is_2_71_at_the_observed_limit_on_the_grid(hepdata):
    term = lz.LZ2024()
    out = lnl(term, hepdata["m"], hepdata["obs"])
    assert np.allclose(-2 * out, 2.7055, atol=1e-3)            # chi2(1 dof) 90% quantile
    assert np.all(lnl(term, hepdata["m"], 0.0) == 0.0)         # no signal: best fit


def test_log_log_interpolation_between_grid_points(hepdata):
    term = lz.LZ2024()
    m1, m2 = hepdata["m"][12], hepdata["m"][13]                # 40 and 43 GeV
    o1, o2 = hepdata["obs"][12], hepdata["obs"][13]
    for t in (0.25, 0.5, 0.8):
        m = math.exp((1 - t) * math.log(m1) + t * math.log(m2))
        limit = math.exp((1 - t) * math.log(o1) + t * math.log(o2))
        assert -2 * lnl(term, m, limit)[0] == pytest.approx(2.7055, abs=1e-3)
    # a linear (not log-log) interpolation of the limit would not sit at Delta chi^2 = 2.71
    m = 10.0                                                  # steep: 9 -> 11 GeV
    i = np.searchsorted(hepdata["m"], m)
    w = (m - hepdata["m"][i - 1]) / (hepdata["m"][i] - hepdata["m"][i - 1])
    linear = (1 - w) * hepdata["obs"][i - 1] + w * hepdata["obs"][i]
    assert abs(-2 * lnl(term, m, linear)[0] - 2.7055) > 0.05


def test_monotonic_in_sigma(hepdata):
    term = lz.LZ2024()
    for m in (10.0, 40.0, 300.0, 5000.0):
        sigma = np.geomspace(1e-14, 1e-6, 400)
        out = lnl(term, np.full(sigma.size, m), sigma)
        assert np.all(np.diff(out) < 0)
    assert lnl(term, 40.0, 1e-8)[0] < -100                     # far above the limit


def test_outside_the_table(hepdata):
    term = lz.LZ2024()
    assert np.all(lnl(term, [1.0, 5.0, 8.99], 1e-3) == 0.0)     # no constraint below 9 GeV
    # above 10 TeV the limits scale with the mass: Delta chi^2 = 2.71 at 10x the mass and limit
    top_m, top_obs = hepdata["m"][-1], hepdata["obs"][-1]
    assert -2 * lnl(term, 10 * top_m, 10 * top_obs)[0] == pytest.approx(2.7055, abs=1e-3)


def test_xi_rescales_the_signal(hepdata):
    term = lz.LZ2024()
    m, obs = hepdata["m"][15], hepdata["obs"][15]
    assert -2 * lnl(term, m, obs / 0.1, xi=0.1)[0] == pytest.approx(2.7055, abs=1e-3)
    assert lnl(term, m, obs, xi=0.1)[0] > -0.5 * 2.7
    plain = lz.LZ2024(rescale=False)
    assert "xi" not in plain.needs
    assert -2 * lnl(plain, m, obs)[0] == pytest.approx(2.7055, abs=1e-3)


def test_proton_neutron_combination_for_xenon(hepdata):
    term = lz.LZ2024()
    m, obs = hepdata["m"][15], hepdata["obs"][15]
    # neutron-only coupling: the xenon amplitude is (A - Z)/A of the isospin-symmetric one
    scale = ((131.293 - 54) / 131.293) ** 2
    assert -2 * lnl(term, m, 0.0, sn=np.array([obs / scale]))[0] == pytest.approx(2.7055,
                                                                                 abs=1e-3)
    assert lz.xenon_equivalent(np.array([2.0]), np.array([2.0]))[0] == pytest.approx(2.0)


def test_gaussian_construction_branches():
    # deficit: the best physical signal is 0; excess: it is S_obs - S_exp > 0
    s = np.array([0.0, 1.0])
    deficit = lz.gaussian_delta_chi2(s, observed=1.0, expected=2.0)
    excess = lz.gaussian_delta_chi2(s, observed=2.0, expected=1.0)
    assert deficit == pytest.approx([0.0, 2.7055], abs=1e-3)
    assert excess[1] == pytest.approx(0.0)                       # best fit at s = 1
    assert excess[0] == pytest.approx(2.7055, abs=1e-3)     # (s_hat / width)^2, s_hat = 1
    # continuous where observed = expected: the half-Gaussian of width S_exp / 1.645
    half = lz.gaussian_delta_chi2(np.array([0.5]), observed=1.0, expected=1.0)
    assert half[0] == pytest.approx(2.7055 / 4, abs=1e-3)


def test_spin_dependent_channel_reads_its_data_file(tmp_path):
    data = tmp_path / "sd_n.csv"
    data.write_text("# a test table\nmass_GeV,observed_cm2,expected_median_cm2\n"
                    "10,1e-40,2e-40\n1000,1e-39,2e-39\n")
    term = lz.LZ2024(channel="sd_n", data=data, rescale=False)
    assert term.needs == ("dm_mass", "sigma_sd_n")
    out = term(dm_mass=np.array([100.0]), sigma_sd_n=np.array([10 ** -39.5 / 1e-36]))
    assert -2 * out[0] == pytest.approx(2.7055, abs=1e-3)


def test_bad_options_are_config_errors(tmp_path):
    spec = REGISTRY.by_name["lz_2024"]
    with pytest.raises(ConfigError, match="spin-dependent"):
        spec.setup({"channel": "sd_p"})
    with pytest.raises(ConfigError, match="channel"):
        spec.setup({"channel": "vector"})
    with pytest.raises(ConfigError, match="not found"):
        spec.setup({"data": str(tmp_path / "missing.csv")})
    bad = tmp_path / "bad.csv"
    bad.write_text("mass_GeV,limit\n10,1e-40\n20,1e-40\n")
    with pytest.raises(ConfigError, match="observed_cm2"):
        spec.setup({"data": str(bad)})
