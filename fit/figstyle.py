"""How figures look in a paper: sizes, fonts, colours, and legends that hide no curve.

Sizes follow two-column journals (Physical Review, EPJC): one column is 3.4 in (86 mm)
wide, the full page 7.0 in (178 mm); fonts are 8 pt in a one-column figure and 9 pt in a
full-width one, so that text keeps its size when the figure is placed at its natural
width. Text and mathematics are set in STIX (Times-like, as in the Physical Review
journals; shipped with matplotlib, so every machine draws the same figure, with every
glyph a plain name may need) through matplotlib's mathtext, or by LaTeX itself with
``usetex`` where a TeX installation (``latex`` and ``dvipng``) is found. PNG files
default to 300 dpi; PDF and SVG are vector (colour maps inside them are embedded images
at that resolution).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

#: figure widths [inch]: one column of a two-column journal, and the full page width
WIDTHS = {"one": 3.4, "two": 7.0}
DPI = 300
#: colour-blind-safe colours of several runs in one figure (Okabe & Ito)
RUN_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
#: marker of each run's best fit in a comparison
RUN_MARKERS = ("*", "P", "D", "X", "s", "^", "o")
#: fills of a single run: 68% region, 95% region; their contour lines
INNER, OUTER, LINE = "#2c6fb0", "#a9cce8", "#0b2f5b"
#: the 1D intervals' bands (lighter: the curve runs over them)
INNER_1D, OUTER_1D = "#8db9e0", "#d3e5f4"
#: places with no valid point (sampled, all invalid or excluded) and places never sampled
INVALID, UNSAMPLED = "#d4d4d4", "#9a9a9a"
BEST = dict(marker="*", color="#d62728", markersize=11, markeredgecolor="white",
            markeredgewidth=0.6, linestyle="none", zorder=6, clip_on=False)
#: where a legend may go, in the order tried
LEGEND_PLACES = ("upper right", "upper left", "lower right", "lower left", "upper center",
                 "lower center", "center right", "center left")


def width_inches(width: str | float) -> float:
    """``'one'`` (column), ``'two'`` (page) or a width in inches."""
    if isinstance(width, str) and width in WIDTHS:
        return WIDTHS[width]
    try:
        value = float(width)
    except (TypeError, ValueError):
        raise ValueError(f"width must be 'one', 'two' or a number of inches, got {width!r}") \
            from None
    if not 1.0 <= value <= 20.0:
        raise ValueError(f"width {value} in is not a figure width (1 to 20 inches)")
    return value


def tex_available() -> bool:
    """Whether matplotlib can typeset with LaTeX here (``latex`` and ``dvipng`` found)."""
    return shutil.which("latex") is not None and shutil.which("dvipng") is not None


def rc(width: str | float = "one", *, usetex: bool = False, dpi: int = DPI) -> dict[str, Any]:
    """matplotlib settings of a paper figure of this width."""
    size = 8.0 if width_inches(width) < 5 else 9.0
    settings = {
        "font.size": size, "axes.labelsize": size, "axes.titlesize": size - 1,
        "legend.fontsize": size - 1, "xtick.labelsize": size - 1, "ytick.labelsize": size - 1,
        "font.family": "serif", "font.serif": ["STIXGeneral", "DejaVu Serif"],
        "mathtext.fontset": "stix", "axes.formatter.use_mathtext": True,
        "axes.unicode_minus": True, "axes.linewidth": 0.6, "lines.linewidth": 1.1,
        "xtick.direction": "in", "ytick.direction": "in", "xtick.top": True,
        "ytick.right": True, "xtick.minor.visible": True, "ytick.minor.visible": True,
        "xtick.major.width": 0.6, "ytick.major.width": 0.6, "xtick.minor.width": 0.45,
        "ytick.minor.width": 0.45, "xtick.major.size": 3.0, "ytick.major.size": 3.0,
        "xtick.minor.size": 1.6, "ytick.minor.size": 1.6,
        "legend.frameon": True, "legend.framealpha": 0.9, "legend.edgecolor": "none",
        "legend.borderpad": 0.35, "legend.handlelength": 1.6, "legend.labelspacing": 0.3,
        "hatch.linewidth": 0.5, "hatch.color": UNSAMPLED,
        "savefig.dpi": dpi, "figure.dpi": 100, "pdf.fonttype": 42, "ps.fonttype": 42,
        "svg.fonttype": "none", "figure.constrained_layout.use": True,
        "figure.constrained_layout.h_pad": 0.02, "figure.constrained_layout.w_pad": 0.02,
    }
    if usetex:
        if tex_available():
            # 'Times' makes matplotlib load mathptmx: the same look as the mathtext default
            settings.update({"text.usetex": True, "font.serif": ["Times"],
                             "text.latex.preamble": r"\usepackage{amsmath}"})
        else:
            log.warning("usetex: no LaTeX installation (latex and dvipng) found; the figures "
                        "use matplotlib's mathtext with STIX fonts instead")
    return settings


@contextmanager
def paper(width: str | float = "one", *, usetex: bool = False, dpi: int = DPI
          ) -> Iterator[None]:
    """Draw and save figures with the paper settings inside this block."""
    import matplotlib

    # font subsetting for PDF logs every glyph at INFO; not news to the reader of a run log
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    with matplotlib.rc_context(rc(width, usetex=usetex, dpi=dpi)):
        yield


def tex_safe(text: str) -> str:
    """Plain text made safe for LaTeX when usetex is on (underscores, per cent signs
    outside math); mathtext needs no change."""
    import matplotlib

    if not matplotlib.rcParams["text.usetex"]:
        return text
    parts = text.split("$")
    for k in range(0, len(parts), 2):    # outside $...$
        parts[k] = parts[k].replace("\\", r"\textbackslash{}").replace("_", r"\_") \
            .replace("%", r"\%").replace("&", r"\&").replace("#", r"\#")
    return "$".join(parts)


# --------------------------------------------------------------------------- legends

def _display_paths(artist: Any) -> list[Any]:
    """An artist's paths in display coordinates (lines, markers, contour sets)."""
    from matplotlib.collections import Collection
    from matplotlib.lines import Line2D

    if isinstance(artist, Line2D):
        return [artist.get_transform().transform_path(artist.get_path())]
    if isinstance(artist, Collection):
        transform = artist.get_transform()
        return [transform.transform_path(p) for p in artist.get_paths()]
    return []


def clear_of(box: Any, artists: Sequence[Any], filled: Sequence[Any] = ()) -> bool:
    """Whether a display-space box touches none of the ``artists`` (their lines and
    points) and lies inside none of the closed paths of ``filled``."""
    for artist in artists:
        if any(p.intersects_bbox(box, filled=False) for p in _display_paths(artist)):
            return False
    for artist in filled:
        if any(p.intersects_bbox(box, filled=True) for p in _display_paths(artist)):
            return False
    return True


def legend(ax: Any, handles: list[Any], *, avoid: Sequence[Any] = (),
           avoid_filled: Sequence[Any] = (), **kwargs: Any) -> Any:
    """A legend inside the axes where it touches none of the ``avoid`` artists (curves,
    contour lines, markers) and covers no region of ``avoid_filled``; above the axes if
    no place inside is free. A ``title`` (a note on the figure) is set small, on the left.
    Returns the legend."""
    if kwargs.get("title"):
        kwargs.setdefault("title_fontsize", "small")
        kwargs.setdefault("alignment", "left")
    else:
        kwargs.pop("title", None)
    fig = ax.figure
    fig.canvas.draw()                    # settle the layout before measuring
    renderer = fig.canvas.get_renderer()
    for place in LEGEND_PLACES:
        leg = ax.legend(handles=handles, loc=place, **kwargs)
        box = leg.get_window_extent(renderer).expanded(1.02, 1.04)
        if clear_of(box, avoid, avoid_filled):
            return leg
        leg.remove()
    columns = min(len(handles), 3)
    if kwargs.get("title"):              # the width of the axes is there: one line
        kwargs["title"] = kwargs["title"].replace("\n", " ")
    return ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0),
                     ncols=columns, frameon=False, **kwargs)



def run_style(k: int) -> dict[str, Any]:
    """Colour and best-fit marker of the k-th run in a comparison."""
    return {"color": RUN_COLOURS[k % len(RUN_COLOURS)],
            "marker": RUN_MARKERS[k % len(RUN_MARKERS)]}


def best_marker(k: int | None = None) -> dict[str, Any]:
    """Line2D keywords of a best-fit marker: the red star, or the k-th run's marker."""
    if k is None:
        return dict(BEST)
    style = run_style(k)
    return {**BEST, "marker": style["marker"], "color": style["color"],
            "markersize": 11 if style["marker"] == "*" else 6.5}


def lighten(colour: str, amount: float) -> tuple[float, float, float]:
    """``colour`` mixed with white (amount 0: unchanged, 1: white)."""
    from matplotlib.colors import to_rgb

    rgb = np.asarray(to_rgb(colour))
    return tuple(float(c) for c in rgb + (1.0 - rgb) * amount)
