"""NMSSMTools as a backend: fill an input card, run ``nmhdecay``, read its SLHA output.

NMSSMTools (Ellwanger, Gunion, Hugonie, hep-ph/0406215, hep-ph/0508022;
https://www.lupm.univ-montp2.fr/users/nmssm/) computes the NMSSM spectrum,
decays, flavour and (through micrOMEGAs) dark-matter observables, and checks
experimental constraints. Its programs read the card ``inp`` and write
``spectr`` in the working directory; the tables of experimental constraints
are found through the environment variable ``EXPCON_PATH``. ``nmhdecay`` takes
the soft terms at the SUSY scale (the parameters of this project); ``nmspec``
takes GUT-scale input and needs its own template.

Layers (see ``backends/slha_program.py``): ``nmssmtools`` (class `NMSSMTools`,
an `SLHAProgram`) provides ``nmssmtools_output``, one parsed output per point;
one small extractor per capability of ``docs/capabilities.md`` reads it:
``spectrum`` (MASS, NMHMIX, NMAMIX, NMNMIX, UMIX, VMIX, STOPMIX, SBOTMIX,
STAUMIX), ``higgs_couplings`` (REDCOUP), ``omega_h2``, ``sigma_si_p``,
``sigma_si_n``, ``sigma_sd_p``, ``sigma_sd_n``, ``br_bsgamma``, ``br_bsmumu``,
``br_btaunu``, ``delta_md``, ``delta_ms``, ``delta_amu`` (LOWEN), and
``nmssmtools_constraints`` (the SPINFO 3 messages: constraints the point
violates). Each extractor takes the option ``source`` (default
``nmssmtools_output``), so it also reads the output of another SLHA2 program
run through ``slha_program`` (``source: slha_output``).

Conventions checked on the NMSSMTools 6.1.2 output
``../shared/reference/nmssmtools/spectr_full_minchi2.dat``:

- Higgs PDG codes 25, 35, 45 (CP-even) and 36, 46 (CP-odd). Standard
  NMSSMTools gives 25 to the lightest; that file (a modified version) gives 25
  to the SM-like second state. The masses are therefore sorted; the rows of
  NMHMIX, NMAMIX and REDCOUP are in mass order in both cases.
- NMSSMTools reports its failures (tachyons, RGE problems) as SPINFO 4, and
  then writes no MASS block: the point is invalid with code ``spinfo_error``.
- Direct-detection entries of LOWEN are found by their comment
  (``sigma_p^SI``, ``sigma_n^SD``, ``sigma_p^SD``), since their numbers changed
  between versions (4.x: 30 is sigma_piN; 6.x: 30 is sigma_n^SD). Units: pb.
  NMSSMTools gives no sigma_n^SI: by default it is set to sigma_p^SI (isospin
  symmetry; for Higgs-exchange-dominated neutralino scattering the two differ
  by a few per cent), or with ``neutron_from_proton: false`` the point is
  invalid.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from fit import InvalidPoint, provider

from .nmssm_labels import LABELS
from .slha_program import SLHAOutput, SLHAProgram, as_output, block_comments, entry

#: the project's input-card template (structure of the reference card inp_defs.dat)
DEFAULT_TEMPLATE = Path(__file__).parent / "data" / "nmssmtools_inp.dat"


@provider("nmssmtools_output", name="nmssmtools", programs=("nmhdecay (NMSSMTools)",))
class NMSSMTools(SLHAProgram):
    """Runs NMSSMTools' ``nmhdecay`` on one point; gives its parsed ``spectr`` output.

    ``nmssmtools_dir``: the NMSSMTools installation (runs ``main/<program>``,
    ``EXPCON_PATH`` = ``EXPCON/``); or ``command``: the program (path or name
    on PATH). ``template``: an input card with ``${parameter}`` placeholders
    (default ``backends/data/nmssmtools_inp.dat``). ``veto_warnings``:
    substrings of SPINFO 3 messages (violated constraints) that make the point
    invalid (``""``: any). Other options as for ``slha_program``.
    """

    capability = "nmssmtools_output"
    label = "NMSSMTools"

    def __init__(self, *, command: list | str | None = None, nmssmtools_dir: Path | None = None,
                 program: str = "nmhdecay", template: Path | None = None,
                 input_file: str = "inp", output_file: str = "spectr", timeout: float = 120.0,
                 expcon_path: Path | None = None, env: dict | None = None,
                 values: dict | None = None, number_format: str = ".10E",
                 veto_warnings: list | None = None, scratch_dir: str | None = None,
                 keep_scratch: bool = False):
        root = Path(nmssmtools_dir).expanduser().resolve() if nmssmtools_dir else None
        if root is not None and not root.is_dir():
            raise ValueError(f"option 'nmssmtools_dir': {root} is not a directory; set it to "
                             f"the NMSSMTools installation (holding main/ and EXPCON/)")
        if command is None:
            command = [str(root / "main" / program)] if root else [program]
        try:
            super().__init__(command=command, template=str(template or DEFAULT_TEMPLATE),
                             input_file=input_file, output_file=output_file, timeout=timeout,
                             env=env, values=values, number_format=number_format,
                             veto_warnings=veto_warnings, scratch_dir=scratch_dir,
                             keep_scratch=keep_scratch)
        except ValueError as exc:
            if "executable" not in str(exc):
                raise
            raise ValueError(f"NMSSMTools program '{command}' not found; set the option "
                             f"'nmssmtools_dir' to the NMSSMTools installation or 'command' "
                             f"to the program (rules: nmssmtools_output: options: "
                             f"nmssmtools_dir: /path/to/NMSSMTools)") from None
        expcon = Path(expcon_path).expanduser() if expcon_path else None
        if expcon is None:
            guess = (root or Path(self.command[0]).parent.parent) / "EXPCON"
            expcon = guess if guess.is_dir() else None
        if expcon is not None and "EXPCON_PATH" not in self.env:
            if not expcon.is_dir():
                raise ValueError(f"option 'expcon_path': {expcon} is not a directory")
            self.env["EXPCON_PATH"] = str(expcon.resolve())


# ---------------------------------------------------------------- reading the output

#: (spectrum key, PDG code) of the single masses
SINGLE_MASSES = (("mhc", 37), ("msmuL", 1000013), ("msmuR", 2000013), ("msnumu", 1000014),
                 ("msnutau", 1000016), ("msuL", 1000002), ("msuR", 2000002),
                 ("msdL", 1000001), ("msdR", 2000001), ("mgluino", 1000021))
NEUTRALINOS = (1000022, 1000023, 1000025, 1000035, 1000045)
CHARGINOS = (1000024, 1000037)
#: (key prefix, PDG codes, mixing block, mixing key) of the third-generation sfermions
SFERMIONS = (("mst", (1000006, 2000006), "STOPMIX", "stop_mix"),
             ("msb", (1000005, 2000005), "SBOTMIX", "sbottom_mix"),
             ("mstau", (1000015, 2000015), "STAUMIX", "stau_mix"))


def matrix(out: SLHAOutput, block: str, rows: int, cols: int) -> np.ndarray:
    """A mixing matrix from an SLHA block (absent entries are 0); invalid if the block is."""
    blocks = out.doc.blocks
    if block not in blocks:
        raise InvalidPoint("backend_output",
                           f"{out.program or 'the SLHA document'} has no block {block}")
    m = np.zeros((rows, cols))
    for (i, j), value in blocks[block].items():
        if 1 <= i <= rows and 1 <= j <= cols:
            m[i - 1, j - 1] = float(value)
    return m


def _mw(out: SLHAOutput) -> float:
    """W mass: MASS 24, else NMSSMTools' comment ``# MW: ...`` under SMINPUTS (older versions)."""
    try:
        return entry(out, "MASS", 24, what="mW")
    except InvalidPoint:
        match = re.search(r"^#\s*MW:\s*(\S+)", out.text, re.M)
        if match is None:
            raise
        return float(match.group(1).replace("D", "E"))


def nmssm_spectrum(out: SLHAOutput) -> dict[str, Any]:
    """The ``spectrum`` mapping of docs/capabilities.md from an SLHA2 NMSSM document.

    Masses [GeV] from MASS; CP-even and CP-odd masses sorted (the mixing rows
    are in mass order); neutralinos ordered by |m| with NMNMIX rows permuted
    alike, charginos and sfermions ascending with their mixing rows.
    """
    def mass(pdg: int, what: str) -> float:
        return entry(out, "MASS", pdg, what=what)

    spec: dict[str, Any] = {}
    for name, value in zip(("mh1", "mh2", "mh3"),
                           sorted(mass(p, "CP-even Higgs") for p in (25, 35, 45)), strict=True):
        spec[name] = value
    for name, value in zip(("ma1", "ma2"), sorted(mass(p, "CP-odd Higgs") for p in (36, 46)),
                           strict=True):
        spec[name] = value
    for name, pdg in SINGLE_MASSES:
        spec[name] = mass(pdg, name)
    neu = np.array([mass(p, "neutralino") for p in NEUTRALINOS])
    order = np.argsort(np.abs(neu), kind="stable")
    for i, value in enumerate(neu[order], start=1):
        spec[f"mneu{i}"] = float(value)
    cha = np.array([mass(p, "chargino") for p in CHARGINOS])
    corder = np.argsort(np.abs(cha), kind="stable")
    spec["mcha1"], spec["mcha2"] = (float(abs(v)) for v in cha[corder])
    for prefix, codes, block, key in SFERMIONS:
        m = np.array([mass(p, prefix) for p in codes])
        sorder = np.argsort(m, kind="stable")
        spec[f"{prefix}1"], spec[f"{prefix}2"] = (float(v) for v in m[sorder])
        spec[key] = matrix(out, block, 2, 2)[sorder]
    spec["mW"] = _mw(out)
    spec["S"] = matrix(out, "NMHMIX", 3, 3)
    spec["P"] = matrix(out, "NMAMIX", 2, 3)
    spec["N"] = matrix(out, "NMNMIX", 5, 5)[order]
    spec["U"] = matrix(out, "UMIX", 2, 2)[corder]
    spec["V"] = matrix(out, "VMIX", 2, 2)[corder]
    return spec


#: REDCOUP columns (NMSSMTools): 1 up-type, 2 down-type, 3 b, 4 tau, 5 W/Z, 6 gluons, 7 photons
REDCOUP_COLUMNS = (("ku", 1), ("kd", 2), ("kb", 3), ("ktau", 4), ("kV", 5), ("kg", 6),
                   ("kgamma", 7))


def higgs_couplings(out: SLHAOutput) -> dict[str, float]:
    """Reduced couplings of h1..h3 (keys ``<k>_1..3``) and a1, a2 (``<k>_a1``, ``<k>_a2``;
    no kV) in mass order from NMSSMTools' REDCOUP block (rows 1-3 CP-even, 4-5 CP-odd)."""
    if "REDCOUP" not in out.doc.blocks:
        raise InvalidPoint("backend_output", f"{out.program or 'the SLHA document'} has no "
                                             f"block REDCOUP (NMSSMTools writes it unless "
                                             f"MODSEL 16 = 1)")
    values = {f"{name}_{i}": entry(out, "REDCOUP", i, column, what=f"{name}_{i}")
              for i in (1, 2, 3) for name, column in REDCOUP_COLUMNS}
    values.update({f"{name}_a{j}": entry(out, "REDCOUP", 3 + j, column, what=f"{name}_a{j}")
                   for j in (1, 2) for name, column in REDCOUP_COLUMNS if name != "kV"})
    return values


#: LOWEN entries (NMSSMTools 4.x-6.x): capability -> (index, meaning)
LOWEN = {"br_bsgamma": (1, "BR(b -> s gamma)"),
         "delta_md": (2, "Delta M_d [ps^-1]"), "delta_ms": (3, "Delta M_s [ps^-1]"),
         "br_bsmumu": (4, "BR(Bs -> mu+ mu-)"),
         "br_btaunu": (5, "BR(B+ -> tau+ nu_tau)"), "delta_amu": (6, "Delta a_mu"),
         "omega_h2": (10, "Omega h^2")}
#: direct detection: capability -> (LOWEN comment label, index in NMSSMTools 6.x)
DIRECT_DETECTION = {"sigma_si_p": ("sigma_p^SI", 20), "sigma_si_n": ("sigma_n^SI", None),
                    "sigma_sd_p": ("sigma_p^SD", 40), "sigma_sd_n": ("sigma_n^SD", 30)}


def lowen(out: SLHAOutput, capability: str) -> float:
    """A LOWEN observable; for Omega h^2 a missing entry names NMSSMTools' own comment."""
    index, meaning = LOWEN[capability]
    try:
        return entry(out, "LOWEN", index, what=meaning)
    except InvalidPoint as exc:
        if capability == "omega_h2":
            said = re.search(r"^#\s*(Cannot compute Omega[^\n]*|Lightest neutralino is not "
                             r"the LSP[^\n]*|Problem in micrOMEGAs[^\n]*)", out.text, re.M)
            hint = said.group(1).strip() if said else "micrOMEGAs off (MODSEL 9 = 0)?"
            raise InvalidPoint("backend_output", f"{exc.reason}: {hint}") from None
        raise


def direct_detection(out: SLHAOutput, capability: str) -> float:
    """A nucleon cross section [pb] from LOWEN, found by its comment label when text is known."""
    label, index = DIRECT_DETECTION[capability]
    if out.text:
        for value, comment in block_comments(out.text, "LOWEN").values():
            if comment.lower() == label.lower():
                return value
    elif index is not None:
        return entry(out, "LOWEN", index, what=label)
    raise InvalidPoint("backend_output", f"{out.program or 'the SLHA document'} has no LOWEN "
                                         f"entry '{label}' (direct detection needs MODSEL 9 = "
                                         f"+-2 or +-4)")


class _Extractor(ABC):
    """Reads one capability from an SLHA output held by the capability ``source``."""

    def __init__(self, *, source: str = "nmssmtools_output"):
        self.source = source
        self.needs = (source,)

    def __call__(self, **inputs: Any) -> Any:
        return self.extract(as_output(inputs[self.source]))

    @abstractmethod
    def extract(self, out: SLHAOutput) -> Any:
        """The capability's value for one point."""


@provider("spectrum", name="nmssmtools_spectrum", labels=LABELS["spectrum"])
class Spectrum(_Extractor):
    """NMSSM spectrum from SLHA2 blocks: masses [GeV], mixing matrices (docs/capabilities.md)."""

    def extract(self, out: SLHAOutput) -> dict[str, Any]:
        return nmssm_spectrum(out)


@provider("higgs_couplings", name="nmssmtools_higgs_couplings",
          labels=LABELS["higgs_couplings"])
class HiggsCouplings(_Extractor):
    """Reduced couplings of h1..h3 and a1, a2 (NMSSMTools REDCOUP; keys of
    docs/capabilities.md)."""

    def extract(self, out: SLHAOutput) -> dict[str, float]:
        return higgs_couplings(out)


@provider("nmssmtools_constraints", name="nmssmtools_constraints")
class Constraints(_Extractor):
    """Constraints NMSSMTools finds violated (SPINFO 3): ``n_violated`` and ``messages``."""

    def extract(self, out: SLHAOutput) -> dict[str, Any]:
        return {"n_violated": float(len(out.warnings)), "messages": "; ".join(out.warnings)}


def _register_number(capability: str, reader: Callable[[SLHAOutput, str], float],
                     doc: str) -> None:
    """Register ``nmssmtools_<capability>``: one number read by ``reader(out, capability)``."""

    class Number(_Extractor):
        __doc__ = doc

        def extract(self, out: SLHAOutput) -> float:
            return reader(out, capability)

    Number.__name__ = Number.__qualname__ = f"NMSSMTools_{capability}"
    provider(capability, name=f"nmssmtools_{capability}", labels=LABELS[capability])(Number)


for _capability, (_index, _meaning) in LOWEN.items():
    _register_number(_capability, lowen, f"{_meaning} from NMSSMTools' LOWEN entry {_index}.")
for _capability in ("sigma_si_p", "sigma_sd_p", "sigma_sd_n"):
    _register_number(_capability, direct_detection,
                     f"{DIRECT_DETECTION[_capability][0]} [pb] from NMSSMTools' LOWEN block "
                     f"(found by its comment).")


@provider("sigma_si_n", name="nmssmtools_sigma_si_n", labels=LABELS["sigma_si_n"])
class SigmaSINeutron(_Extractor):
    """sigma_n^SI [pb]: from LOWEN if there, else sigma_p^SI (``neutron_from_proton``)."""

    def __init__(self, *, source: str = "nmssmtools_output", neutron_from_proton: bool = True):
        super().__init__(source=source)
        self.neutron_from_proton = neutron_from_proton

    def extract(self, out: SLHAOutput) -> float:
        try:
            return direct_detection(out, "sigma_si_n")
        except InvalidPoint:
            if not self.neutron_from_proton:
                raise
            return direct_detection(out, "sigma_si_p")


del _capability
