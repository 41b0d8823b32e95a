"""Convert OCID (6:1 interleaved) to COCO instance jsons.

    python tools/dataset_converters/ocid.py data/ocid

See docs/en/datasets.md for the expected layout and the options (``--help``).
"""


from mmwesam.datasets.converters.ocid import main

if __name__ == '__main__':
    main()
