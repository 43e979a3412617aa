"""resbot eval FILE: accuracy per kind, dialogues, fallbacks, Hit@3, MRR and every failure."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from bot.cli.common import engine_or_exit
from bot.core.evaluation import Report, accuracy_by_confidence, median_ms, run_eval


def run_eval_file(args: argparse.Namespace) -> int:
    data = read_eval(args.file)
    if data is None:
        return 2
    engine = engine_or_exit(args)
    if engine is None:
        return 2
    started = time.perf_counter()
    report = run_eval(engine, data)
    for symbol in report.missing:
        print(f"resbot eval: {args.file}: {symbol} is not loaded", file=sys.stderr)
    elapsed = time.perf_counter() - started
    summary = report.summary()
    summary["seconds"] = round(elapsed, 3)
    summary["median_ms_per_question"] = median_ms(report)
    summary["by_confidence"] = accuracy_by_confidence(report)
    if args.json:
        summary["failures"] = [
            {
                "id": o.case.id,
                "question": o.case.question,
                "why": o.why,
                "cited": [f"{c.document}:{c.paragraph}" for c in o.answer.citations],
            }
            for o in report.outcomes
            if not o.correct
        ]
        print(json.dumps(summary, indent=2))
    else:
        print(render(report, summary))
    return 0


def read_eval(path: Path) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        print(f"resbot eval: {path}: {error}", file=sys.stderr)
        return None
    if not isinstance(data, dict):
        print(
            f"resbot eval: {path}:1: expected a mapping with questions/dialogues", file=sys.stderr
        )
        return None
    return data


def render(report: Report, summary: dict[str, Any]) -> str:
    lines = ["failures:"]
    for outcome in report.outcomes:
        if not outcome.correct:
            lines.append(f"  {outcome.case.id} [{outcome.case.kind}] {outcome.case.question}")
            lines.append(f"      -> {outcome.why}")
    if len(lines) == 1:
        lines.append("  none")
    lines.append("")
    lines.append(f"{'kind':<14}{'correct':>8}{'total':>7}{'accuracy':>10}")
    for kind, row in summary["by_kind"].items():
        lines.append(f"{kind:<14}{row['correct']:>8}{row['total']:>7}{row['accuracy']:>10.1%}")
    lines.append("")
    for key in (
        "answerable_first_citation",
        "topic_first_citation",
        "dialogue_turns",
        "fallback_precision",
        "fallback_recall",
        "hit_at_3",
        "mrr",
    ):
        lines.append(f"{key:<28}{summary[key]:.3f}")
    lines.append("")
    lines.append(f"{'confidence':<14}{'correct':>8}{'answered':>10}{'accuracy':>10}")
    for band in summary.get("by_confidence", []):
        accuracy = f"{band['accuracy']:.1%}" if band["answered"] else "-"
        lines.append(f"{band['band']:<14}{band['correct']:>8}{band['answered']:>10}{accuracy:>10}")
    lines.append("")
    lines.append(f"{'quotes_verbatim':<28}{summary['quotes_verbatim']}")
    lines.append(f"{'median_ms_per_question':<28}{summary['median_ms_per_question']}")
    return "\n".join(lines)
