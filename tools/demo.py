"""The built-in demo: synthetic domain shift, Direct vs adapted SAM, end to end on CPU.

    python tools/demo.py [--work-dir work_dirs/demo] [--domains fog camouflage ...]

Generates the synthetic benchmark (if not there), evaluates the source model directly
on each target domain, adapts it and evaluates again, prints the table and writes
``results.json``, a bar chart and before/after overlays into the work dir.
"""
import argparse

from synthetic_benchmark.demo import run_demo
from synthetic_benchmark.methods import DEFAULT_SOURCE, SOURCE_MODELS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default='data/synthetic_demo')
    parser.add_argument('--domains', nargs='+', default=None,
                        help='target domains (default: the benchmark\'s kept domains)')
    parser.add_argument('--iters', type=int, default=None,
                        help='adaptation iterations per domain (default: the config\'s)')
    parser.add_argument('--source', default=DEFAULT_SOURCE, choices=sorted(SOURCE_MODELS),
                        help='source model (and its method configs), default %(default)s')
    args = parser.parse_args()
    run_demo(work_dir=args.work_dir, data_root=args.data_root, domains=args.domains,
             iters=args.iters, source=args.source)


if __name__ == '__main__':
    main()
