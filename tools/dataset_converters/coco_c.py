"""Convert COCO-C: the 15 corruptions of COCO val2017, COCO's split to COCO instance jsons.

    python tools/dataset_converters/coco_c.py data/coco --out data/coco-c --severities 5 --workers 2

See docs/en/datasets.md for the expected layout and the options (``--help``).
"""


from mmwesam.datasets.converters.coco_c import main

if __name__ == '__main__':
    main()
