"""Benchmarks: `make bench` (or `python -m bench`). Figures are ratios against baselines measured in the same run."""


def keep_results(name: str, results: object) -> None:
    """Write a benchmark's figures to bench/results/<name> (JSON), beside the table it printed."""
    import json
    from pathlib import Path

    out = Path("bench/results")
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_text(json.dumps(results, ensure_ascii=False, indent=2))
