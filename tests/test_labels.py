"""Labels and units of observables: declared by providers, recorded by runs, overridden by
the run file, shown on the axes; log axes where a quantity spans decades."""

from __future__ import annotations

import pytest

from fit import analysis
from fit.errors import ConfigError
from fit.providers import REGISTRY, normalise_labels, provider
from fit.results import load
from fit.run import prepare, run

MODULE = '''
from fit import provider

@provider("toy_sigma", vectorised=True, labels=(r"\\sigma_\\mathrm{toy}", "pb"))
def toy_sigma(x):
    """A cross section spanning six decades over the prior: 10^(-6 + x) pb, x in [0, 6]."""
    return 10.0 ** (x - 6.0)

@provider("toy_masses", vectorised=True, labels={"m1": ("m_1", "GeV")})
def toy_masses(x):
    """Two masses; only m1 is labelled."""
    return {"m1": 100.0 + 10.0 * x, "m2": 200.0 + x}
'''

RUN = """
parameters:
  x: {prior: uniform, range: [0, 6], latex: 'x'}
likelihoods:
  gaussian: {parameters: [x], mean: [3.0], sigma: [1.0]}
observables: [toy_sigma, toy_masses]
modules: [toy_labels.py]
sampler: {name: random, n_points: 2000}
seed: 1
"""


@pytest.fixture
def labelled_run(write_yaml, tmp_path, registry):
    (tmp_path / "toy_labels.py").write_text(MODULE)
    return load(run(write_yaml(RUN), output=tmp_path / "out"))


def test_providers_declare_labels_and_runs_record_them(labelled_run):
    r = labelled_run
    assert r.observable_labels == {"toy_sigma": ("\\sigma_\\mathrm{toy}", "pb"),
                                   "toy_masses/m1": ("m_1", "GeV")}
    sigma = analysis.quantity(r, "toy_sigma")
    assert sigma.label == "$\\sigma_\\mathrm{toy}$ [pb]"
    assert sigma.log                                  # six decades: a log axis
    m1, m2 = analysis.quantity(r, "m1"), analysis.quantity(r, "toy_masses/m2")
    assert m1.label == "$m_1$ [GeV]" and not m1.log   # 100..160: linear
    assert m2.label == "toy_masses/m2"                # not declared: named as it is
    assert not analysis.quantity(r, "x").log


def test_the_run_file_overrides_labels_units_and_log_axes(write_yaml, tmp_path, registry):
    (tmp_path / "toy_labels.py").write_text(MODULE)
    text = RUN + """
labels:
  toy_sigma: {latex: '\\sigma(pp \\to X)', unit: fb, log: false}
  toy_masses/m2: {latex: 'm_2', unit: GeV, log: true}
  x: {log: true}
"""
    r = load(run(write_yaml(text), output=tmp_path / "out"))
    sigma = analysis.quantity(r, "toy_sigma")
    assert sigma.label == "$\\sigma(pp \\to X)$ [fb]" and not sigma.log
    assert analysis.quantity(r, "m2").label == "$m_2$ [GeV]"
    assert analysis.quantity(r, "m2").log and analysis.quantity(r, "x").log
    # the argument wins over the file (python -m fit plot --linear / --log)
    assert not analysis.quantity(r, "x", log=False).log


def test_figures_show_the_labels_and_log_axes(labelled_run, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from fit import plot

    figures = {}
    monkeypatch.setattr(plot, "_save", lambda fig, d, stem, f: figures.setdefault(stem, fig)
                        and [])
    plot.make_plots([labelled_run.path], names=["m1", "toy_sigma"], output=tmp_path / "f",
                    echo=False)
    ax = figures["profile_toy_masses_m1_toy_sigma"].axes[0]
    assert ax.get_xlabel() == "$m_1$ [GeV]" and ax.get_xscale() == "linear"
    assert ax.get_ylabel() == "$\\sigma_\\mathrm{toy}$ [pb]" and ax.get_yscale() == "log"
    figures.clear()
    plot.make_plots([labelled_run.path], names=["m1", "toy_sigma"], output=tmp_path / "g",
                    echo=False, linear_axes=["toy_sigma"], log_axes=["m1"])
    ax = figures["profile_toy_masses_m1_toy_sigma"].axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "linear"
    import matplotlib.pyplot as plt

    plt.close("all")


def test_a_log_axis_for_values_that_are_not_positive_is_refused(labelled_run):
    with pytest.raises(analysis.AnalysisError, match="values <= 0"):
        analysis.quantity(labelled_run, "loglike/gaussian", log=True)


@pytest.mark.parametrize("entry, message", [
    ("labels: [toy_sigma]", "labels: expected a mapping"),
    ("labels: {toy_sigma: 'sigma'}", "labels.toy_sigma: expected a mapping"),
    ("labels: {toy_sigma: {latx: s}}", "labels.toy_sigma.latx: unknown key 'latx' "
                                       "(did you mean 'latex'?)"),
    ("labels: {toy_sigma: {log: 'yes'}}", "labels.toy_sigma.log: expected true or false"),
])
def test_bad_label_entries_are_one_line_errors(write_yaml, tmp_path, registry, entry, message):
    (tmp_path / "toy_labels.py").write_text(MODULE)
    with pytest.raises(ConfigError) as info:
        prepare(write_yaml(RUN + entry + "\n"))
    assert message in str(info.value) and "run.yaml:" in str(info.value)
    assert "\n" not in str(info.value)


def test_labels_do_not_change_the_physics_hash(write_yaml, tmp_path, registry):
    """A label is for figures: changing it does not refuse a --resume."""
    (tmp_path / "toy_labels.py").write_text(MODULE)
    a = prepare(write_yaml(RUN)).config.physics_hash()
    b = prepare(write_yaml(RUN + "labels: {x: {latex: y}}\n")).config.physics_hash()
    assert a == b


def test_a_malformed_declaration_is_an_error_at_import():
    with pytest.raises(ValueError, match=r"labels\['m'\] must be a \(latex, unit\) pair"):
        provider("nothing", labels={"m": "m_1"})
    assert normalise_labels(("x", "GeV")) == {"": ("x", "GeV")}


#: capabilities whose providers must declare labels, with the unit of each key checked
#: (docs/capabilities.md: masses and widths in GeV, cross sections in pb, Delta M_s in ps^-1)
DECLARED = {
    "spectrum": {"mh1": "GeV", "mh2": "GeV", "ma1": "GeV", "mhc": "GeV", "mneu1": "GeV",
                 "mcha1": "GeV", "mst1": "GeV", "mgluino": "GeV"},
    "higgs_couplings": {"kV_1": "", "ku_2": "", "kgamma_a1": ""},
    "higgs_decays": {"width_h1": "GeV", "width_a1": "GeV", "width_hc": "GeV",
                     "br_h1_bb": ""},
    **{f"hsm_{k}": "" for k in ("kappa_V", "kappa_u", "kappa_d", "kappa_g", "kappa_gamma",
                                "br_bb", "br_gamgam", "br_WW", "br_inv")},
    "hsm_width": "GeV",
    **{f"sigma_{k}": "pb" for k in ("si_p", "si_n", "sd_p", "sd_n")},
    "omega_h2": "", "x_f": "", "xi": "", "dm_mass": "GeV",
    "br_bsgamma": "", "br_bsmumu": "", "br_btaunu": "", "delta_amu": "",
    "delta_ms": "ps$^{-1}$",
}


def test_every_nmssm_provider_declares_labels_and_units():
    """Each registered provider of these capabilities (built-in, NMSSMTools, micrOMEGAs)
    declares a LaTeX label and the unit of docs/capabilities.md."""
    REGISTRY.discover()
    for capability, expected in DECLARED.items():
        providers = REGISTRY.providers_of(capability)
        assert providers, capability
        for spec in providers:
            if isinstance(expected, dict):
                for key, unit in expected.items():
                    latex, got = spec.labels[key]
                    assert latex and got == unit, (spec.name, key)
            else:
                latex, got = spec.labels[""]
                assert latex and got == expected, spec.name


def test_declared_labels_are_valid_mathtext():
    """Every declared label renders with matplotlib's mathtext (what the figures use)."""
    pytest.importorskip("matplotlib")
    from matplotlib.mathtext import MathTextParser

    parser = MathTextParser("agg")
    REGISTRY.discover()
    seen = set()
    for spec in REGISTRY.by_name.values():
        for latex, unit in spec.labels.values():
            for text in (f"${latex}$", unit):
                if text and text not in seen:
                    seen.add(text)
                    parser.parse(text if "$" in text else f"${text}$")
    assert len(seen) > 50
