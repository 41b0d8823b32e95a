"""Convert COCO val2017 (6:1 interleaved by image id) to COCO instance jsons.

    python tools/dataset_converters/coco.py data/coco

See docs/en/datasets.md for the expected layout and the options (``--help``).
"""


from mmwesam.datasets.converters.coco import main

if __name__ == '__main__':
    main()
