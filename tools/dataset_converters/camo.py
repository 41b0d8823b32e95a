"""Convert CAMO (official split) to COCO instance jsons.

    python tools/dataset_converters/camo.py data/camo

See docs/en/datasets.md for the expected layout and the options (``--help``).
"""


from mmwesam.datasets.converters.camo import main

if __name__ == '__main__':
    main()
