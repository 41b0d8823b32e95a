"""Convert Kvasir-SEG (5:1 interleaved) to COCO instance jsons.

    python tools/dataset_converters/kvasir.py data/kvasir

See docs/en/datasets.md for the expected layout and the options (``--help``).
"""


from mmwesam.datasets.converters.kvasir import main

if __name__ == '__main__':
    main()
