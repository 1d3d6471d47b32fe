"""Safe arithmetic expressions for derived parameters (never Python's ``eval``).

Expressions are parsed once with asteval, which only admits arithmetic, numpy
functions and names from a symbol table, and then evaluated on whole arrays.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

import numpy as np
from asteval import Interpreter, get_ast_names

from .errors import FitError

#: names every expression may use besides parameter names
BUILTIN_NAMES = frozenset({
    "abs", "sqrt", "exp", "log", "log10", "sin", "cos", "tan", "arcsin", "arccos", "arctan",
    "arctan2", "sinh", "cosh", "tanh", "minimum", "maximum", "where", "pi", "e",
})


class ExpressionError(FitError):
    """An expression that cannot be parsed, names unknown symbols, or is cyclic.

    ``name`` is the derived parameter concerned, where known.
    """

    def __init__(self, message: str, name: str | None = None):
        super().__init__(message)
        self.name = name


class Expression:
    """One parsed expression; call it with a mapping of names to arrays."""

    def __init__(self, text: str):
        self.text = text
        try:  # ast.parse only parses; it gives a better message than asteval's
            ast.parse(text, mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"cannot parse expression '{text}': {exc.msg}") from None
        self._interp = Interpreter(minimal=True, use_numpy=True)
        self._tree = self._interp.parse(text)
        self.names = frozenset(get_ast_names(self._tree)) - BUILTIN_NAMES

    def __call__(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        missing = sorted(self.names - set(values))
        if missing:
            raise ExpressionError(f"'{self.text}' needs {', '.join(missing)}")
        table = self._interp.symtable
        for name in self.names:
            table[name] = values[name]
        self._interp.error = []
        with np.errstate(all="ignore"):
            result = self._interp.run(self._tree, expr=self.text, with_raise=False)
        if self._interp.error:
            raise ExpressionError(
                f"evaluating '{self.text}' failed: {self._interp.error[0].get_error()[1]}")
        return np.asarray(result, dtype=float)

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


def topological_order(expressions: Mapping[str, Expression], known: list[str]) -> list[str]:
    """Order derived names so each comes after the names it uses.

    Raises `ExpressionError` naming the unknown symbol or the cycle.
    """
    available = set(known) | set(expressions)
    for name, expr in expressions.items():
        unknown = sorted(expr.names - available)
        if unknown:
            raise ExpressionError(
                f"'{name}' uses unknown name(s) {', '.join(unknown)}; known parameters: "
                f"{', '.join(sorted(available - {name}))}", name)
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2 or name not in expressions:
            return
        if state.get(name) == 1:
            cycle = [*path[path.index(name):], name]
            raise ExpressionError(f"derived parameters form a cycle: {' -> '.join(cycle)}",
                                  name)
        state[name] = 1
        for dep in sorted(expressions[name].names):
            visit(dep, [*path, name])
        state[name] = 2
        order.append(name)

    for name in expressions:
        visit(name, [])
    return order
