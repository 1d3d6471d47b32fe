"""Figure labels (LaTeX, unit) of the NMSSM capabilities of `docs/capabilities.md`.

Every provider of one capability returns the same structure, so the built-in calculators
and the external-program wrappers declare the same labels: ``@provider(...,
labels=LABELS['spectrum'])``. A capability that is one number per point has a
``(latex, unit)`` pair, a mapping capability a ``{key: (latex, unit)}`` table. Keys that
are not listed (mixing matrices, rarely plotted branching ratios) are named as they are.
"""

from __future__ import annotations

Label = tuple[str, str]

#: CP-even, CP-odd and charged Higgs states as the capability keys name them
STATES = {"h1": "h_1", "h2": "h_2", "h3": "h_3", "a1": "a_1", "a2": "a_2", "hc": "H^\\pm"}


def _spectrum() -> dict[str, Label]:
    out: dict[str, Label] = {f"m{k}": (f"m_{{{v}}}", "GeV") for k, v in STATES.items()}
    out.update({f"mneu{i}": (f"m_{{\\tilde\\chi^0_{i}}}", "GeV") for i in range(1, 6)})
    out.update({f"mcha{i}": (f"m_{{\\tilde\\chi^\\pm_{i}}}", "GeV") for i in (1, 2)})
    for key, name in (("st", "t"), ("sb", "b"), ("stau", "\\tau")):
        out.update({f"m{key}{i}": (f"m_{{\\tilde {name}_{i}}}", "GeV") for i in (1, 2)})
    out.update({"msmuL": ("m_{\\tilde\\mu_L}", "GeV"), "msmuR": ("m_{\\tilde\\mu_R}", "GeV"),
                "msnumu": ("m_{\\tilde\\nu_\\mu}", "GeV"),
                "msnutau": ("m_{\\tilde\\nu_\\tau}", "GeV"),
                "msuL": ("m_{\\tilde u_L}", "GeV"), "msuR": ("m_{\\tilde u_R}", "GeV"),
                "msdL": ("m_{\\tilde d_L}", "GeV"), "msdR": ("m_{\\tilde d_R}", "GeV"),
                "mgluino": ("m_{\\tilde g}", "GeV"), "mW": ("m_W", "GeV"),
                "q_st": ("Q_{\\tilde t}", "GeV"), "gp_q": ("g'(Q)", ""),
                "g_q": ("g(Q)", ""), "tanb_q": ("\\tan\\beta(Q)", ""),
                "vev_q": ("v(Q)", "GeV")})
    return out


def _higgs_couplings() -> dict[str, Label]:
    """Reduced couplings kX_i of h_i and kX_aj of a_j (relative to a SM Higgs)."""
    kinds = {"ku": "u", "kd": "d", "kb": "b", "ktau": "\\tau", "kV": "V", "kg": "g",
             "kgamma": "\\gamma"}
    out: dict[str, Label] = {}
    for key, sub in kinds.items():
        out.update({f"{key}_{i}": (f"\\kappa_{{{sub}}}^{{h_{i}}}", "") for i in (1, 2, 3)})
        if key != "kV":
            out.update({f"{key}_a{j}": (f"\\kappa_{{{sub}}}^{{a_{j}}}", "") for j in (1, 2)})
    return out


#: decay channels with a label worth drawing (others keep their key)
CHANNELS = {"bb": "b\\bar b", "tautau": "\\tau^+\\tau^-", "mumu": "\\mu^+\\mu^-",
            "cc": "c\\bar c", "tt": "t\\bar t", "gg": "gg", "gamgam": "\\gamma\\gamma",
            "Zgam": "Z\\gamma", "WW": "WW", "ZZ": "ZZ", "invisible": "\\mathrm{inv.}",
            "h1h1": "h_1h_1", "a1a1": "a_1a_1", "Za1": "Za_1", "Zh1": "Zh_1",
            "taunu": "\\tau\\nu", "tb": "t\\bar b"}


def _higgs_decays() -> dict[str, Label]:
    out: dict[str, Label] = {f"width_{k}": (f"\\Gamma_{{{v}}}", "GeV")
                             for k, v in STATES.items()}
    for k, v in STATES.items():
        out.update({f"br_{k}_{ch}": (f"\\mathrm{{BR}}({v}\\to {tex})", "")
                    for ch, tex in CHANNELS.items()})
    return out


def _flavour_wilson_coefficients() -> dict[str, Label]:
    return {"C7_bs": ("C_7^\\mathrm{NP}", ""), "C8_bs": ("C_8^\\mathrm{NP}", ""),
            "C10_bsmumu": ("C_{10}^\\mathrm{NP}", ""),
            "CS_bsmumu": ("C_S^\\mathrm{NP}", "GeV$^{-1}$"),
            "CP_bsmumu": ("C_P^\\mathrm{NP}", "GeV$^{-1}$")}


def _omega_channel_groups() -> dict[str, Label]:
    """Shares of 1/Omega h^2 by initial-state and final-state group."""
    initial = {"chi1_chi1": "\\tilde\\chi^0_1\\tilde\\chi^0_1",
               "neutralinos": "\\tilde\\chi^0\\tilde\\chi^0",
               "neutralino_chargino": "\\tilde\\chi^0\\tilde\\chi^\\pm",
               "charginos": "\\tilde\\chi^\\pm\\tilde\\chi^\\pm",
               "sleptons": "\\tilde\\ell\\tilde\\ell^*"}
    final = {"WW": "WW", "ZZ": "ZZ", "WZ": "WZ, W\\gamma", "Zgamma": "Z\\gamma, \\gamma\\gamma",
             "Vh": "Vh", "hh": "hh", "tt": "t\\bar t", "tb": "t\\bar b", "bb": "b\\bar b",
             "quarks": "q\\bar q", "leptons": "\\ell\\ell", "neutrinos": "\\nu\\bar\\nu"}
    out: dict[str, Label] = {f"initial/{k}": (f"f_{{{v}}}", "") for k, v in initial.items()}
    out.update({f"final/{k}": (f"f_{{{v}}}", "") for k, v in final.items()})
    return out


_SM_LIKE = "h_\\mathrm{SM}"

LABELS: dict[str, Label | dict[str, Label]] = {
    "spectrum": _spectrum(),
    "higgs_couplings": _higgs_couplings(),
    "higgs_decays": _higgs_decays(),
    "hsm_kappa_V": (f"\\kappa_V^{{{_SM_LIKE}}}", ""),
    "hsm_kappa_u": (f"\\kappa_u^{{{_SM_LIKE}}}", ""),
    "hsm_kappa_d": (f"\\kappa_d^{{{_SM_LIKE}}}", ""),
    "hsm_kappa_g": (f"\\kappa_g^{{{_SM_LIKE}}}", ""),
    "hsm_kappa_gamma": (f"\\kappa_\\gamma^{{{_SM_LIKE}}}", ""),
    "hsm_width": (f"\\Gamma_{{{_SM_LIKE}}}", "GeV"),
    "hsm_br_bb": (f"\\mathrm{{BR}}({_SM_LIKE}\\to b\\bar b)", ""),
    "hsm_br_gamgam": (f"\\mathrm{{BR}}({_SM_LIKE}\\to\\gamma\\gamma)", ""),
    "hsm_br_WW": (f"\\mathrm{{BR}}({_SM_LIKE}\\to WW^*)", ""),
    "hsm_br_inv": (f"\\mathrm{{BR}}({_SM_LIKE}\\to\\mathrm{{inv.}})", ""),
    "sigma_si_p": ("\\sigma_\\mathrm{SI}^p", "pb"),
    "sigma_si_n": ("\\sigma_\\mathrm{SI}^n", "pb"),
    "sigma_sd_p": ("\\sigma_\\mathrm{SD}^p", "pb"),
    "sigma_sd_n": ("\\sigma_\\mathrm{SD}^n", "pb"),
    "nucleon_amplitudes": {"f_p": ("f_p", "GeV$^{-2}$"), "f_n": ("f_n", "GeV$^{-2}$"),
                           "a_p": ("a_p", "GeV$^{-2}$"), "a_n": ("a_n", "GeV$^{-2}$")},
    "dm_mass": ("m_{\\tilde\\chi^0_1}", "GeV"),
    "omega_h2": ("\\Omega h^2", ""),
    "x_f": ("x_f = m_{\\tilde\\chi^0_1}/T_f", ""),
    "omega_channel_groups": _omega_channel_groups(),
    "xi": ("\\xi = \\min(1, \\Omega h^2/0.12)", ""),
    "br_bsgamma": ("\\mathrm{BR}(B\\to X_s\\gamma)", ""),
    "br_bsmumu": ("\\mathrm{BR}(B_s\\to\\mu^+\\mu^-)", ""),
    "br_btaunu": ("\\mathrm{BR}(B^+\\to\\tau^+\\nu)", ""),
    "delta_ms": ("\\Delta M_s", "ps$^{-1}$"),
    "delta_md": ("\\Delta M_d", "ps$^{-1}$"),
    "delta_amu": ("\\Delta a_\\mu", ""),
    "flavour_wilson_coefficients": _flavour_wilson_coefficients(),
}
