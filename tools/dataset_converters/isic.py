"""Convert ISIC 2016 part 1 (official split) to COCO instance jsons.

    python tools/dataset_converters/isic.py data/isic

See docs/en/datasets.md for the expected layout and the options (``--help``).
"""


from mmwesam.datasets.converters.isic import main

if __name__ == '__main__':
    main()
