"""Generate the seeded synthetic domain-shift benchmark (COCO json + PNG).

Example::

    python projects/synthetic_benchmark/tools/make_synthetic.py --out data/synthetic \
        --domains source fog camouflage --num-train 2000 --num-adapt 200 \
        --num-val 50 --num-test 100 --seed 0 --image-size 128
"""
import argparse
import time
from typing import Dict, List, Optional

from synthetic_benchmark.data import DOMAINS, default_splits, generate_domain


def parse_severity(items: Optional[List[str]], domains: List[str]) -> Dict[str, int]:
    """``3`` sets every domain; ``fog=4 jpeg=2`` sets some."""
    out: Dict[str, int] = {}
    for item in items or []:
        if '=' in item:
            name, level = item.split('=', 1)
            if name not in DOMAINS:
                raise SystemExit(f'--severity: unknown domain {name!r}')
            out[name] = int(level)
        else:
            out.update({d: int(item) for d in domains})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='data/synthetic', help='output root')
    parser.add_argument('--domains', nargs='+', default=list(DOMAINS),
                        choices=list(DOMAINS), metavar='DOMAIN',
                        help=f'domains to write (default all: {" ".join(DOMAINS)})')
    parser.add_argument('--num-train', type=int, default=200, help='source train images')
    parser.add_argument('--num-adapt', type=int, default=100, help='target adapt images')
    parser.add_argument('--num-val', type=int, default=20)
    parser.add_argument('--num-test', type=int, default=50)
    parser.add_argument('--image-size', type=int, default=128)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--severity', nargs='+', metavar='LEVEL|DOMAIN=LEVEL',
                        help='1..5; default: each domain\'s own default')
    parser.add_argument('--suffix-severity', action='store_true',
                        help='write to <domain>_s<level> so several levels can coexist')
    args = parser.parse_args()

    severity = parse_severity(args.severity, args.domains)
    for domain in args.domains:
        start = time.time()
        spec = DOMAINS[domain]
        sev = severity.get(domain, spec.default_severity)
        subdir = f'{domain}_s{sev}' if args.suffix_severity else domain
        splits = default_splits(domain, args.num_train, args.num_adapt, args.num_val,
                                args.num_test)
        summary = generate_domain(args.out, domain, splits, args.image_size, args.seed, sev,
                                  subdir=subdir)
        parts = ', '.join(f'{s}: {v["images"]} img / {v["instances"]} inst '
                          f'({v["per_image"]:.2f}/img)' for s, v in summary['splits'].items())
        print(f'{subdir:<14} severity {sev}  {parts}  [{time.time() - start:.1f}s] '
              f'-> {summary["root"]}')


if __name__ == '__main__':
    main()
