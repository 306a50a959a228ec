"""Codebook edits as pure transforms of a TopicModel: rename, merge, split, move, retire, add,
accept. No I/O: the service stores each edit as an event and replays all of them, in order, on
top of every refit, so a researcher's codebook survives new data.

    model, outcome = apply_edit(model, Edit("rename", {"theme_id": 3, "labels": {"de": "X"}}))
    model, outcomes = replay(refitted, stored_edits)      # one ReplayOutcome per edit

`apply_edit` never raises for an edit the model cannot honour (a theme id that is gone): it
returns the model unchanged and an Outcome with `outcome="conflict"` and the reason, so a replay
reports it instead of dropping it. Malformed parameters raise InvalidInput naming the field.

What each edit records in its params at first application, so replays need no embedder and
reuse the same ids: merge -> the absorbed themes' centroids (`absorbed`); split -> the new
parts' ids (`ids`); add -> the theme id (`theme_id`); retire -> the theme's centroid.

An emergent theme a researcher edits (rename, merge target, split parts, accept) becomes
`seeded`: the fit keeps seeded themes' ids and labels and never drops them (fit._keep_protected).

Modules: `records` (Edit, Outcome, ReplayOutcome, snapshot), `params` (reading an edit's
params), `reasons` (why a theme is gone, which edits removed which themes), `rebuild` (a model
with edited themes), one module per kind family (`relabel`: rename, accept; `add`; `merge`:
merge, retire; `split`; `moves`: move and the answer pins), `apply` (one edit), `replay` (all
edits on a refit), `split_proposals` (k-means parts for a proposed split).
"""

from nlp_service.analysis.topics.edits.apply import apply_edit
from nlp_service.analysis.topics.edits.moves import Pin, pins, redirects
from nlp_service.analysis.topics.edits.reasons import removals
from nlp_service.analysis.topics.edits.records import (
    DEFAULT_LANGUAGE,
    EDIT_KINDS,
    LABEL_ONLY_KINDS,
    MAX_EXAMPLES,
    REDISCOVERY_SIMILARITY,
    Edit,
    EditKind,
    Outcome,
    OutcomeKind,
    ReplayOutcome,
    snapshot,
)
from nlp_service.analysis.topics.edits.relabel import relabelled
from nlp_service.analysis.topics.edits.replay import replay
from nlp_service.analysis.topics.edits.split_proposals import SplitPart, split_parts

__all__ = [
    "DEFAULT_LANGUAGE",
    "EDIT_KINDS",
    "LABEL_ONLY_KINDS",
    "MAX_EXAMPLES",
    "REDISCOVERY_SIMILARITY",
    "Edit",
    "EditKind",
    "Outcome",
    "OutcomeKind",
    "Pin",
    "ReplayOutcome",
    "SplitPart",
    "apply_edit",
    "pins",
    "redirects",
    "relabelled",
    "removals",
    "replay",
    "snapshot",
    "split_parts",
]
