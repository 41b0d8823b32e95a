"""Convert COD10K test set (4:1 interleaved) to COCO instance jsons.

    python tools/dataset_converters/cod10k.py data/cod10k

See docs/en/datasets.md for the expected layout and the options (``--help``).
"""


from mmwesam.datasets.converters.cod10k import main

if __name__ == '__main__':
    main()
