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


def _away_from_one(x: np.ndarray) -> np.ndarray:
    return np.where(np.abs(x - 1.0) < _SPLIT, 1.0 + 2.0 * _SPLIT, x)


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


def h2(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """H2(x, y) = x ln x/((1-x)(x-y)) + y ln y/((1-y)(y-x)) = -M^2 I(x M^2, y M^2, M^2)."""
    return -i3(x, y, np.ones_like(np.asarray(x, dtype=float)))


# ------------------------------------------------------------ b -> s gamma, b -> s g


def f7_1(x: np.ndarray) -> np.ndarray:
    """F7^(1)(x) = x(7-5x-8x^2)/(24(x-1)^3) + x^2(3x-2) ln x/(4(x-1)^4): the Standard-Model
    C7 at leading order for x = m_t^2/M_W^2, and the cot^2(beta) part of the charged-Higgs
    C7 for x = m_t^2/M_H^2 (Ciuchini, Degrassi, Gambino, Giudice, hep-ph/9710335)."""
    x = _away_from_one(np.asarray(x, dtype=float))
    return (x * (7 - 5 * x - 8 * x**2) / (24 * (x - 1) ** 3)
            + x**2 * (3 * x - 2) * np.log(x) / (4 * (x - 1) ** 4))


def f8_1(x: np.ndarray) -> np.ndarray:
    """F8^(1)(x) = x(2+5x-x^2)/(8(x-1)^3) - 3x^2 ln x/(4(x-1)^4) (as f7_1, for C8)."""
    x = _away_from_one(np.asarray(x, dtype=float))
    return x * (2 + 5 * x - x**2) / (8 * (x - 1) ** 3) - 3 * x**2 * np.log(x) / (4 * (x - 1) ** 4)


def f7_2(y: np.ndarray) -> np.ndarray:
    """F7^(2)(y) = y(3-5y)/(12(y-1)^2) + y(3y-2) ln y/(6(y-1)^3): the tan(beta)-independent
    part of the charged-Higgs C7 in the type-II two-Higgs-doublet model, y = m_t^2/M_H^2
    (hep-ph/9710335)."""
    y = _away_from_one(np.asarray(y, dtype=float))
    return y * (3 - 5 * y) / (12 * (y - 1) ** 2) + y * (3 * y - 2) * np.log(y) / (6 * (y - 1) ** 3)


def f8_2(y: np.ndarray) -> np.ndarray:
    """F8^(2)(y) = y(3-y)/(4(y-1)^2) - y ln y/(2(y-1)^3) (as f7_2, for C8)."""
    y = _away_from_one(np.asarray(y, dtype=float))
    return y * (3 - y) / (4 * (y - 1) ** 2) - y * np.log(y) / (2 * (y - 1) ** 3)


# ------------------------------------------------------------ Z penguins, boxes


def y0(x: np.ndarray) -> np.ndarray:
    """Inami-Lim Y0(x) = x/8 [(x-4)/(x-1) + 3x ln x/(x-1)^2] (Buchalla, Buras, Lautenbacher,
    hep-ph/9512380, eq. (XII.4)); x = m_t^2/M_W^2."""
    x = _away_from_one(np.asarray(x, dtype=float))
    return x / 8 * ((x - 4) / (x - 1) + 3 * x * np.log(x) / (x - 1) ** 2)


def z_penguin_charged_higgs(y: np.ndarray) -> np.ndarray:
    """f(y) = y/(1-y) + y ln y/(1-y)^2 (negative; 0 at y -> 0, -1 at y -> infinity): the
    charged-Higgs Z penguin of the type-II model is -(x_t/8) cot^2(beta) f(m_t^2/M_H^2),
    the Goldstone part of the top Z penguin with M_W -> M_H and a cot^2(beta) coupling."""
    y = _away_from_one(np.asarray(y, dtype=float))
    return y / (1 - y) + y * np.log(y) / (1 - y) ** 2


def s0(x: np.ndarray) -> np.ndarray:
    """Inami-Lim S0(x) = [4x - 11x^2 + x^3]/(4(1-x)^2) - 3x^3 ln x/(2(1-x)^3) (hep-ph/9512380,
    eq. (XII.4)); the Standard-Model Delta F = 2 box function for x = m_t^2/M_W^2."""
    x = _away_from_one(np.asarray(x, dtype=float))
    return (4 * x - 11 * x**2 + x**3) / (4 * (1 - x) ** 2) - 3 * x**3 * np.log(x) / (2 * (1 - x) ** 3)
