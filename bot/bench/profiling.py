"""Where the time and memory go: `python -m bot.bench.profiling [--size N] [--out DIR]`.

Writes pyinstrument profiles (NAME.txt: call tree; NAME-hotspots.txt: functions by inclusive
and by self time, as a share of the profile) of
  query-dev     the eval questions, answer cache off, several rounds;
  cold          `resbot ask "hello"` in a fresh interpreter (imports included), and the
                slowest imports by `python -X importtime` (cold-importtime.txt);
  build-N       parsing and indexing a synthetic corpus of N resolutions;
  query-N       questions over that corpus;
and, for the corpus of N, the allocations still alive after the build (memory-N.txt,
tracemalloc by line); then prints the hotspots.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import linecache
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.bench.engine import STEADY_ROUNDS, cache_off_arguments
from bot.bench.questions import eval_cases, phrase_questions
from bot.bench.scale import FIXTURE_RESOLUTIONS, SEED
from bot.bench.synthetic import THESAURUS, material_from, write_corpus

if TYPE_CHECKING:
    from pyinstrument.frame import Frame
    from pyinstrument.session import Session

TOP = 15
# frames of the harness, the import machinery and the profiler: never a hotspot to fix
PLUMBING = ("bot/bench/", "<frozen ", "pyinstrument/", "<string>:")


def profile(run: Callable[[], object], out: Path, name: str) -> list[str]:
    """Profile `run`; write NAME.txt (call tree) and NAME-hotspots.txt; the top hotspots."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    with contextlib.redirect_stdout(io.StringIO()):
        run()
    profiler.stop()
    session = profiler.last_session
    return written(session, out, name) if session is not None else []


def written(session: Session, out: Path, name: str) -> list[str]:
    from pyinstrument.renderers import ConsoleRenderer

    root = session.root_frame()
    if root is None:
        return []
    tree = ConsoleRenderer(time="percent_of_total").render(session)
    (out / f"{name}.txt").write_text(tree, encoding="utf-8")
    lines = hotspot_lines(root)
    (out / f"{name}-hotspots.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines


def cold_profile(knowledge: Path, intents: Path, out: Path) -> list[str]:
    """`resbot ask "hello"` in a fresh interpreter under pyinstrument (imports included),
    after one run that leaves any saved engine in place, as a real second start finds it."""
    from pyinstrument.session import Session

    arguments = ["--knowledge", str(knowledge), "--intents", str(intents), "ask", "hello"]
    subprocess.run(
        [sys.executable, "-m", "bot.cli.main", *arguments], capture_output=True, check=False
    )
    saved = out / "cold.pyisession"
    command = [sys.executable, "-m", "pyinstrument", "-i", "0.0005", "-r", "pyisession"]
    command += ["-o", str(saved), "-m", "bot.cli.main", *arguments]
    subprocess.run(command, capture_output=True, check=False)
    if not saved.exists():
        return ["(pyinstrument did not write a session)"]
    return written(Session.load(str(saved)), out, "cold")


def hotspot_lines(root: Frame) -> list[str]:
    """Functions by inclusive time (each counted once per stack) and by self time, as a share
    of the whole profile; the bench's own frames are left out."""
    inclusive: dict[str, float] = defaultdict(float)
    own: dict[str, float] = defaultdict(float)

    def walk(frame: Frame, stack: frozenset[str]) -> None:
        if frame.is_synthetic:
            return
        where = frame.code_position_short() or ""
        owner = f"{frame.class_name}." if frame.class_name else ""
        key = f"{owner}{frame.function}  {where}"
        own[key] += frame.total_self_time
        if key not in stack:
            inclusive[key] += frame.time
            stack = stack | {key}
        for child in frame.children:
            walk(child, stack)

    walk(root, frozenset())
    total = root.time or 1.0

    def listed(counts: dict[str, float], limit: int) -> list[str]:
        ranked = sorted(counts.items(), key=lambda item: -item[1])
        kept = [(k, v) for k, v in ranked if not any(n in k for n in PLUMBING)]
        return [f"{v / total:6.1%}  {k}" for k, v in kept[:limit]]

    return [
        f"{total:.2f} s profiled",
        "-- inclusive",
        *listed(inclusive, TOP),
        "-- self",
        *listed(own, TOP),
    ]


def engine_for(knowledge: Path, intents: Path) -> object:
    from bot.core.engine import AnswerEngine
    from bot.loading.engine import load_all

    loaded = load_all(knowledge, intents)
    arguments, _ = cache_off_arguments()
    return AnswerEngine(loaded.documents, loaded.intents, loaded.lexicon, **arguments)


def asking(engine: object, texts: Sequence[str], rounds: int) -> Callable[[], None]:
    from bot.core.models import ConversationState

    reply = engine.reply  # type: ignore[attr-defined]

    def run() -> None:
        for _ in range(rounds):
            for text in texts:
                reply(text, ConversationState())

    return run


def memory_by_line(run: Callable[[], object], out: Path, name: str) -> list[str]:
    """Allocations alive after `run` (what the built engine keeps), grouped by line."""
    tracemalloc.start(1)
    kept = run()
    snapshot = tracemalloc.take_snapshot()
    tracemalloc.stop()
    stats = snapshot.statistics("lineno")
    total = sum(s.size for s in stats)
    lines = [f"total traced: {total / 2**20:.1f} MB"]
    for stat in stats[:25]:
        frame = stat.traceback[0]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        code = linecache.getline(frame.filename, frame.lineno).strip()[:60]
        share = f"{stat.size / total:6.1%} {stat.size / 2**20:8.1f} MB"
        lines.append(f"{share}  {where:<18} {stat.count:>9,} blocks  {code}")
    (out / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    del kept
    return lines[:TOP]


def import_times(knowledge: Path, intents: Path, out: Path) -> list[str]:
    """`python -X importtime` of `resbot ask hello`: the slowest imports, cumulative."""
    command = [
        sys.executable,
        "-X",
        "importtime",
        "-m",
        "bot.cli.main",
        "--knowledge",
        str(knowledge),
        "--intents",
        str(intents),
        "ask",
        "hello",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    (out / "cold-importtime.txt").write_text(done.stderr, encoding="utf-8")
    rows = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), int(parts[0].split(":")[1]), parts[2].rstrip()))
    rows.sort(reverse=True)
    return [f"{c / 1000:7.1f} ms cumulative {s / 1000:6.1f} ms self {n}" for c, s, n in rows[:TOP]]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.bench.profiling")
    parser.add_argument("--knowledge", type=Path, default=Path("knowledge"))
    parser.add_argument("--intents", type=Path, default=Path("intents"))
    parser.add_argument("--questions", type=Path, default=Path("tests/fixtures/eval/dev.yaml"))
    parser.add_argument("--size", type=int, default=1000, help="synthetic corpus size")
    parser.add_argument("--out", type=Path, default=Path("test-artifacts/profiles"))
    parser.add_argument("--queries", type=int, default=60, help="questions timed at --size")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    texts = [c.question for c in eval_cases(args.questions)]
    sections: list[tuple[str, list[str]]] = []

    engine = engine_for(args.knowledge, args.intents)
    sections.append(("query-dev", profile(asking(engine, texts, STEADY_ROUNDS), out, "query-dev")))

    sections.append(("cold", cold_profile(args.knowledge, args.intents, out)))
    sections.append(("cold -X importtime", import_times(args.knowledge, args.intents, out)))

    with tempfile.TemporaryDirectory(prefix="resbot-profile-") as folder:
        corpus = Path(folder)
        sources = [*args.knowledge.glob("*.txt"), *FIXTURE_RESOLUTIONS.glob("*.txt")]
        write_corpus(
            material_from(sources),
            args.size,
            corpus,
            seed=SEED,
            thesaurus=args.knowledge / THESAURUS,
        )
        built: list[object] = []
        name = f"build-{args.size}"
        start = time.perf_counter()
        sections.append(
            (name, profile(lambda: built.append(engine_for(corpus, args.intents)), out, name))
        )
        sections[-1][1].insert(0, f"(wall {time.perf_counter() - start:.1f} s, profiled)")
        big = built[0]
        documents = big.documents  # type: ignore[attr-defined]
        asked = texts + phrase_questions(documents, args.queries, seed=SEED)
        random.Random(SEED).shuffle(asked)
        name = f"query-{args.size}"
        sections.append((name, profile(asking(big, asked[: args.queries], 1), out, name)))
        built.clear()
        del big
        name = f"memory-{args.size}"
        sections.append((name, memory_by_line(lambda: engine_for(corpus, args.intents), out, name)))
    for title, lines in sections:
        print(f"== {title}")
        print("\n".join(lines))
    print(f"(full profiles in {out}/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
