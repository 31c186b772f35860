"""How much of real TF1 projects' API tf1seq covers: a Markdown table.

For each project of a list file (default benchmarks/corpus.txt; lines
`owner/name commit entry [entry ...]`, an entry being a script inside the
project or `-m:package.module`), this runs

  python -m tf1seq.run --report-only --recursive --report-format=json ENTRY

in the project's directory under `--scratch` (`owner__name`), merges the
entries' reports (distinct symbols over all files reached) and prints one
table row: repository, commit, entry scripts, files (unparseable), symbols,
covered, and the first uncovered symbols (most used first). A second table
counts in how many projects each uncovered symbol appears.

A project missing from the scratch directory gets its Python files there
from a git snapshot under `--mirror` (`owner+name/repo`, as the search
tool's `fetch` leaves it) at the listed commit (only `*.py`: snapshots may
lack large data files). The projects' files are never part of this
repository.

It imports neither TensorFlow nor tf1seq (the reports run in subprocesses),
so it tallies whatever tf1seq is on PYTHONPATH (default: this checkout).

Usage:

  /work/venv/bin/python benchmarks/corpus_coverage.py \\
      --scratch=/work/corpus --out=coverage.md
"""

import argparse
import collections
import io
import json
import os
import subprocess
import sys
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_LIST = os.path.join(ROOT, "benchmarks", "corpus.txt")
MODULE_PREFIX = "-m:"

Project = collections.namedtuple("Project", ["repo", "commit", "entries"])


def read_list(path):
  """The `Project`s of a list file (`#` starts a comment)."""
  projects = []
  with open(path) as f:
    for number, line in enumerate(f, 1):
      fields = line.split("#", 1)[0].split()
      if not fields:
        continue
      if len(fields) < 3 or "/" not in fields[0]:
        raise ValueError("%s:%d: expected 'owner/name commit entry ...', "
                         "got %r" % (path, number, line.strip()))
      projects.append(Project(fields[0], fields[1], fields[2:]))
  return projects


def project_dir(scratch, repo):
  return os.path.join(scratch, repo.replace("/", "__"))


def _git_dir(mirror, repo):
  base = os.path.join(mirror, repo.replace("/", "+"), "repo")
  for candidate in (os.path.join(base, ".git"), base):
    if os.path.isfile(os.path.join(candidate, "HEAD")):
      return candidate
  return None


def unpack(project, scratch, mirror):
  """Makes sure the project's files are in the scratch directory.

  Returns:
    None on success, else why the project is not there.
  """
  directory = project_dir(scratch, project.repo)
  if os.path.isdir(directory):
    return None
  git_dir = _git_dir(mirror, project.repo) if mirror else None
  if git_dir is None:
    return "not in %s and no snapshot under %s" % (scratch, mirror)
  archive = subprocess.run(
      ["git", "--git-dir=" + git_dir, "archive", "--format=tar",
       project.commit, "--", "*.py"], stdout=subprocess.PIPE,
      stderr=subprocess.PIPE, check=False)
  if archive.returncode != 0:
    return "commit %s not in the snapshot: %s" % (
        project.commit[:10], archive.stderr.decode(errors="replace").strip())
  partial = directory + ".partial"
  with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
    if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4, 3.10.12, ...
      tar.extractall(partial, filter="data")
    else:
      tar.extractall(partial)
  os.rename(partial, directory)
  return None


def run_report(entry, directory, python, pythonpath):
  """The JSON report of one entry, or `{"failure": reason}`."""
  args = [python, "-m", "tf1seq.run", "--report-only", "--recursive",
          "--report-format=json"]
  if entry.startswith(MODULE_PREFIX):
    args += ["-m", entry[len(MODULE_PREFIX):]]
  else:
    if not os.path.isfile(os.path.join(directory, entry)):
      return {"failure": "no file %s" % entry}
    args.append(entry)
  env = dict(os.environ)
  env["PYTHONPATH"] = os.pathsep.join(
      p for p in (pythonpath, env.get("PYTHONPATH")) if p)
  env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  process = subprocess.run(args, cwd=directory, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=600, check=False)
  start = process.stdout.find("{")
  if process.returncode != 0 or start < 0:
    lines = (process.stderr or process.stdout).strip().splitlines()
    return {"failure": "exit status %d: %s" % (
        process.returncode, lines[-1] if lines else "no output")}
  return json.loads(process.stdout[start:])


class Tally(object):
  """A project's symbols over all its entries' reports."""

  def __init__(self, project):
    self.project = project
    self.symbols = collections.OrderedDict()  # symbol -> [covered, uses]
    self.files = set()
    self.unparseable = set()
    self.failures = []

  def add(self, entry, data):
    if "failure" in data:
      self.failures.append("%s: %s" % (entry, data["failure"]))
      return
    prefix = os.path.dirname(entry) if not entry.startswith(
        MODULE_PREFIX) else ""
    for record in data["files"]:
      path = record["path"]
      if path != data["entry"]:  # Others are relative to the entry's dir.
        path = os.path.join(prefix, path)
      path = os.path.normpath(path)
      self.files.add(path)
      if record["error"]:
        self.unparseable.add(path)
      for symbol in record["symbols"]:
        row = self.symbols.setdefault(symbol["symbol"],
                                      [symbol["covered"], 0])
        row[1] += len(symbol["lines"])

  def counts(self):
    covered = sum(1 for row in self.symbols.values() if row[0])
    return len(self.symbols), covered

  def uncovered(self):
    """Uncovered symbols, most used first."""
    rows = [(-row[1], symbol) for symbol, row in self.symbols.items()
            if not row[0]]
    return [symbol for _, symbol in sorted(rows)]


def _percent(part, whole):
  return "%.0f%%" % (100.0 * part / whole) if whole else "-"


def markdown(tallies, first=5):
  """The per-project table and the uncovered-symbol table, as Markdown."""
  lines = ["| Repository | Commit | Entry scripts | Files (unparseable) | "
           "Symbols | Covered | First uncovered symbols |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
  total_symbols = total_covered = 0
  where = collections.Counter()
  for tally in tallies:
    project = tally.project
    entries = ", ".join("`%s`" % e for e in project.entries)
    symbols, covered = tally.counts()
    total_symbols += symbols
    total_covered += covered
    uncovered = tally.uncovered()
    where.update(uncovered)
    shown = ", ".join("`%s`" % s for s in uncovered[:first])
    if len(uncovered) > first:
      shown += " (+%d more)" % (len(uncovered) - first)
    if tally.failures:
      shown = "; ".join(tally.failures) + ("; " + shown if shown else "")
    lines.append("| [%s](https://github.com/%s) | `%s` | %s | %d (%d) | %d | "
                 "%d (%s) | %s |" % (
                     project.repo, project.repo, project.commit[:10],
                     entries, len(tally.files), len(tally.unparseable),
                     symbols, covered, _percent(covered, symbols),
                     shown or "-"))
  lines.append("| **all %d projects** | | | | %d | %d (%s) | |" % (
      len(tallies), total_symbols, total_covered,
      _percent(total_covered, total_symbols)))
  lines += ["", "Uncovered symbols by the number of projects using them "
            "(those in at least two):", "",
            "| Symbol | Projects |", "| --- | --- |"]
  common = [(s, n) for s, n in where.most_common() if n >= 2]
  common.sort(key=lambda item: (-item[1], item[0]))
  lines += ["| `%s` | %d |" % (s, n) for s, n in common]
  return "\n".join(lines)


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  parser.add_argument("--list", default=DEFAULT_LIST,
                      help="the project list (default: %(default)s)")
  parser.add_argument("--scratch", default="/work/corpus",
                      help="where the projects' files are (one directory "
                           "owner__name each); outside this repository")
  parser.add_argument("--mirror", default="/work/.mirror",
                      help="git snapshots to unpack missing projects from")
  parser.add_argument("--python", default=sys.executable,
                      help="the interpreter that runs tf1seq.run")
  parser.add_argument("--pythonpath", default=ROOT,
                      help="where tf1seq is imported from (default: this "
                           "checkout)")
  parser.add_argument("--only", default=None,
                      help="comma-separated owner/name to tally (default: "
                           "all)")
  parser.add_argument("--first", type=int, default=5,
                      help="uncovered symbols shown per project")
  parser.add_argument("--out", default=None,
                      help="also write the table to this file")
  parser.add_argument("--json_dir", default=None,
                      help="also keep each entry's JSON report here "
                           "(owner__name.N.json)")
  args = parser.parse_args(argv)
  projects = read_list(args.list)
  if args.only:
    wanted = set(args.only.split(","))
    projects = [p for p in projects if p.repo in wanted]
  tallies = []
  for project in projects:
    tally = Tally(project)
    problem = unpack(project, args.scratch, args.mirror)
    if problem:
      tally.failures.append(problem)
    else:
      directory = project_dir(args.scratch, project.repo)
      for number, entry in enumerate(project.entries):
        data = run_report(entry, directory, args.python, args.pythonpath)
        tally.add(entry, data)
        if args.json_dir:
          os.makedirs(args.json_dir, exist_ok=True)
          name = "%s.%d.json" % (project.repo.replace("/", "__"), number)
          with open(os.path.join(args.json_dir, name), "w") as f:
            json.dump(data, f, indent=1)
    symbols, covered = tally.counts()
    sys.stderr.write("%s: %d symbols, %d covered%s\n" % (
        project.repo, symbols, covered,
        "; " + "; ".join(tally.failures) if tally.failures else ""))
    tallies.append(tally)
  table = markdown(tallies, args.first)
  print(table)
  if args.out:
    with open(args.out, "w") as f:
      f.write(table + "\n")
  return 0


if __name__ == "__main__":
  sys.exit(main())
