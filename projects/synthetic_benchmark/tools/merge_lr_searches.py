"""Merge ``select_lr.py`` searches made with different seeds into seed means.

    python projects/synthetic_benchmark/tools/merge_lr_searches.py \
        work_dirs/search_s0 work_dirs/search_s1 \
        --json projects/synthetic_benchmark/records/NAME.json \
        [--md projects/synthetic_benchmark/records/NAME_table.md]

Reads each directory's ``lr_search.json`` (nothing is rerun); every directory must hold the
same search (source model, prompt kind, domains, Direct) with another seed. Prints the
Markdown table (per method and lr: the domains' means over seeds, each seed's mean, the
mean over seeds); ``--json`` writes the merged record. Two-seed choices (e.g. the anchor
weight with point prompts) are read from this record, never from one seed's search.
"""
import argparse
import json
import os.path as osp
import sys

from synthetic_benchmark.search import format_merged_searches, merge_lr_searches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('dirs', nargs='+', help='select_lr.py output directories')
    parser.add_argument('--json', default=None, help='write the merged record here')
    parser.add_argument('--md', default=None, help='write the Markdown table here')
    args = parser.parse_args()
    searches = []
    for directory in args.dirs:
        file = osp.join(directory, 'lr_search.json')
        if not osp.isfile(file):
            sys.exit(f'{file} does not exist: run projects/synthetic_benchmark/tools/select_lr.py '
                     f'--out {directory} first')
        with open(file) as f:
            searches.append(json.load(f))
    try:
        merged = merge_lr_searches(searches)
    except ValueError as error:
        sys.exit(f'{error} (directories: {", ".join(args.dirs)})')
    merged['searches'] = [osp.join(d, 'lr_search.json') for d in args.dirs]
    table = format_merged_searches(merged)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(merged, f, indent=2)
    if args.md:
        with open(args.md, 'w') as f:
            f.write(table + '\n')
    print(table)


if __name__ == '__main__':
    main()
