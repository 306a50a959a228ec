"""The tables the `topics` commands print without --json (rich, 160 columns wide)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nlp_service.analysis.topics import TopicModel


def print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*[str(v) for v in row])
    Console(width=160).print(table)


def print_themes(name: str, model: TopicModel) -> None:
    """The theme table of `topics show`, titled with the share of segments (and answers) left
    without a theme."""
    share = model.unassigned / model.documents if model.documents else 0.0
    rows = [[t.id, t.label, t.size, ", ".join(t.keywords[:6]), t.parent] for t in model.themes()]
    answers = ""
    if model.answers:
        done = model.unassigned_answers or 0
        answers = f"{model.answers} answers ({done / model.answers:.1%} without a theme), "
    print_table(
        f"{name} {model.version}: {len(rows)} themes, {answers}{model.documents} segments "
        f"({model.unassigned} unassigned, {share:.1%})",
        ["id", "label", "size", "keywords", "parent"], rows,
    )  # fmt: skip


def print_parents(name: str, model: TopicModel) -> None:
    """Parent themes with their children (`topics hierarchy`)."""
    labels = {t.id: t.label for t in model.themes()}
    rows = [[p.id, p.label, p.size, "; ".join(f"{c} {labels[c]}" for c in p.children)]
            for p in model.parents]  # fmt: skip
    print_table(f"{name} {model.version}: parent themes", ["parent", "label", "size",
                                                           "themes"], rows)  # fmt: skip


def print_top_per_group(
    title: str, rows: list[dict[str, Any]], group: str, top: int, *, keywords: bool
) -> None:
    """Themes per class or period (`group`: "class" or "period"): the first `top` rows of each
    group in the order given, and the themes' first 4 keywords if `keywords`."""
    shown: dict[str, int] = {}
    table = []
    for r in rows:
        shown[r[group]] = shown.get(r[group], 0) + 1
        if shown[r[group]] <= top:
            cells = [r[group], r["id"], r["label"], r["size"], f"{r['share']:.1%}"]
            if keywords:
                cells.append(", ".join(r.get("keywords", [])[:4]))
            table.append(cells)
    columns = [group, "id", "label", "size", "share"]
    print_table(title, [*columns, "keywords"] if keywords else columns, table)


def print_mapping(name: str, model: TopicModel, data: dict[str, Any]) -> None:
    """How a version's themes relate to the previous version's (`topics mapping`)."""
    rows = [[e["kind"], e["old"], e["old_label"], e["new"], e["new_label"], e["similarity"]]
            for e in data["entries"]]  # fmt: skip
    print_table(f"{name} {model.version} vs {data['previous_version']}: "
                f"kept share {data['kept_share']}",
                ["kind", "old", "old label", "new", "new label", "similarity"], rows)  # fmt: skip
