"""Rewrites BUILD from the source tree: one target per file, deps by import.

  python .ci/update_build.py          # rewrite BUILD
  python .ci/update_build.py --check  # exit 1 if BUILD is out of date

Each tf1seq/**/*.py, train/*.py and benchmarks/*.py is a py_library (a
py_binary if it has a `__main__` block), each tests/*.py a py_test
(`*_test.py`) or py_library; deps are the project modules a file imports
(also inside the strings that tests run in fresh interpreters) plus the
packages above it. What BUILD says beyond name, srcs and deps (size, data,
tags and the comments inside a rule) is kept from the BUILD being
rewritten, so those are edited by hand.
"""

import ast
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATTERNS = ("tf1seq/**/*.py", "train/*.py", "benchmarks/*.py", "tests/*.py")
SECTIONS = (("tf1seq", "Library: tf1seq"),
            ("train", "Programs: train (the trainers and what they share)"),
            ("benchmarks", "Benchmarks"),
            ("tests", "Tests"))
PROJECT_IMPORT = re.compile(
    r"^\s*(?:from\s+((?:tf1seq|train|benchmarks|tests)(?:\.\w+)*)\s+import"
    r"\s+([\w\s,()]+?)(?:\s+as\s+\w+)?\s*$|"
    r"^\s*import\s+((?:tf1seq|train|benchmarks)(?:\.\w+)*))", re.M)
MAIN_GUARD = re.compile(r"""^if __name__ == ["']__main__["']:""", re.M)
KEPT = ("size", "data", "tags", "main", "args", "timeout", "flaky")


def target_of(path):
  name = path[:-len(".py")]
  return name[:-len("/__init__")] if name.endswith("/__init__") else name


def read_existing(build_path):
  """{target name: (header comment lines, {kept keyword: source})}."""
  if not os.path.exists(build_path):
    return "", {}
  with open(build_path) as f:
    text = f.read()
  tree = ast.parse(text)
  first = min((node.lineno for node in tree.body), default=1)
  lines = text.splitlines()
  header = "\n".join(lines[:first - 1]).rstrip() + "\n"
  header = header.split("\n# Library: tf1seq")[0].rstrip() + "\n"
  existing = {}
  for node in tree.body:
    call = getattr(node, "value", None)
    if not isinstance(call, ast.Call):
      continue
    keywords = {k.arg: k for k in call.keywords}
    if "name" not in keywords:
      continue
    name = keywords["name"].value.value
    kept = {k: ast.get_source_segment(text, keywords[k].value)
            for k in KEPT if k in keywords}
    deps = keywords.get("deps")
    kept["deps"] = ([e.value.lstrip(":") for e in deps.value.elts]
                    if deps is not None and isinstance(deps.value, ast.List)
                    else [])
    body = lines[call.lineno:call.end_lineno - 1]
    comments = [line.strip() for line in body if line.strip().startswith("#")]
    existing[name] = (comments, kept)
  return header, existing


def _code_imports(source, package=""):
  """The import statements of `source` as text (not its docstrings), with
  relative imports (`from . import x`) resolved against `package`."""
  lines = []
  for node in ast.walk(ast.parse(source)):
    if isinstance(node, ast.ImportFrom) and node.level > 0:
      parts = package.split(".")
      base = ".".join(parts[:len(parts) - (node.level - 1)])
      module = ".".join(filter(None, [base, node.module]))
      lines.append("from %s import %s" % (
          module, ", ".join(a.name for a in node.names)))
    elif isinstance(node, ast.ImportFrom) and node.module:
      lines.append("from %s import %s" % (
          node.module, ", ".join(a.name for a in node.names)))
    elif isinstance(node, ast.Import):
      lines.extend("import %s" % a.name for a in node.names)
  return "\n".join(lines)


def imported_targets(path, targets, previous):
  """The targets `path` imports, its packages and the still-existing
  `previous` deps (imports by name, e.g. `importlib.import_module`)."""
  with open(os.path.join(ROOT, path)) as f:
    source = f.read()
  package = os.path.dirname(path).replace("/", ".")
  if path.endswith("/__init__.py"):
    package = target_of(path).replace("/", ".")
  if not path.startswith("tests/"):
    # Tests also import inside the programs they run in fresh processes.
    source = _code_imports(source, package)
  found = {d for d in previous if d in targets}
  for match in PROJECT_IMPORT.finditer(source):
    if match.group(3):
      candidates = [match.group(3).replace(".", "/")]
    else:
      module = match.group(1).replace(".", "/")
      names = re.split(r"[\s,()]+", match.group(2))
      candidates = [module + "/" + n for n in names if n] + [module]
    for candidate in candidates:
      if candidate in targets:
        found.add(candidate)
        if candidate != candidates[-1]:
          continue
        break
  # Every package above the file, and above each import.
  for name in list(found) + [target_of(path)]:
    parts = name.split("/")
    for i in range(1, len(parts)):
      package = "/".join(parts[:i])
      if package in targets:
        found.add(package)
  found.discard(target_of(path))
  return sorted(found)


def _reaches(deps, start, goal):
  seen, stack = set(), [start]
  while stack:
    node = stack.pop()
    if node == goal:
      return True
    if node not in seen:
      seen.add(node)
      stack.extend(deps.get(node, ()))
  return False


def _break_package_cycles(deps):
  """Drops a dep on a package whose `__init__` imports the target itself
  (a package re-exporting its modules), which Bazel refuses as a cycle."""
  for name, names in deps.items():
    for dep in list(names):
      is_package = any(other.startswith(dep + "/") for other in deps)
      if is_package and _reaches(deps, dep, name):
        names.remove(dep)


def render(kind, name, path, deps, comments, kept):
  out = ["%s(" % kind, '    name = "%s",' % name]
  if "size" in kept:
    out.append("    size = %s," % kept["size"])
  out.append('    srcs = ["%s"],' % path)
  for key in ("main", "args", "timeout", "flaky"):
    if key in kept:
      out.append("    %s = %s," % (key, kept[key]))
  out.extend("    " + c for c in comments)
  if "data" in kept:
    out.append("    data = %s," % kept["data"])
  if deps:
    out.append("    deps = [")
    out.extend('        ":%s",' % d for d in deps)
    out.append("    ],")
  if "tags" in kept:
    out.append("    tags = %s," % kept["tags"])
  out.append(")")
  return "\n".join(out)


def generate():
  build_path = os.path.join(ROOT, "BUILD")
  header, existing = read_existing(build_path)
  paths = sorted({os.path.relpath(p, ROOT) for pattern in PATTERNS
                  for p in glob.glob(os.path.join(ROOT, pattern),
                                     recursive=True)})
  paths = [p for p in paths if "/testdata/" not in p and
           "/legacy_scripts/" not in p]
  targets = {target_of(p): p for p in paths}
  deps = {name: imported_targets(path, targets,
                                 existing.get(name, ([], {}))[1].get("deps",
                                                                     []))
          for name, path in targets.items()}
  _break_package_cycles(deps)
  parts = [header.rstrip() + "\n\npackage(default_visibility = "
           '["//visibility:public"])']
  for top, title in SECTIONS:
    parts.append("# %s %s" % (title, "-" * max(3, 73 - len(title))))
    for name in sorted(n for n in targets if n.split("/")[0] == top):
      path = targets[name]
      with open(os.path.join(ROOT, path)) as f:
        source = f.read()
      if path.startswith("tests/") and path.endswith("_test.py"):
        kind = "py_test"
      elif MAIN_GUARD.search(source) and not path.startswith("tests/"):
        kind = "py_binary"
      else:
        kind = "py_library"
      comments, kept = existing.get(name, ([], {}))
      parts.append(render(kind, name, path, deps[name], comments, kept))
  return "\n\n".join(parts) + "\n"


def main(argv):
  text = generate()
  build_path = os.path.join(ROOT, "BUILD")
  if "--check" in argv:
    with open(build_path) as f:
      if f.read() != text:
        print("BUILD is out of date: run python .ci/update_build.py")
        return 1
    return 0
  with open(build_path, "w") as f:
    f.write(text)
  return 0


if __name__ == "__main__":
  sys.exit(main(sys.argv[1:]))
