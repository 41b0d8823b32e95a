"""Convert OSD (6:1 interleaved) to COCO instance jsons.

    python tools/dataset_converters/osd.py data/osd

See docs/en/datasets.md for the expected layout and the options (``--help``).
"""


from mmwesam.datasets.converters.osd import main

if __name__ == '__main__':
    main()
