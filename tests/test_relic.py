"""The Planck relic-density term and the dark-matter fraction xi.

Reference values: Planck 2018 VI (arXiv:1807.06209, Table 2) Omega_c h^2 = 0.1200 +- 0.0012;
the Gaussian numbers below are worked by hand from it.
"""

from __future__ import annotations

import numpy as np
import pytest

from fit.errors import ConfigError
from fit.providers import REGISTRY
from likelihoods import relic


def test_planck_value_and_error():
    assert relic.PLANCK_OMEGA_H2 == 0.1200
    assert relic.PLANCK_OMEGA_H2_ERROR == 0.0012


def test_xi_is_min_one_and_ratio():
    xi = relic.relic_fraction(np.array([0.012, 0.12, 1.2]))
    assert xi == pytest.approx([0.1, 1.0, 1.0])
    assert relic.relic_fraction(np.array([0.05]), omega_ref=0.1)[0] == pytest.approx(0.5)


def test_upper_limit_penalises_only_an_excess():
    term = relic.PlanckRelic()
    omega = np.array([0.001, 0.06, 0.12, 0.132])
    out = term(omega_h2=omega)
    assert out[:3] == pytest.approx([0.0, 0.0, 0.0])
    # 0.132 - 0.120 = 0.012 against sqrt(0.0012^2 + 0.0132^2) = 0.013254
    assert out[3] == pytest.approx(-0.5 * (0.012 / np.hypot(0.0012, 0.0132)) ** 2)
    assert np.all(np.diff(term(omega_h2=np.linspace(0.12, 2.0, 50))) < 0)


def test_measurement_penalises_both_sides():
    term = relic.PlanckRelic(mode="measurement", theory_error=0.0)
    out = term(omega_h2=np.array([0.1176, 0.12, 0.1224]))
    assert out == pytest.approx([-2.0, 0.0, -2.0])            # +-2 sigma of Planck alone
    with_theory = relic.PlanckRelic(mode="measurement")      # 10% of the prediction
    low = with_theory(omega_h2=np.array([0.06]))[0]
    assert low == pytest.approx(-0.5 * (0.06 / np.hypot(0.0012, 0.006)) ** 2)


def test_options_are_checked():
    spec = REGISTRY.by_name["planck_relic"]
    with pytest.raises(ConfigError, match="mode"):
        spec.setup({"mode": "lower_limit"})
    with pytest.raises(ConfigError, match="width"):
        spec.setup({"omega_h2_error": 0.0, "theory_error": 0.0})
    bound = spec.setup({"mode": "measurement", "theory_error": 0.05})
    assert bound.needs == ("omega_h2",)
