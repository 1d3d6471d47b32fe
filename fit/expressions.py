"""Safe arithmetic expressions for derived parameters (never Python's ``eval``).

Expressions are parsed once and evaluated by asteval on whole arrays. Only
arithmetic, comparisons, the functions of `BUILTIN_NAMES` and parameter names
are admitted (no strings, lists, attributes, lambdas ...), every integer
constant is taken as a float, and the text is at most `MAX_CHARS` long and
nested at most `MAX_DEPTH` deep: the cost of an evaluation is then bounded by
the length of the expression and the number of points (an expression such as
``9**9**9**9`` overflows a float at once instead of computing a huge integer).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

import numpy as np
from asteval import Interpreter, get_ast_names

from .errors import FitError

#: functions every expression may call
FUNCTIONS = frozenset({
    "abs", "sqrt", "exp", "log", "log10", "sin", "cos", "tan", "arcsin", "arccos", "arctan",
    "arctan2", "sinh", "cosh", "tanh", "minimum", "maximum", "where",
})
#: names every expression may use besides parameter names
BUILTIN_NAMES = FUNCTIONS | {"pi", "e"}
#: longest expression [characters] and deepest nesting of operations accepted
MAX_CHARS, MAX_DEPTH = 10_000, 200
#: syntax an expression may use
_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Call,
            ast.Name, ast.Constant, ast.Load, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
_FORBIDDEN_OPERATORS = (ast.LShift, ast.RShift, ast.MatMult)


class ExpressionError(FitError):
    """An expression that cannot be parsed, names unknown symbols, or is cyclic.

    ``name`` is the derived parameter concerned, where known.
    """

    def __init__(self, message: str, name: str | None = None):
        super().__init__(message)
        self.name = name


def shown(text: str, limit: int = 60) -> str:
    """An expression for a message: on one line, control characters escaped, shortened."""
    text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


class _Floats(ast.NodeTransformer):
    """Integer constants become floats (no unbounded integer arithmetic)."""

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        if isinstance(node.value, int) and not isinstance(node.value, bool):
            return ast.copy_location(ast.Constant(float(node.value)), node)
        return node


def _check_syntax(tree: ast.AST, text: str) -> None:
    """Refuse what a derived parameter has no use for (iteratively: no recursion limit)."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(f"'{shown(text)}' is nested more than {MAX_DEPTH} deep")
        if not isinstance(node, _ALLOWED) or isinstance(node, _FORBIDDEN_OPERATORS):
            what = type(node).__name__
            raise ExpressionError(f"'{shown(text)}' uses {what}, which expressions do not "
                                  f"allow (arithmetic, comparisons, numbers, parameter names "
                                  f"and the functions {', '.join(sorted(FUNCTIONS))})")
        if isinstance(node, ast.Constant) and (isinstance(node.value, bool)
                                               or not isinstance(node.value, int | float)):
            raise ExpressionError(f"'{shown(text)}' holds {node.value!r}: only numbers are "
                                  f"allowed")
        if isinstance(node, ast.Call) and (not isinstance(node.func, ast.Name)
                                           or node.func.id not in FUNCTIONS or node.keywords):
            raise ExpressionError(f"'{shown(text)}' calls {ast.unparse(node.func)[:40]}"
                                  f"{' with keywords' if node.keywords else ''}; functions: "
                                  f"{', '.join(sorted(FUNCTIONS))}")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


class Expression:
    """One parsed expression; call it with a mapping of names to arrays."""

    def __init__(self, text: str):
        self.text = text
        if len(text) > MAX_CHARS:
            raise ExpressionError(f"expression '{shown(text)}' is longer than {MAX_CHARS} "
                                  f"characters")
        try:  # ast.parse only parses; it gives a better message than asteval's
            tree = ast.parse(text, mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"cannot parse expression '{shown(text)}': {exc.msg}"
                                  ) from None
        except (RecursionError, MemoryError):
            raise ExpressionError(f"expression '{shown(text)}' is nested too deeply to "
                                  f"parse") from None
        _check_syntax(tree, text)
        self._interp = Interpreter(minimal=True, use_numpy=True)
        self._tree = ast.fix_missing_locations(_Floats().visit(self._interp.parse(text)))
        self.names = frozenset(get_ast_names(self._tree)) - BUILTIN_NAMES

    def __call__(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """The expression's value on the points of ``values`` (one number, or one per point
        as long as the arrays it uses). Raises `ExpressionError` with a one-line reason."""
        missing = sorted(self.names - set(values))
        if missing:
            raise ExpressionError(f"'{shown(self.text)}' needs {', '.join(missing)}")
        table = self._interp.symtable
        for name in self.names:
            table[name] = values[name]
        self._interp.error = []
        try:
            with np.errstate(all="ignore"):
                result = self._interp.run(self._tree, expr=self.text, with_raise=False)
        except Exception as exc:  # noqa: BLE001 - asteval lets some errors through
            raise ExpressionError(f"evaluating '{shown(self.text)}' failed: "
                                  f"{type(exc).__name__}: {exc}") from None
        if self._interp.error:
            reason = self._interp.error[0].get_error()[1].strip().splitlines()[-1]
            raise ExpressionError(f"evaluating '{shown(self.text)}' failed: {reason}")
        try:
            result = np.asarray(result, dtype=float)
        except (TypeError, ValueError):
            raise ExpressionError(f"'{shown(self.text)}' gives {type(result).__name__}, not "
                                  f"a number") from None
        sizes = {np.shape(values[name]) for name in self.names}
        if result.ndim and {result.shape} != sizes and result.shape != (1,):
            raise ExpressionError(f"'{shown(self.text)}' gives an array of shape "
                                  f"{result.shape}, not one number per point")
        return result

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
