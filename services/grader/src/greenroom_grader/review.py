"""A Pythonic review of submitted code: line-referenced findings from the syntax tree.

Each rule names a habit that interviewers read as "not fluent in Python" and the idiom that
replaces it. The review never runs the code (the sandbox does that); it only reads it, so it
is fast and deterministic.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

MAJOR, MINOR = 15, 5
PENALTY = {
    "mutable-default": MAJOR, "bare-except": MAJOR, "manual-file": MAJOR,
    "index-loop": MAJOR, "java-style": MAJOR, "hand-counting": MAJOR,
    "getter-setter": 10, "hand-grouping": 10, "swallowed-exception": 10,
    "missing-hints": MINOR, "eq-none": MINOR, "type-compare": MINOR,
    "too-deep": MAJOR,
}
MAX_HINT_PENALTY = 15
MUTABLE_CALLS = {"list", "dict", "set", "defaultdict", "deque", "OrderedDict", "Counter"}


@dataclass(frozen=True)
class Finding:
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def _name(node: ast.AST) -> str:
    return ast.unparse(node) if node is not None else ""


class _Reviewer(ast.NodeVisitor):
    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self._with_items: set[int] = set()
        self._loops = 0

    def add(self, node: ast.AST, rule: str, message: str) -> None:
        self.findings.append(Finding(getattr(node, "lineno", 0), rule, message))

    # -- functions ----------------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        args = node.args
        defaults = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
        for default in defaults:
            mutable = isinstance(default, ast.List | ast.Dict | ast.Set) or (
                isinstance(default, ast.Call) and _name(default.func) in MUTABLE_CALLS)
            if mutable:
                self.add(default, "mutable-default",
                         f"`{node.name}` has the mutable default `{_name(default)}`: it is "
                         "created once and shared by every call. Default to None and create "
                         "it inside the function.")
        if not node.name.startswith("_"):
            params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
            unannotated = [a.arg for a in params
                           if a.annotation is None and a.arg not in {"self", "cls"}]
            if unannotated or node.returns is None:
                missing = ", ".join(unannotated) + (" and the return" if node.returns is None
                                                    else "")
                self.add(node, "missing-hints",
                         f"`{node.name}` lacks type hints ({missing.strip(', ')}); annotate "
                         "parameters and return so readers and type checkers know the "
                         "contract.")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815 - ast visitor protocol

    # -- loops ----------------------------------------------------------------------
    def visit_For(self, node: ast.For) -> None:
        it = node.iter
        if (isinstance(it, ast.Call) and _name(it.func) == "range" and len(it.args) == 1
                and isinstance(it.args[0], ast.Call) and _name(it.args[0].func) == "len"
                and isinstance(node.target, ast.Name)):
            index = node.target.id
            indexed = {_name(s.value) for s in ast.walk(node)
                       if isinstance(s, ast.Subscript) and _name(s.slice) == index}
            if len(indexed) > 1:
                hint = f"use zip({', '.join(sorted(indexed))}) to walk them together"
            else:
                hint = "use enumerate() when you need the index, or iterate directly"
            self.add(node, "index-loop",
                     f"`for {index} in range(len(...))` indexes by hand; {hint}.")
        self._loops += 1
        self.generic_visit(node)
        self._loops -= 1

    def visit_While(self, node: ast.While) -> None:
        self._loops += 1
        self.generic_visit(node)
        self._loops -= 1

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Compare) and len(test.ops) == 1
                and isinstance(test.ops[0], ast.In | ast.NotIn)):
            container = _name(test.comparators[0])
            body = node.body + node.orelse
            counts = any(isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Subscript)
                         and _name(s.target.value) == container for s in body)
            groups = any(isinstance(s, ast.Assign) and isinstance(s.value, ast.List)
                         and not s.value.elts and any(
                             isinstance(t, ast.Subscript) and _name(t.value) == container
                             for t in s.targets) for s in body)
            if counts:
                self.add(node, "hand-counting",
                         f"Counting into `{container}` by hand; collections.Counter does it "
                         "in one call (Counter(items), .update(), .most_common()).")
            elif groups:
                self.add(node, "hand-grouping",
                         f"Grouping into `{container}` by hand; "
                         "collections.defaultdict(list) removes the membership test.")
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        value = node.value
        if (isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add)
                and isinstance(value.left, ast.Call)
                and isinstance(value.left.func, ast.Attribute)
                and value.left.func.attr == "get" and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Subscript)
                and _name(node.targets[0].value) == _name(value.left.func.value)):
            self.add(node, "hand-counting",
                     f"`{_name(node)}` counts by hand; use collections.Counter.")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "open" and id(node) not in self._with_items:
            self.add(node, "manual-file",
                     "open() outside a `with` block: the file stays open if anything raises; "
                     "use `with open(...) as f:`.")
        if (isinstance(func, ast.Attribute) and func.attr == "count" and self._loops
                and len(node.args) == 1):
            self.add(node, "hand-counting",
                     f"`{_name(node)}` inside a loop rescans the sequence each time "
                     "(quadratic); count once with collections.Counter.")
        if (isinstance(func, ast.Attribute) and func.attr == "setdefault"
                and len(node.args) == 2 and isinstance(node.args[1], ast.List)):
            self.add(node, "hand-grouping",
                     "setdefault(key, []) builds a throwaway list on every call; "
                     "collections.defaultdict(list) says what you mean.")
        self.generic_visit(node)

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self._with_items.add(id(item.context_expr))
        self.generic_visit(node)

    visit_AsyncWith = visit_With  # noqa: N815 - ast visitor protocol

    # -- comparisons and exceptions ---------------------------------------------------
    def visit_Compare(self, node: ast.Compare) -> None:
        for op, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.Eq | ast.NotEq):
                if isinstance(right, ast.Constant) and right.value is None:
                    self.add(node, "eq-none", "Compare with None using `is` / `is not`.")
                if isinstance(node.left, ast.Call) and _name(node.left.func) == "type":
                    self.add(node, "type-compare",
                             "`type(x) == T` ignores subclasses; use isinstance(x, T).")
        self.generic_visit(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is None:
            self.add(node, "bare-except",
                     "A bare `except:` also catches KeyboardInterrupt and SystemExit; catch "
                     "the specific exceptions you expect.")
        elif (_name(node.type) in {"Exception", "BaseException"}
              and all(isinstance(s, ast.Pass) for s in node.body)):
            self.add(node, "swallowed-exception",
                     "`except Exception: pass` hides every error; handle or log it.")
        self.generic_visit(node)

    # -- classes ----------------------------------------------------------------------
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        methods = [s for s in node.body if isinstance(s, ast.FunctionDef)]
        for method in methods:
            self._accessor(method)
        decorated = [m for m in methods
                     if any(_name(d) == "staticmethod" for d in m.decorator_list)]
        public = [m for m in methods if not m.name.startswith("__")]
        plain_class = not node.bases or all(_name(b) == "object" for b in node.bases)
        if methods and len(decorated) == len(methods):
            self.add(node, "java-style",
                     f"class `{node.name}` only holds static methods; module-level functions "
                     "are the Python way to group them.")
        elif (plain_class and len(public) == 1 and len(methods) <= 2
              and not any(isinstance(s, ast.AnnAssign) for s in node.body)
              and not node.decorator_list):
            self.add(node, "java-style",
                     f"class `{node.name}` has a single method `{public[0].name}`: a "
                     "function (with arguments or a closure) does the same with less code.")
        self.generic_visit(node)

    def _accessor(self, method: ast.FunctionDef) -> None:
        body = [s for s in method.body if not (isinstance(s, ast.Expr)
                                               and isinstance(s.value, ast.Constant))]
        if len(body) != 1:
            return
        stmt = body[0]
        getter = (method.name.startswith("get_") and isinstance(stmt, ast.Return)
                  and isinstance(stmt.value, ast.Attribute) and _name(stmt.value.value) == "self")
        setter = (method.name.startswith("set_") and isinstance(stmt, ast.Assign)
                  and isinstance(stmt.targets[0], ast.Attribute)
                  and _name(stmt.targets[0].value) == "self")
        if getter or setter:
            self.add(method, "getter-setter",
                     f"`{method.name}` is a Java-style accessor; expose a plain attribute, "
                     "or a @property when reading or writing needs logic.")


def _hierarchies(tree: ast.Module) -> list[Finding]:
    """Abstract bases with a single concrete subclass: a hierarchy where a function fits."""
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    findings = []
    for base in classes:
        methods = [s for s in base.body if isinstance(s, ast.FunctionDef)]
        abstract = methods and all(
            any(_name(d).endswith("abstractmethod") for d in m.decorator_list)
            or all(isinstance(s, ast.Pass | ast.Raise) or (isinstance(s, ast.Expr)
                   and isinstance(s.value, ast.Constant)) for s in m.body)
            for m in methods)
        subclasses = [c for c in classes if any(_name(b) == base.name for b in c.bases)]
        if abstract and len(subclasses) == 1:
            findings.append(Finding(
                base.lineno, "java-style",
                f"`{base.name}` is an abstract base with one implementation "
                f"(`{subclasses[0].name}`): drop the hierarchy, or use a typing.Protocol "
                "when several implementations really exist."))
    return findings


def review(code: str) -> list[Finding]:
    """Findings ordered by line. Raises SyntaxError for code that does not parse."""
    tree = ast.parse(code)
    reviewer = _Reviewer()
    reviewer.visit(tree)
    found = {(f.line, f.rule): f for f in [*reviewer.findings, *_hierarchies(tree)]}
    return sorted(found.values(), key=lambda f: (f.line, f.rule))


def score(findings: list[Finding]) -> float:
    """100 minus a penalty per finding (type hints capped: a style point, not a bug)."""
    hints = sum(PENALTY[f.rule] for f in findings if f.rule == "missing-hints")
    other = sum(PENALTY[f.rule] for f in findings if f.rule != "missing-hints")
    return float(max(0, 100 - other - min(hints, MAX_HINT_PENALTY)))
