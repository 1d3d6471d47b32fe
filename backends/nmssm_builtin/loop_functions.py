"""One-loop functions of the flavour and muon g-2 calculations, vectorised and safe at
degenerate masses (arguments are mass ratios or squared masses, as each docstring says)."""

from __future__ import annotations

import numpy as np

#: relative distance below which two arguments count as equal and are moved apart
_SPLIT = 2e-4


def _apart(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """y, moved away from x where the two are within the relative distance _SPLIT."""
    close = np.abs(y - x) < _SPLIT * np.maximum(np.abs(x), np.abs(y))
    return np.where(close, x * (1.0 + 2.0 * _SPLIT), y)


#: |x - 1| below which functions with (x-1)^n denominators use their Taylor series
_NEAR_ONE = 0.03


def _near_one(x: np.ndarray, exact, taylor: tuple[float, ...]) -> np.ndarray:
    """exact(x), or its Taylor series in d = x - 1 (coefficients ``taylor``, to d^3; error
    below 1e-6) where |d| < _NEAR_ONE, where the exact form loses digits."""
    x = np.asarray(x, dtype=float)
    d = x - 1.0
    near = np.abs(d) < _NEAR_ONE
    value = exact(np.where(near, 2.0, x))
    series = taylor[0] + d * (taylor[1] + d * (taylor[2] + d * taylor[3]))
    return np.where(near, series, value)


def i3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """I(a, b, c) = [ab ln(a/b) + bc ln(b/c) + ca ln(c/a)] / [(a-b)(b-c)(a-c)] for squared
    masses a, b, c > 0 [GeV^-2]; I(m^2, m^2, m^2) = 1/(2 m^2). The function of the
    tan(beta)-enhanced threshold corrections (Hall, Rattazzi, Sarid, hep-ph/9306309;
    Carena et al., hep-ph/9912516)."""
    a = np.asarray(a, dtype=float)
    b = _apart(a, np.asarray(b, dtype=float))
    c = _apart(a, _apart(b, _apart(a, np.asarray(c, dtype=float))))
    num = a * b * np.log(a / b) + b * c * np.log(b / c) + c * a * np.log(c / a)
    return num / ((a - b) * (b - c) * (a - c))


# ------------------------------------------------------------ b -> s gamma, b -> s g


def f7_1(x: np.ndarray) -> np.ndarray:
    """F7^(1)(x) = x(7-5x-8x^2)/(24(x-1)^3) + x^2(3x-2) ln x/(4(x-1)^4): the Standard-Model
    C7 at leading order for x = m_t^2/M_W^2, and the cot^2(beta) part of the charged-Higgs
    C7 for x = m_t^2/M_H^2 (Ciuchini, Degrassi, Gambino, Giudice, hep-ph/9710335)."""

    def exact(x: np.ndarray) -> np.ndarray:
        return (x * (7 - 5 * x - 8 * x**2) / (24 * (x - 1) ** 3)
                + x**2 * (3 * x - 2) * np.log(x) / (4 * (x - 1) ** 4))

    return _near_one(x, exact, (-5 / 48, -13 / 240, 1 / 48, -17 / 1680))


def f8_1(x: np.ndarray) -> np.ndarray:
    """F8^(1)(x) = x(2+5x-x^2)/(8(x-1)^3) - 3x^2 ln x/(4(x-1)^4) (as f7_1, for C8)."""

    def exact(x: np.ndarray) -> np.ndarray:
        return (x * (2 + 5 * x - x**2) / (8 * (x - 1) ** 3)
                - 3 * x**2 * np.log(x) / (4 * (x - 1) ** 4))

    return _near_one(x, exact, (-1 / 16, -1 / 40, 1 / 80, -1 / 140))


def f7_2(y: np.ndarray) -> np.ndarray:
    """F7^(2)(y) = y(3-5y)/(12(y-1)^2) + y(3y-2) ln y/(6(y-1)^3): the tan(beta)-independent
    part of the charged-Higgs C7 in the type-II two-Higgs-doublet model, y = m_t^2/M_H^2
    (hep-ph/9710335)."""

    def exact(y: np.ndarray) -> np.ndarray:
        return (y * (3 - 5 * y) / (12 * (y - 1) ** 2)
                + y * (3 * y - 2) * np.log(y) / (6 * (y - 1) ** 3))

    return _near_one(y, exact, (-7 / 36, -5 / 72, 1 / 30, -7 / 360))


def f8_2(y: np.ndarray) -> np.ndarray:
    """F8^(2)(y) = y(3-y)/(4(y-1)^2) - y ln y/(2(y-1)^3) (as f7_2, for C8)."""

    def exact(y: np.ndarray) -> np.ndarray:
        return y * (3 - y) / (4 * (y - 1) ** 2) - y * np.log(y) / (2 * (y - 1) ** 3)

    return _near_one(y, exact, (-1 / 6, -1 / 24, 1 / 40, -1 / 60))


# ------------------------------------------------------------ Z penguins


def y0(x: np.ndarray) -> np.ndarray:
    """Inami-Lim Y0(x) = x/8 [(x-4)/(x-1) + 3x ln x/(x-1)^2] (Buchalla, Buras, Lautenbacher,
    hep-ph/9512380, eq. (XII.4)); x = m_t^2/M_W^2."""

    def exact(x: np.ndarray) -> np.ndarray:
        return x / 8 * ((x - 4) / (x - 1) + 3 * x * np.log(x) / (x - 1) ** 2)

    return _near_one(x, exact, (5 / 16, 1 / 4, -1 / 32, 1 / 80))


def z_penguin_charged_higgs(y: np.ndarray) -> np.ndarray:
    """f(y) = y/(1-y) + y ln y/(1-y)^2 (negative; 0 at y -> 0, -1 at y -> infinity): the
    charged-Higgs Z penguin of the type-II model is -(x_t/8) cot^2(beta) f(m_t^2/M_H^2),
    the Goldstone part of the top Z penguin with M_W -> M_H and a cot^2(beta) coupling."""

    def exact(y: np.ndarray) -> np.ndarray:
        return y / (1 - y) + y * np.log(y) / (1 - y) ** 2

    return _near_one(y, exact, (-1 / 2, -1 / 6, 1 / 12, -1 / 20))


# ------------------------------------------------------------ dipoles (g-2, b -> s gamma)


def f1n(x: np.ndarray) -> np.ndarray:
    """F1^N(x) = 2/(1-x)^4 (1 - 6x + 3x^2 + 2x^3 - 6x^2 ln x), F1^N(1) = 1 (Martin, Wells,
    hep-ph/0103067, eq. (9))."""

    def exact(x: np.ndarray) -> np.ndarray:
        return 2.0 / (1 - x) ** 4 * (1 - 6 * x + 3 * x**2 + 2 * x**3 - 6 * x**2 * np.log(x))

    return _near_one(x, exact, (1.0, -2 / 5, 1 / 5, -4 / 35))


def f2n(x: np.ndarray) -> np.ndarray:
    """F2^N(x) = 3/(1-x)^3 (1 - x^2 + 2x ln x), F2^N(1) = 1 (hep-ph/0103067, eq. (10))."""

    def exact(x: np.ndarray) -> np.ndarray:
        return 3.0 / (1 - x) ** 3 * (1 - x**2 + 2 * x * np.log(x))

    return _near_one(x, exact, (1.0, -1 / 2, 3 / 10, -1 / 5))


def f1c(x: np.ndarray) -> np.ndarray:
    """F1^C(x) = 2/(1-x)^4 (2 + 3x - 6x^2 + x^3 + 6x ln x), F1^C(1) = 1 (hep-ph/0103067,
    eq. (11))."""

    def exact(x: np.ndarray) -> np.ndarray:
        return 2.0 / (1 - x) ** 4 * (2 + 3 * x - 6 * x**2 + x**3 + 6 * x * np.log(x))

    return _near_one(x, exact, (1.0, -3 / 5, 2 / 5, -2 / 7))


def f2c(x: np.ndarray) -> np.ndarray:
    """F2^C(x) = -3/(2(1-x)^3) (3 - 4x + x^2 + 2 ln x), F2^C(1) = 1 (hep-ph/0103067,
    eq. (12))."""

    def exact(x: np.ndarray) -> np.ndarray:
        return -3.0 / (2 * (1 - x) ** 3) * (3 - 4 * x + x**2 + 2 * np.log(x))

    return _near_one(x, exact, (1.0, -3 / 4, 3 / 5, -1 / 2))


def dipole_parts(x: np.ndarray, q_scalar: float, q_fermion: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(t1, t2): the one-loop dipole of an external fermion f through a loop of a fermion F
    (mass M) and a scalar S (mass m), x = M^2/m^2, with the photon (gluon) attached to S and
    F with charges q_scalar, q_fermion (colour: 1 for the coloured one, 0 otherwise).

    For L ⊃ S fbar_2 (L_2 P_L + R_2 P_R) F + h.c. (and likewise for f_1) the coefficient of
    e/(16 pi^2) fbar_2 sigma^{mu nu} P_R f_1 F_mu nu in the effective Lagrangian is
    (1/(4 m^2)) [m_1 R_2^* R_1 t1 + M R_2^* L_1 t2] with

        t1 = (q_S F1^N(x) - q_F F1^C(x))/12,   t2 = (q_S F2^N(x) - 2 q_F F2^C(x))/3.

    For the muon (charge -1) this is Martin and Wells' a_mu (hep-ph/0103067, eqs. (2), (3);
    the neutralino terms with the opposite sign of n^L n^R of the Lagrangian convention of
    ``vertices``), and for the top-charged-Higgs loop it gives the type-II charged-Higgs C7
    and C8 (functions F7^(1,2), F8^(1,2) of hep-ph/9710335), which fixes the signs."""
    t1 = np.zeros(np.shape(x))
    t2 = np.zeros(np.shape(x))
    if q_scalar:
        t1 = t1 + q_scalar * f1n(x) / 12.0
        t2 = t2 + q_scalar * f2n(x) / 3.0
    if q_fermion:
        t1 = t1 - q_fermion * f1c(x) / 12.0
        t2 = t2 - 2.0 * q_fermion * f2c(x) / 3.0
    return t1, t2
