"""Convert CHAMELEON (all test by default) to COCO instance jsons.

    python tools/dataset_converters/chameleon.py data/chameleon

See docs/en/datasets.md for the expected layout and the options (``--help``).
"""


from mmwesam.datasets.converters.chameleon import main

if __name__ == '__main__':
    main()
