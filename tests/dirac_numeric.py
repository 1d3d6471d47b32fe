"""Explicit Dirac matrices, spinors and polarization vectors: an independent numerical
evaluation of the structures of ``backends.freezeout.derivation`` for the tests."""

from __future__ import annotations

from itertools import product

import numpy as np

from backends.freezeout.derivation.algebra import EXTERNAL_MOMENTUM, VECTORS, Structure

I2 = np.eye(2)
SIGMA = [np.array([[0, 1], [1, 0]], complex), np.array([[0, -1j], [1j, 0]]),
         np.array([[1, 0], [0, -1]], complex)]
ZERO = np.zeros((2, 2))
GAMMA = [np.block([[ZERO, I2], [I2, ZERO]]).astype(complex)] + [
    np.block([[ZERO, s], [-s, ZERO]]) for s in SIGMA]
GAMMA5 = np.diag([-1, -1, 1, 1]).astype(complex)
PROJ = {"L": (np.eye(4) - GAMMA5) / 2, "R": (np.eye(4) + GAMMA5) / 2}
METRIC = np.diag([1.0, -1.0, -1.0, -1.0])
C = 1j * GAMMA[2] @ GAMMA[0]


def slashed(p):
    return sum(METRIC[m, m] * p[m] * GAMMA[m] for m in range(4))


def _sqrt_psd(a):
    w, v = np.linalg.eigh(a)
    return v @ np.diag(np.sqrt(np.clip(w, 0, None))) @ v.conj().T


def spinor_u(p, m, spin):
    """u(p) for the signed mass m: p-slash u = m u."""
    xi = np.eye(2)[spin]
    ps = p[0] * I2 - sum(p[i + 1] * SIGMA[i] for i in range(3))
    psb = p[0] * I2 + sum(p[i + 1] * SIGMA[i] for i in range(3))
    u = np.concatenate([_sqrt_psd(ps) @ xi, _sqrt_psd(psb) @ xi])
    return GAMMA5 @ u if m < 0 else u


def bar(x):
    return x.conj() @ GAMMA[0]


def spinor_v(p, m, spin):
    """v = C ubar^T, so that the charge-conjugation identities hold spin by spin."""
    return C @ bar(spinor_u(p, m, spin))


def polarizations(k, mass):
    """Real polarization vectors: two transverse, and a longitudinal one if massive."""
    n = k[1:] / np.linalg.norm(k[1:])
    a = np.cross(n, [0.0, 1.0, 0.0])
    if np.linalg.norm(a) < 1e-8:
        a = np.cross(n, [1.0, 0.0, 0.0])
    a /= np.linalg.norm(a)
    b = np.cross(n, a)
    pols = [np.concatenate([[0.0], a]), np.concatenate([[0.0], b])]
    if mass > 0:
        kk = np.linalg.norm(k[1:])
        pols.append(np.concatenate([[kk / mass], k[0] / mass * n]))
    return pols


def kinematics(s, t, masses):
    """CM-frame momenta p1, p2, k1, k2 for given s, t and (absolute) masses."""
    m1, m2, m3, m4 = (abs(m) for m in masses)
    rs = np.sqrt(s)
    e1, e3 = (s + m1**2 - m2**2) / (2 * rs), (s + m3**2 - m4**2) / (2 * rs)
    p = np.sqrt(e1**2 - m1**2)
    q = np.sqrt(e3**2 - m3**2)
    cos = (t - m1**2 - m3**2 + 2 * e1 * e3) / (2 * p * q)
    sin = np.sqrt(1 - cos**2)
    p1 = np.array([e1, 0, 0, p])
    p2 = np.array([rs - e1, 0, 0, -p])
    k1 = np.array([e3, q * sin, 0, q * cos])
    k2 = np.array([rs - e3, -q * sin, 0, -q * cos])
    return {"p1": p1, "p2": p2, "k1": k1, "k2": k2}


def _vector(name, mom):
    return sum(c * mom[b] for b, c in VECTORS[name].items())


def _element_matrix(element, idx, mom):
    out = np.zeros((4, 4), complex)
    for c, slot in element:
        c = complex(c)
        if slot is None:
            out += c * np.eye(4)
        elif slot[0] == "v":
            out += c * slashed(_vector(slot[1], mom))
        elif slot[0] == "i":
            out += c * GAMMA[idx[slot[1]]]
        elif slot[0] == "P":
            out += c * PROJ[slot[1]]
    return out


def _bosonic_value(element, idx, mom, pols):
    total = 0j
    for c, slot in element:
        slots = slot if isinstance(slot[0], tuple) else (slot,)
        v = complex(c)
        for sl in slots:
            if sl[0] == "pol":
                v *= np.conj(pols[sl[1]][idx[sl[2]]])
            elif sl[0] == "comp":
                v *= _vector(sl[1], mom)[idx[sl[2]]]
            elif sl[0] == "metric":
                v *= METRIC[idx[sl[1]], idx[sl[2]]]
        total += v
    return total


def _indices(structure: Structure) -> list[str]:
    names = set()

    def visit(slot):
        if slot is None:
            return
        if isinstance(slot[0], tuple):
            for x in slot:
                visit(x)
        elif slot[0] == "i":
            names.add(slot[1])
        elif slot[0] in ("pol", "comp"):
            names.add(slot[2])
        elif slot[0] == "metric":
            names.update(slot[1:])

    for ch in structure.chains:
        for e in ch.elements:
            for _, sl in e:
                visit(sl)
    for e in structure.bosonic:
        for _, sl in e:
            visit(sl)
    return sorted(names)


def amplitude(structure: Structure, mom, masses, spins, pols) -> complex:
    """The structure for given fermion spins (ext -> 0/1) and polarization vectors."""
    names = _indices(structure)
    total = 0j
    for values in product(range(4), repeat=len(names)):
        idx = dict(zip(names, values, strict=True))
        weight = np.prod([METRIC[v, v] for v in values]) if values else 1.0
        val = complex(structure.coefficient)
        for ch in structure.chains:
            mat = np.eye(4, dtype=complex)
            for e in ch.elements:
                mat = mat @ _element_matrix(e, idx, mom)
            def spinor(end, mom=mom):
                p = mom[EXTERNAL_MOMENTUM[end.ext]]
                f = spinor_u if end.kind == "u" else spinor_v
                return f(p, masses[end.ext - 1], spins[end.ext])
            val *= bar(spinor(ch.left)) @ mat @ spinor(ch.right)
        for e in structure.bosonic:
            val *= _bosonic_value(e, idx, mom, pols)
        total += weight * val
    return total


def spin_sum(a: Structure, b: Structure, s, t, masses, spins_of, vector_masses):
    """sum over spins and polarizations of A_a A_b^* (masses signed for fermions)."""
    mom = kinematics(s, t, masses)
    fermions = [x for x in (1, 2, 3, 4) if spins_of[x - 1] == "F"]
    vectors = [x for x in (1, 2, 3, 4) if spins_of[x - 1] == "V"]
    pol_sets = [polarizations(mom[EXTERNAL_MOMENTUM[x]], vector_masses[x]) for x in vectors]
    total = 0j
    for fs in product((0, 1), repeat=len(fermions)):
        spins = dict(zip(fermions, fs, strict=True))
        for ps in product(*pol_sets):
            pols = dict(zip(vectors, ps, strict=True))
            total += amplitude(a, mom, masses, spins, pols) * np.conj(
                amplitude(b, mom, masses, spins, pols))
    return total
