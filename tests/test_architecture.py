"""The tree's seams: the source registry reaches every place a source must reach, no import cycles between
folders, every package is installed, and all the marts of one build are put in place together."""

from __future__ import annotations

import ast
import inspect
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer

from postaudit import audits, registry, warehouse
from postaudit.cli import COMMAND_MODULES, app
from postaudit.registry import FetchContext

REPO = Path(__file__).resolve().parents[1]
# The columns every view in the stg_posts contract has, in this order.
POSTS_CONTRACT = ["post_id", "platform", "account_id", "created_at", "kind", "referenced_post_id", "text", "lang",
                  "conversation_id", "in_reply_to_user_id", "client_name", "like_count", "reply_count",
                  "repost_count", "quote_count", "bookmark_count", "impression_count", "original_like_count",
                  "original_reply_count", "original_repost_count", "original_quote_count", "version_created_at",
                  "deleted_at", "community_id", "observed_at", "source", "record_id", "is_simulated"]
# Raw tables no staging view reads, and why.
UNREAD_RAW = {"raw_sim_ground_truth": "the simulator's ground truth, kept for benchmarks; no mart is built from it"}


# ------------------------------------------------------------------ the registry reaches everything

def _command(words: list[str]):
    cmd = typer.main.get_command(app)
    for word in words:
        if word not in getattr(cmd, "commands", {}):
            return None
        cmd = cmd.commands[word]
    return cmd


@pytest.mark.parametrize("source", list(registry.SOURCES.values()), ids=list(registry.SOURCES))
def test_every_source_has_its_cli_command(source):
    words = source.cli.split()
    assert words[0] == "postaudit"
    names = [w for w in words[1:] if not w.startswith("-")]
    options = [w for w in words[1:] if w.startswith("-")]
    cmd = _command(names)
    assert cmd is not None, f"{source.name}: no command {source.cli!r}"
    flags = {o for p in cmd.params for o in getattr(p, "opts", [])}
    assert set(options) <= flags, f"{source.name}: {source.cli!r} names options the command lacks"
    assert source.cli_module == "postaudit.cli" or source.cli_module in COMMAND_MODULES


def _audits_with_every_field(tmp_path: Path) -> audits.Audits:
    lines = ["[[executive]]", 'id = "every-source"', 'name = "Every Source"']
    for section in ("accounts", "press"):
        lines.append(f"[executive.{section}]")
        lines += [f"{key} = {f.example}" for key, f in registry.audits_fields(section).items()]
    lines += ["", "[[executive]]", 'id = "sim"', 'name = "Sim Exec"', 'source = "simulated"']
    path = tmp_path / "audits.toml"
    path.write_text("\n".join(lines) + "\n")
    return audits.load(path)


def test_every_source_is_reached_from_the_audits_file_and_runs_as_a_flow_job(tmp_path):
    parsed = _audits_with_every_field(tmp_path)
    jobs = audits.jobs(parsed, "posts") + audits.jobs(parsed, "press")
    assert {j.source for j in jobs} == set(registry.SOURCES), "a source no audits.toml entry reaches"
    ctx = FetchContext(since=datetime(2025, 1, 1, tzinfo=UTC), until=datetime(2025, 2, 1, tzinfo=UTC), run_id="r",
                       progress=print, secrets={"x_bearer_token": "t"})
    for job in jobs:
        source = registry.get(job.source)
        assert job.api == source.api_limit
        if source.kind == "simulated":
            assert job.is_simulated and dict(job.options)["name"] == "Sim Exec"
        elif source.reader:
            assert callable(source.read()) and source.raw_tables
        else:
            fn = source.entry_point()
            args, kwargs = source.arguments(job, ctx)
            # what flows/_fetch.py calls must be what the function accepts
            inspect.signature(fn).bind(object(), *args, **kwargs)


def test_every_post_source_reaches_stg_posts_in_its_contract(con):
    warehouse.apply_layers(con, ("raw", "staging"))
    staging = dict(warehouse.layer_relations("staging"))
    assert registry.post_views() == [v for v in registry.post_views() if registry.reads(staging["stg_posts"], v)]

    def closure(view: str) -> str:
        """The view's SQL and that of every staging view it reads."""
        text, seen, todo = "", set(), [view]
        while todo:
            v = todo.pop()
            if v in seen:
                continue
            seen.add(v)
            text += staging[v]
            todo += [o for o in staging if o != v and registry.reads(staging[v], o)]
        return text

    read_somewhere = {t for t in registry.RAW_TABLES if any(registry.reads(sql, t) for sql in staging.values())}
    for source in registry.SOURCES.values():
        if source.collects == "posts":
            assert source.posts_view in registry.post_views(), source.name
            assert any(registry.reads(closure(source.posts_view), t) for t in source.raw_tables), source.name
            columns = [r[0] for r in con.execute(f"describe {source.posts_view}").fetchall()]
            assert columns == POSTS_CONTRACT, f"{source.posts_view} is not in the stg_posts contract"
        else:
            assert any(registry.reads(closure(source.press_view), t) for t in source.raw_tables), source.name
        for view in source.observation_views:
            assert registry.reads(staging["stg_account_observations"], view)
        for table in source.raw_tables:
            assert table in registry.RAW_TABLES, f"{source.name}: raw table {table} is not declared"
            assert table in read_somewhere or table in UNREAD_RAW, f"no staging view reads {table}"
    assert [r[0] for r in con.execute("describe stg_posts").fetchall()] == POSTS_CONTRACT


def test_raw_tables_are_created_from_their_declarations(con):
    for name in registry.RAW_TABLES:
        cols = [r[0] for r in con.execute(f"describe {name}").fetchall()]
        assert cols == list(warehouse.RAW_COLUMN_TYPES)
    assert not [p for p in (REPO / "sql" / "raw").glob("raw_*.sql")], "raw DDL is derived, not written"


def test_sources_sharing_an_audits_field_share_its_rule():
    by_key: dict[tuple, set] = {}
    for s in registry.SOURCES.values():
        if s.audits:
            by_key.setdefault((s.audits.section, s.audits.key), set()).add(id(s.audits))
    assert all(len(v) == 1 for v in by_key.values())


# ------------------------------------------------------------------ import cycles between folders

KNOWN_CYCLES: list[set[str]] = []
FOLDERS = {"postaudit.sources", "postaudit.metrics", "postaudit.press", "postaudit.flows", "postaudit.dashboards",
           "postaudit.bench", "postaudit.simulator"}


def _modules() -> dict[str, Path]:
    found = {}
    for root, package in ((REPO / "src" / "postaudit", "postaudit"), (REPO / "flows", "postaudit.flows"),
                          (REPO / "dashboards", "postaudit.dashboards")):
        for path in root.rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([package, *parts])] = path
    return found


def _node(module: str) -> str:
    """A folder counts as one node; a module directly in postaudit/ is its own."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 or module in FOLDERS else module


def import_graph() -> dict[str, set[str]]:
    """Node -> nodes it imports (imports inside functions count too: they are dependencies all the same)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:   # from .x import y: relative to the importing package
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                targets |= {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names}
        graph.setdefault(_node(name), set()).update(
            _node(t) for t in targets if t in modules and _node(t) != _node(name))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_between_folders():
    graph = import_graph()
    assert "postaudit.sources" in graph and "postaudit.press" in graph     # the walk sees the tree
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [{"a", "b"}]    # and the check sees a cycle
    found = [c for c in cycles(graph) if c & FOLDERS]
    unexpected = [sorted(c) for c in found if c not in KNOWN_CYCLES]
    assert not unexpected, f"import cycles between folders: {unexpected}"


# ------------------------------------------------------------------ packaging

def test_every_package_of_the_tree_is_installed():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    dirs = config["package-dir"]
    present = set()
    for package, folder in dirs.items():
        root = REPO / folder
        for init in root.rglob("__init__.py"):
            rel = init.parent.relative_to(root).parts
            present.add(".".join([package, *rel]))
    present |= {f"postaudit.sql.{layer}" for layer in warehouse.LAYERS} | {"postaudit.sql"}
    assert present <= listed, f"packages missing from pyproject.toml: {sorted(present - listed)}"
    assert all(config["package-data"].get(f"postaudit.sql.{layer}") == ["*.sql"] for layer in warehouse.LAYERS)
